/// One historian series (a tag) as an export names it.
public struct SeriesInfo: Hashable, Codable, Sendable {
    /// Unique within its evidence item: the tag, or the column name of a wide export.
    public var name: String
    /// The tag as the historian knows it (a PI point, an Ignition tag path).
    public var tag: String
    public var unit: String?
    public var description: String?
    public var asset: String?

    public init(name: String, tag: String? = nil, unit: String? = nil, description: String? = nil,
                asset: String? = nil)
    {
        self.name = name
        self.tag = tag ?? name
        self.unit = unit
        self.description = description
        self.asset = asset
    }
}

/// How far a sample can be trusted, in the three OPC classes every historian maps its codes to.
public enum SampleQuality: UInt8, Codable, Sendable, CaseIterable, CustomStringConvertible {
    case good = 0, uncertain = 1, bad = 2

    public var description: String {
        switch self {
        case .good: return "good"
        case .uncertain: return "uncertain"
        case .bad: return "bad"
        }
    }
}

/// One sample of a series: a number, or a text state ("Open", "Bad Input"), or nothing (a bad sample with no
/// value), with the quality class and the quality as the export wrote it when it was not plainly good.
public struct Sample: Hashable, Sendable {
    public var time: Timestamp
    public var value: Double?
    public var text: String?
    public var quality: SampleQuality
    /// The export's own quality or status text (`Bad`, `I/O Timeout`, `0x00080000`), kept when not plainly good.
    public var qualityText: String?
    /// 1-based line of the export the sample was read from.
    public var line: Int

    public init(time: Timestamp, value: Double?, text: String? = nil, quality: SampleQuality = .good,
                qualityText: String? = nil, line: Int)
    {
        self.time = time
        self.value = value
        self.text = text
        self.quality = quality
        self.qualityText = qualityText
        self.line = line
    }
}

/// A compact, self-describing encoding of a run of samples of one series, as stored in the case
/// (`sample_blocks.data`): SQLite inserts one row at a time at about half a million rows a second on the machines
/// this runs on, and 50 bytes a row, so samples are kept in blocks of up to `SampleBlock.capacity`, ordered as read.
///
/// Layout (all integers LEB128 varints, signed ones zigzagged):
/// `version(1)`, `count`, `strings`, each string as `length` + UTF-8, then per sample:
/// `Δ²time` (nanoseconds; the first sample's delta is from the block's `base`), `line delta` (signed),
/// `flags` = kind (0 number, 1 text, 2 none) | quality << 2 | hasQualityText << 4, then the payload:
/// 8 bytes little-endian IEEE double for a number, a string index for a text, and a string index for the quality text.
public struct SampleBlock: Sendable {
    public static let capacity = 4096
    public static let formatVersion: UInt8 = 1

    public private(set) var count = 0
    public private(set) var firstTime: Int64 = 0
    public private(set) var minTime = Int64.max
    public private(set) var maxTime = Int64.min
    public private(set) var minValue = Double.infinity
    public private(set) var maxValue = -Double.infinity
    public private(set) var numbers = 0
    private var body: [UInt8] = []
    private var strings: [String] = []
    private var stringIndex: [String: Int] = [:]
    private var lastTime: Int64 = 0
    private var lastDelta: Int64 = 0
    private var lastLine = 0

    public init() { body.reserveCapacity(64 * 1024) }

    public var isEmpty: Bool { count == 0 }
    public var isFull: Bool { count >= SampleBlock.capacity }

    public mutating func append(_ s: Sample) {
        let t = s.time.nanoseconds
        if count == 0 {
            firstTime = t
            lastTime = t
            lastDelta = 0
        }
        let delta = t &- lastTime
        SampleBlock.putSigned(delta &- lastDelta, into: &body)
        lastDelta = delta
        lastTime = t
        SampleBlock.putSigned(Int64(s.line &- lastLine), into: &body)
        lastLine = s.line
        minTime = min(minTime, t)
        maxTime = max(maxTime, t)
        let kind: UInt8 = s.value != nil ? 0 : (s.text != nil ? 1 : 2)
        let hasQT: UInt8 = s.qualityText != nil ? 1 : 0
        body.append(kind | (s.quality.rawValue << 2) | (hasQT << 4))
        if let v = s.value {
            withUnsafeBytes(of: v.bitPattern.littleEndian) { body.append(contentsOf: $0) }
            numbers += 1
            if v < minValue { minValue = v }
            if v > maxValue { maxValue = v }
        } else if let text = s.text {
            SampleBlock.putUnsigned(UInt64(intern(text)), into: &body)
        }
        if let q = s.qualityText { SampleBlock.putUnsigned(UInt64(intern(q)), into: &body) }
        count += 1
    }

    private mutating func intern(_ s: String) -> Int {
        if let i = stringIndex[s] { return i }
        let i = strings.count
        strings.append(s)
        stringIndex[s] = i
        return i
    }

    /// The stored bytes.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = [SampleBlock.formatVersion]
        out.reserveCapacity(body.count + 16 + strings.reduce(0) { $0 + $1.utf8.count + 2 })
        SampleBlock.putUnsigned(UInt64(count), into: &out)
        SampleBlock.putUnsigned(UInt64(strings.count), into: &out)
        for s in strings {
            SampleBlock.putUnsigned(UInt64(s.utf8.count), into: &out)
            out.append(contentsOf: s.utf8)
        }
        out.append(contentsOf: body)
        return out
    }

    public enum DecodeError: Error, Equatable { case damaged(String) }

    /// The samples of a stored block whose first sample is at `base` nanoseconds. Throws on damaged bytes.
    public static func decode(_ data: [UInt8], base: Int64) throws -> [Sample] {
        var out: [Sample] = []
        try walk(data, base: base, strings: true) { time, line, quality, value, text, qualityText in
            out.append(Sample(time: Timestamp(nanoseconds: time), value: value, text: text, quality: quality,
                              qualityText: qualityText, line: line))
        }
        return out
    }

    /// The time and value of each numeric sample of a stored block, without building samples (what drawing a long
    /// series needs). Checks the block as `decode` does.
    public static func forEachNumber(_ data: [UInt8], base: Int64, _ body: (Int64, Double) -> Void) throws {
        try walk(data, base: base, strings: false) { time, _, _, value, _, _ in
            if let value { body(time, value) }
        }
    }

    /// Reads a stored block sample by sample: time, line, quality, value, text and quality text (the texts only when
    /// `strings`; they are checked either way). Throws on damaged bytes.
    static func walk(_ data: [UInt8], base: Int64, strings wantStrings: Bool,
                     _ visit: (Int64, Int, SampleQuality, Double?, String?, String?) -> Void) throws
    {
        try data.withUnsafeBufferPointer { data in
            var i = 0
            func byte() throws -> UInt8 {
                guard i < data.count else { throw DecodeError.damaged("block ends early at byte \(i)") }
                defer { i += 1 }
                return data[i]
            }
            func unsigned() throws -> UInt64 {
                var v: UInt64 = 0
                var shift: UInt64 = 0
                while true {
                    let b = try byte()
                    guard shift < 64 else { throw DecodeError.damaged("varint too long at byte \(i)") }
                    v |= UInt64(b & 0x7F) << shift
                    if b & 0x80 == 0 { return v }
                    shift += 7
                }
            }
            func signed() throws -> Int64 {
                let u = try unsigned()
                return Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
            }
            guard try byte() == formatVersion else { throw DecodeError.damaged("unknown block format") }
            let count = try unsigned()
            let nStrings = try unsigned()
            guard count <= UInt64(data.count), nStrings <= UInt64(data.count) else {
                throw DecodeError.damaged("counts larger than the block")
            }
            var strings: [String] = []
            strings.reserveCapacity(wantStrings ? Int(nStrings) : 0)
            for _ in 0..<nStrings {
                let n = try unsigned()
                guard n <= UInt64(data.count - i) else { throw DecodeError.damaged("string past the end") }
                if wantStrings { strings.append(String(decoding: UnsafeBufferPointer(rebasing: data[i..<(i + Int(n))]), as: UTF8.self)) }
                i += Int(n)
            }
            func string() throws -> String? {
                let k = try unsigned()
                guard k < nStrings else { throw DecodeError.damaged("string index \(k) out of range") }
                return wantStrings ? strings[Int(k)] : nil
            }
            var time = base, delta: Int64 = 0, line = 0
            for _ in 0..<count {
                delta = delta &+ (try signed())
                time = time &+ delta
                line = line &+ Int(truncatingIfNeeded: try signed())
                let flags = try byte()
                guard let quality = SampleQuality(rawValue: (flags >> 2) & 3) else {
                    throw DecodeError.damaged("bad quality class at byte \(i)")
                }
                var value: Double?
                var text: String?
                switch flags & 3 {
                case 0:
                    guard data.count - i >= 8 else { throw DecodeError.damaged("value past the end") }
                    var bits: UInt64 = 0
                    for k in 0..<8 { bits |= UInt64(data[i + k]) << (8 * UInt64(k)) }
                    i += 8
                    value = Double(bitPattern: bits)
                case 1: text = try string()
                case 2: break
                default: throw DecodeError.damaged("bad sample kind at byte \(i)")
                }
                let qualityText = flags & 0x10 != 0 ? try string() : nil
                visit(time, line, quality, value, text, qualityText)
            }
            guard i == data.count else { throw DecodeError.damaged("\(data.count - i) bytes after the last sample") }
        }
    }

    @inline(__always) static func putUnsigned(_ v: UInt64, into out: inout [UInt8]) {
        var v = v
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    @inline(__always) static func putSigned(_ v: Int64, into out: inout [UInt8]) {
        putUnsigned(UInt64(bitPattern: (v << 1) ^ (v >> 63)), into: &out)
    }
}
