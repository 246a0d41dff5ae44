import Synchronization

/// Hands models from cold threads to one hot thread: a cold thread `publish`es a new, fully
/// built `Model`; the hot thread's next `predict` picks it up with a single acquire load — no
/// lock, no pause, no allocation, no reference counting on the hot path.
///
/// Protocol (single reader, any number of publishers):
/// - `current` holds the published model's address. Publishers store it with release
///   ordering after the model was fully built, so the reader's acquire load sees its arrays.
/// - `acknowledged` holds the address the reader last loaded. The reader stores it (release)
///   only when it changes, i.e. once per swap, not per call.
/// - Publishers keep every model not yet freed in publication order. A model older than the
///   acknowledged one can no longer be in use — the reader loads `current` afresh on every
///   call and its loads never go back in modification order — so `reclaim()` frees it. The
///   reader's release store of the acknowledgement and the reclaimer's acquire load of it
///   order the reader's last reads of an old model before that model's `deinit`.
///   (Quiescent-state reclamation with one reader, as in RCU's grace periods.)
///
/// If the hot thread stops calling, retired models wait (they are freed at the first
/// `reclaim` after its next call). Memory: two 128-byte-separated cells, so the reader's rare
/// acknowledgement store never invalidates the line holding `current`.
public final class ModelSlot: @unchecked Sendable {
    // SAFETY: `current` and `acknowledged` are atomics in memory this object owns; the model
    // list is behind `writer`'s mutex; a model is released only once the reader has
    // acknowledged a newer one (see above).

    /// The feature layout every published model must share (the hot thread's vector layout).
    public let featureNames: [String]

    private let cells: UnsafeMutableRawPointer
    private let current: UnsafeMutablePointer<Atomic<UInt>>
    private let acknowledged: UnsafeMutablePointer<Atomic<UInt>>
    private let writer: Mutex<WriterState>

    private struct WriterState {
        /// Published models not yet freed, oldest first; the last is the current one. Each
        /// holds one retain taken at publication.
        var live: [Unmanaged<Model>]
        var publishedCount = 1
        var reclaimedCount = 0
    }

    /// Creates a slot serving `model` (cold: allocates).
    public init(_ model: Model) {
        featureNames = model.featureNames
        cells = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 128)
        let first = Unmanaged.passRetained(model)
        current = cells.bindMemory(to: Atomic<UInt>.self, capacity: 1)
        current.initialize(to: Atomic(UInt(bitPattern: first.toOpaque())))
        acknowledged = (cells + 128).bindMemory(to: Atomic<UInt>.self, capacity: 1)
        acknowledged.initialize(to: Atomic(0))
        writer = Mutex(WriterState(live: [first]))
    }

    /// Frees every model still held. The hot thread must have stopped using the slot.
    deinit {
        writer.withLock { state in
            for model in state.live { model.release() }
            state.live.removeAll()
        }
        current.deinitialize(count: 1)
        acknowledged.deinitialize(count: 1)
        cells.deallocate()
    }

    // MARK: hot path begin
    /// The model to use for this call, acknowledging it if it is new. Hot thread only.
    @inline(__always)
    private func enter() -> Unmanaged<Model> {
        // acquiring: pairs with publish's releasing store, so the model's arrays (written
        // before publication) are visible here.
        let bits = current.pointee.load(ordering: .acquiring)
        // relaxed: only this thread writes `acknowledged`; it reads its own last store.
        if acknowledged.pointee.load(ordering: .relaxed) != bits {
            // releasing: this thread's reads of older models (earlier calls) happen before a
            // reclaimer that acquires this value frees them.
            acknowledged.pointee.store(bits, ordering: .releasing)
        }
        // SAFETY: `bits` came from passRetained and is not released before the reader
        // acknowledges a newer model, which cannot happen during this call.
        return Unmanaged<Model>.fromOpaque(UnsafeRawPointer(bitPattern: bits).unsafelyUnwrapped)
    }

    /// The current model's `predict`. The single hot thread only; wait-free; does not
    /// allocate, lock or retain; cost: two loads (one acquire) plus the model's `predict`.
    public func predict(_ features: UnsafeBufferPointer<Double>) -> Double {
        enter()._withUnsafeGuaranteedRef { $0.predict(features) }
    }

    /// The current model's `decisionFunction`. Same contract as `predict`.
    public func decisionFunction(_ features: UnsafeBufferPointer<Double>) -> Double {
        enter()._withUnsafeGuaranteedRef { $0.decisionFunction(features) }
    }

    /// `predict` over a preallocated feature vector.
    public func predict(_ features: borrowing FeatureVector) -> Double {
        predict(features.buffer)
    }
    // MARK: hot path end

    // MARK: Cold side (any thread)

    /// Makes `model` the one the hot thread uses from its next call, then frees what the
    /// reader has moved past. Never waits for the hot thread. Takes a lock shared only with
    /// other cold-side calls. Throws if the model's features differ from the slot's.
    public func publish(_ model: Model) throws(ModelSlotError) {
        if model.featureNames != featureNames {
            throw ModelSlotError.featureLayoutDiffers(expected: featureNames, found: model.featureNames)
        }
        let retained = Unmanaged.passRetained(model)
        writer.withLock { state in
            state.live.append(retained)
            state.publishedCount += 1
            // releasing: the model was fully built before; the reader's acquire sees it whole.
            current.pointee.store(UInt(bitPattern: retained.toOpaque()), ordering: .releasing)
        }
        reclaim()
    }

    /// Frees every published model older than the one the hot thread last acknowledged;
    /// returns how many. Cold side; runs `deinit`s (frees memory) on the calling thread.
    @discardableResult
    public func reclaim() -> Int {
        let freed: [Unmanaged<Model>] = writer.withLock { state in
            // acquiring: pairs with the reader's releasing acknowledgement (see above).
            let bits = acknowledged.pointee.load(ordering: .acquiring)
            guard bits != 0, let index = state.live.firstIndex(where: { UInt(bitPattern: $0.toOpaque()) == bits }) else {
                return []
            }
            let old = Array(state.live[..<index])
            state.live.removeFirst(index)
            state.reclaimedCount += index
            return old
        }
        for model in freed { model.release() }   // deinit outside the lock
        return freed.count
    }

    /// Models published but not yet freed, the current one excluded. Cold side.
    public var retiredCount: Int { writer.withLock { $0.live.count - 1 } }

    /// Models published so far, the initial one included. Cold side.
    public var publishedCount: Int { writer.withLock { $0.publishedCount } }

    /// Models freed so far. Cold side.
    public var reclaimedCount: Int { writer.withLock { $0.reclaimedCount } }

    /// The currently published model (cold side: takes a reference).
    public var currentModel: Model { writer.withLock { $0.live[$0.live.count - 1].takeUnretainedValue() } }
}

/// Why `ModelSlot.publish` refused a model.
public enum ModelSlotError: Error, Equatable, CustomStringConvertible {
    /// The new model reads different features (or in another order) than the hot thread fills.
    case featureLayoutDiffers(expected: [String], found: [String])

    public var description: String {
        switch self {
        case .featureLayoutDiffers(let expected, let found):
            return "model features \(found) differ from the slot's \(expected); retrain on the same feature layout or restart with the new layout"
        }
    }
}
