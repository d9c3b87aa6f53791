/// The fields of one Windows event, read from its Binary XML: `<System>` and the `<EventData>` / `<UserData>`
/// payload (schema: http://schemas.microsoft.com/win/2004/08/events/event).
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
    /// TimeCreated/@SystemTime as text when it was not a FILETIME value.
    public var timeCreatedText: String?
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

    public struct DataItem: Sendable, Equatable {
        public var name: String?
        public var element: String
        public var value: String
    }

    /// Reads a record body. `style` decides how values become text (the Windows way for events; python-evtx's
    /// for comparing with it).
    public init(_ body: [BXContent], style: EVTXStyle = .windows) {
        for event in Self.elements(body, values: []) where event.element.name == "Event" {
            for section in Self.elements(event.element.children, values: event.values) {
                switch section.element.name {
                case "System": readSystem(section, style: style)
                case "EventData": eventData = Self.items(section, style: style, leavesOnly: false)
                case "UserData":
                    if let top = Self.elements(section.element.children, values: section.values).first {
                        userDataName = top.element.name
                        userData = Self.items(top, style: style, leavesOnly: true)
                    }
                default: break
                }
            }
        }
    }

    /// An element together with the substitution values its template holes are filled from.
    struct View {
        var element: BXElement
        var values: [BXValue]

        func attribute(_ name: String, style: EVTXStyle) -> String? {
            guard let a = element.attributes.first(where: { $0.name == name }) else { return nil }
            if !style.pythonEvtx, EVTXXML.isSuppressed(a.value, values: values) { return nil }
            return EVTXXML.plainText(a.value, values: values, style: style)
        }

        func rawAttribute(_ name: String) -> BXValue? {
            guard let a = element.attributes.first(where: { $0.name == name }), a.value.count == 1 else { return nil }
            switch a.value[0] {
            case .value(let v): return v
            case .substitution(let i, _, _): return i < values.count ? values[i] : nil
            default: return nil
            }
        }

        func text(style: EVTXStyle) -> String { EVTXXML.plainText(element.children, values: values, style: style) }

        /// The items of an element whose only content is an array value: Windows writes one element per item.
        func arrayItems(style: EVTXStyle) -> [String]? {
            guard !style.pythonEvtx, let items = EVTXXML.arrayContent(element.children, values: values) else { return nil }
            return items.map { EVTXXML.text($0, style: style) }
        }
    }

    /// Child elements of a node list, looking through template instances and Binary XML substitution values.
    static func elements(_ content: [BXContent], values: [BXValue]) -> [View] {
        var out: [View] = []
        func walk(_ content: [BXContent], _ values: [BXValue], depth: Int) {
            guard depth < BinXMLReader.maxDepth else { return }
            for c in content {
                switch c {
                case .element(let e): out.append(View(element: e, values: values))
                case .instance(let i): walk(i.template.content, i.values, depth: depth + 1)
                case .substitution(let i, _, _):
                    if i < values.count, case .fragment(let f) = values[i] { walk(f, [], depth: depth + 1) }
                case .value(.fragment(let f)): walk(f, [], depth: depth + 1)
                default: break
                }
            }
        }
        walk(content, values, depth: 0)
        return out
    }

    static func items(_ parent: View, style: EVTXStyle, leavesOnly: Bool) -> [DataItem] {
        var out: [DataItem] = []
        func walk(_ v: View, depth: Int) {
            if !style.pythonEvtx, EVTXXML.isSuppressed(v.element.children, values: v.values) { return }
            let kids = elements(v.element.children, values: v.values)
            if let items = v.arrayItems(style: style) {
                let name = v.attribute("Name", style: style)
                for item in items { out.append(DataItem(name: name, element: v.element.name, value: item)) }
            } else if kids.isEmpty || !leavesOnly || depth >= BinXMLReader.maxDepth {
                out.append(DataItem(name: v.attribute("Name", style: style), element: v.element.name,
                                    value: v.text(style: style)))
            } else {
                for k in kids { walk(k, depth: depth + 1) }
            }
        }
        for child in elements(parent.element.children, values: parent.values) { walk(child, depth: 0) }
        return out
    }

    mutating func readSystem(_ system: View, style: EVTXStyle) {
        for f in Self.elements(system.element.children, values: system.values) {
            switch f.element.name {
            case "Provider":
                provider = f.attribute("Name", style: style)
                providerGUID = f.attribute("Guid", style: style)
            case "EventID":
                eventID = Int(f.text(style: style))
                qualifiers = f.attribute("Qualifiers", style: style)
            case "Version": version = f.text(style: style)
            case "Level": level = f.text(style: style)
            case "Task": task = f.text(style: style)
            case "Opcode": opcode = f.text(style: style)
            case "Keywords": keywords = f.text(style: style)
            case "TimeCreated":
                if case .filetime(let t)? = f.rawAttribute("SystemTime") { timeCreated = t }
                timeCreatedText = f.attribute("SystemTime", style: style)
            case "EventRecordID": recordID = f.text(style: style)
            case "Correlation":
                activityID = f.attribute("ActivityID", style: style)
                relatedActivityID = f.attribute("RelatedActivityID", style: style)
            case "Execution":
                processID = f.attribute("ProcessID", style: style)
                threadID = f.attribute("ThreadID", style: style)
            case "Channel": channel = f.text(style: style)
            case "Computer": computer = f.text(style: style)
            case "Security": userSID = f.attribute("UserID", style: style)
            default: break
            }
        }
    }
}
