import JikochoModel

/// MMS (ISO 9506, Manufacturing Message Specification) over the OSI upper layers on ISO-on-TCP (port 102, beside
/// S7comm): the session (ISO 8327) and presentation (ISO 8823) layers unwrapped, ACSE (ISO 8650) association
/// requests followed to the MMS initiate they carry, and the MMS PDUs read as BER (X.690). IEC 61850-8-1 maps
/// substation IEDs' data onto MMS: a control is a write of `LN$CO$DO$Oper` (operate), `$SBOw` (select with value) or
/// `$Cancel`, a setting a write of another functional constraint. Field meanings follow Wireshark's packet-mms.c and
/// packet-ses.c/packet-pres.c.
public enum MMS {
    // MARK: BER

    /// One BER element: class (0 universal, 1 application, 2 context, 3 private), constructed or not, tag number and
    /// the range of its contents in the buffer.
    public struct TLV: Equatable, Sendable {
        public var tagClass: UInt8
        public var constructed: Bool
        public var tag: Int
        public var contents: Range<Int>

        /// The identifier octet of a low tag (`0xA5`), for comparisons; 0 for tags above 30.
        var identifier: UInt8 {
            tag > 30 ? 0 : tagClass << 6 | (constructed ? 0x20 : 0) | UInt8(tag)
        }
    }

    /// Reads the element at `at` within `limit`; nil when it is not a whole definite-length element there.
    public static func element(_ b: [UInt8], at: Int, limit: Int) -> TLV? {
        var i = at
        guard i < limit else { return nil }
        let first = b[i]
        i += 1
        var tag = Int(first & 0x1F)
        if tag == 0x1F {
            tag = 0
            var n = 0
            while true {
                guard i < limit, n < 4 else { return nil }
                let c = b[i]
                i += 1
                n += 1
                tag = tag << 7 | Int(c & 0x7F)
                if c & 0x80 == 0 { break }
            }
        }
        guard i < limit else { return nil }
        var length = Int(b[i])
        i += 1
        if length & 0x80 != 0 {
            let n = length & 0x7F
            guard n >= 1, n <= 4, i + n <= limit else { return nil }    // 0x80: indefinite, not used by MMS stacks
            length = 0
            for _ in 0..<n {
                length = length << 8 | Int(b[i])
                i += 1
            }
        }
        guard length >= 0, i + length <= limit else { return nil }
        return TLV(tagClass: first >> 6, constructed: first & 0x20 != 0, tag: tag, contents: i..<(i + length))
    }

    /// The elements inside a constructed element (at most `max`); stops at the first that is not whole.
    public static func children(_ b: [UInt8], _ parent: Range<Int>, max: Int = 4_096) -> [TLV] {
        var out: [TLV] = []
        var i = parent.lowerBound
        while i < parent.upperBound, out.count < max, let e = element(b, at: i, limit: parent.upperBound) {
            out.append(e)
            i = e.contents.upperBound
        }
        return out
    }

    static func integer(_ b: [UInt8], _ r: Range<Int>) -> Int64? {
        guard !r.isEmpty, r.count <= 8 else { return nil }
        var v = Int64(Int8(bitPattern: b[r.lowerBound]))
        for i in (r.lowerBound + 1)..<r.upperBound { v = v << 8 | Int64(b[i]) }
        return v
    }

    static func unsigned(_ b: [UInt8], _ r: Range<Int>) -> UInt64? {
        guard !r.isEmpty, r.count <= 9 else { return nil }
        var v: UInt64 = 0
        for i in r { v = v << 8 | UInt64(b[i]) }
        return v
    }

    static func text(_ b: [UInt8], _ r: Range<Int>) -> String { printable(b[r.lowerBound..<min(r.upperBound, r.lowerBound + 512)]) }

    // MARK: OSI upper layers

    /// ISO 8327 session SPDU identifiers that begin a TSDU.
    public static let sessionIdentifiers: Set<UInt8> = [0x01, 0x09, 0x0A, 0x0C, 0x0D, 0x0E, 0x19, 0x1A]

    /// What a TSDU carries: the session SPDU's name and the presentation bytes it holds.
    public struct Session: Equatable, Sendable {
        public var spdu: String
        public var userData: [UInt8]
    }

    /// Unwraps the session layer: GIVE TOKENS + DATA TRANSFER (`01 00 01 00`, then the user data), or CONNECT,
    /// ACCEPT, REFUSE, FINISH, DISCONNECT, ABORT with their user data in parameter 193 (or 194, extended).
    public static func session(_ b: [UInt8]) -> Session? {
        guard b.count >= 2 else { return nil }
        func spduLength(_ at: Int) -> (length: Int, header: Int)? {
            guard at + 1 < b.count else { return nil }
            if b[at + 1] != 0xFF { return (Int(b[at + 1]), 2) }
            guard at + 3 < b.count else { return nil }
            return (Int(b[at + 2]) << 8 | Int(b[at + 3]), 4)
        }
        let si = b[0]
        if si == 0x01 {
            // GIVE TOKENS (category 0) then DATA TRANSFER, each with its parameters.
            guard let (l0, h0) = spduLength(0) else { return nil }
            var at = h0 + l0
            if at < b.count, b[at] == 0x01, let (l1, h1) = spduLength(at) { at += h1 + l1 }
            guard at <= b.count else { return nil }
            return Session(spdu: "data", userData: Array(b[at...]))
        }
        let names: [UInt8: String] = [0x0D: "connect", 0x0E: "accept", 0x0C: "refuse", 0x09: "finish", 0x0A: "disconnect",
                                      0x19: "abort", 0x1A: "abort_accept"]
        guard let name = names[si], let (l, h) = spduLength(0), h + l <= b.count else { return nil }
        // Parameters: PI/PGI code, length (0xFF + two bytes when long), value. User data is PGI 193 (or 194).
        var i = h
        let end = h + l
        var user: [UInt8] = []
        while i + 1 < end {
            let code = b[i]
            var len = Int(b[i + 1])
            var hdr = 2
            if len == 0xFF {
                guard i + 3 < end else { break }
                len = Int(b[i + 2]) << 8 | Int(b[i + 3])
                hdr = 4
            }
            guard i + hdr + len <= end else { break }
            if code == 0xC1 || code == 0xC2 { user = Array(b[(i + hdr)..<(i + hdr + len)]) }
            i += hdr + len
        }
        return Session(spdu: name, userData: user)
    }

    /// The presentation data values of a PPDU (CP, CPA, or a data phase's fully encoded data), each with its
    /// presentation context, as ranges of `b`.
    public static func presentationValues(_ b: [UInt8]) -> [(context: Int64?, value: Range<Int>)] {
        guard let top = element(b, at: 0, limit: b.count) else { return [] }
        var fully: TLV?
        if top.identifier == 0x61 {
            fully = top
        } else if top.identifier == 0x31 || top.identifier == 0x30 {
            // CP-type / CPA-PPDU: normal-mode-parameters [2] holds the user data.
            for c in children(b, top.contents) where c.identifier == 0xA2 {
                fully = children(b, c.contents).first { $0.identifier == 0x61 }
            }
        }
        guard let fully else { return [] }
        var out: [(Int64?, Range<Int>)] = []
        for pdv in children(b, fully.contents) where pdv.identifier == 0x30 {
            var context: Int64?
            for e in children(b, pdv.contents) {
                if e.identifier == 0x02 { context = integer(b, e.contents) }
                if e.identifier == 0xA0 || e.identifier == 0x81 { out.append((context, e.contents)) }
            }
        }
        return out
    }

    /// The MMS PDU inside a presentation data value: the value itself, or the MMS PDU an ACSE request or response
    /// carries in its user information (EXTERNAL, single ASN.1 type). `acse` names the ACSE APDU when there is one.
    public static func mmsPDU(_ b: [UInt8], in value: Range<Int>) -> (pdu: TLV?, acse: String?) {
        guard let e = element(b, at: value.lowerBound, limit: value.upperBound) else { return (nil, nil) }
        let acseNames: [UInt8: String] = [0x60: "aarq", 0x61: "aare", 0x62: "rlrq", 0x63: "rlre", 0x64: "abrt"]
        guard let acse = acseNames[e.identifier] else { return (e, nil) }
        for info in children(b, e.contents) where info.identifier == 0xBE {
            for ext in children(b, info.contents) where ext.identifier == 0x28 {
                for enc in children(b, ext.contents) where enc.identifier == 0xA0 {
                    return (element(b, at: enc.contents.lowerBound, limit: enc.contents.upperBound), acse)
                }
            }
        }
        return (nil, acse)
    }

    // MARK: MMS

    public static let confirmedServices = [
        "status", "get_name_list", "identify", "rename", "read", "write", "get_variable_access_attributes",
        "define_named_variable", "define_scattered_access", "get_scattered_access_attributes", "delete_variable_access",
        "define_named_variable_list", "get_named_variable_list_attributes", "delete_named_variable_list",
        "define_named_type", "get_named_type_attributes", "delete_named_type", "input", "output", "take_control",
        "relinquish_control", "define_semaphore", "delete_semaphore", "report_semaphore_status",
        "report_pool_semaphore_status", "report_semaphore_entry_status", "initiate_download_sequence",
        "download_segment", "terminate_download_sequence", "initiate_upload_sequence", "upload_segment",
        "terminate_upload_sequence", "request_domain_download", "request_domain_upload", "load_domain_content",
        "store_domain_content", "delete_domain", "get_domain_attributes", "create_program_invocation",
        "delete_program_invocation", "start", "stop", "resume", "reset", "kill", "get_program_invocation_attributes",
        "obtain_file", "define_event_condition", "delete_event_condition", "get_event_condition_attributes",
        "report_event_condition_status", "alter_event_condition_monitoring", "trigger_event", "define_event_action",
        "delete_event_action", "get_event_action_attributes", "report_event_action_status", "define_event_enrollment",
        "delete_event_enrollment", "alter_event_enrollment", "report_event_enrollment_status",
        "get_event_enrollment_attributes", "acknowledge_event_notification", "get_alarm_summary",
        "get_alarm_enrollment_summary", "read_journal", "write_journal", "initialize_journal", "report_journal_status",
        "create_journal", "delete_journal", "get_capability_list", "file_open", "file_read", "file_close",
        "file_rename", "file_delete", "file_directory",
    ]

    public static func serviceName(_ n: Int) -> String {
        n >= 0 && n < confirmedServices.count ? confirmedServices[n] : "service-\(n)"
    }

    public static let errorClasses = ["vmd-state", "application-reference", "definition", "resource", "service",
                                      "service-preempt", "time-resolution", "access", "initiate", "conclude", "cancel",
                                      "file", "others"]
    public static let dataAccessErrors = ["object-invalidated", "hardware-fault", "temporarily-unavailable",
                                          "object-access-denied", "object-undefined", "invalid-address",
                                          "type-unsupported", "type-inconsistent", "object-attribute-inconsistent",
                                          "object-access-unsupported", "object-non-existent", "object-value-invalid"]

    /// A variable's name: domain-specific (`domain`, `item`), VMD-specific or association-specific (`item` only).
    public struct Name: Equatable, Sendable, CustomStringConvertible {
        public var scope: String
        public var domain: String?
        public var item: String

        public var description: String { domain.map { "\($0)/\(item)" } ?? item }
    }

    /// An MMS PDU as read.
    public struct PDU: Sendable {
        public enum Kind: String, Sendable {
            case request, response, error, unconfirmed, reject, initiateRequest, initiateResponse, initiateError
            case concludeRequest, concludeResponse, concludeError, cancelRequest, cancelResponse, cancelError
        }
        public var kind: Kind
        public var invokeID: Int64?
        /// The confirmed service (request, response), or the unconfirmed one (0 information report).
        public var service: Int?
        /// Variables a read, write, attribute request or information report names (or its named list's name).
        public var names: [Name] = []
        /// The named variable list a request or report names instead of variables.
        public var listName: Name?
        /// A write's data, in the variables' order.
        public var data: [JSONValue] = []
        /// A write response's results: nil for success, else the data access error's number.
        public var results: [Int?] = []
        public var errorClass: Int?
        public var errorCode: Int64?
        /// Identify response, get name list response: the texts it gives.
        public var texts: [String] = []
        /// Initiate: proposed or negotiated version and nesting level, max outstanding requests.
        public var fields: [String: JSONValue] = [:]
        public var problem: String?
    }

    /// Reads an MMS PDU; nil when its tag is none of MMS's.
    public static func decode(_ b: [UInt8], _ e: TLV) -> PDU? {
        let kinds: [UInt8: PDU.Kind] = [0xA0: .request, 0xA1: .response, 0xA2: .error, 0xA3: .unconfirmed, 0xA4: .reject,
                                        0xA8: .initiateRequest, 0xA9: .initiateResponse, 0xAA: .initiateError,
                                        0x8B: .concludeRequest, 0x8C: .concludeResponse, 0xAD: .concludeError,
                                        0x85: .cancelRequest, 0x86: .cancelResponse, 0xA7: .cancelError]
        guard let kind = kinds[e.identifier] else { return nil }
        var p = PDU(kind: kind)
        let parts = e.constructed ? children(b, e.contents) : []
        switch kind {
        case .request, .response:
            guard let id = parts.first, id.identifier == 0x02 else {
                p.problem = "no invoke ID"
                return p
            }
            p.invokeID = integer(b, id.contents)
            // A request may carry modifiers (a SEQUENCE) before its service.
            guard let service = parts.dropFirst().first(where: { $0.tagClass == 2 }) else {
                p.problem = "no service"
                return p
            }
            p.service = service.tag
            if kind == .request { request(b, service, &p) } else { response(b, service, &p) }
        case .error:
            for c in parts {
                switch c.identifier {
                case 0x80: p.invokeID = integer(b, c.contents)
                case 0xA2:
                    // serviceError: errorClass [0] CHOICE { vmd-state [0] INTEGER, … }.
                    if let cls = children(b, c.contents).first(where: { $0.identifier == 0xA0 }),
                       let which = children(b, cls.contents).first
                    {
                        p.errorClass = which.tag
                        p.errorCode = integer(b, which.contents)
                    }
                default: break
                }
            }
        case .unconfirmed:
            guard let service = parts.first, service.tagClass == 2 else { return p }
            p.service = service.tag
            if service.tag == 0 {
                // informationReport: variableAccessSpecification, listOfAccessResult [0].
                if let spec = children(b, service.contents).first { accessSpecification(b, spec, &p) }
            }
        case .reject:
            for c in parts where c.identifier == 0x80 { p.invokeID = integer(b, c.contents) }
        case .initiateRequest, .initiateResponse:
            for c in parts {
                switch c.identifier {
                case 0x80: p.fields["local_detail"] = integer(b, c.contents).map { .int($0) }
                case 0x81: p.fields["max_outstanding_calling"] = integer(b, c.contents).map { .int($0) }
                case 0x82: p.fields["max_outstanding_called"] = integer(b, c.contents).map { .int($0) }
                case 0x83: p.fields["nesting_level"] = integer(b, c.contents).map { .int($0) }
                case 0xA4:
                    for d in children(b, c.contents) where d.identifier == 0x80 {
                        p.fields["version"] = integer(b, d.contents).map { .int($0) }
                    }
                default: break
                }
            }
        default:
            break
        }
        return p
    }

    static func request(_ b: [UInt8], _ s: TLV, _ p: inout PDU) {
        let parts = s.constructed ? children(b, s.contents) : []
        switch s.tag {
        case 4:
            // read: specificationWithResult [0] BOOLEAN OPTIONAL, variableAccessSpecification [1].
            if let spec = parts.first(where: { $0.identifier == 0xA1 }),
               let choice = children(b, spec.contents).first { accessSpecification(b, choice, &p) }
        case 5:
            // write: variableAccessSpecification, listOfData [0].
            if let spec = parts.first { accessSpecification(b, spec, &p) }
            if let list = parts.dropFirst().first(where: { $0.identifier == 0xA0 }) {
                p.data = children(b, list.contents).map { data(b, $0, depth: 0) }
            }
        case 6:
            // getVariableAccessAttributes: name [0] ObjectName | address [1].
            if let n = parts.first(where: { $0.identifier == 0xA0 }), let o = children(b, n.contents).first,
               let name = objectName(b, o) { p.names = [name] }
        case 12:
            // getNamedVariableListAttributes: the list's ObjectName.
            if let o = parts.first { p.listName = objectName(b, o) }
        case 1:
            // getNameList: objectClass [0], objectScope [1] { vmdSpecific [0] | domainSpecific [1] Identifier | aa [2] }.
            for c in parts where c.identifier == 0xA1 {
                for scope in children(b, c.contents) where scope.tag == 1 {
                    p.names = [Name(scope: "domain", domain: text(b, scope.contents), item: "")]
                }
            }
        case 72, 76, 46, 75, 77:
            // file services: a FileName is a SEQUENCE OF GraphicString.
            for c in parts {
                let pieces = (c.constructed ? children(b, c.contents) : [c]).filter { $0.tag == 25 || $0.tag == 26 }
                let t = pieces.map { text(b, $0.contents) }.joined()
                if !t.isEmpty { p.texts.append(t) }
            }
        case 40, 41, 42, 43, 44, 36, 37, 38, 39, 45:
            // Domains: their name (an Identifier); program invocations: a SEQUENCE whose first element is the name
            // (`programInvocationName [0]`; a bare VisibleString from a stack that leaves the tag out is read too).
            if !s.constructed {
                p.texts = [text(b, s.contents)]
            } else if let first = parts.first, (first.tagClass == 2 && first.tag == 0) || (first.tagClass == 0 && first.tag == 26) {
                p.texts = [text(b, first.contents)]
            }
        default:
            break
        }
    }

    static func response(_ b: [UInt8], _ s: TLV, _ p: inout PDU) {
        let parts = s.constructed ? children(b, s.contents) : []
        switch s.tag {
        case 5:
            // write: SEQUENCE OF CHOICE { failure [0] DataAccessError, success [1] NULL }.
            p.results = parts.map { $0.tag == 0 ? Int(integer(b, $0.contents) ?? -1) : nil }
        case 4:
            // read: listOfAccessResult [1] { failure [0] | Data }.
            if let list = parts.first(where: { $0.identifier == 0xA1 }) {
                p.results = children(b, list.contents).map { $0.identifier == 0x80 ? Int(integer(b, $0.contents) ?? -1) : nil }
            }
        case 2:
            // identify: vendorName [0], modelName [1], revision [2].
            p.texts = parts.filter { $0.tagClass == 2 && $0.tag <= 2 }.map { text(b, $0.contents) }
        case 1:
            // getNameList: listOfIdentifier [0], moreFollows [1].
            if let list = parts.first(where: { $0.identifier == 0xA0 }) {
                p.texts = children(b, list.contents, max: 256).map { text(b, $0.contents) }
            }
        default:
            break
        }
    }

    /// VariableAccessSpecification: listOfVariable [0] of variableSpecification name [0] ObjectName, or
    /// variableListName [1] ObjectName.
    static func accessSpecification(_ b: [UInt8], _ spec: TLV, _ p: inout PDU) {
        switch spec.identifier {
        case 0xA0:
            for v in children(b, spec.contents) where v.identifier == 0x30 {
                guard let vs = children(b, v.contents).first, vs.identifier == 0xA0,
                      let o = children(b, vs.contents).first, let name = objectName(b, o) else { continue }
                p.names.append(name)
            }
        case 0xA1:
            if let o = children(b, spec.contents).first { p.listName = objectName(b, o) }
        default:
            break
        }
    }

    /// ObjectName: vmd-specific [0], domain-specific [1] { domainId, itemId }, aa-specific [2].
    static func objectName(_ b: [UInt8], _ o: TLV) -> Name? {
        switch (o.tagClass, o.tag) {
        case (2, 0): return Name(scope: "vmd", domain: nil, item: text(b, o.contents))
        case (2, 1):
            let ids = children(b, o.contents)
            guard ids.count >= 2 else { return nil }
            return Name(scope: "domain", domain: text(b, ids[0].contents), item: text(b, ids[1].contents))
        case (2, 2): return Name(scope: "aa", domain: nil, item: text(b, o.contents))
        default: return nil
        }
    }

    /// Data (ISO 9506-2): array [1], structure [2], boolean [3], bit-string [4], integer [5], unsigned [6],
    /// floating-point [7] (an exponent width byte, then IEEE 754), octet-string [9], visible-string [10],
    /// binary-time [12], mMSString [16], utc-time [17].
    public static func data(_ b: [UInt8], _ d: TLV, depth: Int) -> JSONValue {
        guard d.tagClass == 2 else { return .null }
        let r = d.contents
        switch d.tag {
        case 1, 2:
            guard depth < 16 else { return .null }
            return .array(children(b, r, max: 256).map { data(b, $0, depth: depth + 1) })
        case 3: return r.isEmpty ? .null : .bool(b[r.lowerBound] != 0)
        case 4:
            // Bit string: unused bits, then the bits, first bit the most significant (IEC 61850 Dbpos, Quality).
            guard r.count >= 2, r.count <= 9 else { return .string(Hex.string(Array(b[r]))) }
            let unused = Int(b[r.lowerBound] & 7)
            let bits = (r.count - 1) * 8 - unused
            return .string(String((0..<bits).map { i -> Character in
                b[r.lowerBound + 1 + i / 8] & (0x80 >> UInt8(i % 8)) != 0 ? "1" : "0"
            }))
        case 5: return integer(b, r).map { .int($0) } ?? .null
        case 6:
            guard let u = unsigned(b, r) else { return .null }
            return u <= UInt64(Int64.max) ? .int(Int64(u)) : .double(Double(u))
        case 7:
            if r.count == 5 {
                let bits = UInt32(b[r.lowerBound + 1]) << 24 | UInt32(b[r.lowerBound + 2]) << 16
                    | UInt32(b[r.lowerBound + 3]) << 8 | UInt32(b[r.lowerBound + 4])
                let f = Float(bitPattern: bits)
                return f.isFinite ? .double(Double(f)) : .string("\(f)")
            }
            if r.count == 9 {
                var bits: UInt64 = 0
                for i in 1..<9 { bits = bits << 8 | UInt64(b[r.lowerBound + i]) }
                let f = Double(bitPattern: bits)
                return f.isFinite ? .double(f) : .string("\(f)")
            }
            return .null
        case 9, 12: return .string(Hex.string(Array(b[r.prefix(64)])))
        case 10, 16: return .string(text(b, r))
        case 17:
            // UtcTime: seconds since 1970 (4), fraction of a second (3), quality (1).
            guard r.count == 8 else { return .string(Hex.string(Array(b[r]))) }
            var s: Int64 = 0
            for i in 0..<4 { s = s << 8 | Int64(b[r.lowerBound + i]) }
            var f: Int64 = 0
            for i in 4..<7 { f = f << 8 | Int64(b[r.lowerBound + i]) }
            let ns = s * 1_000_000_000 + f * 1_000_000_000 / (1 << 24)
            return .string(Timestamp(nanoseconds: ns).iso8601Shortest())
        default:
            return .string(Hex.string(Array(b[r.prefix(64)])))
        }
    }

    // MARK: IEC 61850

    /// What an IEC 61850 write does: `LN$CO$DO$Oper` operates the control object `DO`, `$SBOw` selects it with a
    /// value, `$Cancel` cancels; anything else writes the data attribute with its functional constraint.
    public enum WriteMeaning: String, Sendable {
        case operate, select, cancel, write
    }

    /// The meaning of a write to `name`, and the point it changes (`iec61850:IED1LD0/XCBR1.Pos` for a control,
    /// `iec61850:IED1LD0/LLN0.Mod.stVal[ST]`-style references for other data; a name not in IEC 61850's form as
    /// `iec61850:DOMAIN/ITEM`).
    public static func meaning(of name: Name) -> (WriteMeaning, ControlPoint) {
        let parts = name.item.split(separator: "$", omittingEmptySubsequences: false).map(String.init)
        let ld = name.domain.map { $0 + "/" } ?? ""
        if parts.count >= 3, parts[1].count == 2, parts[1].allSatisfy({ $0.isUppercase }) {
            let ln = parts[0], fc = parts[1]
            if fc == "CO", parts.count >= 4, let last = parts.last, ["Oper", "SBOw", "Cancel"].contains(last) {
                let object = parts[2..<(parts.count - 1)].joined(separator: ".")
                let meaning: WriteMeaning = last == "Oper" ? .operate : last == "SBOw" ? .select : .cancel
                return (meaning, ControlPoint.iec61850(ld + ln + "." + object))
            }
            return (.write, ControlPoint.iec61850(ld + ln + "." + parts[2...].joined(separator: ".") + "[\(fc)]"))
        }
        return (.write, ControlPoint.iec61850(ld + name.item))
    }

    /// The value a control or write carries: `ctlVal`, the first element of an `Oper`/`SBOw` structure; the datum
    /// itself otherwise; booleans as 1/0.
    public static func controlValue(_ v: JSONValue, _ meaning: WriteMeaning) -> JSONValue {
        var x = v
        if meaning != .write, case .array(let a) = v, let first = a.first { x = first }
        // An analogue value is a structure of its integer or float (`AnalogueValue {f}`): the number inside.
        for _ in 0..<4 {
            guard case .array(let a) = x, a.count == 1, let only = a.first else { break }
            x = only
        }
        if case .bool(let flag) = x { return .int(flag ? 1 : 0) }
        if case .array = x { return .null }
        return x
    }
}
