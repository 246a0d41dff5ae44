import Testing
import PeregrinePlatform
import PeregrineFIXTransport

@Suite("FIX endpoints")
struct FIXEndpointTests {
    @Test("an endpoint describes its address and mode")
    func describes() throws {
        let e = FIXEndpoint(address: try SocketAddress(parsing: "127.0.0.1:9878"), mode: .busyPoll)
        #expect(e.description == "127.0.0.1:9878 (busy-poll)")
    }
}
