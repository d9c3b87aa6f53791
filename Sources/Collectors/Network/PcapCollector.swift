import Crypto
import Foundation
import JikochoModel
import Parsers

/// `network/pcap`: packet captures (pcap with µs or ns times, pcapng), read through libpcap with nanosecond
/// times kept. Emits the protocol messages the decoders find (`ics.modbus.write`, …), routine polls summarized,
/// and one `net.flow` per connection. Warnings carry the packet number (`packet 1532`), as Wireshark counts.
public struct PcapCollector: Collector {
    public static let name = "network/pcap"
    // 2: a frame the capture holds twice (a SPAN or tap copy within 2 ms, a PRP or HSR frame's second copy) decoded
    // once; LLC after a VLAN or HSR tag counted as LLC. 3: a Logix array element's index (a member segment after the
    // tag's symbol) part of the tag and its control point, `cip:Counts[2]` rather than `cip:Counts`; a Multiple Service
    // Packet inside an Unconnected Send unpacked into its services (their writes were one event without control facts);
    // a control channel no decoder can read (OPC UA signed and encrypted, TLS on an ICS protocol's secure port) says so
    // in its flow's `unreadable`, and an encrypted OPC UA message is `ics.opcua.encrypted_message`, not a routine one
    public static let version = "3"

    public init() {}

    /// The analyzer's limits, from the options `max-flows`, `max-reassembly-bytes`, `max-stream-pending`, and
    /// `aggregate=off` (every poll kept as its own event), `copies=keep` (a frame the capture holds twice decoded twice).
    public static func limits(_ options: [String: String]) -> NetworkAnalyzer.Limits {
        var limits = NetworkAnalyzer.Limits()
        if let v = options["max-flows"].flatMap(Int.init), v > 0 { limits.maxFlows = v }
        if let v = options["max-reassembly-bytes"].flatMap(Int.init), v > 0 { limits.maxPendingTotal = v }
        if let v = options["max-stream-pending"].flatMap(Int.init), v > 0 { limits.maxPendingPerStream = v }
        if options["aggregate"] == "off" { limits.aggregateRoutine = false }
        if options["copies"] == "keep" { limits.discardCopies = false }
        return limits
    }

    static let magics: [[UInt8]] = [
        [0xD4, 0xC3, 0xB2, 0xA1], [0xA1, 0xB2, 0xC3, 0xD4],   // µs, both byte orders
        [0x4D, 0x3C, 0xB2, 0xA1], [0xA1, 0xB2, 0x3C, 0x4D],   // ns
        [0x34, 0xCD, 0xB2, 0xA1], [0xA1, 0xB2, 0xCD, 0x34],   // Kuznetzov's modified pcap
        [0x0A, 0x0D, 0x0D, 0x0A],                             // pcapng section header block
    ]

    public static func identify(_ probe: EvidenceProbe) -> Confidence {
        magics.contains { probe.head.starts(with: $0) } ? .certain : .no
    }

    public func collect(_ source: EvidenceSource, into sink: some EventSink) throws {
        let reader: PcapReader
        do {
            reader = try PcapReader(path: source.path)
        } catch {
            try sink.warn(CollectorWarning(evidenceID: source.item.id, locator: "file header",
                                           text: "libpcap cannot open the capture: \(error)"))
            return
        }
        guard let link = LinkType(rawValue: reader.linkType) else {
            try sink.warn(CollectorWarning(evidenceID: source.item.id, locator: "file header",
                                           text: "link type \(reader.linkType) (\(reader.linkTypeName)) is not decoded; packets not read"))
            return
        }
        let workers = max(1, source.threads)
        let analyzer = NetworkAnalyzer(link: link, limits: Self.limits(source.options), workers: workers)
        let emitters = (0..<workers).map { _ in Emitter(evidenceID: source.item.id, host: source.options["host"]) }
        /// libpcap's records, each handed to the analyzer; `handOver` is called after each packet and each flow closed
        /// at the end, with what is ready.
        func read(_ handOver: () -> Bool) {
            reading: while true {
                switch reader.next() {
                case .packet(let bytes, let time, let number, let clamped):
                    if clamped { analyzer.note(packet: number, "packet time is impossible (before 1970 or after 2255); clamped") }
                    analyzer.packet(bytes, time: time, number: number)
                    guard handOver() else { return }
                case .end:
                    break reading
                case .damaged(let why):
                    analyzer.note(packet: reader.number + 1, "capture ends in a damaged record (\(why)); nothing after it can be read")
                    break reading
                }
            }
            var going = true
            analyzer.finish { if going { going = handOver() } }
        }
        if workers == 1 {
            var failure: Error?
            // One thread: the analyzer's outputs are made into events as they come.
            read {
                do {
                    for o in analyzer.output { try sink.emit(emitters[0].make(o)) }
                    analyzer.output.removeAll(keepingCapacity: true)
                    return true
                } catch {
                    failure = error
                    return false
                }
            }
            if let failure { throw failure }
            for o in analyzer.output { try sink.emit(emitters[0].make(o)) }
        } else {
            try readInParallel(analyzer, emitters, read, into: sink)
        }
        let c = analyzer.counters
        // An account of the packets that did not become flows or messages; what was read through a tunnel or as GOOSE
        // and SV is named in it, but is no reason for it (the flows and messages say so themselves).
        if c.malformed > 0 || c.truncated > 0 || c.nonIP > 0 || c.copies > 0 {
            let tunnels = c.encapsulated == 0 ? ""
                : ", \(c.encapsulated) decoded from inside encapsulations (\(c.encapsulationSummary))"
            let substation = c.goose + c.sampledValues == 0 ? ""
                : ", \(c.goose) GOOSE and \(c.sampledValues) Sampled Values (IEC 61850)"
            try sink.warn(CollectorWarning(evidenceID: source.item.id, locator: "capture", text: "\(c.packets) packets: \(Self.copies(c))\(c.ip) IP\(tunnels)\(substation), \(c.nonIP) not IP (ARP, LLDP, spanning tree, \(c.llc) IEEE 802.3/LLC such as BACnet/Ethernet: counted, not decoded), \(c.malformed) malformed, \(c.truncated) cut by the snap length"))
        }
    }

    /// The copies discarded, named by what made them, for the capture's account ("" when there were none).
    static func copies(_ c: NetworkAnalyzer.Counters) -> String {
        guard c.copies > 0 else { return "" }
        var kinds: [String] = []
        if c.identicalCopies > 0 { kinds.append("\(c.identicalCopies) identical to a frame read within 2 ms (a SPAN session or tap recording a packet twice)") }
        if c.prpCopies > 0 { kinds.append("\(c.prpCopies) second copies of PRP frames (the other LAN)") }
        if c.hsrCopies > 0 { kinds.append("\(c.hsrCopies) second copies of HSR frames (the other way round the ring)") }
        return "\(c.copies) copies discarded, decoded once (\(kinds.joined(separator: "; ")); `--keep-copies` decodes them too); of the rest, "
    }

    /// The copies a stored account of a capture's packets (its warning at `capture`) names, as `copies(_:)` wrote
    /// them ("7158 copies discarded, decoded once (…)"); nil when it names none.
    public static func copies(inAccount text: String) -> Substring? {
        guard let start = text.range(of: "packets: "), let end = text.range(of: "; of the rest, "),
              start.upperBound < end.lowerBound, text[start.upperBound..<end.lowerBound].contains(" copies discarded")
        else { return nil }
        return text[start.upperBound..<end.lowerBound]
    }

    /// Packets read, decoded as far as their flow (IP, fragments, the flow table, TCP reassembly) and handed on in
    /// chunks on one thread; each chunk's flow work (the protocol decoders, routine summaries, the events made of
    /// them) done by the workers side by side, each on its own flows; the outputs put back in the order one thread
    /// gives, and handed to the sink on this thread while the workers go on with the next chunk.
    func readInParallel(_ analyzer: NetworkAnalyzer, _ emitters: [Emitter], _ read: (() -> Bool) -> Void,
                        into sink: some EventSink) throws {
        let workers = emitters.count
        let made = (0..<workers).map { _ in Made() }
        var ready: [Outcome] = []
        let crew = Parallel.Crew(workers)
        defer { crew.stop() }
        try Parallel.pipeline(threads: 2, produce: { send in
            withoutActuallyEscaping(send) { send in
                read {
                    guard analyzer.chunkIsFull, let chunk = analyzer.takeChunk() else { return true }
                    return send(chunk)
                }
                if let last = analyzer.takeChunk() { _ = send(last) }
            }
        }, consume: { chunk in
            crew.start { w in
                made[w].items.removeAll(keepingCapacity: true)
                chunk.run(worker: w) { order, o in made[w].items.append((order, emitters[w].make(o))) }
            }
            // The chunk before goes to the sink while the workers read this one.
            let sent = Result { try ready.forEach { try sink.emit($0) } }
            crew.wait()
            try sent.get()
            ready = Self.merge(chunk.front.map { ($0.order, emitters[0].make($0.output)) }, made.map(\.items))
        })
        for item in ready { try sink.emit(item) }
    }

    /// Lists each in the order of their numbers, merged into one in that order; items with the same number stay in
    /// their list's order (a number is one call of one worker, never in two lists).
    static func merge(_ front: [(Int, Outcome)], _ lists: [[(Int, Outcome)]]) -> [Outcome] {
        let all = [front] + lists
        var next = [Int](repeating: 0, count: all.count)
        var merged: [Outcome] = []
        merged.reserveCapacity(all.reduce(0) { $0 + $1.count })
        while true {
            var best = -1
            for (l, list) in all.enumerated() where next[l] < list.count {
                if best < 0 || list[next[l]].0 < all[best][next[best]].0 { best = l }
            }
            guard best >= 0 else { return merged }
            let order = all[best][next[best]].0
            while next[best] < all[best].count, all[best][next[best]].0 == order {
                merged.append(all[best][next[best]].1)
                next[best] += 1
            }
        }
    }

    /// One worker's events and warnings of a chunk, with the numbers that order them.
    final class Made: @unchecked Sendable {
        var items: [(Int, Outcome)] = []
    }

    /// An event or a warning, made from one of the analyzer's outputs.
    enum Outcome {
        case event(Event)
        case warning(CollectorWarning)
    }


        /// JA3/JA3S (MD5 of their strings) and JA4 (its `a` part and the first 12 hex digits of SHA-256 of the other two).
    public static func fingerprints(_ f: inout Attributes) {
        func md5(_ s: String) -> String { Insecure.MD5.hash(data: Array(s.utf8)).map { String(format: "%02x", $0) }.joined() }
        func sha12(_ s: String) -> String {
            s.isEmpty ? "000000000000" : String(SHA256.hash(data: Array(s.utf8)).map { String(format: "%02x", $0) }.joined().prefix(12))
        }
        if case .string(let s)? = f["ja3_string"] { f["ja3"] = .string(md5(s)) }
        if case .string(let s)? = f["ja3s_string"] { f["ja3s"] = .string(md5(s)) }
        if case .string(let a)? = f["ja4_a"], case .string(let c)? = f["ja4_ciphers"], case .string(let e)? = f["ja4_extensions"] {
            f["ja4"] = .string("\(a)_\(sha12(c))_\(sha12(e))")
            f["ja4_r"] = .string("\(a)_\(c)_\(e)")
            f["ja4_a"] = nil
            f["ja4_ciphers"] = nil
            f["ja4_extensions"] = nil
        }
    }

    /// Turns analyzer output into events and warnings.
    /// Each worker has its own: one thread at a time uses one.
    final class Emitter: @unchecked Sendable {
        let evidenceID: Int64
        let host: String?
        var ipText: [IPAddress: String] = [:]
        /// The flow events' attributes, written into one reused buffer.
        var writer = AttributeWriter()

        init(evidenceID: Int64, host: String?) {
            self.evidenceID = evidenceID
            self.host = host
        }

        func text(_ ip: IPAddress) -> String {
            if let t = ipText[ip] { return t }
            let t = ip.description
            if ipText.count > 100_000 { ipText.removeAll(keepingCapacity: true) }
            ipText[ip] = t
            return t
        }

        func endpoint(_ e: NetEndpoint, mac: UInt64? = nil) -> Endpoint {
            Endpoint(ip: text(e.ip), port: e.port == 0 ? nil : e.port, mac: mac.map(macText))
        }

        func make(_ item: NetworkAnalyzer.Output) -> Outcome {
            switch item {
            case .warning(let w):
                return .warning(CollectorWarning(evidenceID: evidenceID, locator: "packet \(w.packet)", text: w.text))
            case .message(var m):
                // Fingerprints are TLS's alone: other messages' fields are not searched for them.
                if m.kind.utf8.starts(with: "tls.".utf8), m.fields["ja3_string"] != nil { PcapCollector.fingerprints(&m.fields) }
                let t = Timestamp(nanoseconds: m.time)
                let src: Endpoint, dst: Endpoint
                if let link = m.link {
                    src = Endpoint(mac: macText(link.src))
                    dst = Endpoint(mac: macText(link.dst))
                } else {
                    src = endpoint(m.src)
                    dst = endpoint(m.dst)
                }
                return .event(Event(time: t, timeDescription: "Packet time", domain: m.domain, kind: m.kind, host: host,
                                    src: src, dst: dst, user: m.user, message: m.summary,
                                    attributes: m.fields,
                                    provenance: Provenance(evidenceID: evidenceID, collector: PcapCollector.name,
                                                           collectorVersion: PcapCollector.version,
                                                           locator: "packet " + String(m.packet))))
            case .flow(let f):
                return .event(flowEvent(f))
            }
        }

        func flowEvent(_ f: Flow) -> Event {
            let proto: String
            switch f.proto {
            case PacketDecoder.tcp: proto = "tcp"
            case PacketDecoder.udp: proto = "udp"
            case 1: proto = "icmp"
            case 58: proto = "icmpv6"
            default: proto = "ip-\(f.proto)"
            }
            writer.string("transport", proto)
            writer.string("state", f.state)
            writer.int("packets_to_server", f.packetsToServer)
            writer.int("packets_to_client", f.packetsToClient)
            writer.int("bytes_to_server", f.bytesToServer)
            writer.int("bytes_to_client", f.bytesToClient)
            writer.int("first_packet", f.firstPacket)
            writer.int("last_packet", f.lastPacket)
            writer.string("end_time", Timestamp(nanoseconds: f.lastTime).iso8601())
            writer.double("duration_s", Double(f.lastTime - f.firstTime) / 1e9)
            if let app = f.app { writer.string("app", app) }
            if let u = f.unreadable { writer.string("unreadable", u) }
            if f.proto == PacketDecoder.tcp {
                writer.value("flags_to_server", .array(Flow.flagNames(f.flagsToServer).map { .string($0) }))
                writer.value("flags_to_client", .array(Flow.flagNames(f.flagsToClient).map { .string($0) }))
                if f.gaps > 0 {
                    writer.int("gaps", f.gaps)
                    writer.int("gap_bytes", f.gapBytes)
                }
                if f.retransmittedBytes > 0 { writer.int("retransmitted_bytes", f.retransmittedBytes) }
            }
            if let v = f.vlan { writer.int("vlan", v) }
            if !f.encapsulations.isEmpty {
                // How the flow reached the sensor: a remote mirror, a cloud's traffic mirror, an MPLS path …
                writer.string("encapsulation", Encapsulation.path(f.encapsulations))
                writer.value("tunnels", .array(f.encapsulations.map { layer in
                    var o: [String: JSONValue] = ["kind": .string(layer.kind.rawValue)]
                    if let id = layer.id { o["id"] = .int(Int64(id)) }
                    if let a = layer.src { o["src_ip"] = .string(text(a)) }
                    if let a = layer.dst { o["dst_ip"] = .string(text(a)) }
                    return .object(o)
                }))
            }
            if f.truncatedPackets > 0 { writer.int("truncated_packets", f.truncatedPackets) }
            let src = endpoint(f.client, mac: f.clientMAC), dst = endpoint(f.server, mac: f.serverMAC)
            let app = f.app.map { " \($0)" } ?? ""
            let message = "\(proto)\(app) \(src.description) → \(dst.description) \(f.state), \(f.packetsToServer + f.packetsToClient) packets, \(f.bytesToServer)/\(f.bytesToClient) bytes"
            return Event(time: Timestamp(nanoseconds: f.firstTime), timeDescription: "First packet time", domain: .network,
                         kind: "net.flow", host: host, src: src, dst: dst, message: message, attributes: writer.finish(),
                         provenance: Provenance(evidenceID: evidenceID, collector: PcapCollector.name,
                                                collectorVersion: PcapCollector.version, locator: "packet \(f.firstPacket)"))
        }
    }
}

extension EventSink {
    fileprivate func emit(_ outcome: PcapCollector.Outcome) throws {
        switch outcome {
        case .event(let e): try emit(e)
        case .warning(let w): try warn(w)
        }
    }
}
