import PeregrineModels

extension ExampleSetup {
    /// Polls the imbalance strategy's model file once; on a new version loads it, checks it
    /// (artifact CRC, features the strategy builds, a classifier) and publishes it into
    /// `slot` — the strategy's next prediction uses it, with no pause on the engine thread.
    /// Returns a line for the log, or nil when nothing happened.
    ///
    /// Threading: a cold thread (the `run` command's main loop), never the engine thread.
    /// Allocation: only when the file changed (loading). Errors: none thrown — a bad or
    /// missing file is reported in the returned line and the current model stays in service.
    public static func pickUpModel(_ watcher: inout ModelFileWatcher, slot: ModelSlot) -> String? {
        switch watcher.poll() {
        case .unchanged:
            return nil
        case .missing(let code):
            return "model: \(watcher.path) cannot be read (errno \(code)); the current model stays in service"
        case .replaced:
            do {
                let next = try imbalanceModel(path: watcher.path)
                try slot.publish(next)
                return "model: picked up a new \(watcher.path) (\(next.kind), \(next.featureCount) features; \(slot.publishedCount) published so far)"
            } catch {
                return "model: \(watcher.path) changed but was not swapped in: \(error); the current model stays in service"
            }
        }
    }
}
