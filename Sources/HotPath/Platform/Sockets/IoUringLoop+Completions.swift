import CSupport
#if canImport(Glibc)
import Glibc
#endif

extension IoUringLoop {
    // MARK: - Completions

    /// Submits queued SQEs, waits for completions (kernel or spin, per the configuration)
    /// and hands each to `handler` until the handler has accepted at least one or the
    /// deadline (monotonic ns) passes.
    ///
    /// A handler returns `false` to leave a completion for a later call (its receive buffer
    /// is kept); it must then also decline later completions of the same connection in this
    /// call, or their order would change. Owning thread; no allocation; returns the number
    /// of completions accepted (0 on timeout).
    @discardableResult
    public func processCompletions(deadlineNanos: UInt64 = .max,
                                   _ handler: (IoUringCompletion) -> Bool) -> Int {
        var deadline = SpinDeadline(deadlineNanos)
        // Queued SQEs (re-armed receives, sends) go to the kernel first: one io_uring_enter.
        if io_uring_sq_ready(ring) > 0 { _ = io_uring_submit(ring) }
        while true {
            let accepted = drain(handler)
            if accepted > 0 || deadlineNanos == 0 { return accepted }
            switch configuration.wait {
            case .spin:
                if deadline.expired() { return 0 }
                CPU.pause()
            case .kernel:
                if !waitInKernel(deadlineNanos) { return 0 }
            }
        }
    }

    /// Sleeps in `io_uring_enter` until a completion is posted (submitting queued SQEs on the
    /// way). False once the deadline has passed.
    func waitInKernel(_ deadlineNanos: UInt64) -> Bool {
        var cqe: UnsafeMutablePointer<io_uring_cqe>? = nil
        if deadlineNanos == .max {
            let rc = io_uring_submit_and_wait(ring, 1)
            return rc >= 0 || rc == -Errno.interrupted || rc == -Errno.again || rc == -Errno.busy
        }
        let now = Clock.monotonicNanos()
        if now >= deadlineNanos { return false }
        let left = deadlineNanos - now
        var timeout = __kernel_timespec(tv_sec: Int64(left / 1_000_000_000), tv_nsec: Int64(left % 1_000_000_000))
        let rc = io_uring_submit_and_wait_timeout(ring, &cqe, 1, &timeout, nil)
        return rc != -Errno.timerExpired || Clock.monotonicNanos() < deadlineNanos
    }

    /// Hands deferred completions, then every completion in the CQ, to `handler`.
    func drain(_ handler: (IoUringCompletion) -> Bool) -> Int {
        var accepted = 0
        var left = pendingCount
        while left > 0 {
            left -= 1
            let entry = pending[pendingHead]
            pendingHead = pendingHead + 1 == pendingCapacity ? 0 : pendingHead + 1
            pendingCount -= 1
            if deliver(entry, handler) { accepted += 1 } else { defer_(entry) }
        }
        var cqe: UnsafeMutablePointer<io_uring_cqe>? = nil
        while io_uring_peek_cqe(ring, &cqe) == 0, let completion = cqe {
            let entry = Pending(userData: completion.pointee.user_data, result: completion.pointee.res,
                                flags: completion.pointee.flags)
            io_uring_cqe_seen(ring, completion)
            if deliver(entry, handler) { accepted += 1 } else { defer_(entry) }
        }
        return accepted
    }

    func defer_(_ entry: Pending) {
        precondition(pendingCount < pendingCapacity, "io_uring deferred-completion queue overflow")
        var tail = pendingHead + pendingCount
        if tail >= pendingCapacity { tail -= pendingCapacity }
        pending[tail] = entry
        pendingCount += 1
    }

    /// Interprets one CQE; recycles its buffer and re-arms the receive when accepted.
    func deliver(_ entry: Pending, _ handler: (IoUringCompletion) -> Bool) -> Bool {
        let connection = Int(entry.userData & 0xFF_FFFF)
        guard let operation = IoUringCompletion.Operation(rawValue: UInt8(truncatingIfNeeded: entry.userData >> 32)) else {
            return true
        }
        guard operation == .receive else {
            return handler(IoUringCompletion(operation: operation, connection: connection, result: entry.result,
                                             bytes: UnsafeRawBufferPointer(start: nil, count: 0)))
        }
        let final = entry.flags & flagMore == 0
        if entry.result == -Errno.noBuffers {
            // Every provided buffer is lent out: the multishot ended; re-arm (buffers come back
            // as the handler returns them). Internal, never shown to the handler.
            bufferExhaustionCount &+= 1
            if final { slots[connection].receiveArmed = false; rearmIfOpen(connection) }
            return true
        }
        if entry.result == -Errno.invalid && receiveStrategy == .multishotProvidedBuffers && final {
            // The kernel has buffer rings but not multishot recv (5.19 – 6.0): go single-shot.
            receiveStrategy = .singleShot
            receiveFallbackReason = "kernel refused multishot recv (EINVAL); using single-shot recv into per-connection buffers"
            slots[connection].receiveArmed = false
            rearmIfOpen(connection)
            return true
        }
        var bytes = UnsafeRawBufferPointer(start: nil, count: 0)
        var bufferID: UInt16? = nil
        if entry.flags & flagBuffer != 0 {
            let id = UInt16(truncatingIfNeeded: entry.flags >> bufferShift)
            bufferID = id
            if entry.result > 0, let shared = sharedBase {
                bytes = UnsafeRawBufferPointer(start: shared + Int(id) * configuration.bufferBytes, count: Int(entry.result))
            }
        } else if entry.result > 0 {
            bytes = UnsafeRawBufferPointer(start: connectionBuffers.base + connection * configuration.bufferBytes,
                                           count: Int(entry.result))
        }
        guard handler(IoUringCompletion(operation: .receive, connection: connection, result: entry.result, bytes: bytes)) else {
            return false
        }
        if let id = bufferID, let bufferRing, let shared = sharedBase {
            io_uring_buf_ring_add(bufferRing, shared + Int(id) * configuration.bufferBytes,
                                  UInt32(configuration.bufferBytes), id, bufferMask, 0)
            io_uring_buf_ring_advance(bufferRing, 1)
        }
        if final {
            slots[connection].receiveArmed = false
            if entry.result == 0 {
                slots[connection].peerClosed = true
            } else if entry.result < 0 {
                slots[connection].receiveErrno = -entry.result
            } else {
                rearmIfOpen(connection)
            }
            if slots[connection].descriptor < 0 && !slots[connection].receiveArmed { slots[connection].inUse = false }
        }
        return true
    }

    func rearmIfOpen(_ connection: Int) {
        if slots[connection].descriptor >= 0 { armReceive(connection) }
    }
}
