#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
import PeregrineModels
import PeregrineTestKit

/// Model `k` of the swap tests outputs exactly 17·k for an all-ones input of 16 features:
/// even k a linear model (weights k, intercept k), odd k a tree ensemble (baseline 17k − 1,
/// one split whose right leaf adds 1 and whose left leaf would add 1000).
func versionedModel(_ k: Int) -> Model {
    let names = (0..<16).map { "f\($0)" }
    let definition: ModelDefinition
    if k % 2 == 0 {
        definition = ModelDefinition(featureNames: names, source: "v\(k)",
                                     body: .linear(LinearParameters(weights: Array(repeating: Double(k), count: 16), intercept: Double(k))))
    } else {
        let tree: [TreeNode] = [.split(feature: Int32(k % 16), threshold: 0.5, left: 1, right: 2), .leaf(1000), .leaf(1)]
        definition = ModelDefinition(featureNames: names, source: "v\(k)",
                                     body: .trees(TreeEnsembleParameters(objective: .regression, inputPrecision: .float64,
                                                                         baseline: Double(17 * k - 1), leafScale: 1, trees: [tree])))
    }
    return try! Model(definition)
}

/// Counters shared by the reader and writer threads.
final class SwapCounters: Sendable {
    let reads = Atomic<Int>(0)
    let torn = Atomic<Int>(0)
    let wentBack = Atomic<Int>(0)
    let lastVersion = Atomic<Int>(0)
    let distinctVersions = Atomic<Int>(0)
    let writerDone = Atomic<Bool>(false)
}

@Suite("Model hot swap")
struct HotSwapTests {
    @Test("the reader sees each publication at its next call; old models are freed only after it moves on")
    func singleThreadProtocol() throws {
        let slot = ModelSlot(versionedModel(0))
        let ones = [Double](repeating: 1, count: 16)
        #expect(ones.withUnsafeBufferPointer { slot.predict($0) } == 0)
        try slot.publish(versionedModel(1))
        try slot.publish(versionedModel(2))
        #expect(slot.retiredCount == 2)   // the reader acknowledged model 0 only
        #expect(slot.reclaim() == 0)
        #expect(ones.withUnsafeBufferPointer { slot.predict($0) } == 34)
        #expect(slot.reclaim() == 2)
        #expect(slot.retiredCount == 0 && slot.reclaimedCount == 2 && slot.publishedCount == 3)
        #expect(slot.currentModel.source == "v2")
        #expect(throws: ModelSlotError.self) {
            try slot.publish(Model(ModelDefinition(featureNames: ["other"], body: .linear(LinearParameters(weights: [1], intercept: 0)))))
        }
    }

    @Test("1000 swaps under a continuously evaluating reader: every result is one published model's, never torn or stale")
    func twoThreads() throws {
        // Generating the scikit-learn fixtures keeps both cores busy for seconds; let it finish
        // first so the 2 s bound measures this test, not the Python fit running beside it.
        _ = SklearnFixtures.directory
        let slot = ModelSlot(versionedModel(0))
        let counters = SwapCounters()
        let swaps = 1000
        let reader: @Sendable (Deadline) -> Void = { deadline in
            let ones = [Double](repeating: 1, count: 16)
            ones.withUnsafeBufferPointer { x in
                var last = 0
                while !deadline.expired {
                    let done = counters.writerDone.load(ordering: .acquiring)
                    let y = slot.predict(x)
                    let version = Int(y / 17)
                    if y != Double(17 * version) || version < 0 || version > swaps {
                        counters.torn.add(1, ordering: .relaxed)
                    } else if version < last {
                        counters.wentBack.add(1, ordering: .relaxed)
                    } else if version > last {
                        counters.distinctVersions.add(1, ordering: .relaxed)
                        last = version
                    }
                    counters.lastVersion.store(last, ordering: .relaxed)
                    counters.reads.add(1, ordering: .releasing)
                    if done { break }   // this read started after the last publish
                }
            }
        }
        let writer: @Sendable (Deadline) -> Void = { deadline in
            for k in 1...swaps {
                // Built on this (cold) thread; the slot takes the only reference, so freed
                // models really are freed (and poisoned) while the reader runs.
                try! slot.publish(versionedModel(k))
                // Let the reader evaluate at least once per version, so swaps interleave with reads.
                let seen = counters.reads.load(ordering: .acquiring)
                var spins = 0
                while counters.reads.load(ordering: .acquiring) == seen && !deadline.expired {
                    spins += 1
                    if spins & 63 == 0 { sched_yield() }   // the reader may share this core
                }
            }
            counters.writerDone.store(true, ordering: .releasing)
        }
        let finished = try ConcurrentHarness.run(timeoutNanos: 2_000_000_000, [reader, writer])
        #expect(finished, "reader and writer did not finish within 2 s")
        #expect(counters.torn.load(ordering: .relaxed) == 0, "results that no published model gives")
        #expect(counters.wentBack.load(ordering: .relaxed) == 0, "results from a model older than one already seen")
        #expect(counters.lastVersion.load(ordering: .relaxed) == swaps)
        #expect(counters.distinctVersions.load(ordering: .relaxed) >= swaps / 2)
        #expect(counters.reads.load(ordering: .relaxed) >= swaps)
        // The reader is done (joined), so this thread may act as the reader now.
        slot.reclaim()
        #expect(slot.retiredCount == 0)
        #expect(slot.reclaimedCount == swaps)
    }
}
