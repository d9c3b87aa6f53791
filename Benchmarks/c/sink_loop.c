/*
 * The reference for the EventSink benchmark: the plainest fast C loop over sqlite3 inserting the same rows into
 * the same schema with the same settings (WAL, synchronous=FULL, foreign keys on, one prepared statement, one
 * transaction and one ingest_runs update per batch, the batch's messages added to the full-text index in it, as
 * the EventSink does). Rows are read from a TSV file into memory first, so only the
 * inserts are timed, as on the Swift side. Like the EventSink, it binds texts without a copy (SQLITE_STATIC: they
 * stay in memory) and skips the events table's CHECK constraints on its own rows (ignore_check_constraints during
 * the inserts), so that the ratio compares the same work.
 *
 *   sink_loop CASE.sqlite EVENTS.tsv BATCH RUN_ID
 *
 * Prints: "<rows> <seconds>".
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NCOLS 21

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void check(int rc, sqlite3 *db, const char *what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "sink_loop: %s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: sink_loop CASE.sqlite EVENTS.tsv BATCH RUN_ID\n");
        return 2;
    }
    int batch = atoi(argv[3]);
    long long run_id = atoll(argv[4]);
    FILE *f = fopen(argv[2], "r");
    if (!f) { perror(argv[2]); return 1; }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc(size + 1);
    if (fread(text, 1, size, f) != (size_t)size) { perror("read"); return 1; }
    text[size] = 0;
    fclose(f);

    /* Split into rows of NCOLS fields in place; "\N" is NULL. */
    long cap = 1 << 20, rows = 0;
    char **fields = malloc(sizeof(char *) * NCOLS * cap);
    int *lens = malloc(sizeof(int) * NCOLS * cap);
    char *p = text;
    while (*p) {
        if (rows == cap) {
            cap *= 2;
            fields = realloc(fields, sizeof(char *) * NCOLS * cap);
            lens = realloc(lens, sizeof(int) * NCOLS * cap);
        }
        for (int c = 0; c < NCOLS; c++) {
            char *start = p;
            while (*p && *p != '\t' && *p != '\n') p++;
            fields[rows * NCOLS + c] = (p - start == 2 && start[0] == '\\' && start[1] == 'N') ? NULL : start;
            lens[rows * NCOLS + c] = (int)(p - start);
            if (*p) *p++ = 0;
        }
        rows++;
    }

    sqlite3 *db;
    check(sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE, NULL), db, "open");
    check(sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", NULL, NULL,
                       NULL), db, "pragmas");
    const char *sql =
        "INSERT INTO events (time, recorded_time, time_desc, domain, kind, host, asset, src_ip, src_port, src_mac, "
        "dst_ip, dst_port, dst_mac, user, message, attributes, tags, evidence_id, collector, collector_version, "
        "locator, run_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    sqlite3_stmt *st, *upd;
    check(sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL), db, "prepare");
    check(sqlite3_prepare_v2(db, "UPDATE ingest_runs SET events = events + ?, warnings = warnings + 0 WHERE id = ?",
                             -1, &upd, NULL), db, "prepare update");
    sqlite3_stmt *maxid, *fts;
    check(sqlite3_prepare_v2(db, "SELECT coalesce(max(id), 0) FROM events", -1, &maxid, NULL), db, "prepare max");
    check(sqlite3_prepare_v2(db, "INSERT INTO events_fts (rowid, message) SELECT id, message FROM events WHERE id > ?",
                             -1, &fts, NULL), db, "prepare fts");
    static const int integer_col[NCOLS] = {1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0};

    double t0 = now();
    for (long r = 0; r < rows;) {
        check(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), db, "begin");
        long end = r + batch < rows ? r + batch : rows;
        check(sqlite3_step(maxid), db, "max id");
        sqlite3_int64 before = sqlite3_column_int64(maxid, 0);
        sqlite3_reset(maxid);
        check(sqlite3_exec(db, "PRAGMA ignore_check_constraints = ON", NULL, NULL, NULL), db, "checks off");
        for (; r < end; r++) {
            for (int c = 0; c < NCOLS; c++) {
                char *v = fields[r * NCOLS + c];
                if (!v) sqlite3_bind_null(st, c + 1);
                else if (integer_col[c]) sqlite3_bind_int64(st, c + 1, atoll(v));
                else sqlite3_bind_text(st, c + 1, v, lens[r * NCOLS + c], SQLITE_STATIC);
            }
            sqlite3_bind_int64(st, 22, run_id);
            check(sqlite3_step(st), db, "insert");
            sqlite3_reset(st);
        }
        check(sqlite3_exec(db, "PRAGMA ignore_check_constraints = OFF", NULL, NULL, NULL), db, "checks on");
        sqlite3_bind_int64(fts, 1, before);
        check(sqlite3_step(fts), db, "full-text index");
        sqlite3_reset(fts);
        sqlite3_bind_int64(upd, 1, batch);
        sqlite3_bind_int64(upd, 2, run_id);
        check(sqlite3_step(upd), db, "update");
        sqlite3_reset(upd);
        check(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), db, "commit");
    }
    double secs = now() - t0;
    printf("%ld %.6f\n", rows, secs);
    sqlite3_finalize(st);
    sqlite3_finalize(upd);
    sqlite3_finalize(maxid);
    sqlite3_finalize(fts);
    sqlite3_close(db);
    return 0;
}
