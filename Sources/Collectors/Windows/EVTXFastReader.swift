import JikochoModel
import Parsers

/// The collector's fast way from a record to its event: a template is worked out once into a layout (which
/// substitution fills which field, the event data's keys in their stored order), and each record's substitution
/// values go from the chunk's bytes straight into the event's stored text, without a tree of values, a string per
/// value or a sort per record. Gives exactly what the general way (`WindowsEventRecord`, then
/// `EVTXCollector.event`) gives; records it does not cover (embedded Binary XML, arrays in the event data, user
/// data, times that are not FILETIMEs, keys JSON escapes, templates of other shapes) are read the general way. A
/// test compares the two on every sample.
final class EVTXFastReader {
    let evidenceID: Int64
    let host: String?

    /// Sets of left-out items whose key order a layout keeps.
    static let maxOrdersPerLayout = 256

    /// Records read this way and the general way, for the tests.
    var fastCount = 0
    var slowCount = 0

    private var slots: [BXSlot] = []
    private var nestedSlots: [BXSlot] = []
    /// Every field's text of the record being read, unescaped, back to back.
    private var arena: [UInt8] = []
    private var fieldSpans = [Span](repeating: Span(), count: Field.allCases.count)
    private var itemSpans: [Span] = []
    private var roles = EVTXCollector.Roles()
    /// The templates of the chunk being read, by identity (kept alive so that an identity is never reused).
    private var chunkLayouts: [ObjectIdentifier: (BXTemplate, Layout?)] = [:]
    /// Layouts by the template's shape, across chunks (each chunk has its own copy of a log's templates).
    private var layouts: [Shape: Layout] = [:]
    private var unusable: Set<Shape> = []

    /// A template's shape as a key, hashed in one pass over its bytes.
    struct Shape: Hashable {
        var bytes: [UInt8]
        func hash(into hasher: inout Hasher) { bytes.withUnsafeBytes { hasher.combine(bytes: $0) } }
    }
    private var lastComputer: (bytes: [UInt8], text: String)?
    private var lastChannel: (bytes: [UInt8], text: String)?
    private var lastProvider: (bytes: [UInt8], text: String)?

    init(evidenceID: Int64, host: String?) {
        self.evidenceID = evidenceID
        self.host = host
    }

    struct Span {
        var start = 0
        var end = 0
        /// Absent (nil in the general way), not just empty.
        var absent = true
        var count: Int { end - start }
    }

    /// The fields of `<System>` an event keeps.
    enum Field: Int, CaseIterable {
        case provider, providerGUID, eventID, qualifiers, version, level, task, opcode, keywords, systemTime
        case recordID, activityID, relatedActivityID, processID, threadID, channel, computer, userSID
    }

    /// Where a field's text comes from.
    enum Source {
        /// Written out in the template: its text.
        case constant([UInt8])
        /// A FILETIME written out in the template (TimeCreated only).
        case constantTime(UInt64)
        /// A substitution; optional ones that are null leave an attribute out.
        case slot(Int, optional: Bool)
    }

    struct FieldSource {
        var source: Source
        /// An XML attribute (left out when its optional substitution is null), rather than an element's text.
        var isAttribute: Bool
    }

    struct Item {
        var name: String?
        var element: String
        var source: Source
    }

    /// The event data's keys for one set of items left out (optional substitutions that are null).
    struct Order {
        /// In stored order (keys by their UTF-8 bytes, the last of a repeated key only): the item and `"key":`.
        var members: [(item: Int, key: [UInt8])]
        /// Items present, in the record's order, with their role (slot, rank) if any and whether the key is Status.
        var present: [(item: Int, role: (slot: Int, rank: Int)?, isStatus: Bool)]
    }

    final class Layout {
        var fields: [FieldSource?]
        var items: [Item]
        var orders: [UInt64: Order?] = [:]
        var lastOrder: (UInt64, Order?)?
        /// Substitutions that hold a whole section (`<Event>`'s children).
        var sections: [Int]
        var provider: String?
        var channel: String?

        init(fields: [FieldSource?], items: [Item], sections: [Int]) {
            self.fields = fields
            self.items = items
            self.sections = sections
        }

        /// A section alone (an embedded EventData): no field of `<System>`, no section of its own.
        var isSectionOnly: Bool { sections.isEmpty && !fields.contains { $0 != nil } }
    }

    /// A new chunk: its templates are new objects.
    func beginChunk() {
        chunkLayouts.removeAll(keepingCapacity: true)
        recent = (nil, nil)
    }

    // MARK: - Layouts

    private func layout(_ template: BXTemplate) -> Layout? {
        // The last two looked up (a record's template and its event data's) first.
        if let (t, l) = recent.0, t === template { return l }
        if let (t, l) = recent.1, t === template {
            recent = (recent.1, recent.0)
            return l
        }
        let found = chunkLayout(template)
        recent = ((template, found), recent.0)
        return found
    }

    private var recent: ((BXTemplate, Layout?)?, (BXTemplate, Layout?)?) = (nil, nil)

    private func chunkLayout(_ template: BXTemplate) -> Layout? {
        let id = ObjectIdentifier(template)
        if let (_, l) = chunkLayouts[id] { return l }
        var l: Layout?
        if let plan = template.plan, let shape = Self.shape(plan).map(Shape.init) {
            if let known = layouts[shape] {
                l = known
            } else if !unusable.contains(shape) {
                l = Self.compile(plan)
                if layouts.count + unusable.count > 10_000 {
                    layouts.removeAll()
                    unusable.removeAll()
                }
                if let l { layouts[shape] = l } else { unusable.insert(shape) }
            }
        }
        chunkLayouts[id] = (template, l)
        return l
    }

    /// What a layout depends on, written out: nil for plans the fast way does not cover.
    static func shape(_ plan: EventPlan) -> [UInt8]? {
        guard plan.userData == nil, plan.eventDataElement == nil else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(512)
        func text(_ s: String) {
            let n = s.utf8.count
            out.append(UInt8(truncatingIfNeeded: n)); out.append(UInt8(truncatingIfNeeded: n >> 8))
            out.append(UInt8(truncatingIfNeeded: n >> 16))
            out.append(contentsOf: s.utf8)
        }
        func content(_ c: [BXContent]) -> Bool {
            if c.count == 1, case .substitution(let i, let type, let optional) = c[0] {
                out.append(1); text(String(i)); out.append(type); out.append(optional ? 1 : 0)
                return true
            }
            guard !hasSubstitution(c, depth: 0) else { return false }
            // Constant: its text and, for a single value, its type (a FILETIME is a time; the same text is not).
            out.append(2)
            if c.count == 1, case .value(let v) = c[0] { out.append(valueTag(v)) } else { out.append(0xFF) }
            text(EVTXXML.plainText(c, values: []))
            return true
        }
        for (field, e) in plan.system {
            out.append(3); text(field.rawValue)
            out.append(UInt8(truncatingIfNeeded: e.attributes.count))
            for a in e.attributes {
                text(a.name)
                guard content(a.value) else { return nil }
            }
            guard content(e.children) else { return nil }
        }
        out.append(4)
        for i in plan.sectionSubstitutions { text(String(i)) }
        out.append(4)
        for item in plan.eventData ?? [] {
            guard item.nameContent == nil else { return nil }
            out.append(item.name == nil ? 5 : 6); text(item.name ?? ""); text(item.element)
            guard content(item.children) else { return nil }
        }
        return out
    }

    static func hasSubstitution(_ c: [BXContent], depth: Int) -> Bool {
        guard depth < BinXMLReader.maxDepth else { return true }
        for n in c {
            switch n {
            case .substitution, .instance: return true
            case .element(let e):
                if hasSubstitution(e.children, depth: depth + 1) { return true }
                for a in e.attributes where hasSubstitution(a.value, depth: depth + 1) { return true }
            default: break
            }
        }
        return false
    }

    static func valueTag(_ v: BXValue) -> UInt8 {
        switch v {
        case .null: 0
        case .string: 1
        case .int: 2
        case .uint: 3
        case .real32: 4
        case .real64: 5
        case .bool: 6
        case .binary: 7
        case .guid: 8
        case .sizeT: 9
        case .filetime: 10
        case .systemtime: 11
        case .sid: 12
        case .hex32: 13
        case .hex64: 14
        case .fragment: 15
        case .array: 16
        case .raw: 17
        }
    }

    static func source(_ c: [BXContent]) -> Source? {
        if c.count == 1, case .substitution(let i, _, let optional) = c[0] { return .slot(i, optional: optional) }
        guard !hasSubstitution(c, depth: 0) else { return nil }
        return .constant(Array(EVTXXML.plainText(c, values: []).utf8))
    }

    /// Nil when the plan has a shape the fast way does not cover (the general way reads its records).
    static func compile(_ plan: EventPlan) -> Layout? {
        guard plan.userData == nil, plan.eventDataElement == nil else { return nil }
        var fields = [FieldSource?](repeating: nil, count: Field.allCases.count)
        var timeElements = 0
        func attribute(_ e: BXElement, _ name: String) -> FieldSource?? {
            guard let a = e.attributes.first(where: { $0.name == name }) else { return .some(nil) }
            guard let s = source(a.value) else { return nil }
            return FieldSource(source: s, isAttribute: true)
        }
        func text(_ e: BXElement) -> FieldSource? {
            source(e.children).map { FieldSource(source: $0, isAttribute: false) }
        }
        // In the template's order, a later element overwriting an earlier one, as the general way reads them.
        for (field, e) in plan.system {
            switch field {
            case .provider:
                guard let name = attribute(e, "Name"), let guid = attribute(e, "Guid") else { return nil }
                fields[Field.provider.rawValue] = name
                fields[Field.providerGUID.rawValue] = guid
            case .eventID:
                guard let t = text(e), let q = attribute(e, "Qualifiers") else { return nil }
                fields[Field.eventID.rawValue] = t
                fields[Field.qualifiers.rawValue] = q
            case .timeCreated:
                timeElements += 1
                guard timeElements == 1 else { return nil }
                guard let a = e.attributes.first(where: { $0.name == "SystemTime" }) else { continue }
                guard a.value.count == 1 else { return nil }
                switch a.value[0] {
                case .substitution(let i, _, let optional):
                    fields[Field.systemTime.rawValue] = FieldSource(source: .slot(i, optional: optional), isAttribute: true)
                case .value(.filetime(let t)):
                    fields[Field.systemTime.rawValue] = FieldSource(source: .constantTime(t), isAttribute: true)
                default:
                    return nil
                }
            case .correlation:
                guard let a = attribute(e, "ActivityID"), let r = attribute(e, "RelatedActivityID") else { return nil }
                fields[Field.activityID.rawValue] = a
                fields[Field.relatedActivityID.rawValue] = r
            case .execution:
                guard let p = attribute(e, "ProcessID"), let t = attribute(e, "ThreadID") else { return nil }
                fields[Field.processID.rawValue] = p
                fields[Field.threadID.rawValue] = t
            case .security:
                guard let u = attribute(e, "UserID") else { return nil }
                fields[Field.userSID.rawValue] = u
            case .version, .level, .task, .opcode, .keywords, .recordID, .channel, .computer:
                guard let t = text(e) else { return nil }
                let f: Field = switch field {
                case .version: .version
                case .level: .level
                case .task: .task
                case .opcode: .opcode
                case .keywords: .keywords
                case .recordID: .recordID
                case .channel: .channel
                default: .computer
                }
                fields[f.rawValue] = t
            }
        }
        var items: [Item] = []
        for item in plan.eventData ?? [] {
            guard item.nameContent == nil, let s = source(item.children) else { return nil }
            // A constant array would be written as the element repeated: the general way does that.
            if item.children.count == 1, case .value(.array) = item.children[0] { return nil }
            items.append(Item(name: item.name, element: item.element, source: s))
        }
        guard items.count <= 64 else { return nil }
        let layout = Layout(fields: fields, items: items, sections: plan.sectionSubstitutions)
        if case .constant(let b)? = fields[Field.provider.rawValue]?.source { layout.provider = String(decoding: b, as: UTF8.self) }
        if case .constant(let b)? = fields[Field.channel.rawValue]?.source { layout.channel = String(decoding: b, as: UTF8.self) }
        return layout
    }

    /// The event data's keys with the items in `absent` left out, named as the general way names them.
    static func order(_ items: [Item], absent: UInt64) -> Order? {
        var keys: [(item: Int, key: [UInt8])] = []
        var present: [(item: Int, role: (slot: Int, rank: Int)?, isStatus: Bool)] = []
        var position = 0
        for (i, item) in items.enumerated() where absent & (1 << UInt64(i)) == 0 {
            position += 1
            var key = item.name.flatMap { $0.isEmpty ? nil : $0 } ?? (item.element == "Data" ? "param\(position)" : item.element)
            if keys.contains(where: { $0.key.elementsEqual(key.utf8) }) { key += "_\(position)" }
            // Keys JSON escapes are sorted by their decoded text the slow way: not here.
            var escaped = [UInt8]()
            JSONValue.writeString(key, into: &escaped)
            guard escaped.count == key.utf8.count + 2 else { return nil }
            keys.append((i, Array(key.utf8)))
            present.append((i, EVTXCollector.Roles.table[key].map { ($0.slot, $0.rank) }, key == "Status"))
        }
        let sorted = keys.enumerated().sorted { x, y in
            let c = x.element.key.lexicographicallyPrecedes(y.element.key)
            if c { return true }
            if y.element.key.lexicographicallyPrecedes(x.element.key) { return false }
            return x.offset < y.offset
        }.map(\.element)
        var members: [(item: Int, key: [UInt8])] = []
        for (k, m) in sorted.enumerated() {
            // Of a repeated key, the last written wins.
            if k + 1 < sorted.count, sorted[k + 1].key == m.key { continue }
            members.append((m.item, [UInt8(ascii: "\"")] + m.key + Array("\":".utf8)))
        }
        return Order(members: members, present: present)
    }

    // MARK: - Records

    /// Reads one record into `out`; false to have the record read the general way.
    func read(_ reader: inout BinXMLReader, _ frame: EVTX.RecordFrame, chunk: Int, partial: Bool, start: Int,
              kinds: EVTXCollector.KindCache, into out: inout [EVTXCollector.Piece]) -> Bool
    {
        // The reused buffers as locals for the record (their accesses checked when compiled, not at run time).
        var slots: [BXSlot] = [], nestedSlots: [BXSlot] = [], arena: [UInt8] = [], fieldSpans: [Span] = []
        var itemSpans: [Span] = [], roles = EVTXCollector.Roles.placeholder
        swap(&slots, &self.slots); swap(&nestedSlots, &self.nestedSlots); swap(&arena, &self.arena)
        swap(&fieldSpans, &self.fieldSpans); swap(&itemSpans, &self.itemSpans); swap(&roles, &self.roles)
        defer {
            swap(&slots, &self.slots); swap(&nestedSlots, &self.nestedSlots); swap(&arena, &self.arena)
            swap(&fieldSpans, &self.fieldSpans); swap(&itemSpans, &self.itemSpans); swap(&roles, &self.roles)
        }
        guard let template = try? reader.parseInstanceSlots(start: frame.bodyStart, end: frame.bodyEnd, into: &slots),
              let layout = layout(template)
        else { slowCount += 1; return false }
        // The event data's items: the template's own, or those of one embedded instance in a section's place (the
        // way many providers write EventData).
        var itemLayout = layout
        var nested = false
        for (i, s) in slots.enumerated() where s.type == 0x21 {
            guard !nested, layout.items.isEmpty, layout.sections.contains(i),
                  let inner = try? reader.parseInstanceSlots(in: s, into: &nestedSlots),
                  let l = self.layout(inner), l.isSectionOnly, !nestedSlots.contains(where: { $0.type == 0x21 })
            else { slowCount += 1; return false }
            itemLayout = l
            nested = true
        }
        arena.removeAll(keepingCapacity: true)

        // <System>
        var ticks: UInt64?
        for f in Field.allCases {
            var span = Span()
            defer { fieldSpans[f.rawValue] = span }
            guard let fs = layout.fields[f.rawValue] else { continue }
            switch fs.source {
            case .constant(let b):
                span = Span(start: arena.count, end: arena.count + b.count, absent: false)
                arena.append(contentsOf: b)
            case .constantTime(let t):
                ticks = t
            case .slot(let i, let optional):
                let slot = i < slots.count ? slots[i] : nil
                let null = slot.map { $0.type == 0 } ?? true
                if f == .systemTime {
                    // Only FILETIMEs here; other times keep their text, which the general way writes.
                    guard let slot, slot.type == 0x11, slot.size == 8 else { slowCount += 1; return false }
                    ticks = reader.bytes(of: slot).loadUnaligned(as: UInt64.self).littleEndian
                    continue
                }
                if null, optional, fs.isAttribute { continue }
                let start = arena.count
                if let slot, !null { Self.appendText(slot, &reader, into: &arena) }
                span = Span(start: start, end: arena.count, absent: false)
            }
        }

        // <EventData>: which items are left out, then their texts.
        var absent: UInt64 = 0
        itemSpans.removeAll(keepingCapacity: true)
        for (k, item) in itemLayout.items.enumerated() {
            switch item.source {
            case .constant(let b):
                itemSpans.append(Span(start: arena.count, end: arena.count + b.count, absent: false))
                arena.append(contentsOf: b)
            case .constantTime:
                slowCount += 1
                return false
            case .slot(let i, let optional):
                let slot = nested ? (i < nestedSlots.count ? nestedSlots[i] : nil) : (i < slots.count ? slots[i] : nil)
                let null = slot.map { $0.type == 0 } ?? true
                if null, optional {
                    absent |= 1 << UInt64(k)
                    itemSpans.append(Span())
                    continue
                }
                // Arrays are written as the element repeated, one item each: the general way does that.
                if let slot, slot.type & 0x80 != 0 { slowCount += 1; return false }
                let start = arena.count
                if let slot, !null { Self.appendText(slot, &reader, into: &arena) }
                itemSpans.append(Span(start: start, end: arena.count, absent: false))
            }
        }
        let order: Order
        if let (mask, known) = itemLayout.lastOrder, mask == absent {
            guard let known else { slowCount += 1; return false }
            order = known
        } else if let known = itemLayout.orders[absent] {
            itemLayout.lastOrder = (absent, known)
            guard let known else { slowCount += 1; return false }
            order = known
        } else {
            let made = Self.order(itemLayout.items, absent: absent)
            // A template's records leave out a few sets of items; a hostile log could vary them record by record:
            // past a bound, orders are worked out each time rather than kept (memory stays flat).
            if itemLayout.orders.count < Self.maxOrdersPerLayout { itemLayout.orders[absent] = made }
            itemLayout.lastOrder = (absent, made)
            guard let made else { slowCount += 1; return false }
            order = made
        }

        let fileOffset = start + chunk * EVTX.chunkSize + frame.offset
        let locator = EVTXCollector.locator(record: frame.recordID, chunk: chunk, fileOffset: fileOffset)
        guard let time = ticks.flatMap({ Timestamp(filetime: $0) }) ?? Timestamp(filetime: frame.written) else {
            out.append(.untimed(locator))
            fastCount += 1
            return true
        }

        return arena.withUnsafeBufferPointer { text -> Bool in
            func bytes(_ s: Span) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: text[s.start..<s.end]) }
            func string(_ s: Span) -> String? { s.absent ? nil : String(decoding: bytes(s), as: UTF8.self) }
            func field(_ f: Field) -> Span { fieldSpans[f.rawValue] }
            func cached(_ s: Span, _ last: inout (bytes: [UInt8], text: String)?) -> String? {
                guard !s.absent else { return nil }
                let b = bytes(s)
                if let l = last, l.bytes.elementsEqual(b) { return l.text }
                let text = String(decoding: b, as: UTF8.self)
                last = (Array(b), text)
                return text
            }

            // Who and from where: the first field seen in each role, by rank.
            roles.reset()
            var statusItem: Int?
            for p in order.present {
                if statusItem == nil, p.isStatus { statusItem = p.item }
                guard let (slot, rank) = p.role else { continue }
                let v = bytes(itemSpans[p.item])
                guard !v.isEmpty, !(v.count == 1 && v[0] == UInt8(ascii: "-")), rank < roles.ranks[slot] else { continue }
                roles.found[slot] = String(decoding: v, as: UTF8.self)
                roles.ranks[slot] = rank
            }

            let idText = field(.eventID)
            let id = idText.absent ? -1 : (Self.int(bytes(idText)) ?? -1)
            let channel = layout.channel ?? cached(field(.channel), &lastChannel)
            let provider = layout.provider ?? cached(field(.provider), &lastProvider)
            var kind = kinds.kind(id, channel, provider)
            var failed = false
            if let statusItem {
                let refined = WindowsEventKinds.refine(kind, status: String(decoding: bytes(itemSpans[statusItem]), as: UTF8.self))
                failed = refined != kind
                kind = refined
            }

            // The attributes, written in their stored order.
            var json: [UInt8] = []
            json.reserveCapacity(text.count + 64 * order.members.count + 400)
            json.append(UInt8(ascii: "{"))
            var first = true
            var member: [UInt8] = []
            func key(_: TopKey) {
                if !first { json.append(UInt8(ascii: ",")) }
                first = false
                json.append(contentsOf: member)
            }
            func put(_ k: TopKey, _ f: Field) {
                let s = field(f)
                guard !s.absent, s.count > 0 else { return }
                key(k)
                JSONValue.writeString(utf8: bytes(s), into: &json)
            }
            var number = [UInt8]()
            JSONValue.writeInt(Int64(bitPattern: frame.recordID), into: &number)
            if frame.recordID > UInt64(Int64.max) { number = Array(String(frame.recordID).utf8) }
            let rid = field(.recordID)
            for (k, m) in TopKey.sorted {
                member = m
                switch k {
                case .activityID: put(k, .activityID)
                case .channel: put(k, .channel)
                case .computer: put(k, .computer)
                case .eventData:
                    guard !order.members.isEmpty else { continue }
                    key(k)
                    json.append(UInt8(ascii: "{"))
                    for (n, m) in order.members.enumerated() {
                        if n > 0 { json.append(UInt8(ascii: ",")) }
                        json.append(contentsOf: m.key)
                        JSONValue.writeString(utf8: bytes(itemSpans[m.item]), into: &json)
                    }
                    json.append(UInt8(ascii: "}"))
                case .eventID:
                    key(k)
                    JSONValue.writeInt(Int64(id), into: &json)
                case .keywords: put(k, .keywords)
                case .level: put(k, .level)
                case .opcode: put(k, .opcode)
                case .outcome:
                    guard failed else { continue }
                    key(k)
                    json.append(contentsOf: "\"failure\"".utf8)
                case .partialChunk:
                    guard partial else { continue }
                    key(k)
                    json.append(contentsOf: "true".utf8)
                case .processID: put(k, .processID)
                case .provider: put(k, .provider)
                case .providerGUID: put(k, .providerGUID)
                case .qualifiers: put(k, .qualifiers)
                case .recordID:
                    key(k)
                    if rid.absent {
                        number.withUnsafeBufferPointer { JSONValue.writeString(utf8: $0, into: &json) }
                    } else {
                        JSONValue.writeString(utf8: bytes(rid), into: &json)
                    }
                case .recordNumber:
                    guard !rid.absent, !bytes(rid).elementsEqual(number) else { continue }
                    key(k)
                    number.withUnsafeBufferPointer { JSONValue.writeString(utf8: $0, into: &json) }
                case .recovered:
                    guard frame.recovered else { continue }
                    key(k)
                    json.append(contentsOf: "true".utf8)
                case .relatedActivityID: put(k, .relatedActivityID)
                case .task: put(k, .task)
                case .threadID: put(k, .threadID)
                case .userSID: put(k, .userSID)
                case .version: put(k, .version)
                }
            }
            json.append(UInt8(ascii: "}"))

            let host = self.host ?? cached(field(.computer), &lastComputer)
            let event = EVTXCollector.finish(
                time: time, timeCreated: ticks != nil, kind: kind, host: host, channel: channel, id: id,
                provider: provider, roles: roles,
                firstValues: {
                    var values: [(name: String?, value: String)] = []
                    for p in order.present where itemLayout.items[p.item].element != "Binary" && itemSpans[p.item].count > 0 {
                        values.append((itemLayout.items[p.item].name, String(decoding: bytes(itemSpans[p.item]), as: UTF8.self)))
                        if values.count == 4 { break }
                    }
                    return values
                },
                recovered: frame.recovered, attributes: Attributes(canonicalJSON: json), evidenceID: evidenceID,
                locator: locator)
            out.append(.record(id: frame.recordID, recovered: frame.recovered, inPartialChunk: partial, event))
            fastCount += 1
            return true
        }
    }

    /// `Int(String)` of UTF-8 bytes: an optional sign and decimal digits, nil for anything else or an overflow.
    static func int(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0
        var negative = false
        if i < b.count, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") {
            negative = b[i] == UInt8(ascii: "-")
            i += 1
        }
        guard i < b.count else { return nil }
        var v = 0
        while i < b.count {
            let d = Int(b[i]) - 48
            guard d >= 0, d <= 9 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (n, o2) = negative ? m.subtractingReportingOverflow(d) : m.addingReportingOverflow(d)
            guard !o1, !o2 else { return nil }
            v = n
            i += 1
        }
        return v
    }

    /// The event's own attributes (beside `<System>`'s fields): in the order of their keys' bytes.
    enum TopKey: String, CaseIterable {
        case activityID = "activity_id", channel, computer, eventData = "event_data", eventID = "event_id", keywords
        case level, opcode, outcome, partialChunk = "partial_chunk", processID = "process_id", provider
        case providerGUID = "provider_guid", qualifiers, recordID = "record_id", recordNumber = "record_number"
        case recovered, relatedActivityID = "related_activity_id", task, threadID = "thread_id", userSID = "user_sid"
        case version

        /// Each key with its `"key":`, in order.
        static let sorted: [(TopKey, [UInt8])] = allCases.sorted { $0.rawValue.utf8.lexicographicallyPrecedes($1.rawValue.utf8) }
            .map { ($0, Array("\"\($0.rawValue)\":".utf8)) }
    }

    // MARK: - Values as text

    /// A substitution value's text as the general way writes it (`EVTXXML.text`, Windows style): the common types
    /// here, the rest through the decoded value.
    static func appendText(_ slot: BXSlot, _ reader: inout BinXMLReader, into arena: inout [UInt8]) {
        let b = reader.bytes(of: slot)
        let n = slot.size
        switch slot.type {
        case 0x01, 0x23:
            // UTF-16LE; ASCII taken four units at a time, trailing NULs dropped.
            let units = n / 2
            var k = 0
            while k + 4 <= units {
                guard b.loadUnaligned(fromByteOffset: 2 * k, as: UInt64.self) & 0xFF80_FF80_FF80_FF80 == 0 else {
                    return fallback(slot, &reader, into: &arena)
                }
                k += 4
            }
            while k < units {
                guard b[2 * k] < 0x80, b[2 * k + 1] == 0 else { return fallback(slot, &reader, into: &arena) }
                k += 1
            }
            var end = units
            while end > 0, b[2 * (end - 1)] == 0 { end -= 1 }
            guard end > 0 else { return }
            let old = arena.count
            arena.reserveCapacity(old + end)
            arena.append(contentsOf: repeatElement(0, count: end))
            arena.withUnsafeMutableBufferPointer { out in
                let o = out.baseAddress! + old
                for k in 0..<end { o[k] = b[2 * k] }
            }
        case 0x04 where n == 1: JSONValue.writeDigits(UInt64(b[0]), into: &arena)
        case 0x06 where n == 2: JSONValue.writeDigits(UInt64(b.loadUnaligned(as: UInt16.self).littleEndian), into: &arena)
        case 0x08 where n == 4: JSONValue.writeDigits(UInt64(b.loadUnaligned(as: UInt32.self).littleEndian), into: &arena)
        case 0x0A where n == 8: JSONValue.writeDigits(b.loadUnaligned(as: UInt64.self).littleEndian, into: &arena)
        case 0x03 where n == 1: JSONValue.writeInt(Int64(Int8(bitPattern: b[0])), into: &arena)
        case 0x05 where n == 2: JSONValue.writeInt(Int64(Int16(bitPattern: b.loadUnaligned(as: UInt16.self).littleEndian)), into: &arena)
        case 0x07 where n == 4: JSONValue.writeInt(Int64(Int32(bitPattern: b.loadUnaligned(as: UInt32.self).littleEndian)), into: &arena)
        case 0x09 where n == 8: JSONValue.writeInt(Int64(bitPattern: b.loadUnaligned(as: UInt64.self).littleEndian), into: &arena)
        case 0x14 where n == 4:
            arena.append(contentsOf: "0x".utf8)
            JSONValue.writeDigits(UInt64(b.loadUnaligned(as: UInt32.self).littleEndian), radix: 16, into: &arena)
        case 0x15 where n == 8:
            arena.append(contentsOf: "0x".utf8)
            JSONValue.writeDigits(b.loadUnaligned(as: UInt64.self).littleEndian, radix: 16, into: &arena)
        case 0x0F where n == 16: EVTXXML.appendGUID(b, into: &arena)
        case 0x13 where n >= 8 && 8 + 4 * Int(b[1]) <= n:
            arena.append(contentsOf: "S-".utf8)
            JSONValue.writeDigits(UInt64(b[0]), into: &arena)
            arena.append(UInt8(ascii: "-"))
            var authority: UInt64 = 0
            for i in 2..<8 { authority = authority << 8 | UInt64(b[i]) }
            JSONValue.writeDigits(authority, into: &arena)
            for k in 0..<Int(b[1]) {
                arena.append(UInt8(ascii: "-"))
                JSONValue.writeDigits(UInt64(b.loadUnaligned(fromByteOffset: 8 + 4 * k, as: UInt32.self).littleEndian), into: &arena)
            }
        case 0x0E: EVTXXML.appendHexUpper(b, into: &arena)
        default:
            fallback(slot, &reader, into: &arena)
        }
    }

    static func fallback(_ slot: BXSlot, _ reader: inout BinXMLReader, into arena: inout [UInt8]) {
        arena.append(contentsOf: EVTXXML.text(reader.value(of: slot)).utf8)
    }
}
