import Testing
import PeregrineColdServices

@Suite("Cold-tier status")
struct ColdTierStatusTests {
    @Test("lag in records is the head minus the position, never negative")
    func recordsBehind() {
        var loader = ColdTierStatus.Loader()
        loader.lastSequence = 10
        loader.journalHeadSequence = 25
        #expect(loader.recordsBehind == 15)
        loader.lastSequence = 30
        #expect(loader.recordsBehind == 0)
        let board = ColdTierStatusBoard()
        board.update { $0.loader = loader }
        #expect(board.snapshot.loader == loader)
        #expect(ColdTierProgressService.lines(board.snapshot).first?.hasPrefix("etl: starting, 0 record(s)") == true)
    }
}
