import Synchronization
import PeregrineWarehouse
#if canImport(Glibc)
import Glibc
#endif

/// Runs a cold-tier service's blocking libpq loop on a thread of its own.
///
/// libpq calls block (a COPY, a query waiting for a restarting server, a back-off sleep), so
/// the loops never run on Swift's cooperative pool, where they would hold one of its few
/// threads (two on this machine) indefinitely. The async `Service.run` awaits the thread's
/// result through a continuation; graceful shutdown and task cancellation set the `StopFlag`,
/// which the loop checks between batches and during its sleeps — so the batch in flight is
/// always committed or rolled back whole, never abandoned half-written.
enum BlockingServiceThread {
    /// A stop request: set from any thread, polled by the blocking loop.
    final class StopFlag: Sendable {
        // relaxed: a lone flag; nothing else is published through it.
        private let flag = Atomic<Bool>(false)
        func set() { flag.store(true, ordering: .relaxed) }
        var isSet: Bool { flag.load(ordering: .relaxed) }
    }

    /// Runs `body` on a new detached thread and returns (or throws) what it did.
    static func run<T: Sendable>(name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let work = Work {
                do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
            }
            let context = Unmanaged.passRetained(work).toOpaque()
            var thread = pthread_t()
            let created = pthread_create(&thread, nil, { context in
                let work = Unmanaged<Work>.fromOpaque(context!).takeRetainedValue()
                work.body()
                return nil
            }, context)
            if created != 0 {
                Unmanaged<Work>.fromOpaque(context).release()
                continuation.resume(throwing: ThreadError(errno: created, name: name))
                return
            }
            pthread_detach(thread)
        }
    }

    private final class Work: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    /// The thread could not be created.
    struct ThreadError: Error, CustomStringConvertible {
        var errno: Int32
        var name: String
        var description: String { "could not start the '\(name)' thread (pthread_create: errno \(errno))" }
    }

    /// Applies the schema migrations. Both services apply them at start-up, possibly at the same time, and
    /// `WarehouseSchema.migrate` creates its bookkeeping table before taking its advisory
    /// lock, so the loser of that race sees a duplicate-object error: wait and try again.
    @discardableResult
    static func migrate(_ connection: PostgresConnection, stop: StopFlag) throws -> [Int] {
        var attempt = 0
        while true {
            do {
                return try WarehouseSchema.migrate(connection)
            } catch let error as PostgresError where ["23505", "42P07", "42710"].contains(error.sqlState ?? "") && attempt < 50 {
                attempt += 1
                if !BlockingServiceThread.sleep(milliseconds: 100, unless: stop) { throw error }
            }
        }
    }

    /// Wall-clock time, ns since the Unix epoch (for rates and lag).
    static func nowNanos() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }

    /// Sleeps up to `milliseconds` in 50 ms slices; false when stopped meanwhile.
    static func sleep(milliseconds: Int, unless stop: StopFlag) -> Bool {
        var remaining = milliseconds
        while remaining > 0 {
            if stop.isSet { return false }
            let slice = min(remaining, 50)
            usleep(UInt32(slice) * 1_000)
            remaining -= slice
        }
        return !stop.isSet
    }
}
