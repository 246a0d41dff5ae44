import Testing
import PeregrineModels

@Suite("Model kinds")
struct ModelKindTests {
    @Test("names are distinct")
    func distinct() {
        #expect(Set(ModelKind.allCases.map(\.description)).count == ModelKind.allCases.count)
    }
}
