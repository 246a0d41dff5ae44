/// A dictionary field type (the `type` attribute of `<field>`), grouped by the value format
/// validation checks.
@frozen
public enum FIXFieldType: UInt8, Sendable, CaseIterable {
    /// Not defined in the dictionary.
    case undefined = 0
    case string, char, boolean, data, multipleValueString, multipleCharValue
    case int, length, numInGroup, seqNum, tagNum, dayOfMonth
    case float, qty, price, priceOffset, amount, percentage
    case utcTimestamp, utcTimeOnly, utcDateOnly, localMarketDate, monthYear
    case currency, exchange, country, language, xmlData, timezoneTime, timezoneTimestamp, xid, xidRef

    /// The type for a dictionary `type` attribute; unknown names are treated as strings
    /// (venues invent types) — `nil` only for an empty name.
    public init?(dictionaryName name: String) {
        switch name.uppercased() {
        case "": return nil
        case "STRING": self = .string
        case "CHAR": self = .char
        case "BOOLEAN": self = .boolean
        case "DATA": self = .data
        case "MULTIPLEVALUESTRING", "MULTIPLESTRINGVALUE": self = .multipleValueString
        case "MULTIPLECHARVALUE": self = .multipleCharValue
        case "INT": self = .int
        case "LENGTH": self = .length
        case "NUMINGROUP": self = .numInGroup
        case "SEQNUM": self = .seqNum
        case "TAGNUM": self = .tagNum
        case "DAYOFMONTH": self = .dayOfMonth
        case "FLOAT": self = .float
        case "QTY", "QUANTITY": self = .qty
        case "PRICE": self = .price
        case "PRICEOFFSET": self = .priceOffset
        case "AMT": self = .amount
        case "PERCENTAGE": self = .percentage
        case "UTCTIMESTAMP", "TIME": self = .utcTimestamp
        case "UTCTIMEONLY": self = .utcTimeOnly
        case "UTCDATEONLY", "UTCDATE", "DATE": self = .utcDateOnly
        case "LOCALMKTDATE": self = .localMarketDate
        case "MONTHYEAR": self = .monthYear
        case "CURRENCY": self = .currency
        case "EXCHANGE": self = .exchange
        case "COUNTRY": self = .country
        case "LANGUAGE": self = .language
        case "XMLDATA": self = .xmlData
        case "TZTIMEONLY": self = .timezoneTime
        case "TZTIMESTAMP": self = .timezoneTimestamp
        case "XID": self = .xid
        case "XIDREF": self = .xidRef
        default: self = .string
        }
    }

    /// The value format validation checks for this type.
    @inlinable
    public var format: FIXValueFormat {
        switch self {
        case .int, .length, .numInGroup, .seqNum, .tagNum, .dayOfMonth: return .integer
        case .float, .qty, .price, .priceOffset, .amount, .percentage: return .decimal
        case .char: return .character
        case .boolean: return .boolean
        case .utcTimestamp: return .timestamp
        case .utcDateOnly, .localMarketDate: return .date
        case .multipleValueString, .multipleCharValue: return .multipleValues
        default: return .text
        }
    }
}

/// Value formats that validation distinguishes.
@frozen
public enum FIXValueFormat: UInt8, Sendable {
    case text, integer, decimal, character, boolean, timestamp, date, multipleValues
}
