/// The version of Jikocho, written into custody entries, ingest runs and reports.
public enum JikochoVersion {
    public static let string = "0.1.0"
}
