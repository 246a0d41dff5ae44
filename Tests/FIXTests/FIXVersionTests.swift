import Testing
import PeregrineFIX

@Suite("FIX versions")
struct FIXVersionTests {
    @Test("BeginString values map to versions and unknown ones are refused")
    func beginStrings() {
        for v in FIXVersion.allCases {
            let bytes = v.beginString
            #expect(bytes.withUnsafeBytes { FIXVersion(beginString: $0) } == v)
        }
        #expect(Array("FIX.4.3".utf8).withUnsafeBytes { FIXVersion(beginString: $0) } == nil)
    }
}
