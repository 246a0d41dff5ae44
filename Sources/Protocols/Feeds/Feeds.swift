/// Live market-data sessions (TWS API, IQFeed) on the platform's sockets: connection
/// health, pacing, reconnect and resubscribe around the codecs of `PeregrineMarketData`.
public enum PeregrineFeeds {}
