#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Loading dictionaries from QuickFIX-layout XML. Set-up only: allocates, throws
/// `FIXDictionaryError` carrying file:line and what to fix.
extension FIXDictionary {
    /// Loads one dictionary file (FIX 4.2, FIX 4.4, a venue's own, …).
    public static func load(path: String) throws(FIXDictionaryError) -> FIXDictionary {
        let bytes = try readFile(path)
        return try build([(try FIXXMLReader.parse(bytes, source: path), path)])
    }

    /// Loads a FIXT transport dictionary (header, trailer, session messages) together with
    /// an application dictionary (e.g. FIX 5.0 SP2), as a FIXT.1.1 session uses them.
    public static func load(transportPath: String, applicationPath: String) throws(FIXDictionaryError) -> FIXDictionary {
        let transport = try FIXXMLReader.parse(try readFile(transportPath), source: transportPath)
        let application = try FIXXMLReader.parse(try readFile(applicationPath), source: applicationPath)
        return try build([(transport, transportPath), (application, applicationPath)])
    }

    /// Parses a dictionary from XML text (`source` names it in errors).
    public init(xml: String, source: String = "<text>") throws(FIXDictionaryError) {
        self = try Self.build([(try FIXXMLReader.parse(Array(xml.utf8), source: source), source)])
    }

    /// Reads a whole file with stdio (no Foundation).
    static func readFile(_ path: String) throws(FIXDictionaryError) -> [UInt8] {
        guard let file = fopen(path, "rb") else {
            throw FIXDictionaryError(source: path, line: 0, message: "cannot open dictionary file (errno \(errno)); check the path")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count {
                if ferror(file) != 0 {
                    throw FIXDictionaryError(source: path, line: 0, message: "read error (errno \(errno))")
                }
                break
            }
        }
        return bytes
    }

    static func build(_ documents: [(root: FIXXMLElement, source: String)]) throws(FIXDictionaryError) -> FIXDictionary {
        var builder = Builder()
        for (root, source) in documents { try builder.collect(root, source: source) }
        return try builder.finish(first: documents[0].root, source: documents[0].source)
    }

    struct FieldInfo {
        var name: String
        var type: FIXFieldType
        var enums: [String]
    }

    /// Members of a field set being expanded.
    struct Members {
        var tags: [Int32] = []
        var required: [Bool] = []
        var groups: [Int32] = []
        var seen: Set<Int32> = []
    }

    struct Builder {
        var fields: [Int: FieldInfo] = [:]
        var tagsByName: [String: Int] = [:]
        var components: [String: (element: FIXXMLElement, source: String)] = [:]
        var headers: [(element: FIXXMLElement, source: String)] = []
        var trailers: [(element: FIXXMLElement, source: String)] = []
        var messageElements: [(element: FIXXMLElement, source: String)] = []
        var groups: [FIXGroupDefinition] = []

        static func error(_ source: String, _ line: Int, _ message: String) -> FIXDictionaryError {
            FIXDictionaryError(source: source, line: line, message: message)
        }

        static func required(_ e: FIXXMLElement, _ name: String, _ source: String) throws(FIXDictionaryError) -> String {
            guard let v = e.attribute(name), !v.isEmpty else {
                throw error(source, e.line, "<\(e.name)> needs a \(name)=\"…\" attribute")
            }
            return v
        }

        mutating func collect(_ root: FIXXMLElement, source: String) throws(FIXDictionaryError) {
            guard root.name == "fix" else {
                throw Self.error(source, root.line, "root element is <\(root.name)>, expected <fix> (QuickFIX dictionary layout)")
            }
            for section in root.children {
                switch section.name {
                case "fields":
                    for f in section.children {
                        guard f.name == "field" else {
                            throw Self.error(source, f.line, "unexpected <\(f.name)> in <fields>")
                        }
                        try addField(f, source: source)
                    }
                case "components":
                    for c in section.children {
                        guard c.name == "component" else {
                            throw Self.error(source, c.line, "unexpected <\(c.name)> in <components>")
                        }
                        let name = try Self.required(c, "name", source)
                        if let existing = components[name] {
                            // Transport and application dictionaries both define some
                            // components (HopGrp): the first file's definition is kept.
                            if existing.source == source {
                                throw Self.error(source, c.line, "component \(name) is defined twice (first on line \(existing.element.line))")
                            }
                            continue
                        }
                        components[name] = (c, source)
                    }
                case "header": headers.append((section, source))
                case "trailer": trailers.append((section, source))
                case "messages":
                    for m in section.children {
                        guard m.name == "message" else {
                            throw Self.error(source, m.line, "unexpected <\(m.name)> in <messages>")
                        }
                        messageElements.append((m, source))
                    }
                default:
                    throw Self.error(source, section.line, "unexpected <\(section.name)> in <fix>; expected header, trailer, messages, components or fields")
                }
            }
        }

        mutating func addField(_ f: FIXXMLElement, source: String) throws(FIXDictionaryError) {
            let numberText = try Self.required(f, "number", source)
            guard let number = Int(numberText), number > 0, number < 1_000_000 else {
                throw Self.error(source, f.line, "field number \"\(numberText)\" is not a tag number (1…999999)")
            }
            let name = try Self.required(f, "name", source)
            let typeName = try Self.required(f, "type", source)
            guard let type = FIXFieldType(dictionaryName: typeName) else {
                throw Self.error(source, f.line, "field \(name) has an empty type")
            }
            var enums: [String] = []
            for v in f.children {
                guard v.name == "value" else { throw Self.error(source, v.line, "unexpected <\(v.name)> in field \(name)") }
                let code = try Self.required(v, "enum", source)
                if code.utf8.contains(0x01) { throw Self.error(source, v.line, "enum value of \(name) contains SOH") }
                enums.append(code)
            }
            if let existing = fields[number] {
                guard existing.name == name else {
                    throw Self.error(source, f.line, "tag \(number) is defined twice (\(existing.name) and \(name))")
                }
            }
            if let other = tagsByName[name], other != number {
                throw Self.error(source, f.line, "field name \(name) is used by tags \(other) and \(number)")
            }
            fields[number] = FieldInfo(name: name, type: type, enums: enums)
            tagsByName[name] = number
        }

        /// Expands `children` (fields, groups, components) into a member list.
        mutating func expand(_ children: [FIXXMLElement], source: String, requiredContext: Bool, depth: Int,
                             into set: inout Members) throws(FIXDictionaryError) {
            guard depth < 40 else {
                throw Self.error(source, children.first?.line ?? 0, "components nest more than 40 deep (a component includes itself?)")
            }
            for child in children {
                let name = try Self.required(child, "name", source)
                let isRequired = requiredContext && child.attribute("required")?.uppercased() == "Y"
                switch child.name {
                case "field", "group":
                    guard let tag = tagsByName[name] else {
                        throw Self.error(source, child.line, "\(child.name) \(name) is not defined in <fields>; add <field number=… name='\(name)' type=…/>")
                    }
                    var groupIndex: Int32 = -1
                    if child.name == "group" {
                        var members: Members = Members()
                        try expand(child.children, source: source, requiredContext: true, depth: depth + 1, into: &members)
                        guard let delimiter = members.tags.first else {
                            throw Self.error(source, child.line, "group \(name) has no fields")
                        }
                        groups.append(FIXGroupDefinition(countTag: tag, delimiterTag: Int(delimiter),
                            fields: FIXFieldSetDefinition(tags: members.tags, required: members.required, groupIndices: members.groups)))
                        groupIndex = Int32(groups.count - 1)
                    } else if !child.children.isEmpty {
                        throw Self.error(source, child.line, "field \(name) reference must not have children")
                    }
                    if !set.seen.insert(Int32(tag)).inserted { continue }   // repeated through two components
                    set.tags.append(Int32(tag))
                    set.required.append(isRequired)
                    set.groups.append(groupIndex)
                case "component":
                    guard let component = components[name] else {
                        throw Self.error(source, child.line, "component \(name) is not defined in <components>")
                    }
                    try expand(component.element.children, source: component.source, requiredContext: isRequired,
                               depth: depth + 1, into: &set)
                default:
                    throw Self.error(source, child.line, "unexpected <\(child.name)>; expected field, group or component")
                }
            }
        }

        mutating func fieldSet(_ sections: [(element: FIXXMLElement, source: String)]) throws(FIXDictionaryError) -> FIXFieldSetDefinition {
            var set: Members = Members()
            for (element, source) in sections where !element.children.isEmpty {
                try expand(element.children, source: source, requiredContext: true, depth: 0, into: &set)
                break   // the first non-empty header/trailer wins (the transport's)
            }
            return FIXFieldSetDefinition(tags: set.tags, required: set.required, groupIndices: set.groups)
        }

        mutating func finish(first root: FIXXMLElement, source: String) throws(FIXDictionaryError) -> FIXDictionary {
            let header = try fieldSet(headers)
            let trailer = try fieldSet(trailers)
            var messages: [FIXMessageDefinition] = []
            var seen: [FIXMessageType: Int] = [:]
            for (m, source) in messageElements {
                let name = try Self.required(m, "name", source)
                let typeText = try Self.required(m, "msgtype", source)
                guard let type = FIXMessageType(string: typeText) else {
                    throw Self.error(source, m.line, "msgtype \"\(typeText)\" of \(name) is not 1–4 printable ASCII characters")
                }
                if let line = seen[type] {
                    throw Self.error(source, m.line, "msgtype \(typeText) (\(name)) is already defined on line \(line)")
                }
                seen[type] = m.line
                var set: Members = Members()
                try expand(m.children, source: source, requiredContext: true, depth: 0, into: &set)
                let category = m.attribute("msgcat")?.lowercased()
                messages.append(FIXMessageDefinition(type: type, name: name, isAdmin: category == "admin" || (category == nil && type.isAdmin),
                    body: FIXFieldSetDefinition(tags: set.tags, required: set.required, groupIndices: set.groups)))
            }
            let maxTag = fields.keys.max() ?? 0
            var types = [FIXFieldType](repeating: .undefined, count: maxTag + 1)
            var enumRanges = [Int64](repeating: 0, count: maxTag + 1)
            var enumBounds: [Int32] = []
            var enumBytes: [UInt8] = []
            var names: [Int: String] = [:]
            for tag in fields.keys.sorted() {
                let info = fields[tag]!
                types[tag] = info.type
                names[tag] = info.name
                let start = enumBounds.count / 2
                for code in info.enums {
                    enumBounds.append(Int32(enumBytes.count))
                    enumBytes.append(contentsOf: Array(code.utf8))
                    enumBounds.append(Int32(enumBytes.count))
                }
                enumRanges[tag] = Int64(start) << 32 | Int64(info.enums.count)
            }
            let kind = root.attribute("type") ?? "FIX"
            let major = root.attribute("major") ?? "?"
            let minor = root.attribute("minor") ?? "?"
            let servicePack = root.attribute("servicepack").flatMap { Int($0) } ?? 0
            let beginString = "\(kind).\(major).\(minor)" + (servicePack > 0 ? "SP\(servicePack)" : "")
            return FIXDictionary(beginString: beginString, maxTag: maxTag, types: types, enumRanges: enumRanges,
                                 enumBounds: enumBounds, enumBytes: enumBytes, names: names, header: header,
                                 trailer: trailer, groups: groups, messages: messages)
        }
    }
}
