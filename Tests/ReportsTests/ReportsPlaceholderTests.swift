import Testing
@testable import PeregrineReports
