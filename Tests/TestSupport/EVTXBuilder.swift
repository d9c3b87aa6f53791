import Parsers

/// Builds one EVTX chunk byte by byte, for records no real log has: crafted Binary XML.
public struct ChunkBuilder {
    public var bytes = [UInt8](repeating: 0, count: 512)
    public var pos: Int { bytes.count }

    public init() {
        bytes.replaceSubrange(0..<8, with: Array("ElfChnk\0".utf8))
    }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func u16(_ v: UInt16) { bytes += [UInt8(v & 0xFF), UInt8(v >> 8)] }
    public mutating func u32(_ v: UInt32) { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
    public mutating func u64(_ v: UInt64) { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }

    /// Appends a record whose body `body` writes (given the builder, at the body's start).
    public mutating func record(id: UInt64, _ body: (inout ChunkBuilder) -> Void) {
        let start = pos
        u32(0x0000_2A2A); u32(0); u64(id); u64(132_000_000_000_000_000)
        body(&self)
        while (pos - start + 4) % 8 != 0 { u8(0) }
        let size = UInt32(pos - start + 4)
        u32(size)
        for i in 0..<4 { bytes[start + 4 + i] = UInt8(truncatingIfNeeded: size >> (8 * i)) }
    }

    /// A name defined right here (for an element or attribute token that has just written its offset field).
    public mutating func inlineName(_ s: String) {
        u32(0); u16(0); u16(UInt16(s.utf16.count))
        for c in s.utf16 { u16(c) }
        u16(0)
    }

    /// Open-start-element token naming `name` inline (its offset is the position right after the offset field).
    public mutating func openElement(_ name: String) {
        u8(0x01); u16(0xFFFF); u32(0)
        u32(UInt32(pos + 4))
        inlineName(name)
    }

    /// Open-start-element token referring to a name defined earlier at `offset`.
    public mutating func openElement(nameAt offset: UInt32) {
        u8(0x01); u16(0xFFFF); u32(0); u32(offset)
    }

    /// The finished 64 KiB chunk with free-space offset and checksums set.
    public func chunk() -> [UInt8] {
        var b = bytes + [UInt8](repeating: 0, count: max(0, 65536 - bytes.count))
        func put32(_ at: Int, _ v: UInt32) { for i in 0..<4 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * i)) } }
        put32(40, 128)
        put32(48, UInt32(bytes.count))
        put32(52, b.withUnsafeBytes { CRC32.of(UnsafeRawBufferPointer(rebasing: $0[512..<bytes.count])) })
        var crc = CRC32()
        b.withUnsafeBytes { crc.update(UnsafeRawBufferPointer(rebasing: $0[0..<120])); crc.update(UnsafeRawBufferPointer(rebasing: $0[128..<512])) }
        put32(124, crc.value)
        return b
    }
}

/// EVTX files made byte by byte, for what no sample has: every substitution value type in one template.
public enum EVTXBuilder {
    public typealias Value = (type: UInt8, bytes: [UInt8])

    public static func utf16(_ s: String) -> [UInt8] { s.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }
    static func le(_ v: UInt64, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
    static func string(_ s: String) -> Value { (0x01, utf16(s)) }
    static let null: Value = (0x00, [])

    /// The event data's names (nil: a `<Data>` without one), and `Binary` last.
    static let items: [String?] = ["TargetUserName", "IpAddress", "IpPort", "LogonType", "Status", "Value", "Value", nil, ""]

    /// System values (EventID, SystemTime, EventRecordID, ProcessID, ThreadID, Computer, UserID), then the event
    /// data's (the items above and `Binary`). Fewer values than holes leave the rest out of range.
    static func record(_ eventID: Value, time: Value = (0x11, le(132_000_000_012_345_678, 8)),
                       recordID: Value? = nil, process: Value = (0x08, le(4, 4)), thread: Value = null,
                       user: String = "alice", ip: Value = string("10.0.0.5"), port: Value = (0x06, le(51234, 2)),
                       logonType: Value = string("3"), status: Value = null, _ values: [Value]) -> [Value] {
        let sid: Value = (0x13, [1, 5, 0, 0, 0, 0, 0, 5] + le(21, 4) + le(1_004_336_348, 4) + le(1_154_279_254, 4) + le(500, 4))
        return [eventID, time, recordID ?? (0x0A, le(0, 8)), process, thread, string("hmi-01"), sid,
                string(user), ip, port, logonType, status] + values
    }

    public static let valueCases: [[Value]] = {
        let guid: Value = (0x0F, [0x25, 0x96, 0x84, 0x54, 0x78, 0x54, 0x94, 0x49, 0xA5, 0xBA, 0x3E, 0x3B, 0x03, 0x28, 0xC3, 0x0D])
        let systemtime: Value = (0x12, [0xE3, 0x07, 3, 0, 1, 0, 18, 0, 11, 0, 6, 0, 25, 0, 0x85, 0x01])
        let u16 = { (v: UInt64) -> Value in (0x06, le(v, 2)) }
        return [
            record(u16(4624), [string("plain"), string("C:\\Windows\\\"x\""), (0x08, le(7, 4)), string(""), (0x0E, [0xDE, 0xAD])]),
            record(u16(4625), user: "-", ip: string("::ffff:192.168.1.9"), status: string("0xC000006D"),
                   [string("a\tb\nc\u{1}d\u{7F}"), string("Überwachung 監視"), string("x\0\0"), (0x02, [0x41, 0xE9, 0x00]),
                    (0x13, [1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0])]),
            record(u16(4624), [(0x03, [0x80]), (0x05, le(0xFFFE, 2)), (0x07, le(0x8000_0000, 4)), (0x09, le(1 << 63, 8)),
                               (0x0A, le(.max, 8))]),
            record(u16(4688), [(0x14, le(0, 4)), (0x15, le(0xDEAD_BEEF, 8)), guid, (0x0D, le(1, 4)), (0x10, le(0x1F, 8))]),
            record(u16(4688), [(0x0B, le(UInt64(Float(1.5).bitPattern), 4)), (0x0C, le((-2.25e10).bitPattern, 8)),
                               (0x11, le(131_973_807_899_115_792, 8)), systemtime, (0x10, le(0x20, 4))]),
            record(u16(4688), [(0x81, utf16("a\0b\0")), (0x86, le(0x0002_0001, 4)), null, null, null]),
            record(u16(4624), process: null, ip: null, port: null, logonType: null, [null, null, null, null, null]),
            record(u16(4624), [(0x08, [1, 2, 3]), (0x13, [1, 5, 0, 0, 0, 0]), (0x0F, [UInt8](repeating: 7, count: 15)),
                               (0x13, [1, 9, 0, 0, 0, 0, 0, 5, 1, 0, 0, 0]), (0x20, [9, 9])]),
            Array(record(u16(4624), []).prefix(9)),
            record(u16(4624), recordID: (0x0A, le(99, 8)), [string("renumbered"), null, null, null, null]),
            record(string("4688"), user: "SYSTEM", [(0x23, utf16("wide")), null, (0x01, [0x41, 0x00, 0x00, 0xD8]), null, null]),
            record(u16(4624), time: null, [string("no time"), null, null, null, null]),
            record(u16(7045), user: "", ip: string("-"), port: string("x"), logonType: string("nine"), [string(String(repeating: "long ", count: 40)), null, null, null, null]),
        ]
    }()

    /// A file of bare chunks (as carved): one chunk, one record per value case, all of one template.
    public static func everyValueType() -> [UInt8] {
        chunk(valueCases.enumerated().map { (UInt64($0.offset + 1), $0.element) })
    }

    /// Bare chunks of `records` records of one template whose event data items are left out (null) in a different
    /// pattern from record to record: record k leaves out the items whose bits are set in k.
    public static func leftOutItems(records: Int, perChunk: Int = 120) -> [UInt8] {
        var file: [UInt8] = []
        for first in stride(from: 0, to: records, by: perChunk) {
            file += chunk((first..<min(records, first + perChunk)).map { k in
                var values = record((0x06, le(4624, 2)), [string("v12"), string("v13"), string("v14"), string("v15"), (0x0E, [1])])
                for bit in 0..<(items.count + 1) where k & (1 << bit) != 0 { values[7 + bit] = null }
                return (UInt64(k + 1), values)
            })
        }
        return file
    }

    /// One chunk of records (id, substitution values) of the template, which the first record defines.
    static func chunk(_ records: [(id: UInt64, values: [Value])]) -> [UInt8] {
        var c = ChunkBuilder()
        var templateAt: UInt32?
        for (id, values) in records {
            c.record(id: id) { c in
                c.u8(0x0F); c.u8(1); c.u8(1); c.u8(0)
                c.u8(0x0C); c.u8(1)
                c.u32(0x5566_7788)
                if let at = templateAt {
                    c.u32(at)
                } else {
                    templateAt = UInt32(c.pos + 4)
                    c.u32(UInt32(c.pos + 4))
                    template(&c)
                }
                c.u32(UInt32(values.count))
                for v in values { c.u16(UInt16(v.bytes.count)); c.u8(v.type); c.u8(0) }
                for v in values { c.bytes += v.bytes }
            }
        }
        return c.chunk()
    }

    static func template(_ c: inout ChunkBuilder) {
        c.u32(0)
        c.u32(0x5566_7788); for _ in 0..<12 { c.u8(0xCD) }
        let sizeAt = c.pos
        c.u32(0)
        let dataStart = c.pos
        func attribute(_ name: String) { c.u8(0x06); c.u32(UInt32(c.pos + 4)); c.inlineName(name) }
        func openWithAttributes(_ name: String) { c.u8(0x41); c.u16(0xFFFF); c.u32(0); c.u32(UInt32(c.pos + 4)); c.inlineName(name); c.u32(0) }
        func sub(_ i: UInt16, optional: Bool = true) { c.u8(optional ? 0x0E : 0x0D); c.u16(i); c.u8(0x01) }
        func text(_ s: String) { c.u8(0x05); c.u8(0x01); c.u16(UInt16(s.utf16.count)); c.bytes += utf16(s) }
        c.u8(0x0F); c.u8(1); c.u8(1); c.u8(0)
        c.openElement("Event"); c.u8(0x02)
        c.openElement("System"); c.u8(0x02)
        openWithAttributes("Provider"); attribute("Name"); text("Jikocho-Test"); attribute("Guid"); text("{0D4FDC09-8C27-494A-BDA0-505E4FD8ADAE}"); c.u8(0x03)
        c.openElement("EventID"); c.u8(0x02); sub(0, optional: false); c.u8(0x04)
        openWithAttributes("TimeCreated"); attribute("SystemTime"); sub(1); c.u8(0x03)
        c.openElement("EventRecordID"); c.u8(0x02); sub(2, optional: false); c.u8(0x04)
        openWithAttributes("Execution"); attribute("ProcessID"); sub(3); attribute("ThreadID"); sub(4); c.u8(0x03)
        c.openElement("Channel"); c.u8(0x02); text("Security"); c.u8(0x04)
        c.openElement("Computer"); c.u8(0x02); sub(5, optional: false); c.u8(0x04)
        openWithAttributes("Security"); attribute("UserID"); sub(6); c.u8(0x03)
        c.u8(0x04)                               // </System>
        c.openElement("EventData"); c.u8(0x02)
        for (k, name) in items.enumerated() {
            if let name { openWithAttributes("Data"); attribute("Name"); text(name) } else { c.openElement("Data") }
            c.u8(0x02); sub(UInt16(7 + k)); c.u8(0x04)
        }
        c.openElement("Binary"); c.u8(0x02); sub(UInt16(7 + items.count)); c.u8(0x04)
        c.u8(0x04)                               // </EventData>
        c.u8(0x04)                               // </Event>
        c.u8(0x00)
        let size = UInt32(c.pos - dataStart)
        for i in 0..<4 { c.bytes[sizeAt + i] = UInt8(truncatingIfNeeded: size >> (8 * i)) }
    }
}
