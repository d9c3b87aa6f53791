/// A file in the case: an original as it was acquired, identified by its SHA-256.
public struct EvidenceItem: Hashable, Codable, Sendable {
    public var id: Int64
    /// Lowercase hex SHA-256 of the bytes; also the object's name in the store.
    public var sha256: String
    public var size: Int64
    /// The file name as acquired.
    public var name: String
    /// The absolute path it was added from.
    public var originalPath: String
    /// Path relative to the directory that was added, when it came from a directory.
    public var relativePath: String?
    /// MIME type from libmagic.
    public var mimeType: String?
    public var acquiredAt: Timestamp
    /// Modification time of the original file when it was added.
    public var sourceModifiedAt: Timestamp?
    public var examiner: String
    /// The archive or container it came out of.
    public var parentID: Int64?
    /// The time zone declared for sources that write local time (IANA name or a fixed offset).
    public var timeZone: String?
    /// The clock (host or device) whose time this evidence carries.
    public var clock: String?

    public init(id: Int64, sha256: String, size: Int64, name: String, originalPath: String,
                relativePath: String? = nil, mimeType: String? = nil, acquiredAt: Timestamp,
                sourceModifiedAt: Timestamp? = nil, examiner: String, parentID: Int64? = nil,
                timeZone: String? = nil, clock: String? = nil)
    {
        self.id = id
        self.sha256 = sha256
        self.size = size
        self.name = name
        self.originalPath = originalPath
        self.relativePath = relativePath
        self.mimeType = mimeType
        self.acquiredAt = acquiredAt
        self.sourceModifiedAt = sourceModifiedAt
        self.examiner = examiner
        self.parentID = parentID
        self.timeZone = timeZone
        self.clock = clock
    }
}
