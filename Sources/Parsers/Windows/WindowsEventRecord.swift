/// The fields of one Windows event, read from its Binary XML: `<System>` and the `<EventData>` / `<UserData>`
/// payload (schema: http://schemas.microsoft.com/win/2004/08/events/event).
///
/// Read in one walk over the record's template with its substitution values, without building the XML.
public struct WindowsEventRecord: Sendable {
    public var provider: String?
    public var providerGUID: String?
    public var eventID: Int?
    public var qualifiers: String?
    public var version: String?
    public var level: String?
    public var task: String?
    public var opcode: String?
    public var keywords: String?
    /// TimeCreated/@SystemTime as FILETIME ticks, exact.
    public var timeCreated: UInt64?
    public var recordID: String?
    public var activityID: String?
    public var relatedActivityID: String?
    public var processID: String?
    public var threadID: String?
    public var channel: String?
    public var computer: String?
    public var userSID: String?
    /// `<EventData>` items in order: `Name` attribute (nil for positional `<Data>`), element name, text.
    public var eventData: [DataItem] = []
    /// The element under `<UserData>` (e.g. `LogFileCleared`), and its leaf elements as items.
    public var userDataName: String?
    public var userData: [DataItem] = []

    let style: EVTXStyle
    private var timeCreatedValue: BXValue?
    private var timeCreatedString: String?

    /// TimeCreated/@SystemTime as text, in this record's style.
    public var timeCreatedText: String? {
        timeCreatedValue.map { EVTXXML.text($0, style: style) } ?? timeCreatedString
    }

    public struct DataItem: Sendable, Equatable {
        public var name: String?
        public var element: String
        public var value: String
    }

    /// Reads a record body. `style` decides how values become text (the Windows way for events; python-evtx's
    /// for comparing with it).
    public init(_ body: [BXContent], style: EVTXStyle = .windows) {
        self.style = style
        if body.count == 1, case .instance(let instance) = body[0], let plan = instance.template.plan {
            apply(plan, values: instance.values)
        } else {
            readGeneric(body)
        }
    }

    /// The fast way: the template's plan says where each field is.
    mutating func apply(_ plan: EventPlan, values: [BXValue], depth: Int = 0) {
        for (field, e) in plan.system { readSystemField(field, e, values: values) }
        if let items = plan.eventData {
            eventData.reserveCapacity(items.count)
            for item in items { readItem(item, values: values) }
        } else if let section = plan.eventDataElement {
            readItems(section, values: values, leavesOnly: false, into: &eventData)
        }
        if let section = plan.userData { readUserData(section, values: values) }
        for i in plan.sectionSubstitutions where i < values.count {
            guard case .fragment(let f) = values[i] else { continue }
            if f.count == 1, case .instance(let inner) = f[0], let p = inner.template.plan, depth < BinXMLReader.maxDepth {
                apply(p, values: inner.values, depth: depth + 1)
            } else {
                Self.forEachElement(f, values: []) { section, sv in readSection(section, values: sv) }
            }
        }
    }

    mutating func readItem(_ item: EventPlan.Item, values: [BXValue]) {
        let py = style.pythonEvtx
        if !py, EVTXXML.isSuppressed(item.children, values: values) { return }
        var name = item.name
        if let content = item.nameContent {
            name = !py && EVTXXML.isSuppressed(content, values: values) ? nil
                : EVTXXML.plainText(content, values: values, style: style)
        }
        if !py, let items = EVTXXML.arrayContent(item.children, values: values) {
            for v in items { eventData.append(DataItem(name: name, element: item.element, value: EVTXXML.text(v, style: style))) }
            return
        }
        eventData.append(DataItem(name: name, element: item.element,
                                  value: EVTXXML.plainText(item.children, values: values, style: style)))
    }

    mutating func readUserData(_ section: BXElement, values: [BXValue]) {
        var first = true
        var name: String?
        var items: [DataItem] = []
        Self.forEachElement(section.children, values: values) { top, tv in
            guard first else { return }
            first = false
            name = top.name
            readItems(top, values: tv, leavesOnly: true, into: &items)
        }
        userDataName = name
        userData = items
    }

    /// The general way, for records whose template has an unusual shape.
    mutating func readGeneric(_ body: [BXContent]) {
        Self.forEachElement(body, values: []) { event, values in
            guard event.name == "Event" else { return }
            Self.forEachElement(event.children, values: values) { section, sv in readSection(section, values: sv) }
        }
    }

    mutating func readSection(_ section: BXElement, values sv: [BXValue]) {
        switch section.name {
        case "System": readSystem(section, values: sv)
        case "EventData": readItems(section, values: sv, leavesOnly: false, into: &eventData)
        case "UserData": readUserData(section, values: sv)
        default: break
        }
    }

    /// Calls `body` for each child element of a node list, looking through template instances and Binary XML
    /// substitution values, with the values that element's holes are filled from.
    static func forEachElement(_ content: [BXContent], values: [BXValue], depth: Int = 0,
                               _ body: (BXElement, [BXValue]) -> Void)
    {
        guard depth < BinXMLReader.maxDepth else { return }
        for c in content {
            switch c {
            case .element(let e): body(e, values)
            case .instance(let i): forEachElement(i.template.content, values: i.values, depth: depth + 1, body)
            case .substitution(let i, _, _):
                if i < values.count, case .fragment(let f) = values[i] { forEachElement(f, values: [], depth: depth + 1, body) }
            case .value(.fragment(let f)): forEachElement(f, values: [], depth: depth + 1, body)
            default: break
            }
        }
    }

    func attribute(_ e: BXElement, _ name: String, values: [BXValue]) -> String? {
        for a in e.attributes where a.name == name {
            if !style.pythonEvtx, EVTXXML.isSuppressed(a.value, values: values) { return nil }
            return EVTXXML.plainText(a.value, values: values, style: style)
        }
        return nil
    }

    func text(_ e: BXElement, values: [BXValue]) -> String { EVTXXML.plainText(e.children, values: values, style: style) }

    /// `Data` elements (or any children) as items; with `leavesOnly`, nested elements are descended into.
    func readItems(_ parent: BXElement, values: [BXValue], leavesOnly: Bool, into out: inout [DataItem], depth: Int = 0) {
        Self.forEachElement(parent.children, values: values) { e, v in
            if !style.pythonEvtx, EVTXXML.isSuppressed(e.children, values: v) { return }
            if !style.pythonEvtx, let items = EVTXXML.arrayContent(e.children, values: v) {
                // Windows writes an array as the element repeated, one item each.
                let name = attribute(e, "Name", values: v)
                for item in items { out.append(DataItem(name: name, element: e.name, value: EVTXXML.text(item, style: style))) }
                return
            }
            if leavesOnly, depth < BinXMLReader.maxDepth {
                var hasChild = false
                Self.forEachElement(e.children, values: v) { _, _ in hasChild = true }
                if hasChild {
                    readItems(e, values: v, leavesOnly: true, into: &out, depth: depth + 1)
                    return
                }
            }
            out.append(DataItem(name: e.attributes.isEmpty ? nil : attribute(e, "Name", values: v), element: e.name,
                                value: text(e, values: v)))
        }
    }

    mutating func readSystem(_ system: BXElement, values sv: [BXValue]) {
        Self.forEachElement(system.children, values: sv) { f, v in
            if let field = EventPlan.SystemField(rawValue: f.name) { readSystemField(field, f, values: v) }
        }
    }

    mutating func readSystemField(_ field: EventPlan.SystemField, _ f: BXElement, values v: [BXValue]) {
        switch field {
        case .provider:
            provider = attribute(f, "Name", values: v)
            providerGUID = attribute(f, "Guid", values: v)
        case .eventID:
            eventID = Int(text(f, values: v))
            qualifiers = attribute(f, "Qualifiers", values: v)
        case .version: version = text(f, values: v)
        case .level: level = text(f, values: v)
        case .task: task = text(f, values: v)
        case .opcode: opcode = text(f, values: v)
        case .keywords: keywords = text(f, values: v)
        case .timeCreated:
            if let a = f.attributes.first(where: { $0.name == "SystemTime" }) {
                if let single = EVTXXML.singleValue(a.value, values: v) {
                    timeCreatedValue = single
                    if case .filetime(let t) = single { timeCreated = t }
                } else {
                    timeCreatedString = EVTXXML.plainText(a.value, values: v, style: style)
                }
            }
        case .recordID: recordID = text(f, values: v)
        case .correlation:
            activityID = attribute(f, "ActivityID", values: v)
            relatedActivityID = attribute(f, "RelatedActivityID", values: v)
        case .execution:
            processID = attribute(f, "ProcessID", values: v)
            threadID = attribute(f, "ThreadID", values: v)
        case .channel: channel = text(f, values: v)
        case .computer: computer = text(f, values: v)
        case .security: userSID = attribute(f, "UserID", values: v)
        }
    }
}

/// Where an event's fields sit in a template: worked out once per template, so reading a record is a pass over
/// its substitution values rather than a walk of the tree. Nil for templates of another shape (read the general
/// way).
public struct EventPlan: Sendable {
    public enum SystemField: String, Sendable, CaseIterable {
        case provider = "Provider", eventID = "EventID", version = "Version", level = "Level", task = "Task"
        case opcode = "Opcode", keywords = "Keywords", timeCreated = "TimeCreated", recordID = "EventRecordID"
        case correlation = "Correlation", execution = "Execution", channel = "Channel", computer = "Computer"
        case security = "Security"
    }

    public struct Item: Sendable {
        /// The `Name` attribute when the template writes it out; else `nameContent` is evaluated per record.
        public var name: String?
        public var nameContent: [BXContent]?
        public var element: String
        public var children: [BXContent]
    }

    public internal(set) var system: [(SystemField, BXElement)] = []
    /// `<EventData>` made of elements only.
    public internal(set) var eventData: [Item]?
    /// `<EventData>` of another shape (a Binary XML substitution, say).
    public internal(set) var eventDataElement: BXElement?
    public internal(set) var userData: BXElement?

    /// Substitutions under `<Event>` that hold a section as Binary XML (EventData usually comes this way).
    public internal(set) var sectionSubstitutions: [Int] = []

    init?(_ content: [BXContent]) {
        guard content.count == 1, case .element(let root) = content[0] else { return nil }
        switch root.name {
        case "Event": break
        case "EventData", "UserData": if readSection(root) { return } else { return nil }
        default: return nil
        }
        for c in root.children {
            switch c {
            case .element(let section): guard readSection(section) else { return nil }
            case .substitution(let i, _, _): sectionSubstitutions.append(i)
            default: return nil
            }
        }
    }

    /// False when the section has a shape the plan does not cover.
    mutating func readSection(_ section: BXElement) -> Bool {
        switch section.name {
            case "System":
                for f in section.children {
                    guard case .element(let e) = f else { return false }
                    if let field = SystemField(rawValue: e.name) { system.append((field, e)) }
                }
            case "EventData":
                var items: [Item] = []
                for d in section.children {
                    guard case .element(let e) = d else {
                        items = []
                        eventDataElement = section
                        break
                    }
                    var item = Item(name: nil, nameContent: nil, element: e.name, children: e.children)
                    if let a = e.attributes.first(where: { $0.name == "Name" }) {
                        if a.value.count == 1, case .value(.string(let s)) = a.value[0] { item.name = s } else { item.nameContent = a.value }
                    }
                    items.append(item)
                }
                if eventDataElement == nil { eventData = items }
            case "UserData":
                userData = section
            default:
                break
        }
        return true
    }
}
