/// Statistics measured once from the recorded LEAN data (shared/data/lean, US equities,
/// October 2013) that the simulated market's defaults are figured from.
///
/// Measured with a python3 script over the zipped CSVs (prices in deci-cents), regular
/// trading hours only (09:30–16:00 New York, 23,400 s), prints flagged suspicious dropped:
/// - trades: `tick/spy/20131007_trade.zip` (250,601 rows, 241,504 in regular hours);
/// - spread and top-of-book size: `second/spy/20131007_quote.zip` (22,160 one-second bars
///   with both sides, close bid/ask);
/// - volatility: standard deviation of one-minute log returns of the last trade price,
///   scaled to one second by √60.
/// IBM on the same day is given for contrast (a less liquid name).
public enum RecordedMarketStatistics {
    /// SPY, 2013-10-07.
    public enum SPY20131007 {
        /// First regular-hours trade price, dollars.
        public static let openingPrice = 167.41
        /// Trades per second in regular hours (241,504 / 23,400).
        public static let tradesPerSecond = 10.32
        /// Mean trade size, shares.
        public static let meanTradeSize = 339.4
        /// Median trade size, shares (46.3 % of prints are exactly 100; none is below 100).
        public static let medianTradeSize = 200.0
        /// 90th and 99th percentile trade sizes, shares.
        public static let tradeSizeP90 = 562.0
        public static let tradeSizeP99 = 2_700.0
        /// Mean and standard deviation of ln(trade size): sizes are close to log-normal.
        public static let logTradeSizeMean = 5.273
        public static let logTradeSizeStandardDeviation = 0.813
        /// Median quoted spread, dollars: one $0.01 tick (99.2 % of one-second bars).
        public static let medianSpread = 0.01
        /// Median size at the best bid (and at the best ask), shares.
        public static let medianTopOfBookSize = 5_700.0
        /// Volatility of the log price per √second (one-minute returns: 2.68e-4 per √minute).
        public static let volatilityPerSqrtSecond = 3.46e-5
        /// Share of consecutive prints at a different price than the previous one.
        public static let priceChangeShare = 0.126
    }

    /// IBM, 2013-10-07 (contrast).
    public enum IBM20131007 {
        public static let tradesPerSecond = 1.03
        public static let meanTradeSize = 155.7
        public static let medianTradeSize = 100.0
        /// Median spread from the consolidated quote ticks, dollars (3 ticks).
        public static let medianSpread = 0.03
        /// Quote updates per second.
        public static let quotesPerSecond = 4.62
        public static let volatilityPerSqrtSecond = 5.55e-5
    }
}
