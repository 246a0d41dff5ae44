import PeregrineCore
import PeregrineJournal

/// One batch of journal records turned into COPY streams, one per table, plus what the
/// commit needs besides (partitions, instruments, the order flow for the stateful rules).
///
/// Stateless rules (positive prices and sizes, bar ranges, well-formed payloads) are
/// applied as records are added; the stateful ones when the batch is committed (see
/// `WarehouseBatch+Orders.swift`).
struct WarehouseBatch {
    var trades = BinaryCopyEncoder()
    var quotes = BinaryCopyEncoder()
    var depth = BinaryCopyEncoder()
    var bars = BinaryCopyEncoder()
    var marketStatus = BinaryCopyEncoder()
    var riskDecisions = BinaryCopyEncoder()
    var filterDrops = BinaryCopyEncoder()
    var rawMessages = BinaryCopyEncoder()
    var configurationChanges = BinaryCopyEncoder()
    var quarantine = BinaryCopyEncoder()

    /// Orders and executions in journal order, evaluated at commit.
    var orderFlow: [OrderFlowRecord] = []

    /// Day partitions the market rows need, as (table, day number).
    var partitionDays: Set<PartitionDay> = []
    private var lastPartition = PartitionDay(table: "", day: .min)
    /// Instruments seen, with the first exchange time.
    var instruments: [UInt32: Int64] = [:]
    private var lastInstrument: UInt32?

    var recordCount = 0
    var quarantineCount = 0
    /// The last record added (the batch's resume point).
    var lastSequence: UInt64 = 0
    var lastFileIndex: UInt64 = 0
    var lastOffset = 0
    var lastTimestamp: Int64 = 0
    /// Journal time of the first record added.
    var firstTimestamp: Int64 = 0
    private var lastFilePath = ""

    var isEmpty: Bool { recordCount == 0 }

    /// Empties the batch for the next one, keeping the encoders' buffers (after a batch of
    /// 50k trades, megabytes already allocated and faulted in). Every stored property is
    /// reset here: a new one must be added too.
    mutating func reset() {
        for encoder in [\WarehouseBatch.trades, \.quotes, \.depth, \.bars, \.marketStatus, \.riskDecisions, \.filterDrops,
                        \.rawMessages, \.configurationChanges, \.quarantine] {
            self[keyPath: encoder].reset()
        }
        orderFlow.removeAll(keepingCapacity: true)
        partitionDays.removeAll(keepingCapacity: true)
        lastPartition = PartitionDay(table: "", day: .min)
        instruments.removeAll(keepingCapacity: true)
        lastInstrument = nil
        recordCount = 0
        quarantineCount = 0
        lastSequence = 0
        lastFileIndex = 0
        lastOffset = 0
        lastTimestamp = 0
        firstTimestamp = 0
        lastFilePath = ""
    }

    mutating func add(_ record: JournalRecord) {
        recordCount += 1
        lastSequence = record.sequence
        lastOffset = record.offset
        lastTimestamp = record.timestamp.nanosecondsSinceEpoch
        if recordCount == 1 { firstTimestamp = lastTimestamp }
        if record.file != lastFilePath {
            lastFilePath = record.file
            lastFileIndex = WarehouseText.fileIndex(ofPath: record.file)
        }
        switch record.type {
        case .marketEvent: addMarketEvent(record)
        case .orderCommand:
            guard let command = WarehousePayload.orderCommand(record) else {
                return reject(record, .malformedPayload, "order command payload of \(record.payload.count) byte(s) or an enum byte out of range")
            }
            orderFlow.append(OrderFlowRecord(record, .command(command)))
        case .executionEvent:
            guard let execution = WarehousePayload.executionEvent(record) else {
                return reject(record, .malformedPayload, "execution payload of \(record.payload.count) byte(s) or an enum byte out of range")
            }
            orderFlow.append(OrderFlowRecord(record, .execution(execution)))
        case .riskDecision: addRiskDecision(record)
        case .rawInbound, .rawOutbound:
            rawMessages.beginRow(fieldCount: 5)
            rawMessages.appendBigint(Int64(bitPattern: record.sequence))
            rawMessages.appendBigint(record.timestamp.nanosecondsSinceEpoch)
            rawMessages.appendText(record.type == .rawInbound ? "inbound" : "outbound")
            rawMessages.appendInteger(Int32(record.flags))
            rawMessages.appendBytes(record.payload)
        case .configurationChange:
            configurationChanges.beginRow(fieldCount: 3)
            configurationChanges.appendBigint(Int64(bitPattern: record.sequence))
            configurationChanges.appendBigint(record.timestamp.nanosecondsSinceEpoch)
            configurationChanges.appendText(String(decoding: record.payload, as: UTF8.self))
        default:
            if record.type.rawValue == WarehouseRecordType.filterDrop {
                addFilterDrop(record)
            } else {
                reject(record, .unknownRecordType, "record type \(record.type.rawValue) is not one the warehouse loads")
            }
        }
    }

    // MARK: Market data

    private mutating func addMarketEvent(_ record: JournalRecord) {
        guard let event = WarehousePayload.marketEvent(record) else {
            return reject(record, .malformedPayload, "market event payload of \(record.payload.count) byte(s) or kind byte out of range")
        }
        let sequence = Int64(bitPattern: record.sequence)
        switch event.kind {
        case .trade:
            if event.price.rawValue <= 0 { return reject(record, .pricePositive, "trade price \(event.price) on \(event.instrument) is not positive") }
            if event.quantity.rawValue <= 0 { return reject(record, .sizePositive, "trade quantity \(event.quantity) on \(event.instrument) is not positive") }
            note(event, table: "trades")
            trades.beginRow(fieldCount: 10)
            Self.appendHeader(&trades, sequence, event)
            trades.appendBigint(event.word0)
            trades.appendBigint(event.word1)
            trades.appendBigint(event.word2)
            trades.appendBigint(event.word3)
            trades.appendSmallint(Int16(event.flags))
        case .quote:
            // A side is either empty (price and size 0) or has both positive.
            if let (rule, side) = Self.quoteSideProblem(event.word0, event.word1) ?? Self.quoteSideProblem(event.word2, event.word3).map({ ($0.0, "ask") }) {
                let (price, size) = side == "bid" ? (event.bidPrice, event.bidQuantity) : (event.askPrice, event.askQuantity)
                return reject(record, rule, "quote \(side) \(rule == .pricePositive ? "price \(price)" : "size \(size)") on \(event.instrument) is not positive")
            }
            note(event, table: "quotes")
            quotes.beginRow(fieldCount: 11)
            Self.appendHeader(&quotes, sequence, event)
            quotes.appendBigint(event.word0)
            quotes.appendBigint(event.word1)
            quotes.appendBigint(event.word2)
            quotes.appendBigint(event.word3)
            quotes.appendBigint(event.word4)
            quotes.appendSmallint(Int16(event.flags))
        case .depth:
            if event.price.rawValue <= 0 { return reject(record, .pricePositive, "depth price \(event.price) on \(event.instrument) is not positive") }
            if event.quantity.rawValue < 0 { return reject(record, .sizePositive, "depth size \(event.quantity) on \(event.instrument) is negative") }
            if event.word2 < 0 || event.word2 > Int64(Int32.max) { return reject(record, .malformedPayload, "depth level \(event.word2) is out of range") }
            note(event, table: "depth")
            depth.beginRow(fieldCount: 11)
            Self.appendHeader(&depth, sequence, event)
            depth.appendBoolean(event.depthSide == .sell)
            depth.appendBigint(event.word0)
            depth.appendBigint(event.word1)
            depth.appendInteger(Int32(event.word2))
            depth.appendBigint(event.word3)
            depth.appendSmallint(Int16(event.flags))
        case .bar:
            let prices = [event.open.rawValue, event.high.rawValue, event.low.rawValue, event.close.rawValue]
            if prices.contains(where: { $0 <= 0 }) { return reject(record, .pricePositive, "bar on \(event.instrument) has a non-positive price (o \(event.open) h \(event.high) l \(event.low) c \(event.close))") }
            if event.volume.rawValue < 0 { return reject(record, .sizePositive, "bar volume \(event.volume) on \(event.instrument) is negative") }
            if event.low.rawValue > min(event.open.rawValue, event.close.rawValue) || event.high.rawValue < max(event.open.rawValue, event.close.rawValue) {
                return reject(record, .barRange, "bar on \(event.instrument): low \(event.low) / high \(event.high) do not bound open \(event.open) and close \(event.close)")
            }
            note(event, table: nil)
            bars.beginRow(fieldCount: 10)
            Self.appendHeader(&bars, sequence, event)
            for word in prices { bars.appendBigint(word) }
            bars.appendBigint(event.word4)
        case .status, .clearBook:
            note(event, table: nil)
            marketStatus.beginRow(fieldCount: 7)
            Self.appendHeader(&marketStatus, sequence, event)
            marketStatus.appendText(WarehouseText.marketKind(event.kind))
            marketStatus.appendBigint(event.kind == .status ? event.statusCode : 0)
        }
    }

    /// The rule a quote side breaks (named "bid"; the caller renames the ask), if any.
    @inline(__always)
    private static func quoteSideProblem(_ price: Int64, _ size: Int64) -> (ODSRule, String)? {
        if price < 0 || (price == 0 && size != 0) { return (.pricePositive, "bid") }
        if size < 0 || (size == 0 && price != 0) { return (.sizePositive, "bid") }
        return nil
    }

    /// journal_sequence, instrument_id, venue_id, exchange time, receive time.
    @inline(__always)
    private static func appendHeader(_ encoder: inout BinaryCopyEncoder, _ sequence: Int64, _ event: MarketEvent) {
        encoder.appendBigint(sequence)
        encoder.appendBigint(Int64(event.instrument.rawValue))
        encoder.appendInteger(Int32(event.venue.rawValue))
        encoder.appendBigint(event.exchangeTime.nanosecondsSinceEpoch)
        encoder.appendBigint(event.receiveTime.nanosecondsSinceEpoch)
    }

    /// Records the instrument and the day partition a market row needs.
    @inline(__always)
    private mutating func note(_ event: MarketEvent, table: String?) {
        let instrument = event.instrument.rawValue
        if instrument != lastInstrument {
            lastInstrument = instrument
            if instruments[instrument] == nil { instruments[instrument] = event.exchangeTime.nanosecondsSinceEpoch }
        }
        guard let table else { return }
        let partition = PartitionDay(table: table, day: WarehouseText.day(ofNanos: event.exchangeTime.nanosecondsSinceEpoch))
        if partition != lastPartition {
            lastPartition = partition
            partitionDays.insert(partition)
        }
    }

    // MARK: Other records

    private mutating func addRiskDecision(_ record: JournalRecord) {
        guard record.payload.count >= 9, let base = record.payload.baseAddress else {
            return reject(record, .malformedPayload, "risk decision payload of \(record.payload.count) byte(s); expected 16")
        }
        let orderId = UInt64(littleEndian: base.loadUnaligned(as: UInt64.self))
        let reason = base.load(fromByteOffset: 8, as: UInt8.self)
        riskDecisions.beginRow(fieldCount: 5)
        riskDecisions.appendBigint(Int64(bitPattern: record.sequence))
        riskDecisions.appendBigint(record.timestamp.nanosecondsSinceEpoch)
        riskDecisions.appendBigint(Int64(bitPattern: orderId))
        riskDecisions.appendSmallint(Int16(reason))
        riskDecisions.appendBoolean(reason == 0)
    }

    private mutating func addFilterDrop(_ record: JournalRecord) {
        guard let event = WarehousePayload.marketEvent(record) else {
            return reject(record, .malformedPayload, "filter drop payload of \(record.payload.count) byte(s) or kind byte out of range")
        }
        filterDrops.beginRow(fieldCount: 12)
        filterDrops.appendBigint(Int64(bitPattern: record.sequence))
        filterDrops.appendBigint(Int64(event.instrument.rawValue))
        filterDrops.appendInteger(Int32(event.venue.rawValue))
        filterDrops.appendText(WarehouseText.marketKind(event.kind))
        filterDrops.appendBigint(event.exchangeTime.nanosecondsSinceEpoch)
        filterDrops.appendBigint(event.receiveTime.nanosecondsSinceEpoch)
        filterDrops.appendSmallint(Int16(truncatingIfNeeded: record.flags))
        for word in [event.word0, event.word1, event.word2, event.word3, event.word4] { filterDrops.appendBigint(word) }
    }

    /// Sends a record to quarantine with the rule it broke.
    mutating func reject(_ record: JournalRecord, _ rule: ODSRule, _ reason: String) {
        quarantineRow(sequence: record.sequence, fileIndex: WarehouseText.fileIndex(ofPath: record.file), offset: record.offset,
                      time: record.timestamp.nanosecondsSinceEpoch, type: record.type.rawValue, rule, reason, record.payload)
    }

    mutating func quarantineRow(sequence: UInt64, fileIndex: UInt64, offset: Int, time: Int64, type: UInt16,
                                _ rule: ODSRule, _ reason: String, _ payload: UnsafeRawBufferPointer) {
        quarantineCount += 1
        quarantine.beginRow(fieldCount: 8)
        quarantine.appendBigint(Int64(bitPattern: sequence))
        quarantine.appendBigint(Int64(bitPattern: fileIndex))
        quarantine.appendBigint(Int64(offset))
        quarantine.appendBigint(time)
        quarantine.appendInteger(Int32(type))
        quarantine.appendText(rule.rawValue)
        quarantine.appendText(reason)
        quarantine.appendBytes(payload)
    }
}

/// A day partition of a market table.
struct PartitionDay: Hashable {
    var table: String
    var day: Int64
}
