import Testing
import PeregrineCore
@testable import PeregrineFIX

/// The shipped dictionaries, loaded once for all suites.
enum Dictionaries {
    static let fix42 = try! FIXDictionary.load(path: FIXTestSupport.dictionaryPath("FIX42.xml"))
    static let fix44 = try! FIXDictionary.load(path: FIXTestSupport.dictionaryPath("FIX44.xml"))
    static let fixt11 = try! FIXDictionary.load(transportPath: FIXTestSupport.dictionaryPath("FIXT11.xml"),
                                                applicationPath: FIXTestSupport.dictionaryPath("FIX50SP2.xml"))

    static func forVersion(_ v: FIXVersion) -> FIXDictionary {
        switch v {
        case .fix42: return fix42
        case .fix44: return fix44
        case .fixt11: return fixt11
        }
    }
}

@Suite("FIX dictionaries: loading the shipped files, venue files and errors")
struct FIXDictionaryTests {
    @Test("all four shipped dictionaries load with their fields, messages, enums and groups")
    func shipped() throws {
        for name in ["FIX42.xml", "FIX44.xml", "FIXT11.xml", "FIX50SP2.xml"] {
            let d = try FIXDictionary.load(path: FIXTestSupport.dictionaryPath(name))
            #expect(d.tag(named: "MsgType") == 35 || name == "FIX50SP2.xml", "\(name)")
            #expect(!d.messages.isEmpty, "\(name)")
        }
        let d44 = Dictionaries.fix44
        #expect(d44.beginString == "FIX.4.4")
        #expect(Dictionaries.fix42.beginString == "FIX.4.2")
        #expect(Dictionaries.fixt11.beginString == "FIXT.1.1")
        #expect(d44.fieldType(44) == .price)
        #expect(d44.fieldType(38) == .qty)
        #expect(d44.fieldType(52) == .utcTimestamp)
        #expect(d44.fieldType(268) == .numInGroup)
        #expect(d44.fieldType(4999) == .undefined)
        #expect(d44.name(of: 54) == "Side")
        #expect(d44.enumValues(of: 54).contains("1"))
        let nos = try #require(d44.message(.newOrderSingle))
        #expect(nos.name == "NewOrderSingle")
        #expect(!nos.isAdmin)
        #expect(nos.body.requiredTags.contains(11))
        #expect(nos.body.contains(55))   // through the Instrument component
        #expect(nos.body.contains(453))
        #expect(d44.message(.logon)?.isAdmin == true)
        #expect(d44.header.requiredTags.contains(49))
        #expect(d44.trailer.requiredTags == [10])
        // Every message type the issue lists is defined for FIX 4.4 (Email and the rest).
        for t: FIXMessageType in [.logon, .heartbeat, .testRequest, .resendRequest, .reject, .sequenceReset, .logout,
                                  .businessMessageReject, .newOrderSingle, .orderCancelRequest, .orderCancelReplaceRequest,
                                  .orderCancelReject, .executionReport, .orderStatusRequest, .orderMassStatusRequest,
                                  .marketDataRequest, .marketDataSnapshotFullRefresh, .marketDataIncrementalRefresh,
                                  .marketDataRequestReject, .securityDefinition, .email] {
            #expect(d44.message(t) != nil, "\(t)")
            #expect(Dictionaries.fixt11.message(t) != nil, "\(t)")
        }
        // Groups, nested: Parties → PtysSubGrp.
        let parties = try #require(d44.group(countTag: 453, in: .newOrderSingle))
        #expect(parties.delimiterTag == 448)
        let sub = try #require(d44.group(countTag: 802, in: .newOrderSingle))
        #expect(sub.delimiterTag == 523)
        #expect(d44.group(countTag: 268, in: .marketDataSnapshotFullRefresh)?.delimiterTag == 269)
        #expect(Dictionaries.fix42.group(countTag: 268, in: .marketDataIncrementalRefresh)?.delimiterTag == 279)
        // FIXT + 5.0 SP2: transport header, application messages.
        #expect(Dictionaries.fixt11.header.contains(1128))
        #expect(Dictionaries.fixt11.message(.executionReport)?.body.requiredTags.contains(17) == true)
    }

    static let venueXML = """
    <?xml version="1.0" encoding="UTF-8"?>
    <!-- A venue's dictionary: FIX 4.4 subset plus one user-defined field. -->
    <fix type="FIX" major="4" minor="4" servicepack="0">
      <header>
        <field name="BeginString" required="Y"/>
        <field name="BodyLength" required="Y"/>
        <field name="MsgType" required="Y"/>
        <field name="SenderCompID" required="Y"/>
        <field name="TargetCompID" required="Y"/>
        <field name="MsgSeqNum" required="Y"/>
        <field name="SendingTime" required="Y"/>
      </header>
      <trailer><field name="CheckSum" required="Y"/></trailer>
      <messages>
        <message name="Heartbeat" msgtype="0" msgcat="admin"><field name="TestReqID" required="N"/></message>
        <message name="NewOrderSingle" msgtype="D" msgcat="app">
          <field name="ClOrdID" required="Y"/>
          <component name="Instrument" required="Y"/>
          <field name="Side" required="Y"/>
          <field name="OrderQty" required="Y"/>
          <field name="OrdType" required="Y"/>
          <field name="Price" required="N"/>
          <field name="VenueStrategyTag" required="Y"/>
        </message>
      </messages>
      <components>
        <component name="Instrument"><field name="Symbol" required="Y"/></component>
      </components>
      <fields>
        <field number="8" name="BeginString" type="STRING"/>
        <field number="9" name="BodyLength" type="LENGTH"/>
        <field number="10" name="CheckSum" type="STRING"/>
        <field number="11" name="ClOrdID" type="STRING"/>
        <field number="34" name="MsgSeqNum" type="SEQNUM"/>
        <field number="35" name="MsgType" type="STRING"><value enum="0" description="HEARTBEAT"/><value enum="D" description="ORDER_SINGLE"/></field>
        <field number="38" name="OrderQty" type="QTY"/>
        <field number="40" name="OrdType" type="CHAR"><value enum="1" description="MARKET"/><value enum="2" description="LIMIT"/></field>
        <field number="44" name="Price" type="PRICE"/>
        <field number="49" name="SenderCompID" type="STRING"/>
        <field number="52" name="SendingTime" type="UTCTIMESTAMP"/>
        <field number="54" name="Side" type="CHAR"><value enum="1" description="BUY"/><value enum="2" description="SELL"/></field>
        <field number="55" name="Symbol" type="STRING"/>
        <field number="56" name="TargetCompID" type="STRING"/>
        <field number="112" name="TestReqID" type="STRING"/>
        <field number="20001" name="VenueStrategyTag" type="INT"/>
      </fields>
    </fix>
    """

    @Test("a venue dictionary with a user-defined field loads and drives validation")
    func venueDictionary() throws {
        let d = try FIXDictionary(xml: Self.venueXML, source: "venue.xml")
        #expect(d.tag(named: "VenueStrategyTag") == 20001)
        #expect(d.fieldType(20001) == .int)
        #expect(d.maxTag == 20001)
        let body = "35=D|49=A|56=B|34=3|52=20261126-14:30:05.123|11=X1|55=AAPL|54=2|38=10|40=2|44=1.5|20001=77|"
        let good = FIXTestSupport.message("FIX.4.4", body)
        FIXTestSupport.parse(good) { _, parser in
            #expect(d.validate(parser.message) == .valid)
        }
        let missing = FIXTestSupport.message("FIX.4.4", body.replacingFirst("20001=77|", with: ""))
        FIXTestSupport.parse(missing) { _, parser in
            #expect(d.validate(parser.message) == .reject(reason: .requiredTagMissing, tag: 20001))
        }
        let badFormat = FIXTestSupport.message("FIX.4.4", body.replacingFirst("20001=77|", with: "20001=seven|"))
        FIXTestSupport.parse(badFormat) { _, parser in
            #expect(d.validate(parser.message) == .reject(reason: .incorrectDataFormat, tag: 20001))
            var options = FIXValidationOptions()
            options.checkUserDefinedFields = false
            options.checkRequiredFields = true
            #expect(d.validate(parser.message, options: options) == .valid)
        }
    }

    @Test("malformed dictionaries are reported with file and line")
    func errors() {
        func failure(_ xml: String) -> FIXDictionaryError? {
            do {
                _ = try FIXDictionary(xml: xml, source: "bad.xml")
                return nil
            } catch {
                return error
            }
        }
        let cases: [(String, Int, String)] = [
            ("<fix>\n<header>\n</fix>", 3, "does not match"),
            ("<fix>\n<fields>\n<field number=1 name='A' type='INT'/>\n</fields>\n</fix>", 3, "must be quoted"),
            ("<fix>\n<fields>\n<field number='x' name='A' type='INT'/>\n</fields>\n</fix>", 3, "not a tag number"),
            ("<fix>\n<fields>\n<field name='A' type='INT'/>\n</fields>\n</fix>", 3, "needs a number"),
            ("<fix>\n<fields>\n<field number='1' name='A' type='INT'/>\n<field number='1' name='B' type='INT'/>\n</fields>\n</fix>", 4, "defined twice"),
            ("<fix>\n<messages>\n<message name='X' msgtype='D'>\n<field name='Nope' required='Y'/>\n</message>\n</messages>\n</fix>", 4, "not defined in <fields>"),
            ("<fix>\n<messages>\n<message name='X' msgtype='D'>\n<component name='Gone' required='Y'/>\n</message>\n</messages>\n</fix>", 4, "component Gone"),
            ("<fix>\n<messages>\n<message name='X' msgtype='TOOLONG'/>\n</messages>\n</fix>", 3, "msgtype"),
            ("<fix>\n<!-- never closed\n", 2, "unterminated comment"),
            ("<fix>\n<header>\n", 2, "not closed"),
            ("\n\n<dictionary/>", 3, "expected <fix>"),
            ("", 1, "no root element"),
            ("<fix>\n<components>\n<component name='Loop'><component name='Loop' required='Y'/></component>\n</components>\n<messages>\n<message name='X' msgtype='D'><component name='Loop' required='Y'/></message>\n</messages>\n</fix>", 3, "nest more than"),
            ("<fix a='&bogus;'/>", 1, "unknown entity"),
        ]
        for (xml, line, text) in cases {
            let e = failure(xml)
            #expect(e != nil, "\(xml)")
            #expect(e?.line == line, "\(xml): \(e?.description ?? "-")")
            #expect(e?.message.contains(text) == true, "\(xml): \(e?.description ?? "-")")
            #expect(e?.description.hasPrefix("bad.xml:\(line): ") == true)
        }
        do {
            _ = try FIXDictionary.load(path: "/nonexistent/venue.xml")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("/nonexistent/venue.xml:0: cannot open"))
        }
    }

    @Test("entities, single and double quotes and comments are read")
    func xmlReader() throws {
        let root = try FIXXMLReader.parse(Array("<?xml version='1.0'?><!DOCTYPE fix><!-- c --><a x=\"1 &amp; 2\" y='&lt;&#65;&#x42;&gt;'><b/><!-- <c/> --><c></c></a>".utf8), source: "t")
        #expect(root.name == "a")
        #expect(root.attribute("x") == "1 & 2")
        #expect(root.attribute("y") == "<AB>")
        #expect(root.children.map(\.name) == ["b", "c"])
    }
}
