import FlyingFox
import FlyingSocks
import Foundation

/// `jikocho serve`: one local HTTP server (FlyingFox: plain sockets and Swift concurrency, no SwiftNIO) in front of
/// `ViewerAPI`, plus the page's three static files. Nothing it answers writes the case.
public final class ViewerServer: HTTPHandler, @unchecked Sendable {
    public let api: ViewerAPI
    /// The page: index.html, app.js, app.css (the only files served; no path reaches anything else).
    let assets: [String: (type: String, data: Data)]
    let token: String?

    public static let assetNames = ["index.html": "text/html; charset=utf-8", "app.js": "text/javascript; charset=utf-8",
                                    "app.css": "text/css; charset=utf-8"]

    /// `web`: the folder of the page's files; `token`: when set, every /api request must carry
    /// `Authorization: Bearer TOKEN`.
    public init(api: ViewerAPI, web: String, token: String?) throws {
        self.api = api
        self.token = token
        var assets: [String: (String, Data)] = [:]
        for (name, type) in Self.assetNames {
            let path = (web as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ViewerError("the viewer's page is incomplete: \(path) is missing")
            }
            assets[name] = (type, data)
        }
        self.assets = assets
    }

    /// Listens on `bind`:`port` (0: any free port), calls `ready` with the port, and serves until cancelled.
    public func run(bind: String, port: UInt16, ready: @Sendable (UInt16) -> Void) async throws {
        let address: any SocketAddress = bind.contains(":") ? try sockaddr_in6.inet6(ip6: bind, port: port)
                                                             : try sockaddr_in.inet(ip4: bind, port: port)
        let server = HTTPServer(address: address, timeout: 30, logger: .disabled, handler: self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            try await server.waitUntilListening()
            var actual = port
            if case .ip4(_, let p)? = await server.listeningAddress { actual = p }
            if case .ip6(_, let p)? = await server.listeningAddress { actual = p }
            ready(actual)
            try await group.next()
        }
    }

    public func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        let path = request.path
        if path.hasPrefix("/api/") || path == "/api" {
            if let token, request.headers[HTTPHeader("Authorization")] != "Bearer \(token)" {
                return Self.response(.error(401, "this server needs its token: send Authorization: Bearer TOKEN "
                                            + "(the page asks for it; give it in the address as #token=TOKEN)"))
            }
            let method = request.method.rawValue
            let query = request.query.map { ($0.name, $0.value) }
            let api = self.api
            // The case is read on a thread of its own, not on the server's tasks.
            let r = await withCheckedContinuation { (k: CheckedContinuation<APIResponse, Never>) in
                DispatchQueue.global().async { k.resume(returning: api.respond(method: method, path: path, query: query)) }
            }
            return Self.response(r)
        }
        guard request.method == .GET || request.method == .HEAD else {
            return Self.response(.error(405, "\(request.method.rawValue) is not allowed: the viewer only reads"))
        }
        let name = path == "/" ? "index.html" : String(path.dropFirst())
        guard let asset = assets[name] else { return Self.response(.error(404, "no such page: \(path)")) }
        return HTTPResponse(statusCode: .ok, headers: Self.headers(type: asset.type), body: asset.data)
    }

    static func headers(type: String) -> HTTPHeaders {
        var h = HTTPHeaders()
        h[HTTPHeader("Content-Type")] = type
        h[HTTPHeader("Cache-Control")] = "no-store"
        h[HTTPHeader("X-Content-Type-Options")] = "nosniff"
        h[HTTPHeader("Referrer-Policy")] = "no-referrer"
        // The page loads only its own files and asks only its own server.
        h[HTTPHeader("Content-Security-Policy")] = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
        return h
    }

    static func response(_ r: APIResponse) -> HTTPResponse {
        HTTPResponse(statusCode: HTTPStatusCode(r.status, phrase: phrase(r.status)), headers: headers(type: r.contentType),
                     body: Data(r.body))
    }

    static func phrase(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        default: return "Internal Server Error"
        }
    }
}

/// A reason the viewer cannot start, in one line.
public struct ViewerError: Error, CustomStringConvertible {
    public var description: String
    public init(_ text: String) { description = text }
}
