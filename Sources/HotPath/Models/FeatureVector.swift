/// A fixed-length vector of model inputs, allocated once at set-up and refilled per event.
///
/// Owned by one thread at a time (it is `~Copyable`: moving it moves ownership). Writing and
/// reading elements does not allocate; the memory is freed in `deinit`.
public struct FeatureVector: ~Copyable {
    /// Number of features.
    public let count: Int
    // SAFETY: allocated and initialized in init, freed in deinit; only this value's owner
    // reads or writes it.
    private let storage: UnsafeMutablePointer<Double>

    /// Allocates `count` features set to `value` (cold: allocates).
    public init(count: Int, repeating value: Double = 0) {
        precondition(count >= 1, "a feature vector needs at least one feature")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * 8, alignment: 64)
        storage = raw.bindMemory(to: Double.self, capacity: count)
        storage.initialize(repeating: value, count: count)
    }

    /// Allocates a vector holding `values` (cold: allocates).
    public init(_ values: [Double]) {
        self.init(count: values.count)
        for (i, v) in values.enumerated() { storage[i] = v }
    }

    /// A vector sized for `model`, all zeros (cold: allocates).
    public init(for model: Model) {
        self.init(count: model.featureCount)
    }

    deinit {
        UnsafeMutableRawPointer(storage).deallocate()
    }

    // MARK: hot path begin
    /// The feature at `index`. Owner thread; O(1); no allocation; traps when out of range.
    public subscript(index: Int) -> Double {
        get {
            precondition(index >= 0 && index < count, "feature index out of range")
            return storage[index]
        }
        set {
            precondition(index >= 0 && index < count, "feature index out of range")
            storage[index] = newValue
        }
    }

    /// The features as a buffer, valid while `self` is borrowed.
    public var buffer: UnsafeBufferPointer<Double> {
        UnsafeBufferPointer(start: storage, count: count)
    }

    /// The features as a mutable buffer, for filling in bulk.
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Double>) -> R) -> R {
        body(UnsafeMutableBufferPointer(start: storage, count: count))
    }
    // MARK: hot path end
}
