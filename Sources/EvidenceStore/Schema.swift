import GRDB

/// The case database schema, as named, append-only migrations. Never edit a migration that has shipped:
/// add a new one. Constraints live in SQL.
enum Schema {
    /// The indexes of the events table that v1 creates, by name: what a bulk ingest run drops while it loads and
    /// builds again when it ends (and what opening a case for writing builds again after a run killed in between).
    static let eventIndexes: [(name: String, sql: String)] = [
        ("events_time", "CREATE INDEX IF NOT EXISTS events_time ON events(time)"),
        ("events_kind_time", "CREATE INDEX IF NOT EXISTS events_kind_time ON events(kind, time)"),
        ("events_asset_time", "CREATE INDEX IF NOT EXISTS events_asset_time ON events(asset, time)"),
        ("events_run", "CREATE INDEX IF NOT EXISTS events_run ON events(run_id)"),
    ]

    /// Builds every missing index of the events table.
    static func ensureEventIndexes(_ db: Database) throws {
        for (_, sql) in eventIndexes { try db.execute(sql: sql) }
    }

    /// Removes what a run that failed or was killed wrote: its events with their entries in the full-text index
    /// (written batch by batch with the events, so such a run has some), their counts, its warnings and sample
    /// blocks; returns how many events were removed. The index is external-content: an entry is removed by giving
    /// it back the text it was made from, which the events still hold here.
    @discardableResult
    static func deleteRunRows(_ db: Database, runID: Int64) throws -> Int {
        try db.execute(sql: """
            INSERT INTO events_fts (events_fts, rowid, message) SELECT 'delete', id, message FROM events WHERE run_id = ?
            """, arguments: [runID])
        try db.execute(sql: "DELETE FROM events WHERE run_id = ?", arguments: [runID])
        let events = db.changesCount
        for table in ["event_counts", "warnings", "sample_blocks"] {
            try db.execute(sql: "DELETE FROM \(table) WHERE run_id = ?", arguments: [runID])
        }
        return events
    }

    /// The newest format this build understands; a case written by a newer build is refused, not damaged.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-case") { db in
            try db.execute(sql: """
                CREATE TABLE case_info (
                    key   TEXT PRIMARY KEY NOT NULL,
                    value TEXT NOT NULL
                ) STRICT;

                CREATE TABLE clocks (
                    id             INTEGER PRIMARY KEY,
                    name           TEXT NOT NULL UNIQUE,
                    offset_ns      INTEGER NOT NULL DEFAULT 0,
                    drift_ppb      INTEGER NOT NULL DEFAULT 0,
                    uncertainty_ns INTEGER,
                    source         TEXT NOT NULL DEFAULT 'none'
                                   CHECK (source IN ('none', 'reference', 'investigator', 'estimate')),
                    reason         TEXT
                ) STRICT;

                CREATE TABLE evidence (
                    id             INTEGER PRIMARY KEY,
                    sha256         TEXT NOT NULL UNIQUE
                                   CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
                    size           INTEGER NOT NULL CHECK (size >= 0),
                    name           TEXT NOT NULL,
                    original_path  TEXT NOT NULL,
                    relative_path  TEXT,
                    mime_type      TEXT,
                    acquired_at    INTEGER NOT NULL,
                    source_mtime   INTEGER,
                    examiner       TEXT NOT NULL,
                    parent_id      INTEGER REFERENCES evidence(id),
                    time_zone      TEXT,
                    clock          TEXT REFERENCES clocks(name)
                ) STRICT;

                -- Which archive holds which member under which name. An item is unique by its bytes; the same bytes
                -- can be a member of several archives (or twice of one), so membership is a relation of its own.
                CREATE TABLE evidence_members (
                    archive_id  INTEGER NOT NULL REFERENCES evidence(id),
                    member_path TEXT NOT NULL,
                    evidence_id INTEGER NOT NULL REFERENCES evidence(id),
                    PRIMARY KEY (archive_id, member_path, evidence_id)
                ) STRICT;
                CREATE INDEX evidence_members_member ON evidence_members(evidence_id);

                CREATE TABLE ingest_runs (
                    id                INTEGER PRIMARY KEY,
                    evidence_id       INTEGER NOT NULL REFERENCES evidence(id),
                    collector         TEXT NOT NULL,
                    collector_version TEXT NOT NULL,
                    options           TEXT,
                    started_at        INTEGER NOT NULL,
                    finished_at       INTEGER,
                    status            TEXT NOT NULL DEFAULT 'running'
                                      CHECK (status IN ('running', 'complete', 'incomplete', 'failed')),
                    events            INTEGER NOT NULL DEFAULT 0 CHECK (events >= 0),
                    warnings          INTEGER NOT NULL DEFAULT 0 CHECK (warnings >= 0),
                    note              TEXT
                ) STRICT;
                CREATE INDEX ingest_runs_evidence ON ingest_runs(evidence_id, collector);

                CREATE TABLE events (
                    id            INTEGER PRIMARY KEY,
                    time          INTEGER NOT NULL,
                    recorded_time INTEGER NOT NULL,
                    time_desc     TEXT NOT NULL,
                    domain        TEXT NOT NULL CHECK (domain IN ('it', 'network', 'ot', 'process')),
                    kind          TEXT NOT NULL CHECK (kind <> ''),
                    host          TEXT,
                    asset         TEXT,
                    src_ip        TEXT,
                    src_port      INTEGER CHECK (src_port BETWEEN 0 AND 65535),
                    src_mac       TEXT,
                    dst_ip        TEXT,
                    dst_port      INTEGER CHECK (dst_port BETWEEN 0 AND 65535),
                    dst_mac       TEXT,
                    user          TEXT,
                    message       TEXT NOT NULL,
                    attributes    TEXT CHECK (attributes IS NULL OR json_valid(attributes)),
                    tags          TEXT CHECK (tags IS NULL OR json_valid(tags)),
                    evidence_id   INTEGER NOT NULL REFERENCES evidence(id),
                    collector     TEXT NOT NULL,
                    collector_version TEXT NOT NULL,
                    locator       TEXT NOT NULL,
                    run_id        INTEGER NOT NULL REFERENCES ingest_runs(id)
                ) STRICT;
                CREATE INDEX events_time ON events(time);
                CREATE INDEX events_kind_time ON events(kind, time);
                CREATE INDEX events_asset_time ON events(asset, time);
                CREATE INDEX events_run ON events(run_id);

                CREATE VIRTUAL TABLE events_fts USING fts5(message, content='events', content_rowid='id');

                CREATE TABLE warnings (
                    id          INTEGER PRIMARY KEY,
                    run_id      INTEGER NOT NULL REFERENCES ingest_runs(id),
                    evidence_id INTEGER NOT NULL REFERENCES evidence(id),
                    locator     TEXT NOT NULL,
                    text        TEXT NOT NULL
                ) STRICT;
                CREATE INDEX warnings_run ON warnings(run_id);

                CREATE TABLE series (
                    id          INTEGER PRIMARY KEY,
                    name        TEXT NOT NULL,
                    tag         TEXT NOT NULL,
                    unit        TEXT,
                    description TEXT,
                    asset       TEXT,
                    evidence_id INTEGER NOT NULL REFERENCES evidence(id),
                    UNIQUE (evidence_id, name)
                ) STRICT;

                CREATE TABLE samples (
                    series_id INTEGER NOT NULL REFERENCES series(id),
                    time      INTEGER NOT NULL,
                    value     REAL,
                    text      TEXT,
                    quality   TEXT,
                    run_id    INTEGER NOT NULL REFERENCES ingest_runs(id)
                ) STRICT;
                CREATE INDEX samples_series_time ON samples(series_id, time);
                CREATE INDEX samples_run ON samples(run_id);

                CREATE TABLE assets (
                    id           INTEGER PRIMARY KEY,
                    name         TEXT NOT NULL UNIQUE,
                    role         TEXT NOT NULL DEFAULT 'unknown',
                    purdue_level INTEGER CHECK (purdue_level BETWEEN 0 AND 5),
                    zone         TEXT,
                    addresses    TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(addresses)),
                    hostnames    TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(hostnames)),
                    tag_map      TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tag_map))
                ) STRICT;

                CREATE TABLE findings (
                    id         INTEGER PRIMARY KEY,
                    playbook   TEXT NOT NULL,
                    title      TEXT NOT NULL,
                    severity   TEXT NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
                    summary    TEXT NOT NULL,
                    techniques TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(techniques)),
                    event_ids  TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(event_ids)),
                    created_at INTEGER NOT NULL
                ) STRICT;

                CREATE TABLE custody (
                    seq     INTEGER PRIMARY KEY CHECK (seq >= 1),
                    at      TEXT NOT NULL,
                    actor   TEXT NOT NULL,
                    action  TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    detail  TEXT NOT NULL CHECK (json_valid(detail)),
                    prev    TEXT NOT NULL CHECK (length(prev) = 64),
                    hash    TEXT NOT NULL UNIQUE CHECK (length(hash) = 64)
                ) STRICT;
                CREATE TRIGGER custody_append_only_update BEFORE UPDATE ON custody
                BEGIN SELECT RAISE(ABORT, 'custody is append-only'); END;
                CREATE TRIGGER custody_append_only_delete BEFORE DELETE ON custody
                BEGIN SELECT RAISE(ABORT, 'custody is append-only'); END;
                """)
        }
        m.registerMigration("v2-sample-blocks") { db in
            // Samples are stored in blocks (JikochoModel.SampleBlock): one SQLite row per sample caps ingest near
            // half a million samples a second on this class of machine and costs ~50 bytes a sample. v1's
            // `samples` table was never written by any collector.
            try db.execute(sql: """
                DROP TABLE samples;

                CREATE TABLE sample_blocks (
                    id          INTEGER PRIMARY KEY,
                    series_id   INTEGER NOT NULL REFERENCES series(id),
                    run_id      INTEGER NOT NULL REFERENCES ingest_runs(id),
                    first_time  INTEGER NOT NULL,
                    min_time    INTEGER NOT NULL,
                    max_time    INTEGER NOT NULL CHECK (max_time >= min_time),
                    count       INTEGER NOT NULL CHECK (count > 0),
                    numbers     INTEGER NOT NULL CHECK (numbers BETWEEN 0 AND count),
                    min_value   REAL,
                    max_value   REAL,
                    data        BLOB NOT NULL
                ) STRICT;
                CREATE INDEX sample_blocks_series_time ON sample_blocks(series_id, min_time);
                CREATE INDEX sample_blocks_run ON sample_blocks(run_id);

                ALTER TABLE ingest_runs ADD COLUMN samples INTEGER NOT NULL DEFAULT 0 CHECK (samples >= 0);
                """)
        }
        m.registerMigration("v3-clocks") { db in
            // Clocks: the recorded time at which an offset holds (drift is measured from it) and the estimate's
            // details; assets: the evidence files each asset recorded (whose times are its clock); findings: what
            // a finding rests on in full (a causal chain's steps, links and alternatives).
            try db.execute(sql: """
                ALTER TABLE clocks ADD COLUMN epoch_ns INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE clocks ADD COLUMN detail TEXT CHECK (detail IS NULL OR json_valid(detail));
                ALTER TABLE clocks ADD COLUMN set_at INTEGER;
                ALTER TABLE assets ADD COLUMN evidence TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(evidence));
                ALTER TABLE assets ADD COLUMN description TEXT;
                ALTER TABLE findings ADD COLUMN detail TEXT CHECK (detail IS NULL OR json_valid(detail));
                """)
        }
        m.registerMigration("v4-event-counts") { db in
            // How many events each run holds by domain, kind and second of (corrected) time, and by minute and hour:
            // what the viewer's swimlanes of millions of events are drawn from without reading the events. Kept by
            // ingest runs (seconds as batches are written, minutes and hours when the run completes; since v5 all
            // three as batches are written, seconds only where they compress) and rebuilt for an item whenever its
            // clock moves its events.
            try db.execute(sql: """
                CREATE TABLE event_counts (
                    level   INTEGER NOT NULL CHECK (level IN (0, 1, 2)),
                    slot    INTEGER NOT NULL,
                    run_id  INTEGER NOT NULL REFERENCES ingest_runs(id),
                    domain  TEXT NOT NULL,
                    kind    TEXT NOT NULL,
                    count   INTEGER NOT NULL CHECK (count > 0),
                    PRIMARY KEY (level, slot, run_id, domain, kind)
                ) WITHOUT ROWID, STRICT;
                CREATE INDEX event_counts_run ON event_counts(run_id);
                """)
            for runID in try Int64.fetchAll(db, sql: "SELECT id FROM ingest_runs WHERE status = 'complete' AND events > 0") {
                try EventCounts.rebuild(db, runID: runID)
            }
        }
        m.registerMigration("v5-sparse-seconds") { db in
            // Second counts are kept only where they compress, and minutes and hours as batches are written
            // (`EventCounts`); readers count a minute whose seconds are not whole from its events. A build before
            // this one would take such a minute's seconds for all of it, so it must not open these cases (this
            // migration is what tells it). The second counts of sparse runs made before are dropped: as many rows as
            // events, for nothing.
            for r in try Row.fetchAll(db, sql: """
                SELECT c.run_id AS run, count(*) AS rows, r.events AS events
                FROM event_counts c JOIN ingest_runs r ON r.id = c.run_id WHERE c.level = 0 GROUP BY c.run_id
                """) where !EventCounts.secondsCompress(rows: r["rows"], events: r["events"]) {
                try db.execute(sql: "DELETE FROM event_counts WHERE run_id = ? AND level = 0", arguments: [r["run"] as Int64])
            }
        }
        m.registerMigration("v6-fts-for-bulk-writes") { db in
            // The full-text index is written batch by batch on the ingest writer, the largest part of its work on a
            // log (a million syslog lines: about 6 of its 12 seconds). Two settings halve it, measured on those
            // lines in batches of 10,000:
            // - `columnsize=0`: no per-row size record (a second b-tree insert per message), which only bm25()
            //   ranking reads, and nothing here ranks: 4.4–5.3 s → 3.0–3.2 s. The table is made again for it, and
            //   indexed again from the events (one pass, once).
            // - `automerge` 0: each batch's segment is no longer merged into others a little after every write;
            //   segments merge only when a level holds `crisismerge` (16) of them, so their number stays bounded:
            //   6.3 s → 3.8 s, and searches measured no slower (72 ms before, 78 ms after, six words).
            // A case with many events waits here once (a million messages take a few seconds): say why.
            let events = try Int.fetchOne(db, sql: "SELECT count(*) FROM events") ?? 0
            if events > 0 {
                Case.log.notice("full-text index of the case's messages being made again (once, for this version)",
                                metadata: ["events": "\(events)"])
            }
            try db.execute(sql: """
                DROP TABLE events_fts;
                CREATE VIRTUAL TABLE events_fts USING fts5(message, content='events', content_rowid='id', columnsize=0);
                INSERT INTO events_fts (events_fts) VALUES ('rebuild');
                INSERT INTO events_fts (events_fts, rank) VALUES ('automerge', 0);
                """)
        }
        m.registerMigration("v7-asset-stations") { db in
            // Stations behind an address (`modbus:unit:2`, `dnp3:outstation:10`, `iec104:ca:1`): RTUs behind one
            // serial gateway are assets of their own.
            try db.execute(sql: """
                ALTER TABLE assets ADD COLUMN stations TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(stations));
                """)
        }
        return m
    }
}
