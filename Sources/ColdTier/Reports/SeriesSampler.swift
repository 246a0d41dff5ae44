/// A curve thinned two to one whenever it passes twice its maximum.
struct SeriesSampler {
    let maximumPoints: Int
    private(set) var points: [(time: Int64, value: Double)] = []
    /// Journal time between unforced samples, doubled at each thinning.
    private(set) var step: Int64 = 1_000_000

    init(maximumPoints: Int) { self.maximumPoints = maximumPoints }

    var isEmpty: Bool { points.isEmpty }

    mutating func add(time: Int64, value: Double) {
        points.append((time, value))
        if points.count > 2 * maximumPoints { thin() }
    }

    /// Keeps every other point and the last.
    mutating func thin() {
        guard points.count > 2 else { return }
        let last = points[points.count - 1]
        points = stride(from: 0, to: points.count - 1, by: 2).map { points[$0] }
        points.append(last)
        step = step &* 2
    }

    func finished() -> [(time: Int64, value: Double)] {
        var copy = self
        while copy.points.count > maximumPoints { copy.thin() }
        return copy.points
    }
}
