import Testing
@testable import PeregrineFeeds
