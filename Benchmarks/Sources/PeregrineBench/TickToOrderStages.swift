import PeregrinePlatform

/// Pipeline stages, in order, for the breakdown run.
enum TickStage: Int, CaseIterable {
    case start = 0, decode, book, cep, strategy, risk, oms, fix
    var label: String {
        switch self {
        case .start: return "start"
        case .decode: return "decode"
        case .book: return "filter_book"
        case .cep: return "cep"
        case .strategy: return "strategy_model"
        case .risk: return "risk"
        case .oms: return "oms"
        case .fix: return "fix"
        }
    }
}

/// Stage stamps taken inside the pipeline; `NoStageStamps` (the timed runs) specializes to
/// nothing, `StageStamps` (the breakdown run) reads rdtscp at each stage end.
protocol TickStageStamps {
    init()
    mutating func stamp(_ stage: TickStage)
}

struct NoStageStamps: TickStageStamps {
    @inline(__always) init() {}
    @inline(__always) mutating func stamp(_ stage: TickStage) {}
}

struct StageStamps: TickStageStamps {
    var ticks: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    init() {}
    @inline(__always) mutating func stamp(_ stage: TickStage) {
        let t = TSCClock.ticksSerialized()
        withUnsafeMutableBytes(of: &ticks) { $0.storeBytes(of: t, toByteOffset: stage.rawValue * 8, as: UInt64.self) }
    }
    func tick(_ stage: TickStage) -> UInt64 {
        withUnsafeBytes(of: ticks) { $0.load(fromByteOffset: stage.rawValue * 8, as: UInt64.self) }
    }
}
