import Testing
import PeregrineEngine
import PeregrineModels
import PeregrineStrategy
import PeregrineTestKit
#if canImport(Glibc)
import Glibc
#endif

/// The running engine picks up a model file replaced by `peregrine train` (issue #8: "the
/// running engine picks it up"): the watcher notices a new version once, the pick-up loads,
/// checks and publishes it, and a bad file leaves the current model serving.
@Suite struct ModelPickupTests {
    static func logistic(_ weights: [Double], intercept: Double = 0) -> ModelDefinition {
        ModelDefinition(featureNames: ImbalanceReversionAlpha.featureNames, source: "test",
                        body: .logistic(LinearParameters(weights: weights, intercept: intercept)))
    }

    static func predict(_ slot: ModelSlot, _ x: [Double]) -> Double {
        x.withUnsafeBufferPointer { slot.predict($0) }
    }

    @Test func watcherReportsEachNewVersionOnce() throws {
        let dir = TemporaryDirectory("model-watch")
        defer { dir.remove() }
        let path = dir.file("m.pmodel")
        try ModelArtifact.write(Self.logistic([1, 0, 0]), to: path)
        var watcher = ModelFileWatcher(path: path)
        #expect(watcher.poll() == .unchanged, "the file present at start-up counts as loaded")
        try ModelArtifact.write(Self.logistic([2, 0, 0]), to: path)   // rename: a new inode
        #expect(watcher.poll() == .replaced)
        #expect(watcher.poll() == .unchanged, "one version is reported once")
        unlink(path)
        guard case .missing(let code) = watcher.poll() else { Issue.record("a removed file must be reported"); return }
        #expect(code == ENOENT)
        #expect(watcher.poll() == .unchanged, "a missing file is reported once, not every poll")
        try ModelArtifact.write(Self.logistic([3, 0, 0]), to: path)
        #expect(watcher.poll() == .replaced, "the file coming back is a new version")
    }

    @Test func watcherStartingWithoutFileSeesItAppear() throws {
        let dir = TemporaryDirectory("model-watch")
        defer { dir.remove() }
        let path = dir.file("later.pmodel")
        var watcher = ModelFileWatcher(path: path)
        #expect(watcher.poll() == .unchanged)
        try ModelArtifact.write(Self.logistic([1, 0, 0]), to: path)
        #expect(watcher.poll() == .replaced)
    }

    @Test func pickUpSwapsTheModelTheStrategyReads() throws {
        let dir = TemporaryDirectory("model-pickup")
        defer { dir.remove() }
        let path = dir.file("imbalance.pmodel")
        try ModelArtifact.write(Self.logistic([2, 0, -0.8]), to: path)
        let slot = ModelSlot(try ExampleSetup.imbalanceModel(path: path))
        var watcher = ModelFileWatcher(path: path)
        let x = [0.5, 0.0, 0.0]
        let before = Self.predict(slot, x)
        #expect(abs(before - 1 / (1 + exp(-1.0))) < 1e-12)
        #expect(ExampleSetup.pickUpModel(&watcher, slot: slot) == nil, "nothing changed yet")

        try ModelArtifact.write(Self.logistic([-4, 0, 0], intercept: 0.25), to: path)
        let line = try #require(ExampleSetup.pickUpModel(&watcher, slot: slot))
        #expect(line.contains("picked up"), "\(line)")
        let after = Self.predict(slot, x)
        #expect(abs(after - 1 / (1 + exp(1.75))) < 1e-12, "the new coefficients serve the next prediction")
        #expect(slot.publishedCount == 2)
        #expect(ExampleSetup.pickUpModel(&watcher, slot: slot) == nil)
    }

    @Test func badFilesLeaveTheCurrentModelServing() throws {
        let dir = TemporaryDirectory("model-pickup")
        defer { dir.remove() }
        let path = dir.file("imbalance.pmodel")
        try ModelArtifact.write(Self.logistic([2, 0, -0.8]), to: path)
        let slot = ModelSlot(try ExampleSetup.imbalanceModel(path: path))
        var watcher = ModelFileWatcher(path: path)
        let x = [0.5, 0.0, 0.0]
        let before = Self.predict(slot, x)

        // A corrupt artifact (half a file written in place): CRC check fails.
        var bytes = try ModelArtifact.encode(Self.logistic([9, 9, 9]))
        bytes.removeLast(6)
        let fd = open(path, O_WRONLY | O_TRUNC)
        #expect(fd >= 0)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        let corrupt = try #require(ExampleSetup.pickUpModel(&watcher, slot: slot))
        #expect(corrupt.contains("not swapped in"), "\(corrupt)")
        #expect(Self.predict(slot, x) == before)

        // A regression model (the strategy reads a probability) is refused too.
        try ModelArtifact.write(ModelDefinition(featureNames: ImbalanceReversionAlpha.featureNames, source: "test",
                                                body: .linear(LinearParameters(weights: [1, 1, 1], intercept: 0))), to: path)
        let wrongKind = try #require(ExampleSetup.pickUpModel(&watcher, slot: slot))
        #expect(wrongKind.contains("not a classifier"), "\(wrongKind)")
        #expect(Self.predict(slot, x) == before)
        #expect(slot.publishedCount == 1)

        // Then a good one is taken.
        try ModelArtifact.write(Self.logistic([0, 0, 0]), to: path)
        #expect(ExampleSetup.pickUpModel(&watcher, slot: slot)?.contains("picked up") == true)
        #expect(abs(Self.predict(slot, x) - 0.5) < 1e-12)
    }
}
