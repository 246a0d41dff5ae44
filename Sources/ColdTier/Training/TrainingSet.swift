import PeregrineWarehouse

/// Rows of features and a label in time order, read from the warehouse (training input).
///
/// Row-major: `features[row * featureCount + column]`. Cold tier; allocates freely.
public struct TrainingSet: Sendable, Equatable {
    public var featureNames: [String]
    public var times: [Int64]
    public var features: [Double]
    public var labels: [Double]

    public init(featureNames: [String], times: [Int64], features: [Double], labels: [Double]) {
        precondition(times.count == labels.count && features.count == labels.count * featureNames.count, "TrainingSet shape")
        self.featureNames = featureNames; self.times = times; self.features = features; self.labels = labels
    }

    public var count: Int { labels.count }
    public var featureCount: Int { featureNames.count }

    public func row(_ i: Int) -> ArraySlice<Double> { features[(i * featureCount)..<((i + 1) * featureCount)] }

    /// Rows `range` (a time slice, since rows are in time order).
    public func slice(_ range: Range<Int>) -> TrainingSet {
        TrainingSet(featureNames: featureNames, times: Array(times[range]),
                    features: Array(features[(range.lowerBound * featureCount)..<(range.upperBound * featureCount)]),
                    labels: Array(labels[range]))
    }

    /// Runs `sql`, whose first column is the time in ns (the walk-forward order), the last the
    /// label, and the ones between the features (named by their column names), e.g.
    /// `SELECT time_ns, imbalance, spread, next_return FROM features_v`. Rows with a NULL or
    /// non-finite value are skipped (counted in `skipped`); rows are sorted by time (stable).
    public static func load(_ connection: PostgresConnection, sql: String) throws -> (set: TrainingSet, skipped: Int) {
        let result = try connection.query(sql)
        let names = result.columns
        guard names.count >= 3 else {
            throw TrainingError(.badQuery, "the query returns \(names.count) column(s); it needs time_ns, at least one feature, and the label",
                                context: "loading training data with '\(sql.prefix(120))'")
        }
        let featureNames = Array(names[1..<(names.count - 1)])
        var rows: [(time: Int64, features: [Double], label: Double)] = []
        var skipped = 0
        rowLoop: for row in result.rows {
            guard let t = row[0].flatMap({ Int64($0) }) else { skipped += 1; continue }
            var values: [Double] = []
            values.reserveCapacity(row.count - 1)
            for cell in row[1...] {
                guard let text = cell, let value = Double(text), value.isFinite else { skipped += 1; continue rowLoop }
                values.append(value)
            }
            let label = values.removeLast()
            rows.append((t, values, label))
        }
        rows = rows.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
        return (TrainingSet(featureNames: featureNames, times: rows.map(\.time), features: rows.flatMap(\.features), labels: rows.map(\.label)), skipped)
    }
}

/// A training failure with a stable code and context.
public struct TrainingError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The features query has the wrong shape.
        case badQuery = "TR-QUERY"
        /// Too few rows for the folds asked for, no rows, a non-finite feature or label, bad
        /// hyper-parameters, or labels not 0/1 (or of one class only) for a classifier.
        case badData = "TR-DATA"
        /// The normal equations are singular (a constant or duplicated feature with alpha 0).
        case singular = "TR-SINGULAR"
        /// The current artifact cannot be compared (other features, or a regressor against a
        /// classifier).
        case incomparable = "TR-INCOMPARABLE"
    }
    public var code: Code
    public var message: String
    public var context: String
    public init(_ code: Code, _ message: String, context: String) { self.code = code; self.message = message; self.context = context }
    public var description: String { "\(code.rawValue): \(message) (while \(context))" }
}
