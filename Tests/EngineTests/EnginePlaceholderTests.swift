import Testing
@testable import PeregrineEngine
