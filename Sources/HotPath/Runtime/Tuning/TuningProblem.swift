/// One problem found in a tuning profile: where it is and what to do about it.
public struct TuningProblem: Sendable, Equatable, CustomStringConvertible {
    /// The profile file as given (e.g. "tuning/dev-2core.conf").
    public var file: String
    /// 1-based line; 0 when the problem concerns the whole file.
    public var line: Int
    /// What is wrong and what to change, one sentence or two.
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file; self.line = line; self.message = message
    }

    /// `file:line: message` (or `file: message` for line 0), as compilers print.
    public var description: String {
        line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)"
    }
}

/// A tuning profile that could not be used, with every problem found (not just the first).
public struct TuningProfileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Problems in file order (problems of the whole file first).
    public var problems: [TuningProblem]

    public init(problems: [TuningProblem]) {
        self.problems = problems.enumerated().sorted { a, b in
            (a.element.line, a.offset) < (b.element.line, b.offset)
        }.map(\.element)
    }

    /// A heading line with the count, then one `file:line: message` line per problem.
    public var description: String {
        let file = problems.first?.file ?? "tuning profile"
        let heading = "\(file): \(problems.count) problem\(problems.count == 1 ? "" : "s") in tuning profile"
        return ([heading] + problems.map { "  " + $0.description }).joined(separator: "\n")
    }
}
