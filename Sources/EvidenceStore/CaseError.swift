/// An error a person can act on: what went wrong, with what, and what to do. Prints as one line.
public struct CaseError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Code: String, Sendable {
        case notFound = "not-found"
        case unreadable
        case notACase = "not-a-case"
        case alreadyExists = "already-exists"
        case busy
        case diskFull = "disk-full"
        case io
        case custodyMismatch = "custody-mismatch"
        case invalidArgument = "invalid-argument"
        case newerFormat = "newer-format"
    }

    public var code: Code
    /// What went wrong, naming the thing.
    public var reason: String
    /// What to do about it.
    public var hint: String?

    public init(_ code: Code, _ reason: String, hint: String? = nil) {
        self.code = code
        self.reason = reason
        self.hint = hint
    }

    public var description: String {
        hint.map { "\(reason); \($0)" } ?? reason
    }
}
