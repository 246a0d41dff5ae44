/// Static reference data of one instrument.
public struct Instrument: Sendable, Equatable {
    /// Dense id (its index in the registry).
    public var id: InstrumentId
    /// Engine-wide symbol, e.g. "AAPL" or "ESZ6".
    public var symbol: String
    /// Primary exchange or routing destination name, e.g. "NASDAQ", "SMART".
    public var exchange: String
    /// ISO currency code.
    public var currency: String
    /// Minimum price increment.
    public var tickSize: Price
    /// Minimum quantity increment.
    public var lotSize: Quantity
    /// Contract multiplier (1 for equities).
    public var multiplier: Int64

    public init(id: InstrumentId, symbol: String, exchange: String, currency: String, tickSize: Price,
                lotSize: Quantity, multiplier: Int64) {
        self.id = id; self.symbol = symbol; self.exchange = exchange; self.currency = currency
        self.tickSize = tickSize; self.lotSize = lotSize; self.multiplier = multiplier
    }
}

/// A problem found while loading instrument reference data, with its place in the file.
public struct InstrumentRegistryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// File name or "<text>".
    public var source: String
    /// 1-based line number.
    public var line: Int
    /// What was wrong and what to do.
    public var message: String
    public var description: String { "\(source):\(line): \(message)" }
}

/// Every problem in an instrument file at once.
public struct InstrumentRegistryErrors: Error, Sendable, CustomStringConvertible {
    public var problems: [InstrumentRegistryError]
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// The instruments the engine knows, with dense ids assigned in file order at start-up.
///
/// Built once before the hot path starts and immutable afterwards, so any thread may read
/// it without synchronization. Symbol lookup hashes a `String` and is for set-up (feeds
/// map their vendor ids to `InstrumentId` once at subscription); `subscript(id)` is O(1).
public final class InstrumentRegistry: Sendable {
    /// All instruments, indexed by `InstrumentId.rawValue`.
    public let instruments: [Instrument]
    private let bySymbol: [String: InstrumentId]

    /// The instruments in id order.
    public var count: Int { instruments.count }

    /// Builds a registry; ids are assigned in array order. Throws on duplicate symbols,
    /// non-positive tick or lot sizes.
    public init(_ definitions: [(symbol: String, exchange: String, currency: String, tickSize: Price,
                                 lotSize: Quantity, multiplier: Int64)]) throws(InstrumentRegistryErrors) {
        var list: [Instrument] = []
        var map: [String: InstrumentId] = [:]
        var problems: [InstrumentRegistryError] = []
        for (index, d) in definitions.enumerated() {
            let id = InstrumentId(rawValue: UInt32(index))
            if map[d.symbol] != nil {
                problems.append(.init(source: "<definitions>", line: index + 1, message: "duplicate symbol \(d.symbol)"))
            }
            if d.tickSize.rawValue <= 0 || d.lotSize.rawValue <= 0 || d.multiplier <= 0 {
                problems.append(.init(source: "<definitions>", line: index + 1,
                                      message: "tick size, lot size and multiplier must be positive for \(d.symbol)"))
            }
            map[d.symbol] = id
            list.append(Instrument(id: id, symbol: d.symbol, exchange: d.exchange, currency: d.currency,
                                   tickSize: d.tickSize, lotSize: d.lotSize, multiplier: d.multiplier))
        }
        if !problems.isEmpty { throw InstrumentRegistryErrors(problems: problems) }
        instruments = list
        bySymbol = map
    }

    /// Parses CSV reference data: a header line naming the columns `symbol, exchange,
    /// currency, tick_size, lot_size, multiplier` (any order; `multiplier` optional,
    /// default 1), then one instrument per line. `#` starts a comment; blank lines are
    /// skipped. Every problem is reported at once, with `source:line`.
    public convenience init(csv text: String, source: String = "<text>") throws(InstrumentRegistryErrors) {
        var problems: [InstrumentRegistryError] = []
        var columns: [String: Int] = [:]
        var definitions: [(symbol: String, exchange: String, currency: String, tickSize: Price,
                           lotSize: Quantity, multiplier: Int64)] = []
        var lineNumbers: [Int] = []
        let required = ["symbol", "exchange", "currency", "tick_size", "lot_size"]
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(rawLine)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters() }
            if fields.allSatisfy(\.isEmpty) { continue }
            if columns.isEmpty {
                for (i, name) in fields.enumerated() { columns[name.lowercased()] = i }
                let missing = required.filter { columns[$0] == nil }
                if !missing.isEmpty {
                    problems.append(.init(source: source, line: lineNumber,
                                          message: "header lacks column(s) \(missing.joined(separator: ", ")); expected symbol,exchange,currency,tick_size,lot_size[,multiplier]"))
                    throw InstrumentRegistryErrors(problems: problems)
                }
                continue
            }
            func field(_ name: String) -> String? {
                guard let i = columns[name], i < fields.count else { return nil }
                return fields[i]
            }
            guard fields.count >= columns.count - (columns["multiplier"] == nil ? 0 : 1) else {
                problems.append(.init(source: source, line: lineNumber,
                                      message: "expected \(columns.count) fields, found \(fields.count)"))
                continue
            }
            let symbol = field("symbol") ?? ""
            if symbol.isEmpty {
                problems.append(.init(source: source, line: lineNumber, message: "empty symbol"))
                continue
            }
            guard let tick = Price(field("tick_size") ?? ""), tick.rawValue > 0 else {
                problems.append(.init(source: source, line: lineNumber,
                                      message: "tick_size '\(field("tick_size") ?? "")' must be a positive decimal"))
                continue
            }
            guard let lot = Quantity(field("lot_size") ?? ""), lot.rawValue > 0 else {
                problems.append(.init(source: source, line: lineNumber,
                                      message: "lot_size '\(field("lot_size") ?? "")' must be a positive decimal"))
                continue
            }
            var multiplier: Int64 = 1
            if let text = field("multiplier"), !text.isEmpty {
                guard let m = Int64(text), m > 0 else {
                    problems.append(.init(source: source, line: lineNumber,
                                          message: "multiplier '\(text)' must be a positive integer"))
                    continue
                }
                multiplier = m
            }
            if let previous = definitions.firstIndex(where: { $0.symbol == symbol }) {
                problems.append(.init(source: source, line: lineNumber,
                                      message: "duplicate symbol \(symbol) (first on line \(lineNumbers[previous]))"))
                continue
            }
            definitions.append((symbol, field("exchange") ?? "", field("currency") ?? "", tick, lot, multiplier))
            lineNumbers.append(lineNumber)
        }
        if columns.isEmpty {
            problems.append(.init(source: source, line: max(lineNumber, 1), message: "no header line: the file is empty"))
        }
        if !problems.isEmpty { throw InstrumentRegistryErrors(problems: problems) }
        try self.init(definitions)
    }

    /// The instrument with `id`. O(1); traps for an id the registry did not assign.
    @inlinable
    public subscript(id: InstrumentId) -> Instrument { instruments[id.index] }

    /// The id of `symbol`, or `nil`. Hashes a `String`: set-up only, not per event.
    public func id(of symbol: String) -> InstrumentId? { bySymbol[symbol] }
}

extension Substring {
    /// The text without leading and trailing spaces and tabs (no Foundation).
    func trimmingCharacters() -> String {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
