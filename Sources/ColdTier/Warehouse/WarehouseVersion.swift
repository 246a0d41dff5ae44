import CLibPQ

/// The libpq client library the warehouse loader is linked against.
public enum WarehouseClient {
    /// libpq's version number (e.g. 150004 for 15.4).
    public static var libpqVersion: Int { Int(PQlibVersion()) }
}
