import CBaselines
import PeregrineCore
import PeregrineFIX
#if canImport(Glibc)
import Glibc
#endif

/// FIX codec figures: nanoseconds per message to parse (with and without dictionary
/// validation) and to encode a typical NewOrderSingle (18 fields) and ExecutionReport (28
/// fields), and heap allocations per message over 1M messages after warm-up (goal: 0).
///
/// Single thread, no pinning needed: the codec is pure computation over cache-resident bytes.
/// Each figure is the median of several timed loops; a running sum of results keeps the
/// optimizer from discarding work.
func runFIXBenchmarks(quick: Bool, report: inout BenchReport) {
    let iterations = quick ? 200_000 : 1_000_000
    let repeats = quick ? 3 : 7
    let sendingTime = Timestamp(year: 2026, month: 11, day: 26, hour: 14, minute: 30, second: 5, nanosecond: 123_456_789)!
    var sink = 0

    // MARK: Messages
    var encoder = FIXEncoder(version: .fix44, senderCompID: FIXInlineText("PEREGRINE")!,
                             targetCompID: FIXInlineText("VENUE")!, timePrecision: .milliseconds)
    let symbol = FIXInlineText("AAPL")!
    let account = FIXInlineText("ACC-7")!
    var order = OrderCommand(kind: .new, orderId: OrderId(rawValue: 900001), instrument: InstrumentId(rawValue: 3),
                             side: .buy, type: .limit, timeInForce: .day, price: Price("187.25")!,
                             quantity: Quantity(units: 100)!, account: AccountId(rawValue: 7),
                             strategy: StrategyId(rawValue: 1), createdTime: sendingTime)
    let newOrderSingle = Array(encoder.encodeNewOrderSingle(order, symbol: symbol, account: account,
                                                            sequenceNumber: 1042, sendingTime: sendingTime))
    var event = ExecutionEvent()
    event.transactTime = sendingTime
    event.orderId = OrderId(rawValue: 900001)
    event.venueOrderId = 55501
    event.executionId = 9001
    event.executionType = .trade
    event.orderStatus = .partiallyFilled
    event.orderQuantity = Quantity(units: 100)!
    event.price = Price("187.25")!
    event.lastQuantity = Quantity(units: 40)!
    event.lastPrice = Price("187.24")!
    event.leavesQuantity = Quantity(units: 60)!
    event.cumulativeQuantity = Quantity(units: 40)!
    event.averagePrice = Price("187.24")!
    let executionReport = Array(encodeExecutionReport28(&encoder, event, symbol: symbol, account: account,
                                                        sequenceNumber: 2077, sendingTime: sendingTime))

    // The shipped FIX 4.4 dictionary: ../shared/fix-dictionaries from the package root, or
    // $PEREGRINE_FIX_DICTIONARIES.
    var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    parts.removeLast(5)   // Benchmarks/Sources/PeregrineBench/FIXBenchmarks.swift, package dir
    let directory = getenv("PEREGRINE_FIX_DICTIONARIES").map { String(cString: $0) }
        ?? parts.joined(separator: "/") + "/shared/fix-dictionaries"
    let dictionaryPath = directory + "/FIX44.xml"
    let dictionary: FIXDictionary?
    do {
        dictionary = try FIXDictionary.load(path: dictionaryPath)
    } catch {
        print("# fix: validation figures skipped: \(error)")
        dictionary = nil
    }

    var parser = FIXParser()
    // MARK: Parse (with and without validation)
    for (name, message, fields) in [("new_order_single", newOrderSingle, 18), ("execution_report", executionReport, 28)] {
        message.withUnsafeBytes { buffer in
            guard case .complete = parser.parse(buffer), parser.message.fieldCount == fields else {
                print("# fix: \(name) sample did not parse as \(fields) fields; skipped")
                return
            }
            if let dictionary, dictionary.validate(parser.message) != .valid {
                print("# fix: \(name) sample does not validate: \(dictionary.validate(parser.message))")
            }
            // Framing, checks and indexing only.
            let parseNanos = medianNanosPerOp(repeats: repeats, iterations: iterations) { n in
                for _ in 0..<n {
                    if case .complete(let length) = parser.parse(buffer) { sink &+= length }
                }
            }
            report.add(name: "fix.parse.\(name)", value: parseNanos, unit: "ns/msg")
            // Plus the typed reads an order gateway does: ClOrdID, Side, OrderQty, Price,
            // TransactTime (the cost of decoding on demand).
            let readNanos = medianNanosPerOp(repeats: repeats, iterations: iterations) { n in
                for _ in 0..<n {
                    if case .complete(let length) = parser.parse(buffer) { sink &+= length }
                    let m = parser.message
                    if case .success(let v) = m.int(FIXTag.clOrdID) { sink &+= Int(truncatingIfNeeded: v) }
                    if case .success(let v) = m.char(FIXTag.side) { sink &+= Int(v) }
                    if case .success(let v) = m.quantity(FIXTag.orderQty) { sink &+= Int(truncatingIfNeeded: v.rawValue) }
                    if case .success(let v) = m.price(FIXTag.price) { sink &+= Int(truncatingIfNeeded: v.rawValue) }
                    if case .success(let v) = m.timestamp(FIXTag.transactTime) { sink &+= Int(truncatingIfNeeded: v.nanosecondsSinceEpoch) }
                }
            }
            report.add(name: "fix.parse_read5.\(name)", value: readNanos, unit: "ns/msg")
            if let dictionary {
                let validateNanos = medianNanosPerOp(repeats: repeats, iterations: iterations) { n in
                    for _ in 0..<n {
                        if case .complete(let length) = parser.parse(buffer) { sink &+= length }
                        if dictionary.validate(parser.message) == .valid { sink &+= 1 }
                    }
                }
                report.add(name: "fix.parse_validate.\(name)", value: validateNanos, unit: "ns/msg")
                // Allocations over 1M messages after the warm-up above.
                let before = cbaseline_allocation_count()
                for _ in 0..<1_000_000 {
                    if case .complete(let length) = parser.parse(buffer) { sink &+= length }
                    if dictionary.validate(parser.message) == .valid { sink &+= 1 }
                }
                let allocations = cbaseline_allocation_count() - before
                report.add(name: "fix.parse_validate.\(name).allocations", value: Double(allocations) / 1e6, unit: "allocs/msg")
            }
        }
    }

    // MARK: Encode
    let encodeNOS = medianNanosPerOp(repeats: repeats, iterations: iterations) { n in
        for i in 0..<n {
            order.orderId = OrderId(rawValue: UInt64(900_000 + i))
            let span = encoder.encodeNewOrderSingle(order, symbol: symbol, account: account, sequenceNumber: 1000 + i,
                                                    sendingTime: sendingTime + Nanoseconds(Int64(i)))
            sink &+= span.count
        }
    }
    report.add(name: "fix.encode.new_order_single", value: encodeNOS, unit: "ns/msg")
    let encodeER = medianNanosPerOp(repeats: repeats, iterations: iterations) { n in
        for i in 0..<n {
            event.executionId = UInt64(9000 + i)
            let span = encodeExecutionReport28(&encoder, event, symbol: symbol, account: account, sequenceNumber: 2000 + i,
                                               sendingTime: sendingTime + Nanoseconds(Int64(i)))
            sink &+= span.count
        }
    }
    report.add(name: "fix.encode.execution_report", value: encodeER, unit: "ns/msg")
    let before = cbaseline_allocation_count()
    for i in 0..<1_000_000 {
        let a = encoder.encodeNewOrderSingle(order, symbol: symbol, account: account, sequenceNumber: i, sendingTime: sendingTime)
        sink &+= a.count
        let b = encodeExecutionReport28(&encoder, event, symbol: symbol, account: account, sequenceNumber: i, sendingTime: sendingTime)
        sink &+= b.count
    }
    let allocations = cbaseline_allocation_count() - before
    report.add(name: "fix.encode.allocations", value: Double(allocations) / 2e6, unit: "allocs/msg")
    if sink == 42 { print("# fix: sink \(sink)") }   // keeps the loops' results alive

    // MARK: QuickFIX C++ doing the same work, in the same run
    runQuickFIXCodecBaseline(newOrderSingle: newOrderSingle, executionReport: executionReport,
                             dictionaryPath: dictionaryPath, iterations: quick ? 100_000 : 500_000, report: &report)
}

/// Builds `tools/quickfix/qf_codec_bench` (Debian libquickfix-dev) and runs it on the same
/// two messages, then prints Swift/QuickFIX ratios. Skipped with a note when QuickFIX is not
/// installed.
func runQuickFIXCodecBaseline(newOrderSingle: [UInt8], executionReport: [UInt8], dictionaryPath: String,
                              iterations: Int, report: inout BenchReport) {
    var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    parts.removeLast(4)   // Benchmarks/Sources/PeregrineBench/FIXBenchmarks.swift
    let root = parts.joined(separator: "/")
    let buildDirectory = "/tmp/peregrine-quickfix-bench"
    let nosPath = buildDirectory + "/nos.fix", erPath = buildDirectory + "/er.fix"
    guard system("sh '\(root)/tools/quickfix/build.sh' \(buildDirectory) >/dev/null 2>&1") == 0 else {
        print("# fix: QuickFIX baseline skipped (tools/quickfix/build.sh failed: is libquickfix-dev installed?)")
        return
    }
    for (path, bytes) in [(nosPath, newOrderSingle), (erPath, executionReport)] {
        guard let file = fopen(path, "wb") else { return }
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
    }
    guard let pipe = popen("\(buildDirectory)/qf_codec_bench \(nosPath) \(erPath) '\(dictionaryPath)' \(iterations)", "r") else { return }
    var line = [CChar](repeating: 0, count: 512)
    while fgets(&line, Int32(line.count), pipe) != nil {
        let text = String(cString: line).split(separator: "\n").first.map(String.init) ?? ""
        let fields = text.split(separator: " ")
        guard fields.count == 3, let value = Double(fields[1]) else { continue }
        report.add(name: String(fields[0]), value: value, unit: String(fields[2]))
    }
    if pclose(pipe) != 0 { print("# fix: qf_codec_bench failed") }
    for work in ["parse", "parse_validate", "encode"] {
        for message in ["new_order_single", "execution_report"] {
            report.addRatio(name: "fix.\(work).\(message).swift_over_quickfix",
                            numerator: "fix.\(work).\(message)", denominator: "qf.\(work).\(message)")
        }
    }
}

/// A 28-field ExecutionReport: the codec's `encodeExecutionReport` (23 fields) plus Account,
/// OrdType, TimeInForce, LastMkt and Text, as venues typically send.
@inline(never)
func encodeExecutionReport28(_ encoder: inout FIXEncoder, _ event: ExecutionEvent, symbol: FIXInlineText,
                             account: FIXInlineText, sequenceNumber: Int, sendingTime: Timestamp) -> UnsafeRawBufferPointer {
    encoder.begin(.executionReport, sequenceNumber: sequenceNumber, sendingTime: sendingTime)
    encoder.append(FIXTag.orderID, int: Int64(bitPattern: event.venueOrderId))
    encoder.append(FIXTag.clOrdID, int: Int64(bitPattern: event.orderId.rawValue))
    encoder.append(FIXTag.execID, int: Int64(bitPattern: event.executionId))
    encoder.append(FIXTag.execType, char: event.executionType.rawValue)
    encoder.append(FIXTag.ordStatus, char: event.orderStatus.rawValue)
    encoder.append(FIXTag.account, text: account)
    encoder.append(FIXTag.symbol, text: symbol)
    encoder.append(FIXTag.side, char: event.side.rawValue)
    encoder.append(FIXTag.orderQty, quantity: event.orderQuantity)
    encoder.append(FIXTag.ordType, char: OrderType.limit.rawValue)
    encoder.append(FIXTag.price, price: event.price)
    encoder.append(FIXTag.timeInForce, char: TimeInForce.day.rawValue)
    encoder.append(FIXTag.lastQty, quantity: event.lastQuantity)
    encoder.append(FIXTag.lastPx, price: event.lastPrice)
    encoder.append(FIXTag.leavesQty, quantity: event.leavesQuantity)
    encoder.append(FIXTag.cumQty, quantity: event.cumulativeQuantity)
    encoder.append(FIXTag.avgPx, price: event.averagePrice)
    encoder.append(FIXTag.transactTime, timestamp: event.transactTime)
    encoder.append(30, ascii: "XNAS")            // LastMkt
    encoder.append(FIXTag.text, ascii: "partial fill")
    return encoder.finish()
}

/// The median over `repeats` timed runs of `body(iterations)`, in nanoseconds per iteration,
/// after one untimed warm-up run.
func medianNanosPerOp(repeats: Int, iterations: Int, _ body: (Int) -> Void) -> Double {
    body(iterations / 10)
    var samples: [Double] = []
    for _ in 0..<repeats {
        var start = timespec(), end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        body(iterations)
        clock_gettime(CLOCK_MONOTONIC, &end)
        let nanos = Double(end.tv_sec - start.tv_sec) * 1e9 + Double(end.tv_nsec - start.tv_nsec)
        samples.append(nanos / Double(iterations))
    }
    samples.sort()
    return samples[samples.count / 2]
}
