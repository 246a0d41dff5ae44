import Testing
import PeregrineWarehouse

@Suite("Warehouse client")
struct WarehouseClientTests {
    @Test("libpq is linked and reports a version")
    func version() { #expect(WarehouseClient.libpqVersion >= 100_000) }
}
