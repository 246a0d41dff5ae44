import PeregrinePlatform
#if canImport(Glibc)
import Glibc
#endif

/// What a thread does when a duty cycle found no work (after Aeron's idle strategies).
///
/// Generic parameters keep calls statically dispatched: no existentials on the hot path.
/// Each value belongs to one thread.
public protocol IdleStrategy {
    /// Called after each duty cycle with the work it did; idles only when `workCount` is 0.
    mutating func idle(workCount: Int)
    /// Idles once unconditionally (wait loops on a ring).
    mutating func idle()
    /// Forgets back-off state (work arrived).
    mutating func reset()
    /// Whether this strategy keeps its core busy while idle (counts against isolated cores).
    var isSpinning: Bool { get }
}

extension IdleStrategy {
    @inlinable
    public mutating func idle(workCount: Int) {
        if workCount > 0 { reset() } else { idle() }
    }
}

/// Spins with the CPU's pause hint: lowest wake-up latency, burns the core. Use only on an
/// isolated core (or at SCHED_FIFO) — on a shared core it starves other work.
@frozen
public struct BusySpinIdle: IdleStrategy {
    @inlinable public init() {}
    @inlinable @inline(__always) public mutating func idle() { CPU.pause() }
    @inlinable public mutating func reset() {}
    @inlinable public var isSpinning: Bool { true }
}

/// Calls `sched_yield`: gives the core to other runnable threads, still polls continuously.
@frozen
public struct YieldingIdle: IdleStrategy {
    @inlinable public init() {}
    @inlinable public mutating func idle() { sched_yield() }
    @inlinable public mutating func reset() {}
    @inlinable public var isSpinning: Bool { true }
}

/// Sleeps a fixed time per idle call (`nanosleep`): frees the core, wakes late (tens of µs).
@frozen
public struct ParkingIdle: IdleStrategy {
    public var parkNanos: Int
    @inlinable public init(parkNanos: Int = 50_000) { self.parkNanos = parkNanos }
    @inlinable public mutating func idle() { IdleSleep.sleep(nanos: parkNanos) }
    @inlinable public mutating func reset() {}
    @inlinable public var isSpinning: Bool { false }
}

/// Spins, then yields, then parks with exponential back-off up to a maximum: cheap when
/// work is steady, quiet when it is not.
@frozen
public struct BackoffIdle: IdleStrategy {
    public var maxSpins: Int
    public var maxYields: Int
    public var minParkNanos: Int
    public var maxParkNanos: Int
    @usableFromInline var spins = 0
    @usableFromInline var yields = 0
    @usableFromInline var parkNanos: Int

    @inlinable
    public init(maxSpins: Int = 100, maxYields: Int = 10, minParkNanos: Int = 1_000, maxParkNanos: Int = 1_000_000) {
        self.maxSpins = maxSpins; self.maxYields = maxYields
        self.minParkNanos = minParkNanos; self.maxParkNanos = maxParkNanos
        parkNanos = minParkNanos
    }

    @inlinable
    public mutating func idle() {
        if spins < maxSpins {
            spins += 1
            CPU.pause()
        } else if yields < maxYields {
            yields += 1
            sched_yield()
        } else {
            IdleSleep.sleep(nanos: parkNanos)
            parkNanos = min(parkNanos * 2, maxParkNanos)
        }
    }

    @inlinable
    public mutating func reset() {
        spins = 0; yields = 0; parkNanos = minParkNanos
    }

    @inlinable public var isSpinning: Bool { false }

    /// The sleep the next park will take (grows ×2 per park up to `maxParkNanos`).
    public var currentParkNanos: Int { parkNanos }
}

/// An idle strategy chosen by configuration (tuning profile), dispatched by a switch.
public enum IdleStrategyKind: Sendable, Equatable, CustomStringConvertible {
    case busySpin
    case yield
    case park(nanos: Int)
    case backoff(maxSpins: Int, maxYields: Int, minParkNanos: Int, maxParkNanos: Int)

    /// Whether threads using it keep their core busy.
    public var isSpinning: Bool {
        switch self {
        case .busySpin, .yield: return true
        case .park, .backoff: return false
        }
    }

    public var description: String {
        switch self {
        case .busySpin: return "busy-spin"
        case .yield: return "yield"
        case .park(let n): return "park:\(n)ns"
        case .backoff(let s, let y, let lo, let hi): return "backoff:\(s)/\(y)/\(lo)ns..\(hi)ns"
        }
    }
}

/// The configured strategy as one value type (a predictable switch per idle call).
@frozen
public struct ConfiguredIdle: IdleStrategy {
    public let kind: IdleStrategyKind
    @usableFromInline var backoff: BackoffIdle

    public init(_ kind: IdleStrategyKind) {
        self.kind = kind
        if case .backoff(let s, let y, let lo, let hi) = kind {
            backoff = BackoffIdle(maxSpins: s, maxYields: y, minParkNanos: lo, maxParkNanos: hi)
        } else {
            backoff = BackoffIdle()
        }
    }

    @inlinable
    public mutating func idle() {
        switch kind {
        case .busySpin: CPU.pause()
        case .yield: sched_yield()
        case .park(let n): IdleSleep.sleep(nanos: n)
        case .backoff: backoff.idle()
        }
    }

    @inlinable public mutating func reset() { backoff.reset() }
    public var isSpinning: Bool { kind.isSpinning }
}

/// `nanosleep` wrapper.
public enum IdleSleep {
    /// Sleeps at least `nanos` nanoseconds (the kernel's timer slack adds ~50 µs by default).
    @inlinable
    public static func sleep(nanos: Int) {
        var ts = timespec(tv_sec: nanos / 1_000_000_000, tv_nsec: nanos % 1_000_000_000)
        _ = nanosleep(&ts, nil)
    }
}
