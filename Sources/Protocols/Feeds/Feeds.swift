// Design note — live feed sessions (issue #4)
//
// A session (`TWSClientSession`, `IQFeedLevel1Session`) is one logical market-data link that
// survives socket drops. It owns the socket, the receive and send buffers, the codec from
// `PeregrineMarketData`, the subscription list and a connection-health state machine, and is
// driven by its owner's loop in the style of `FIXSessionLink`:
//
//   poll(now:handler:)   takes bytes already arrived (never waits), frames and decodes them,
//                        updates health and per-instrument state, hands `MarketEvent`s and
//                        health changes to the handler, and sends paced requests;
//   timer(now:handler:)  connect / reconnect with back-off, handshake timeouts, pacing,
//                        the nightly-reset window. Call every millisecond or so.
//
// Nothing in either call blocks: the TCP connect is a non-blocking connect polled by `timer`
// (`FeedConnector`), receives use `tryReceive`, and outbound requests wait in a byte queue
// released by a token bucket. Per message nothing allocates, locks, builds a String or goes
// through an existential: the handler is a generic parameter, decoded text fields are views
// into the receive buffer, and faults are counted in preallocated counters. A (re)connect
// allocates the connection's buffers in the socket engine; subscribing allocates the stored
// contract — both set-up paths.

/// Live market-data sessions (TWS API, IQFeed Level 1) on the platform's sockets: connection
/// health, pacing, reconnect and resubscribe around the codecs of `PeregrineMarketData`.
public enum PeregrineFeeds {}
