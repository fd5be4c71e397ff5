//! The database schema, as numbered migrations. `PRAGMA user_version` holds the number of the
//! last one applied; opening a workspace applies the missing ones in one transaction, so an
//! upgrade is all or nothing, and a database from a newer qingdan is refused, not guessed at.

/// Each step takes the schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: the first store.
    r#"
    CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value BLOB NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE batches (
        id              INTEGER PRIMARY KEY,
        kind            TEXT NOT NULL,
        started         TEXT NOT NULL,
        finished        TEXT NOT NULL,
        files           TEXT NOT NULL,
        rows_read       INTEGER NOT NULL,
        rows_accepted   INTEGER NOT NULL,
        rows_rejected   INTEGER NOT NULL,
        items_added     INTEGER NOT NULL,
        items_updated   INTEGER NOT NULL,
        items_unchanged INTEGER NOT NULL,
        -- 0 once a later `run` started the workspace afresh; kept, never deleted.
        current         INTEGER NOT NULL DEFAULT 1,
        CHECK (rows_read = rows_accepted + rows_rejected),
        CHECK (rows_accepted = items_added + items_updated + items_unchanged)
    );

    CREATE TABLE rejects (
        batch   INTEGER NOT NULL REFERENCES batches(id),
        seq     INTEGER NOT NULL,
        file    TEXT NOT NULL,
        row     INTEGER NOT NULL,
        field   TEXT NOT NULL,
        reason  TEXT NOT NULL,
        content TEXT NOT NULL,
        PRIMARY KEY (batch, seq)
    ) WITHOUT ROWID;

    CREATE TABLE warnings (
        batch   INTEGER NOT NULL REFERENCES batches(id),
        seq     INTEGER NOT NULL,
        file    TEXT NOT NULL,
        row     INTEGER NOT NULL,
        field   TEXT NOT NULL,
        message TEXT NOT NULL,
        PRIMARY KEY (batch, seq)
    ) WITHOUT ROWID;

    -- One row per accepted item: the fields as the user wrote them, the normalized ones, the
    -- analysis (terms, topics) and the item's place in its merge group.
    CREATE TABLE items (
        seq            INTEGER PRIMARY KEY,
        id             TEXT NOT NULL UNIQUE,
        batch          INTEGER NOT NULL REFERENCES batches(id),
        content_hash   TEXT NOT NULL,
        raw_enterprise TEXT NOT NULL,
        raw_title      TEXT NOT NULL,
        raw_text       TEXT NOT NULL,
        date           TEXT,
        raw_channel    TEXT NOT NULL,
        raw_region     TEXT NOT NULL,
        source_file    TEXT NOT NULL,
        source_row     INTEGER NOT NULL,
        enterprise     TEXT NOT NULL,
        channel        TEXT NOT NULL,
        region         TEXT NOT NULL,
        title          TEXT NOT NULL,
        text           TEXT NOT NULL,
        text_key       INTEGER NOT NULL,
        terms          TEXT NOT NULL,
        topics         TEXT NOT NULL,
        main_topic     TEXT NOT NULL,
        group_id       TEXT NOT NULL,
        similarity     REAL NOT NULL
    );
    CREATE INDEX items_by_group ON items(group_id, id);
    CREATE INDEX items_by_text_key ON items(text_key);

    CREATE TABLE groups (
        id             TEXT PRIMARY KEY,
        representative TEXT NOT NULL,
        size           INTEGER NOT NULL,
        enterprises    INTEGER NOT NULL,
        score          REAL NOT NULL,
        shared_terms   TEXT NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE corrections (
        seq   INTEGER PRIMARY KEY,
        kind  TEXT NOT NULL CHECK (kind IN ('merge', 'split')),
        items TEXT NOT NULL,
        made  TEXT NOT NULL
    );
    "#,
];

/// The schema version this build writes.
pub fn current_version() -> i64 {
    MIGRATIONS.len() as i64
}
