import CSupport
#if canImport(Glibc)
import Glibc
#endif

/// Set-up values for an `IoUringLoop`, fixed for its lifetime.
public struct IoUringConfiguration: Sendable, Equatable {
    /// Submission-queue entries (the kernel rounds up to a power of two).
    public var queueDepth: UInt32 = 256
    /// Use a kernel submission-polling thread (IORING_SETUP_SQPOLL); needs a spare core.
    public var sqPoll: Bool = false
    /// How long the SQPOLL thread spins before sleeping, in milliseconds.
    public var sqPollIdleMillis: UInt32 = 100
    /// How completions are awaited.
    public var wait: IoUringWait = .kernel
    /// Ask for IORING_SETUP_COOP_TASKRUN | TASKRUN_FLAG (kernel 5.19+; dropped silently
    /// when refused): the kernel flags pending completion work instead of interrupting the
    /// thread. Measured 41 → 16 µs loopback round trip with a spinning CQ wait on this VM.
    public var cooperativeTaskRun: Bool = true
    /// Connections the loop can hold at once.
    public var maxConnections: Int = 8
    /// Provided receive buffers shared by all connections (power of two, ≤ 32 768).
    public var bufferCount: Int = 256
    /// Bytes per receive buffer.
    public var bufferBytes: Int = 4_096
    /// NUMA node for buffers (−1: the calling thread's node).
    public var numaNode: Int = -1
    /// Skip the provided-buffer ring and use single-shot recv into per-connection buffers
    /// (the path taken automatically when the kernel refuses buffer rings or multishot recv).
    public var forceSingleShotReceive: Bool = false

    /// The defaults: depth 256, kernel wait, 8 connections, 256 × 4 KiB buffers.
    public init() {}
}

/// How an `IoUringLoop` waits for completions.
public enum IoUringWait: Sendable, Equatable {
    /// Sleep in `io_uring_enter` (`io_uring_submit_and_wait`): no spinning core, a slow wake-up.
    case kernel
    /// Spin over the completion queue in user space (`io_uring_peek_cqe` + `CPU.pause()`).
    case spin
}

/// How an `IoUringLoop` receives.
public enum IoUringReceiveStrategy: Sendable, Equatable {
    /// One multishot recv per connection, filling buffers from a registered buffer ring.
    case multishotProvidedBuffers
    /// One single-shot recv at a time per connection into its own preallocated buffer.
    case singleShot
}

/// One completion, handed to a completion handler.
///
/// `bytes` is a view of a receive buffer valid only inside the handler; the loop recycles
/// the buffer when the handler returns `true`.
public struct IoUringCompletion {
    /// The operation that completed.
    public enum Operation: UInt8, Sendable { case receive = 1, send, accept, connect }
    /// The operation.
    public let operation: Operation
    /// The connection index (`IoUringLoop.noConnection` for accept).
    public let connection: Int
    /// Bytes moved, the new descriptor (accept), 0 (connect success, or end of stream for
    /// receive), or −errno.
    public let result: Int32
    /// Received bytes (receive with `result > 0`), else empty.
    public let bytes: UnsafeRawBufferPointer
}

/// An io_uring instance driving up to `maxConnections` TCP connections from one thread:
/// batched submission (prepare many SQEs, one `io_uring_enter`), completions awaited in the
/// kernel or by spinning over the CQ, multishot recv into provided buffers.
///
/// Set-up (init, `register`, `connect`, `accept`) may allocate and throws `SystemError`;
/// per-message calls (`receive`, `send`, `processCompletions`) never allocate, lock or
/// throw. Owned by one thread at a time. Call `close()` when done (also on deinit).
public final class IoUringLoop: @unchecked Sendable {
    // SAFETY: the ring, slots and buffers are touched only by the owning thread; the
    // kernel shares the SQ/CQ/buffer ring through liburing's release/acquire accessors.

    /// Connection index used for completions not tied to a connection (accept).
    public static let noConnection = 0xFF_FFFF

    struct Slot {
        var descriptor: Int32 = -1
        var inUse = false
        var receiveArmed = false
        var peerClosed = false
        var receiveErrno: Int32 = 0
        var address = sockaddr_in()
    }

    struct Pending {
        var userData: UInt64
        var result: Int32
        var flags: UInt32
    }

    public let configuration: IoUringConfiguration
    /// How receives are done now (may switch to `.singleShot` if the kernel refuses multishot).
    public internal(set) var receiveStrategy: IoUringReceiveStrategy
    /// Why receives use single-shot instead of multishot with provided buffers, or `nil`.
    public internal(set) var receiveFallbackReason: String?
    /// Times a multishot receive ran out of provided buffers (ENOBUFS) and was re-armed: a
    /// monitor reads it to size `bufferCount`. Owning thread.
    public internal(set) var bufferExhaustionCount = 0

    let ring: UnsafeMutablePointer<io_uring>
    let slots: UnsafeMutablePointer<Slot>
    let pending: UnsafeMutablePointer<Pending>
    let pendingCapacity: Int
    var pendingHead = 0
    var pendingCount = 0
    let bufferRingMemory: NodeLocalMemory?
    let bufferRing: UnsafeMutablePointer<io_uring_buf_ring>?
    let bufferMask: Int32
    /// Provided buffers (`bufferCount` × `bufferBytes`).
    let sharedBuffers: NodeLocalMemory?
    /// Start of `sharedBuffers` (nil when receiving single-shot from the start).
    let sharedBase: UnsafeMutableRawPointer?
    /// One buffer per connection for single-shot receive.
    let connectionBuffers: NodeLocalMemory
    let flagMore = CSupport_cqe_f_more()
    let flagBuffer = CSupport_cqe_f_buffer()
    let bufferShift = CSupport_cqe_buffer_shift()
    static let bufferGroup: UInt16 = 1
    var isOpen = true

    /// Creates the ring and allocates every buffer. Throws `SystemError` with the errno
    /// (ENOSYS/EPERM: io_uring refused; ENOMEM: memlock limit). Set-up only.
    public init(configuration: IoUringConfiguration = IoUringConfiguration()) throws(SystemError) {
        precondition(configuration.maxConnections > 0 && configuration.maxConnections < IoUringLoop.noConnection)
        precondition(configuration.bufferCount > 0 && configuration.bufferCount <= 32_768
                     && configuration.bufferCount & (configuration.bufferCount - 1) == 0,
                     "bufferCount must be a power of two up to 32768")
        precondition(configuration.bufferBytes > 0)
        self.configuration = configuration
        ring = .allocate(capacity: 1)
        ring.initialize(to: io_uring())
        var params = io_uring_params()
        if configuration.sqPoll {
            params.flags |= CSupport_io_uring_setup_sqpoll()
            params.sq_thread_idle = configuration.sqPollIdleMillis
        }
        if configuration.cooperativeTaskRun { params.flags |= CSupport_io_uring_setup_coop_taskrun() }
        var rc = io_uring_queue_init_params(configuration.queueDepth, ring, &params)
        if rc == -Errno.invalid && configuration.cooperativeTaskRun {
            params.flags &= ~CSupport_io_uring_setup_coop_taskrun()   // kernel older than 5.19
            rc = io_uring_queue_init_params(configuration.queueDepth, ring, &params)
        }
        if rc < 0 {
            ring.deallocate()
            throw SystemError("io_uring_queue_init(depth \(configuration.queueDepth)\(configuration.sqPoll ? ", SQPOLL" : ""))",
                              errno: -rc)
        }
        slots = .allocate(capacity: configuration.maxConnections)
        slots.initialize(repeating: Slot(), count: configuration.maxConnections)
        pendingCapacity = configuration.bufferCount + 4 * configuration.maxConnections + 16
        pending = .allocate(capacity: pendingCapacity)
        do {
            connectionBuffers = try NodeLocalMemory(length: configuration.maxConnections * configuration.bufferBytes,
                                                    node: configuration.numaNode)
        } catch {
            io_uring_queue_exit(ring); ring.deallocate(); slots.deallocate(); pending.deallocate()
            throw error
        }
        var strategy = IoUringReceiveStrategy.multishotProvidedBuffers
        var reason: String? = nil
        var ringMemory: NodeLocalMemory? = nil
        var shared: NodeLocalMemory? = nil
        if configuration.forceSingleShotReceive {
            strategy = .singleShot
            reason = "single-shot receive forced by configuration"
        } else {
            do {
                let memory = try NodeLocalMemory(length: max(4_096, configuration.bufferCount * 16), node: configuration.numaNode)
                let registered = CSupport_register_buffer_ring(ring, memory.base, UInt32(configuration.bufferCount),
                                                               IoUringLoop.bufferGroup)
                if registered == 0 {
                    shared = try NodeLocalMemory(length: configuration.bufferCount * configuration.bufferBytes,
                                                 node: configuration.numaNode)
                    ringMemory = consume memory
                } else {
                    strategy = .singleShot
                    reason = "kernel refused the provided-buffer ring (\(SystemError("", errno: registered).reason)); "
                        + "using single-shot recv into per-connection buffers"
                }
            } catch {
                io_uring_queue_exit(ring); ring.deallocate(); slots.deallocate(); pending.deallocate()
                throw error
            }
        }
        receiveStrategy = strategy
        receiveFallbackReason = reason
        let sharedStart = shared?.base
        let ringStart = ringMemory?.base
        sharedBuffers = consume shared
        sharedBase = sharedStart
        bufferMask = io_uring_buf_ring_mask(UInt32(configuration.bufferCount))
        if let ringStart, let sharedStart {
            let br = ringStart.assumingMemoryBound(to: io_uring_buf_ring.self)
            for index in 0..<configuration.bufferCount {
                io_uring_buf_ring_add(br, sharedStart + index * configuration.bufferBytes,
                                      UInt32(configuration.bufferBytes), UInt16(index), bufferMask, Int32(index))
            }
            io_uring_buf_ring_advance(br, Int32(configuration.bufferCount))
            bufferRing = br
        } else {
            bufferRing = nil
        }
        bufferRingMemory = consume ringMemory
    }

    deinit { close() }

    /// Closes every connection and the ring; buffers are freed with the loop. Owning thread;
    /// may block briefly while the kernel cancels requests.
    public func close() {
        guard isOpen else { return }
        isOpen = false
        io_uring_queue_exit(ring)   // cancels outstanding requests before the sockets go
        for index in 0..<configuration.maxConnections where slots[index].descriptor >= 0 {
            _ = Glibc.close(slots[index].descriptor)
        }
        slots.deinitialize(count: configuration.maxConnections)
        slots.deallocate()
        pending.deallocate()
        ring.deinitialize(count: 1)
        ring.deallocate()
    }

    // MARK: - Connections

    /// Takes ownership of `socket`, arms its receive, and returns its connection index.
    /// The receive request goes to the kernel with the next submission. Owning thread; no
    /// allocation. Throws EMFILE when `maxConnections` are in use.
    public func register(_ socket: consuming TCPSocket) throws(SystemError) -> Int {
        guard let index = freeSlot() else {
            throw SystemError("register fd \(socket.descriptor) with io_uring loop (all \(configuration.maxConnections) connections in use)",
                              errno: Errno.tooManyFiles)
        }
        slots[index] = Slot(descriptor: socket.release(), inUse: true)
        armReceive(index)
        return index
    }

    /// Shuts the connection down and closes it; its index becomes free once the kernel has
    /// finished its receive. Owning thread; no allocation.
    public func closeConnection(_ connection: Int) {
        precondition(slots[connection].inUse, "connection \(connection) is not open")
        let fd = slots[connection].descriptor
        _ = shutdown(fd, Int32(SHUT_RDWR))
        _ = Glibc.close(fd)
        slots[connection].descriptor = -1
        if !slots[connection].receiveArmed { slots[connection].inUse = false }
    }

    /// The descriptor of `connection` (−1 once closed).
    public func descriptor(of connection: Int) -> Int32 { slots[connection].descriptor }

    func freeSlot() -> Int? {
        for index in 0..<configuration.maxConnections where !slots[index].inUse { return index }
        return nil
    }

    // MARK: - Submission

    /// Encodes the operation and connection in the SQE's user data.
    @inline(__always)
    static func userData(_ operation: IoUringCompletion.Operation, _ connection: Int) -> UInt64 {
        UInt64(operation.rawValue) << 32 | UInt64(connection)
    }

    /// A free SQE, submitting queued ones first when the SQ is full. Never nil.
    @inline(__always)
    func nextSQE() -> UnsafeMutablePointer<io_uring_sqe> {
        while true {
            if let sqe = io_uring_get_sqe(ring) { return sqe }
            _ = io_uring_submit(ring)
        }
    }

    /// Queues the receive for `connection` (multishot with buffer select, or single-shot).
    func armReceive(_ connection: Int) {
        let sqe = nextSQE()
        let fd = slots[connection].descriptor
        switch receiveStrategy {
        case .multishotProvidedBuffers:
            io_uring_prep_recv_multishot(sqe, fd, nil, 0, 0)
            CSupport_sqe_select_buffer(sqe, IoUringLoop.bufferGroup)
        case .singleShot:
            io_uring_prep_recv(sqe, fd, connectionBuffers.base + connection * configuration.bufferBytes,
                               configuration.bufferBytes, 0)
        }
        io_uring_sqe_set_data64(sqe, IoUringLoop.userData(.receive, connection))
        slots[connection].receiveArmed = true
    }

    /// Queues a send of `bytes` on `connection`; the caller keeps `bytes` valid until the
    /// `.send` completion. Owning thread; no allocation; no system call (see `submit`).
    public func prepareSend(connection: Int, bytes: UnsafeRawBufferPointer) {
        let sqe = nextSQE()
        io_uring_prep_send(sqe, slots[connection].descriptor, bytes.baseAddress, bytes.count, CSupport_msg_nosignal())
        io_uring_sqe_set_data64(sqe, IoUringLoop.userData(.send, connection))
    }

    /// Queues an accept on `listener`; the `.accept` completion's result is the new
    /// descriptor (adopt it with `TCPSocket(adopting:)`). Owning thread; no allocation.
    public func prepareAccept(on listener: borrowing TCPSocket) {
        let sqe = nextSQE()
        io_uring_prep_accept(sqe, listener.descriptor, nil, nil, Int32(SOCK_CLOEXEC.rawValue))
        io_uring_sqe_set_data64(sqe, IoUringLoop.userData(.accept, IoUringLoop.noConnection))
    }

    /// Submits every queued SQE with one `io_uring_enter` (none with SQPOLL unless the
    /// kernel thread sleeps). Returns the number submitted or −errno. Owning thread.
    @discardableResult
    public func submit() -> Int32 { io_uring_submit(ring) }
}
