import JikochoModel

/// An MMS connection's state: its association request waiting for the answer, and confirmed requests by invoke ID.
struct MMSState {
    struct Request {
        var pdu: MMS.PDU
        var time: Int64
        var packet: Int
        var src: NetEndpoint
        var dst: NetEndpoint
    }

    /// The association (ACSE AARQ with its MMS initiate) or the release (FINISH) waiting for an answer.
    var associate: Request?
    var release: Request?
    var pending: [Int64: Request] = [:]
    var order: [Int64] = []
}

extension TPKTDecoder {
    /// One TSDU of an MMS connection: the session SPDU, its presentation data values, and the MMS PDU in each.
    func mmsTSDU(_ b: [UInt8], _ ctx: PacketContext, _ out: inout DecodeOutput) {
        guard let session = MMS.session(b) else {
            budget.warn(&out, ctx.packet, "MMS: the session SPDU (0x\(String(b[0], radix: 16))) is cut short or damaged")
            return
        }
        let values = MMS.presentationValues(session.userData)
        switch session.spdu {
        case "abort", "abort_accept":
            out.messages.append(NetMessage(time: ctx.time, packet: ctx.packet, domain: .ot, kind: "ics.mms.abort",
                                           src: ctx.src, dst: ctx.dst, summary: "MMS association aborted (session "
                                           + "\(session.spdu.replacingOccurrences(of: "_", with: " ")))",
                                           fields: Attributes(["spdu": .string(session.spdu)])))
            return
        case "finish":
            mms.release = MMSState.Request(pdu: MMS.PDU(kind: .concludeRequest), time: ctx.time, packet: ctx.packet,
                                           src: ctx.src, dst: ctx.dst)
            return
        case "disconnect":
            if let r = mms.release {
                emitRelease(r, answer: ctx.packet, &out)
                mms.release = nil
            }
            return
        default:
            break
        }
        var sawPDU = false
        for (_, value) in values {
            let (element, acse) = MMS.mmsPDU(session.userData, in: value)
            guard let element else { continue }
            guard let pdu = MMS.decode(session.userData, element) else {
                if acse == nil {
                    budget.warn(&out, ctx.packet, "MMS: a presentation value that is no MMS PDU (tag 0x"
                                + String(element.identifier, radix: 16) + ")")
                }
                continue
            }
            sawPDU = true
            if let p = pdu.problem { budget.warn(&out, ctx.packet, "MMS: \(p)") }
            mmsPDU(pdu, session: session.spdu, ctx, &out)
        }
        if !sawPDU, session.spdu == "refuse", let r = mms.associate {
            emitAssociate(r, answer: nil, refused: true, packet: ctx.packet, &out)
            mms.associate = nil
        } else if !sawPDU, values.isEmpty, session.spdu == "data", !session.userData.isEmpty {
            budget.warn(&out, ctx.packet, "MMS: session data without a readable presentation PDU")
        }
    }

    func mmsPDU(_ pdu: MMS.PDU, session: String, _ ctx: PacketContext, _ out: inout DecodeOutput) {
        let here = MMSState.Request(pdu: pdu, time: ctx.time, packet: ctx.packet, src: ctx.src, dst: ctx.dst)
        switch pdu.kind {
        case .initiateRequest:
            if let old = mms.associate { emitAssociate(old, answer: nil, refused: false, packet: nil, &out) }
            mms.associate = here
        case .initiateResponse, .initiateError:
            if let r = mms.associate {
                emitAssociate(r, answer: pdu, refused: pdu.kind == .initiateError, packet: ctx.packet, &out)
                mms.associate = nil
            } else {
                emitAssociate(MMSState.Request(pdu: MMS.PDU(kind: .initiateRequest), time: ctx.time, packet: ctx.packet,
                                               src: ctx.dst, dst: ctx.src),
                              answer: pdu, refused: pdu.kind == .initiateError, packet: ctx.packet, &out, alone: true)
            }
        case .request:
            guard let id = pdu.invokeID else { return }
            if let old = mms.pending.removeValue(forKey: id) {
                emitConfirmed(old, nil, nil, &out)
            } else {
                mms.order.append(id)
            }
            mms.pending[id] = here
            if mms.pending.count > 256, let oldest = mms.order.first {
                mms.order.removeFirst()
                if let r = mms.pending.removeValue(forKey: oldest) { emitConfirmed(r, nil, nil, &out) }
            }
        case .response, .error, .reject:
            if let id = pdu.invokeID, let req = mms.pending.removeValue(forKey: id) {
                if let i = mms.order.firstIndex(of: id) { mms.order.remove(at: i) }
                emitConfirmed(req, pdu, ctx.packet, &out)
            } else {
                emitConfirmed(here, nil, nil, &out, alone: true)
            }
        case .unconfirmed:
            emitUnconfirmed(here, &out)
        case .concludeRequest:
            mms.release = here
        case .concludeResponse, .concludeError:
            emitRelease(mms.release ?? here, answer: ctx.packet, &out)
            mms.release = nil
        case .cancelRequest, .cancelResponse, .cancelError:
            break
        }
    }

    func mmsFinish(_ out: inout DecodeOutput) {
        if let r = mms.associate { emitAssociate(r, answer: nil, refused: false, packet: nil, &out) }
        for id in mms.order {
            if let r = mms.pending[id] { emitConfirmed(r, nil, nil, &out) }
        }
        if let r = mms.release { emitRelease(r, answer: nil, &out) }
        mms = MMSState()
    }

    // MARK: Events

    func emitAssociate(_ req: MMSState.Request, answer: MMS.PDU?, refused: Bool, packet: Int?, _ out: inout DecodeOutput,
                       alone: Bool = false) {
        var f: [String: JSONValue] = [:]
        for (k, v) in req.pdu.fields { f["proposed_" + k] = v }
        if let a = answer { for (k, v) in a.fields { f[k] = v } }
        f[alone ? "response_packet" : "request_packet"] = .int(Int64(req.packet))
        if let packet, !alone { f["response_packet"] = .int(Int64(packet)) }
        if let c = connect {
            f["cotp_request_packet"] = .int(Int64(c.packet))
            for k in ["src_tsap", "dst_tsap"] { f[k] = c.fields[k] }
            connect = nil
        }
        let outcome = refused ? "refused" : (packet == nil ? "no_response" : "ok")
        f["outcome"] = .string(outcome)
        if alone { f["note"] = "response without a request in the capture" }
        var summary = "MMS association (initiate)"
        if case .int(let v)? = f["version"] ?? f["proposed_version"] { summary += " version \(v)" }
        summary += refused ? " → refused" : packet == nil ? " (no answer)" : " → accepted"
        out.messages.append(NetMessage(time: req.time, packet: req.packet, domain: .ot, kind: "ics.mms.associate",
                                       src: req.src, dst: req.dst, summary: summary, fields: Attributes(f),
                                       messages: packet == nil || alone ? 1 : 2))
    }

    func emitRelease(_ req: MMSState.Request, answer: Int?, _ out: inout DecodeOutput) {
        var f: [String: JSONValue] = ["request_packet": .int(Int64(req.packet)),
                                      "outcome": .string(answer == nil ? "no_response" : "ok")]
        if let answer { f["response_packet"] = .int(Int64(answer)) }
        out.messages.append(NetMessage(time: req.time, packet: req.packet, domain: .ot, kind: "ics.mms.conclude",
                                       src: req.src, dst: req.dst, summary: "MMS association concluded",
                                       fields: Attributes(f), messages: answer == nil ? 1 : 2))
    }

    func emitUnconfirmed(_ r: MMSState.Request, _ out: inout DecodeOutput) {
        let q = r.pdu
        let service = q.service == 0 ? "information_report" : q.service == 1 ? "unsolicited_status"
            : q.service == 2 ? "event_notification" : "unconfirmed-\(q.service ?? -1)"
        var f: [String: JSONValue] = ["service": .string(service), "request_packet": .int(Int64(r.packet))]
        if !q.names.isEmpty { f["variables"] = .array(q.names.prefix(64).map { .string($0.description) }) }
        if let l = q.listName { f["list_name"] = .string(l.description) }
        let what = q.listName?.description ?? q.names.first?.description ?? ""
        let key = (service + "/" + what + "/" + q.names.map(\.description).joined(separator: ";")).hashValue
        out.messages.append(NetMessage(time: r.time, packet: r.packet, domain: .ot, kind: "ics.mms.\(service)",
                                       src: r.src, dst: r.dst, summary: "MMS \(service.replacingOccurrences(of: "_", with: " "))"
                                       + (what.isEmpty ? "" : " \(what)"),
                                       fields: Attributes(f), routineKey: key))
    }

    func emitConfirmed(_ req: MMSState.Request, _ resp: MMS.PDU?, _ respPacket: Int?, _ out: inout DecodeOutput,
                       alone: Bool = false) {
        let q = req.pdu
        var f: [String: JSONValue] = [:]
        if let id = q.invokeID { f["invoke_id"] = .int(id) }
        let service = alone && q.kind == .reject ? "reject" : MMS.serviceName(q.service ?? -1)
        f["service"] = .string(service)
        if let s = q.service { f["service_code"] = .int(Int64(s)) }
        if alone {
            f["response_packet"] = .int(Int64(req.packet))
            f["note"] = q.kind == .request ? "request" : "response without a request in the capture"
        } else {
            f["request_packet"] = .int(Int64(req.packet))
        }
        if !q.names.isEmpty { f["variables"] = .array(q.names.prefix(64).map { .string($0.description) }) }
        if let l = q.listName { f["list_name"] = .string(l.description) }
        if !q.texts.isEmpty { f["names"] = .array(q.texts.prefix(16).map { .string($0) }) }
        var kind = service
        var summary = "MMS \(service.replacingOccurrences(of: "_", with: " "))"
        let shown = q.names.prefix(3).map(\.description).joined(separator: ", ") + (q.names.count > 3 ? ", …" : "")
        if !shown.isEmpty { summary += " " + shown } else if let l = q.listName { summary += " list \(l)" }
        if !q.texts.isEmpty, q.kind == .request { summary += " " + q.texts.prefix(2).joined(separator: ", ") }

        if q.service == 5, q.kind == .request {
            // A write: IEC 61850's operate, select or cancel of a control object, or a write of data.
            let meanings = q.names.map { MMS.meaning(of: $0) }
            let kinds = Set(meanings.map(\.0))
            let meaning = kinds.count == 1 ? kinds.first! : .write
            kind = meaning.rawValue
            f["values"] = .array(q.data.prefix(64).map { $0 })
            var writes: [(ControlPoint, JSONValue)] = []
            for (i, m) in meanings.enumerated() where m.0 != .cancel {
                writes.append((m.1, i < q.data.count ? MMS.controlValue(q.data[i], m.0) : .null))
            }
            if !writes.isEmpty {
                let action = meaning == .operate ? "operate" : meaning == .select ? "select" : "write"
                f["control"] = ControlPoint.attribute(action: action, writes)
                summary = "MMS \(meaning.rawValue) " + writes.prefix(3).map { "\($0.0.text) = \($0.1 == .null ? "?" : $0.1.text)" }
                    .joined(separator: ", ") + (writes.count > 3 ? ", …" : "")
            } else {
                summary = "MMS cancel " + meanings.prefix(3).map(\.1.text).joined(separator: ", ")
            }
        }

        var outcome = alone || resp == nil ? "no_response" : "ok"
        if alone, q.kind != .request { outcome = q.kind == .error ? "error" : q.kind == .reject ? "rejected" : "ok" }
        if let r = resp {
            f["response_packet"] = .int(Int64(respPacket ?? 0))
            switch r.kind {
            case .error:
                outcome = "error"
                if let c = r.errorClass {
                    f["error_class"] = .string(c < MMS.errorClasses.count ? MMS.errorClasses[c] : "class-\(c)")
                    f["error_code"] = r.errorCode.map { .int($0) } ?? .null
                    summary += " → error (\(c < MMS.errorClasses.count ? MMS.errorClasses[c] : "class \(c)"))"
                }
            case .reject:
                outcome = "rejected"
                summary += " → rejected"
            default:
                if !r.results.isEmpty {
                    f["results"] = .array(r.results.prefix(64).map { $0.map { .string(MMS.accessError($0)) } ?? .string("success") })
                    let failures = r.results.compactMap { $0 }
                    if !failures.isEmpty {
                        outcome = q.service == 5 ? "refused" : "error"
                        summary += " → " + Set(failures.map(MMS.accessError)).sorted().joined(separator: ", ")
                    } else if q.service == 5 {
                        summary += " → success"
                    }
                }
                if !r.texts.isEmpty {
                    f[q.service == 2 ? "identification" : "response_names"] = .array(r.texts.prefix(64).map { .string($0) })
                    if q.service == 2 { summary += ": " + r.texts.joined(separator: " / ") }
                    if q.service == 1 { summary += ": \(r.texts.count) names" }
                }
            }
        }
        f["outcome"] = .string(outcome)
        var key: Int?
        if outcome == "ok", ["read", "get_name_list", "identify", "get_variable_access_attributes", "status",
                             "get_named_variable_list_attributes", "file_directory"].contains(service) {
            key = ("mms/" + service + "/" + q.names.map(\.description).joined(separator: ";") + "/"
                   + (q.listName?.description ?? "") + q.texts.joined(separator: ";")).hashValue
        }
        out.messages.append(NetMessage(time: req.time, packet: req.packet, domain: .ot, kind: "ics.mms.\(kind)",
                                       src: req.src, dst: req.dst, summary: summary, fields: Attributes(f),
                                       routineKey: key, messages: resp == nil ? 1 : 2))
    }
}

extension MMS {
    static func accessError(_ n: Int) -> String {
        n >= 0 && n < dataAccessErrors.count ? dataAccessErrors[n] : "error-\(n)"
    }
}
