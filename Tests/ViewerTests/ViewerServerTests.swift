import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import Testing

/// `jikocho serve` as a user starts it: a real server on a free port, asked over HTTP, and the page in a real
/// browser (headless Chromium).
final class RunningServer {
    let process = Process()
    let port: Int

    init(case path: String, extra: [String] = []) throws {
        process.executableURL = URL(fileURLWithPath: TestPaths.jikocho)
        process.arguments = ["serve", path, "--port", "0"] + extra
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // "Serving CASE read-only at http://127.0.0.1:PORT/ (Ctrl-C stops)"
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        while !text.contains("\n"), Date() < deadline {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let r = text.range(of: #"127\.0\.0\.1:(\d+)/"#, options: .regularExpression),
              let p = Int(text[r].dropFirst("127.0.0.1:".count).dropLast()) else {
            process.terminate()
            throw ViewerTestError("serve did not say where it listens: \(text)")
        }
        port = p
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
    }

    var base: String { "http://127.0.0.1:\(port)" }

    /// GET, returning the status and body.
    func get(_ path: String, headers: [String: String] = [:], method: String = "GET") throws -> (Int, String) {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        final class Box: @unchecked Sendable { var result: (Int, String)?; var error: Error? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, error in
            box.error = error
            box.result = ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data ?? Data(), as: UTF8.self))
            done.signal()
        }.resume()
        done.wait()
        if let e = box.error { throw e }
        return box.result!
    }
}

struct ViewerTestError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

@Suite(.serialized) struct ViewerServerTests {
    @Test func servesThePageAndTheAPIOverHTTP() throws {
        let server = try RunningServer(case: try InvestigatedFlagship.shared.casePath)
        var (status, body) = try server.get("/")
        #expect(status == 200)
        #expect(body.contains("<script src=\"app.js\""))
        (status, body) = try server.get("/app.js")
        #expect(status == 200 && body.contains("textContent"))
        (status, body) = try server.get("/api/case")
        #expect(status == 200 && body.contains("\"events\":480"))
        (status, body) = try server.get("/api/events?limit=abc")
        #expect(status == 400 && body.contains("out of range"))
        (status, _) = try server.get("/../case.sqlite")
        #expect(status == 404)
        (status, _) = try server.get("/case.sqlite")
        #expect(status == 404)
        (status, _) = try server.get("/api/case", method: "DELETE")
        #expect(status == 405)
    }

    /// With a token, the API answers only requests that carry it.
    @Test func aTokenIsRequiredWhenGiven() throws {
        let token = "a-long-enough-secret-1234"
        let server = try RunningServer(case: try InvestigatedFlagship.shared.casePath, extra: ["--token", token])
        var (status, body) = try server.get("/api/case")
        #expect(status == 401 && body.contains("token"))
        (status, _) = try server.get("/api/case", headers: ["Authorization": "Bearer wrong-token-wrong-token"])
        #expect(status == 401)
        (status, _) = try server.get("/api/case", headers: ["Authorization": "Bearer \(token)"])
        #expect(status == 200)
    }

    /// Binding beyond this machine without a token is refused before anything listens, in one line.
    @Test func bindingBeyondLocalhostNeedsAToken() throws {
        let path = try InvestigatedFlagship.shared.casePath
        var r = try runProgram(TestPaths.jikocho, ["serve", path, "--bind", "0.0.0.0", "--port", "0"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("--token"))
        #expect(r.stderr.split(separator: "\n").count == 1)
        r = try runProgram(TestPaths.jikocho, ["serve", path, "--bind", "not-an-address"])
        #expect(r.status != 0 && r.stderr.contains("not an IP address"))
        r = try runProgram(TestPaths.jikocho, ["serve", path, "--bind", "0.0.0.0", "--token", "short"])
        #expect(r.status != 0 && r.stderr.contains("too short"))
    }

    static var chromium: String? {
        for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] where FileManager.default.isExecutableFile(atPath: p) {
            return p
        }
        return nil
    }

    /// The DOM after the page has run, as Chromium renders it.
    func dom(_ url: String) throws -> String {
        let browser = try #require(Self.chromium)
        let profile = TempDir("chromium")
        let r = try runProgram(browser, ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.url.path)",
                                         "--window-size=1400,1000", "--virtual-time-budget=15000", "--dump-dom", url])
        return r.stdout
    }

    /// The flagship case in a real browser: the timeline filtered to the controller writes shows only them, an
    /// event opens with its evidence's SHA-256, the chain shows its five links with their evidence.
    @Test(.enabled(if: chromium != nil, "headless Chromium is not installed (make test installs it as root: scripts/ensure-deps.sh --with-browser)"))
    func theFlagshipInAHeadlessBrowser() throws {
        let server = try RunningServer(case: try InvestigatedFlagship.shared.casePath)
        let (_, writesJSON) = try server.get("/api/events?kind=ics.modbus.write")
        let writes = writesJSON.components(separatedBy: "\"kind\":\"ics.modbus.write\"").count - 1
        #expect(writes > 0)

        var page = try dom(server.base + "/#/timeline?kind=ics.modbus.write")
        #expect(page.contains("data-ready=\"yes\""))
        #expect(page.contains("\(writes) events"))
        let rows = page.components(separatedBy: "class=\"row\"").count - 1 + page.components(separatedBy: "class=\"row selected\"").count - 1
        #expect(rows == writes)
        #expect(page.components(separatedBy: "<span class=\"k\">ics.modbus.write</span>").count - 1 == writes)

        let (_, first) = try server.get("/api/events?kind=ics.modbus.write&limit=1")
        let id = try #require(first.range(of: #""id":(\d+)"#, options: .regularExpression).map { String(first[$0].dropFirst(5)) })
        page = try dom(server.base + "/#/timeline?event=\(id)")
        #expect(page.contains("Event #\(id)"))
        #expect(page.range(of: #"class="mono sha">[0-9a-f]{64}<"#, options: .regularExpression) != nil)

        page = try dom(server.base + "/#/chain")
        #expect(page.contains("Cyber cause"))
        for role in ["vpn session", "logon session", "controller write", "impact"] {
            #expect(page.contains(">\(role)<"), "\(role)")
        }
        #expect(page.components(separatedBy: "class=\"step ").count - 1 >= 5)
        #expect(page.contains("NaOH_SP"))

        // Findings: each with its playbook and links to its events.
        page = try dom(server.base + "/#/findings")
        #expect(page.contains("ICS.Process.RemoteSetpointTampering"))
        #expect(page.range(of: #"events: <a>#\d+</a>"#, options: .regularExpression) != nil)
        #expect(!page.contains("[object"))
    }

    /// A list too long to lay out row by row (400,000 events, past the 8,000,000-pixel list): an event's address
    /// opens the list at its place, deep in it, with that event's row drawn and chosen, and the list's length told.
    @Test(.enabled(if: chromium != nil, "headless Chromium is not installed (make test installs it as root: scripts/ensure-deps.sh --with-browser)"))
    func aListOfHundredsOfThousandsOpensAtAnEventDeepInIt() throws {
        let tmp = TempDir("long-list")
        let path = tmp.url.appendingPathComponent("case").path
        for args in [["case", "init", path, "--name", "long", "--examiner", "t"],
                     ["add", path, tmp.file("seed.txt", "the evidence the synthetic events cite\n")],
                     ["dev", "synthesize", path, "--evidence", "1", "--events", "400000"]] {
            let r = try runProgram(TestPaths.jikocho, args)
            try #require(r.status == 0, "\(args): \(r.stderr)")
        }
        let server = try RunningServer(case: path)
        let (_, deep) = try server.get("/api/events?at=350000&limit=1")
        let id = try #require(deep.range(of: #""id":(\d+)"#, options: .regularExpression).map { String(deep[$0].dropFirst(5)) })
        let page = try dom(server.base + "/#/timeline?event=\(id)")
        #expect(page.contains("400,000 events"))
        #expect(page.contains("class=\"row selected\" data-id=\"\(id)\" data-place=\"350000\""), "the event's row, chosen, at its place")
        #expect(page.contains("Event #\(id)"))
        #expect(page.contains("height: 8e+06px") || page.contains("height: 8000000px"), "the list stops at 8,000,000 pixels")
        #expect(page.range(of: #"#349,99\d–350,0\d\d"#, options: .regularExpression) != nil, "where the view is in the list")
        let top = try dom(server.base + "/#/timeline")
        #expect(top.contains("data-place=\"0\""))
        #expect(!top.contains("data-place=\"350000\""))
    }
}
