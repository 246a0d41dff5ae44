import CBaselines
import PeregrineCore
#if canImport(Glibc)
import Glibc
#endif

/// The C tick-to-order pipeline (CBaselines/tick_to_order.c) configured from the same
/// constants as the Swift one (`TickToOrderLimits`, `TickToOrderCEP`, `CEPImbalanceAlpha`).
final class TickToOrderC {
    private var config = cbaseline_t2o_config()
    private let symbols: UnsafeMutablePointer<CChar>
    let measured: Int

    init(stream: TickStream, warmup: Int, measured: Int, firstReceive: Timestamp, openUTC: Timestamp, feedCPU: Int, orderCPU: Int) {
        self.measured = measured
        symbols = strdup(TickStream.symbols.joined(separator: ","))!
        let scale = FixedPointScale.scale
        config.stream_bytes = UInt64(stream.bytes.count)
        config.warmup_lines = UInt64(warmup)
        config.measured_lines = UInt64(measured)
        config.first_receive_ns = firstReceive.nanosecondsSinceEpoch
        config.step_ns = TickStream.stepNanos
        config.midnight_utc_ns = openUTC.nanosecondsSinceEpoch - TickStream.openMicros * 1_000
        config.symbols_csv = UnsafePointer(symbols)
        config.lot_raw = TickToOrderLimits.strategyLotShares * scale
        config.tick_raw = scale / 100
        config.strategy_max_position_raw = TickToOrderLimits.strategyMaxPositionShares * scale
        config.strategy_max_order_raw = TickToOrderLimits.strategyMaxOrderShares * scale
        config.offset_ticks = TickToOrderLimits.offsetTicks
        config.retry_after_ns = TickToOrderLimits.retryAfter.count
        config.gross_notional = TickToOrderLimits.grossNotional
        config.threshold = TickToOrderLimits.signalThreshold
        config.strategy_max_drawdown = TickToOrderLimits.strategyMaxDrawdown
        let w = CEPImbalanceAlpha.weights
        config.weights = (w[0], w[1], w[2], w[3], w[4])
        config.intercept = 0
        config.ema_span = Int32(TickToOrderCEP.span)
        config.window = Int32(TickToOrderCEP.window)
        config.risk_max_order_raw = TickToOrderLimits.maxOrderShares * scale
        config.risk_max_position_raw = TickToOrderLimits.maxPositionShares * scale
        config.max_order_notional_units = TickToOrderLimits.maxOrderNotional
        config.collar_bps = TickToOrderLimits.collarBasisPoints
        config.instrument_rate = TickToOrderLimits.instrumentRate
        config.instrument_burst = TickToOrderLimits.instrumentBurst
        config.venue_rate = TickToOrderLimits.venueRate
        config.venue_burst = TickToOrderLimits.venueBurst
        config.global_rate = TickToOrderLimits.globalRate
        config.global_burst = TickToOrderLimits.globalBurst
        config.max_gross_units = TickToOrderLimits.maxGrossExposure
        config.max_net_units = TickToOrderLimits.maxNetExposure
        config.credit_units = TickToOrderLimits.creditLimit
        config.max_loss_units = TickToOrderLimits.maxLoss
        config.max_drawdown_units = TickToOrderLimits.maxDrawdown
        config.duplicate_window_ns = TickToOrderLimits.duplicateWindow.count
        config.reference_max_age_ns = TickToOrderLimits.referenceMaxAge.count
        config.max_open_orders = Int32(TickToOrderLimits.maxOpenOrders)
        config.spike_band_bps = TickToOrderLimits.spikeBandBasisPoints
        config.stale_limit_ns = TickToOrderLimits.staleLimit.count
        config.order_capacity = Int32(TickToOrderLimits.orderCapacity)
        config.linger_ns = TickToOrderLimits.linger.count
        config.feed_cpu = Int32(feedCPU)
        config.order_cpu = Int32(orderCPU)
    }

    deinit { free(symbols) }

    /// One run: fused (one thread) or spread (two threads). With `stageTicks` (fused only, 8 ×
    /// `measured` entries) it is a breakdown run; `stageSamples` says how many lines it stamped.
    func run(stream: TickStream, spread: Bool, stageTicks: UnsafeMutablePointer<UInt64>? = nil)
        -> (run: TickToOrderRun, stageSamples: Int) {
        var ticks = [UInt64](repeating: 0, count: measured)
        var orderTicks = [UInt64](repeating: 0, count: measured)
        var result = cbaseline_t2o_result()
        let rc = stream.bytes.withUnsafeBufferPointer { bytes in
            ticks.withUnsafeMutableBufferPointer { t in
                orderTicks.withUnsafeMutableBufferPointer { o in
                    config.stream = bytes.baseAddress
                    result.tick_ticks = spread ? nil : t.baseAddress
                    result.order_ticks = o.baseAddress
                    result.stage_ticks = spread ? nil : stageTicks
                    return spread ? cbaseline_t2o_spread(&config, &result) : cbaseline_t2o_fused(&config, &result)
                }
            }
        }
        config.stream = nil
        var run = TickToOrderRun()
        guard rc == 0 else {
            print("# ticktoorder: C \(spread ? "spread" : "fused") run failed (errno \(rc))")
            return (run, 0)
        }
        run.tickTicks = spread ? [] : ticks
        run.orderTicks = Array(orderTicks.prefix(Int(result.order_samples)))
        run.events = Int(result.events)
        run.drops = Int(result.drops)
        run.ordersAccepted = Int(result.orders_accepted)
        run.ordersRejected = Int(result.orders_rejected)
        run.nosBytes = Int(result.nos_bytes)
        run.lastNOS = withUnsafeBytes(of: result.last_nos) { raw in
            String(decoding: raw.prefix(Int(result.last_nos_length)).map { $0 == 1 ? UInt8(ascii: "|") : $0 }, as: UTF8.self)
        }
        return (run, Int(result.stage_samples))
    }
}
