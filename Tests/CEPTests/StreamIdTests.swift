import Testing
import PeregrineCEP

@Suite("CEP stream ids")
struct StreamIdTests {
    @Test("ids describe themselves")
    func describes() { #expect(StreamId(rawValue: 3).description == "stream#3") }
}
