import Foundation
import GRDB
import JikochoModel

/// A historian series with what its samples span.
public struct SeriesSummary: Sendable {
    public var id: Int64
    public var evidenceID: Int64
    public var info: SeriesInfo
    public var samples: Int64
    public var first: Timestamp?
    public var last: Timestamp?
    public var min: Double?
    public var max: Double?
}

extension Case {
    /// Series whose name or tag matches a glob (`*`, `?`, case-insensitive), with counts from complete runs only.
    public func series(matching pattern: String? = nil) throws -> [SeriesSummary] {
        try read { db in
            let corrections = try clockCorrections(db)
            var sql = """
                SELECT s.id, s.evidence_id, s.name, s.tag, s.unit, s.description, s.asset,
                       coalesce(sum(b.count), 0) AS samples, min(b.min_time) AS first, max(b.max_time) AS last,
                       min(b.min_value) AS lo, max(b.max_value) AS hi
                FROM series s
                LEFT JOIN (SELECT sb.* FROM sample_blocks sb JOIN ingest_runs r ON r.id = sb.run_id
                           WHERE r.status = 'complete') b ON b.series_id = s.id
                """
            var args: [DatabaseValueConvertible] = []
            if let pattern {
                sql += " WHERE lower(s.name) GLOB ? OR lower(s.tag) GLOB ?"
                args += [pattern.lowercased(), pattern.lowercased()]
            }
            sql += " GROUP BY s.id ORDER BY s.evidence_id, s.id"
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map { r in
                let evidenceID: Int64 = r["evidence_id"]
                let c = corrections[evidenceID] ?? .none
                return SeriesSummary(id: r["id"], evidenceID: evidenceID,
                                     info: SeriesInfo(name: r["name"], tag: r["tag"], unit: r["unit"],
                                                      description: r["description"], asset: r["asset"]),
                                     samples: r["samples"],
                                     first: (r["first"] as Int64?).map { Timestamp(nanoseconds: c.apply($0)) },
                                     last: (r["last"] as Int64?).map { Timestamp(nanoseconds: c.apply($0)) },
                                     min: r["lo"], max: r["hi"])
            }
        }
    }

    /// The samples of one series in `[from, to)`, block by block in the order they were read (the order of the
    /// export, which is time order unless the export says otherwise), from complete runs only. Times are put right
    /// by the clock of the series' evidence unless `recorded` asks for them as the source wrote them (`from` and
    /// `to` are then recorded times too).
    public func forEachSample(series id: Int64, from: Timestamp? = nil, to: Timestamp? = nil, recorded: Bool = false,
                              _ body: (Sample) throws -> Void) throws
    {
        try read { db in
            var c = ClockCorrection.none
            if !recorded, let evidenceID = try Int64.fetchOne(db, sql: "SELECT evidence_id FROM series WHERE id = ?",
                                                             arguments: [id]) {
                c = try clockCorrections(db)[evidenceID] ?? .none
            }
            let from = from.map { Timestamp(nanoseconds: c.recorded($0.nanoseconds)) }
            let to = to.map { Timestamp(nanoseconds: c.recorded($0.nanoseconds)) }
            let rows = try Row.fetchCursor(db, sql: """
                SELECT b.first_time, b.data, b.id FROM sample_blocks b JOIN ingest_runs r ON r.id = b.run_id
                WHERE b.series_id = ? AND r.status = 'complete' AND b.max_time >= ? AND b.min_time < ?
                ORDER BY b.run_id, b.id
                """, arguments: [id, from?.nanoseconds ?? Int64.min, to?.nanoseconds ?? Int64.max])
            while let r = try rows.next() {
                let data: Data = r["data"]
                let samples: [Sample]
                do {
                    samples = try SampleBlock.decode([UInt8](data), base: r["first_time"])
                } catch {
                    throw CaseError(.unreadable, "sample block #\(r["id"] as Int64) of series #\(id) is damaged: \(error)",
                                    hint: "run `jikocho verify \(directory.path)`")
                }
                for var s in samples {
                    if let from, s.time < from { continue }
                    if let to, s.time >= to { continue }
                    if !c.isNone { s.time = c.apply(s.time) }
                    try body(s)
                }
            }
        }
    }
}

/// One bucket of a series drawn at a width: the lowest and highest numeric value in it, and how many samples.
public struct SeriesBucket: Sendable, Hashable {
    /// The start of the bucket (corrected time).
    public var start: Int64
    public var min: Double
    public var max: Double
    public var count: Int
}

extension Case {
    /// The numeric samples of a series in `[from, to)` as `buckets` equal slices of time, each with its lowest and
    /// highest value (what a plot one pixel per bucket wide needs: every spike stays visible). Empty slices are left
    /// out. A stored block wholly inside one slice is taken from its own minimum and maximum without being decoded,
    /// so a long series at a coarse width reads little more than its block index.
    public func seriesBuckets(series id: Int64, from: Timestamp, to: Timestamp, buckets: Int) throws -> [SeriesBucket] {
        let n = Swift.max(1, buckets)
        let lo = from.nanoseconds, hi = to.nanoseconds
        guard hi > lo else { return [] }
        try TimeSlices.check(from: lo, to: hi)
        let width = TimeSlices.width(from: lo, to: hi, slices: n)
        var mins = [Double](repeating: .infinity, count: n)
        var maxs = [Double](repeating: -.infinity, count: n)
        var counts = [Int](repeating: 0, count: n)
        func slot(_ t: Int64) -> Int { Int((t - lo) / width) }
        /// A block across a bucket's edge is decoded value by value: on every core, a group of blocks at a time
        /// (their data read on this thread, which owns the connection), each giving its buckets' figures.
        struct Edge { var id: Int64; var base: Int64; var data: [UInt8] }
        struct Figures { var k: Int; var min: Double; var max: Double; var count: Int }
        var edges: [Edge] = []
        var damaged: (Int64, Error)?
        func decode(_ c: ClockCorrection) {
            let group = edges
            edges.removeAll(keepingCapacity: true)
            var figures = [[Figures]](repeating: [], count: group.count)
            var errors = [Error?](repeating: nil, count: group.count)
            figures.withUnsafeMutableBufferPointer { out in
                errors.withUnsafeMutableBufferPointer { errs in
                    let (outs, errsPtr) = (UncheckedBuffer(out), UncheckedBuffer(errs))
                    DispatchQueue.concurrentPerform(iterations: group.count) { i in
                        // Samples come in time order, so a block's buckets come one after another: the figures of
                        // the bucket at hand, kept as a list when the next begins (merged again if one recurs).
                        var mine: [Figures] = []
                        var at = Figures(k: -1, min: .infinity, max: -.infinity, count: 0)
                        do {
                            try SampleBlock.forEachNumber(group[i].data, base: group[i].base) { time, v in
                                guard v.isFinite else { return }
                                let t = c.apply(time)
                                guard t >= lo, t < hi else { return }
                                let k = Int((t - lo) / width)
                                if k != at.k {
                                    if at.count > 0 { mine.append(at) }
                                    at = Figures(k: k, min: v, max: v, count: 0)
                                }
                                at.min = Swift.min(at.min, v)
                                at.max = Swift.max(at.max, v)
                                at.count += 1
                            }
                        } catch {
                            errsPtr.base[i] = error
                        }
                        if at.count > 0 { mine.append(at) }
                        outs.base[i] = mine
                    }
                }
            }
            for (i, list) in figures.enumerated() {
                if let e = errors[i], damaged == nil { damaged = (group[i].id, e) }
                for f in list {
                    mins[f.k] = Swift.min(mins[f.k], f.min)
                    maxs[f.k] = Swift.max(maxs[f.k], f.max)
                    counts[f.k] += f.count
                }
            }
        }
        var c0 = ClockCorrection.none
        try read { db in
            if let evidenceID = try Int64.fetchOne(db, sql: "SELECT evidence_id FROM series WHERE id = ?", arguments: [id]) {
                c0 = try clockCorrections(db)[evidenceID] ?? .none
            }
            let c = c0
            let rows = try Row.fetchCursor(db, sql: """
                SELECT b.id, b.first_time, b.min_time, b.max_time, b.count, b.numbers, b.min_value, b.max_value
                FROM sample_blocks b JOIN ingest_runs r ON r.id = b.run_id
                WHERE b.series_id = ? AND r.status = 'complete' AND b.max_time >= ? AND b.min_time < ?
                ORDER BY b.run_id, b.id
                """, arguments: [id, c.recorded(lo), c.recorded(hi)])
            while let r = try rows.next() {
                let first = c.apply(r["min_time"] as Int64), last = c.apply(r["max_time"] as Int64)
                let numbers: Int = r["numbers"]
                if numbers == 0 { continue }
                if first >= lo, last < hi, slot(first) == slot(last),
                   let bmin = r["min_value"] as Double?, let bmax = r["max_value"] as Double? {
                    let k = slot(first)
                    mins[k] = Swift.min(mins[k], bmin)
                    maxs[k] = Swift.max(maxs[k], bmax)
                    counts[k] += numbers
                    continue
                }
                let blockID: Int64 = r["id"]
                guard let data = try Data.fetchOne(db, sql: "SELECT data FROM sample_blocks WHERE id = ?", arguments: [blockID])
                else { continue }
                edges.append(Edge(id: blockID, base: r["first_time"], data: [UInt8](data)))
                if edges.count == 64 { decode(c) }
            }
            decode(c)
        }
        if let (blockID, error) = damaged {
            throw CaseError(.unreadable, "sample block #\(blockID) of series #\(id) is damaged: \(error)",
                            hint: "run `jikocho verify \(directory.path)`")
        }
        return (0..<n).compactMap { k in
            counts[k] > 0 ? SeriesBucket(start: lo + Int64(k) * width, min: mins[k], max: maxs[k], count: counts[k]) : nil
        }
    }
}

/// A buffer whose elements each worker of `concurrentPerform` writes at its own index only.
struct UncheckedBuffer<T>: @unchecked Sendable {
    let base: UnsafeMutableBufferPointer<T>
    init(_ base: UnsafeMutableBufferPointer<T>) { self.base = base }
}
