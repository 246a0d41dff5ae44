import PeregrineCore

/// A named (or anonymous) output stream of a compiled CQL file.
public struct CQLStreamInfo: Sendable, Equatable {
    /// The `INSERT INTO` name, or `_N` (N = statement number) for a query without one.
    public var name: String
    /// Whether the name was given with `INSERT INTO`.
    public var isNamed: Bool
    /// The id its results carry.
    public var id: StreamId
    /// What `CEPOutput` values 0... mean, by name (readers refer to them in CQL by name).
    public var columns: [String]
    /// The `CEPOutputKind` its results carry.
    public var kind: CEPOutputKind
    /// Where the statement starts.
    public var location: CQLSourceLocation
    /// Whether the operator reads market events (false: a derived stream).
    public var readsMarketEvents: Bool
}

/// A compiled CQL file: concrete CEP operators, called in statement order for each market
/// event, with derived streams fed from the results of the streams they read.
///
/// Built at start-up by `CQL.compile` (allocates); `onEvent` / `onWatermark` then run with no
/// allocation: operators live in one array per operator type (one concrete generic type per
/// kind, data-driven through `MarketCondition`, `MarketField`, `MarketGrouping` over market
/// events and `OutputCondition`, `OutputExpression`, `OutputGrouping` over derived streams),
/// a schedule of (kind, index) slots fixes the call order, and each call is a `switch` on the
/// kind then a static, inlinable call. Results go to the caller's `CEPOutputBuffer`; results
/// of a stream that other queries read are passed on to them at once (breadth-first, in
/// buffer order), so a derived result follows the result it came from in the buffer.
///
/// Time: as every operator (`CEPOperator`): non-decreasing event times; `onWatermark(W)`
/// fires due timers (window ends, session gaps, absences), first on market-event operators,
/// then on derived-stream operators in statement order. A derived operator sees results in
/// the time they carry (a window's end), so results arriving older than ones it has seen are
/// counted as out of order; call `onWatermark` regularly (live: `now − 1` each duty cycle).
///
/// Do not copy a query set after start-up (its arrays would be shared and the next event
/// would copy them); keep one `var` and mutate it in place. Single thread.
public struct CQLQuerySet {
    public typealias MarketFilterProject = FilterProjectOperator<MarketGrouping, MarketCondition, MarketField>
    public typealias MarketWindow = WindowOperator<MarketGrouping, MarketCondition, MarketField, MarketField>
    public typealias MarketEMA = MovingAverageOperator<MarketGrouping, MarketCondition, MarketField>
    public typealias MarketJoin = StreamTableJoin<MarketGrouping, MarketCondition, MarketCondition, MarketField>
    public typealias MarketSequence = SequencePattern<MarketGrouping, MarketCondition>
    public typealias MarketRepetition = RepetitionPattern<MarketGrouping, MarketCondition>
    public typealias MarketAbsence = AbsencePattern<MarketGrouping, MarketCondition, MarketCondition>
    public typealias DerivedFilterProject = FilterProjectOperator<OutputGrouping, OutputCondition, OutputExpression>
    public typealias DerivedWindow = WindowOperator<OutputGrouping, OutputCondition, OutputExpression, OutputExpression>
    public typealias DerivedEMA = MovingAverageOperator<OutputGrouping, OutputCondition, OutputExpression>
    public typealias DerivedSequence = SequencePattern<OutputGrouping, OutputCondition>
    public typealias DerivedRepetition = RepetitionPattern<OutputGrouping, OutputCondition>
    public typealias DerivedAbsence = AbsencePattern<OutputGrouping, OutputCondition, OutputCondition>

    /// Which array a slot indexes.
    @usableFromInline
    enum Kind: UInt8, Sendable, BitwiseCopyable {
        case marketFilter, marketWindow, marketEMA, marketJoin, marketSequence, marketRepetition, marketAbsence
        case derivedFilter, derivedWindow, derivedEMA, derivedSequence, derivedRepetition, derivedAbsence
    }

    /// One operator: its kind and index in that kind's array.
    @frozen @usableFromInline
    struct Slot: Sendable, BitwiseCopyable {
        @usableFromInline var kind: Kind
        @usableFromInline var index: Int32
        @usableFromInline init(kind: Kind, index: Int) { self.kind = kind; self.index = Int32(index) }
    }

    // Operators, one array per type (read them for counters; replacing one breaks the plan).
    public var marketFilters: [MarketFilterProject] = []
    public var marketWindows: [MarketWindow] = []
    public var marketEMAs: [MarketEMA] = []
    public var marketJoins: [MarketJoin] = []
    public var marketSequences: [MarketSequence] = []
    public var marketRepetitions: [MarketRepetition] = []
    public var marketAbsences: [MarketAbsence] = []
    public var derivedFilters: [DerivedFilterProject] = []
    public var derivedWindows: [DerivedWindow] = []
    public var derivedEMAs: [DerivedEMA] = []
    public var derivedSequences: [DerivedSequence] = []
    public var derivedRepetitions: [DerivedRepetition] = []
    public var derivedAbsences: [DerivedAbsence] = []

    /// Operators over market events, in statement order.
    @usableFromInline var marketSchedule: [Slot] = []
    /// Operators over derived streams, in statement order (producers before readers).
    @usableFromInline var derivedSchedule: [Slot] = []
    /// `consumers[consumerStart[s] ..< consumerStart[s + 1]]` read stream `firstStreamId + s`.
    @usableFromInline var consumerStart: [Int] = [0]
    @usableFromInline var consumers: [Slot] = []
    /// The id of the first stream; streams are numbered densely from it in statement order.
    public let firstStreamId: UInt16
    /// Every output stream, in statement order (index = id − firstStreamId).
    public let streams: [CQLStreamInfo]
    /// Partitions of grouped operators (instrument indexes 0..<instruments).
    public let instruments: Int
    /// The file name the set was compiled from.
    public let file: String
    @usableFromInline let planLines: [String]

    init(file: String, options: CQLOptions, streams: [CQLStreamInfo], planLines: [String]) {
        self.file = file
        firstStreamId = options.firstStreamId
        instruments = options.instruments
        self.streams = streams
        self.planLines = planLines
    }

    /// The number of operators.
    public var operatorCount: Int { marketSchedule.count + derivedSchedule.count }

    /// The id of the stream named `name` (an `INSERT INTO` name), or nil.
    public func streamId(named name: String) -> StreamId? {
        streams.first { $0.isNamed && $0.name == name }?.id
    }

    /// The description of stream `id`, or nil when it is not one of this set's.
    public func stream(_ id: StreamId) -> CQLStreamInfo? {
        let i = Int(id.rawValue) - Int(firstStreamId)
        return i >= 0 && i < streams.count ? streams[i] : nil
    }

    /// The operator plan, one block per operator in statement order (what `peregrine cql
    /// check` prints).
    public func explain() -> String { planLines.joined(separator: "\n") }

    // MARK: Hot path

    /// Runs `event` at `time` through every operator over market events, then through the
    /// derived streams its results feed. No allocation.
    @inlinable
    public mutating func onEvent(_ event: MarketEvent, time: Timestamp, into output: inout CEPOutputBuffer) {
        let start = output.count
        var k = 0
        while k < marketSchedule.count {
            let slot = marketSchedule[k]
            let i = Int(slot.index)
            switch slot.kind {
            case .marketFilter: marketFilters[i].onEvent(event, time: time, into: &output)
            case .marketWindow: marketWindows[i].onEvent(event, time: time, into: &output)
            case .marketEMA: marketEMAs[i].onEvent(event, time: time, into: &output)
            case .marketJoin: marketJoins[i].onEvent(event, time: time, into: &output)
            case .marketSequence: marketSequences[i].onEvent(event, time: time, into: &output)
            case .marketRepetition: marketRepetitions[i].onEvent(event, time: time, into: &output)
            case .marketAbsence: marketAbsences[i].onEvent(event, time: time, into: &output)
            default: break
            }
            k += 1
        }
        if !consumers.isEmpty { propagate(from: start, into: &output) }
    }

    /// Fires every timer due at `watermark`: market-event operators first, then derived
    /// streams in statement order, passing results on as they appear. No allocation.
    @inlinable
    public mutating func onWatermark(_ watermark: Timestamp, into output: inout CEPOutputBuffer) {
        var start = output.count
        var k = 0
        while k < marketSchedule.count {
            let slot = marketSchedule[k]
            let i = Int(slot.index)
            switch slot.kind {
            case .marketWindow: marketWindows[i].onWatermark(watermark, into: &output)
            case .marketAbsence: marketAbsences[i].onWatermark(watermark, into: &output)
            default: break   // no timers
            }
            k += 1
        }
        if consumers.isEmpty { return }
        propagate(from: start, into: &output)
        k = 0
        while k < derivedSchedule.count {
            let slot = derivedSchedule[k]
            let i = Int(slot.index)
            start = output.count
            switch slot.kind {
            case .derivedWindow: derivedWindows[i].onWatermark(watermark, into: &output)
            case .derivedAbsence: derivedAbsences[i].onWatermark(watermark, into: &output)
            default: break
            }
            if output.count > start { propagate(from: start, into: &output) }
            k += 1
        }
    }

    /// Feeds results `start..<output.count` (and the results they produce) to their readers.
    @inlinable
    mutating func propagate(from start: Int, into output: inout CEPOutputBuffer) {
        var i = start
        while i < output.count {
            let o = output[i]
            i += 1
            let s = Int(o.stream.rawValue) - Int(firstStreamId)
            guard s >= 0 && s < streams.count else { continue }
            var c = consumerStart[s]
            let end = consumerStart[s + 1]
            while c < end {
                let slot = consumers[c]
                let j = Int(slot.index)
                switch slot.kind {
                case .derivedFilter: derivedFilters[j].onEvent(o, time: o.time, into: &output)
                case .derivedWindow: derivedWindows[j].onEvent(o, time: o.time, into: &output)
                case .derivedEMA: derivedEMAs[j].onEvent(o, time: o.time, into: &output)
                case .derivedSequence: derivedSequences[j].onEvent(o, time: o.time, into: &output)
                case .derivedRepetition: derivedRepetitions[j].onEvent(o, time: o.time, into: &output)
                case .derivedAbsence: derivedAbsences[j].onEvent(o, time: o.time, into: &output)
                default: break
                }
                c += 1
            }
        }
    }

    // MARK: Monitoring

    /// The counters of the operator producing stream `id` (set-up / monitor use).
    public func counters(_ id: StreamId) -> OperatorCounters? {
        guard let slot = slot(of: id) else { return nil }
        let i = Int(slot.index)
        switch slot.kind {
        case .marketFilter: return marketFilters[i].gate.counters
        case .marketWindow: return marketWindows[i].gate.counters
        case .marketEMA: return marketEMAs[i].gate.counters
        case .marketJoin: return marketJoins[i].gate.counters
        case .marketSequence: return marketSequences[i].gate.counters
        case .marketRepetition: return marketRepetitions[i].gate.counters
        case .marketAbsence: return marketAbsences[i].gate.counters
        case .derivedFilter: return derivedFilters[i].gate.counters
        case .derivedWindow: return derivedWindows[i].gate.counters
        case .derivedEMA: return derivedEMAs[i].gate.counters
        case .derivedSequence: return derivedSequences[i].gate.counters
        case .derivedRepetition: return derivedRepetitions[i].gate.counters
        case .derivedAbsence: return derivedAbsences[i].gate.counters
        }
    }

    func slot(of id: StreamId) -> Slot? {
        let index = Int(id.rawValue) - Int(firstStreamId)
        return streamSlots.indices.contains(index) ? streamSlots[index] : nil
    }

    /// The operator of each stream (index = id − firstStreamId).
    var streamSlots: [Slot] = []
}
