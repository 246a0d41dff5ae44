#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock helpers for the cold tier (no Foundation).
enum WallClock {
    static func nowNanos() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }

    static func sleep(milliseconds: Int) {
        var spec = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        _ = nanosleep(&spec, nil)   // EINTR (Ctrl-C) ends the nap early, which is what we want
    }
}
