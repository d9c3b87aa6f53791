import ArgumentParser
import Dispatch
import EvidenceStore
import Foundation
import Viewer

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Show a case in a browser: timeline, swimlanes, process plots, chain, findings, clocks, custody.",
        discussion: """
            Starts a local web server on the case, read-only (nothing it answers writes the case), and prints the \
            address to open. The page pages through the events and draws series from per-pixel minima and maxima, \
            so a case of millions of events opens at once. The same data is a JSON API under /api (docs/serve.md). \
            It listens on 127.0.0.1 unless --bind says otherwise; binding to another address needs --token, which \
            every API request must then carry (open the page as http://HOST:PORT/#token=TOKEN). Ctrl-C stops it.
            """)

    @Argument(help: "The case directory.") var `case`: String
    @Option(help: "The port to listen on (0: any free port).") var port: Int = 8080
    @Option(help: "The address to listen on.") var bind: String = "127.0.0.1"
    @Option(help: "A secret every API request must send as `Authorization: Bearer TOKEN` (required with a --bind beyond this machine).")
    var token: String?

    static func isLoopback(_ address: String) -> Bool {
        address == "::1" || address.hasPrefix("127.")
    }

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port \(port): give 0 to 65535") }
        var v4 = in_addr(), v6 = in6_addr()
        guard inet_pton(AF_INET, bind, &v4) == 1 || inet_pton(AF_INET6, bind, &v6) == 1 else {
            throw ValidationError("--bind \(bind) is not an IP address (127.0.0.1, 0.0.0.0, ::1, …)")
        }
        if !Self.isLoopback(bind), (token ?? "").isEmpty {
            throw ValidationError("--bind \(bind) shows the case beyond this machine: give --token SECRET as well")
        }
        if let token, token.count < 16 {
            throw ValidationError("--token is too short to guard evidence: give at least 16 characters")
        }
    }

    func run() throws {
        // Ctrl-C and a plain kill stop the server, even when the parent started it with those signals blocked (a
        // blocked mask is inherited through exec).
        var stop = sigset_t()
        sigemptyset(&stop)
        for s in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&stop, s) }
        pthread_sigmask(SIG_UNBLOCK, &stop, nil)
        let c = try Case.open(at: `case`, mode: .read)
        guard let web = Shipped.folder(.web) else {
            throw ValidationError("the viewer's page is not installed beside this binary (looked in "
                                  + Shipped.candidates(.web).joined(separator: ", ") + "); reinstall with `make install`")
        }
        let api = try ViewerAPI(c)
        let server = try ViewerServer(api: api, web: web, token: token)
        let (bind, port, caseName) = (self.bind, UInt16(self.port), self.case)
        final class Outcome: @unchecked Sendable { var error: Error? }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                try await server.run(bind: bind, port: port) { actual in
                    let host = bind.contains(":") ? "[\(bind)]" : bind
                    print("Serving \(Output.safe(caseName)) read-only at http://\(host):\(actual)/ (Ctrl-C stops)")
                    fflush(nil)
                }
            } catch {
                outcome.error = error
            }
            done.signal()
        }
        done.wait()
        if let e = outcome.error {
            throw ValidationError("cannot serve on \(bind):\(port): \(e.localizedDescription)")
        }
    }
}
