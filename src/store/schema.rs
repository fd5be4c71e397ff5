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
    // 2: the closed loop — past answers read with items, the event log, reply and rating imports.
    r#"
    ALTER TABLE items ADD COLUMN answer_text   TEXT NOT NULL DEFAULT '';
    ALTER TABLE items ADD COLUMN answer_date   TEXT;
    ALTER TABLE items ADD COLUMN answer_unit   TEXT NOT NULL DEFAULT '';
    ALTER TABLE items ADD COLUMN answer_result TEXT NOT NULL DEFAULT '';

    -- Append-only: a mistake is undone by a later event, never by an edit (the triggers refuse).
    -- `item` is not a foreign key: a matter's history outlives a later `run` that drops its item.
    CREATE TABLE events (
        seq      INTEGER PRIMARY KEY,
        item     TEXT NOT NULL,
        grp      TEXT,
        kind     TEXT NOT NULL,
        day      TEXT NOT NULL,
        recorded TEXT NOT NULL,
        actor    TEXT NOT NULL,
        data     TEXT NOT NULL,
        note     TEXT NOT NULL,
        source   TEXT
    );
    CREATE INDEX events_by_item ON events(item, seq);
    CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
    CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;

    -- One row per imported assignment, reply or rating sheet, with its counts; rows that did not apply are kept.
    CREATE TABLE imports (
        id            INTEGER PRIMARY KEY,
        kind          TEXT NOT NULL CHECK (kind IN ('assignments', 'replies', 'ratings')),
        started       TEXT NOT NULL,
        finished      TEXT NOT NULL,
        file          TEXT NOT NULL,
        rows_read     INTEGER NOT NULL,
        rows_accepted INTEGER NOT NULL,
        rows_rejected INTEGER NOT NULL,
        rows_applied  INTEGER NOT NULL,
        rows_unchanged INTEGER NOT NULL,
        -- A reply to a merge group writes one event per member.
        events_added  INTEGER NOT NULL,
        CHECK (rows_read = rows_accepted + rows_rejected),
        CHECK (rows_accepted = rows_applied + rows_unchanged)
    );
    CREATE TABLE import_rejects (
        import  INTEGER NOT NULL REFERENCES imports(id),
        seq     INTEGER NOT NULL,
        file    TEXT NOT NULL,
        row     INTEGER NOT NULL,
        field   TEXT NOT NULL,
        reason  TEXT NOT NULL,
        content TEXT NOT NULL,
        PRIMARY KEY (import, seq)
    ) WITHOUT ROWID;
    "#,
    // 3: the workbench — accounts, the audit log of every change with who made it, and the
    // indexes its pages read in order (paging at 1M items without sorting them).
    r#"
    CREATE TABLE accounts (
        name     TEXT PRIMARY KEY,
        role     TEXT NOT NULL CHECK (role IN ('分析员', '承办单位', '只读')),
        unit     TEXT NOT NULL,
        password TEXT NOT NULL,
        created  TEXT NOT NULL
    ) WITHOUT ROWID;

    -- Append-only, like the event log: who changed what, written in the change's transaction.
    CREATE TABLE audit (
        seq      INTEGER PRIMARY KEY,
        recorded TEXT NOT NULL,
        actor    TEXT NOT NULL,
        action   TEXT NOT NULL,
        detail   TEXT NOT NULL
    );
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

    CREATE INDEX groups_by_enterprises ON groups(enterprises DESC, size DESC, id);
    CREATE INDEX groups_by_size ON groups(size DESC, enterprises DESC, id);
    -- Covers the per-enterprise counts (items, groups) without reading the rows.
    CREATE INDEX items_by_enterprise ON items(enterprise, group_id);
    "#,
    // 4: terms stored as numbers. `term_names` numbers every term the items have; from here on
    // `items.terms` holds an item's term numbers in text order as LEB128 varints (a BLOB, which
    // the column's TEXT affinity keeps as it is). The store rewrites the text terms of earlier
    // items in the same transaction (`terms::number_text_terms`).
    r#"
    CREATE TABLE term_names (
        id   INTEGER PRIMARY KEY,
        name TEXT NOT NULL
    );
    "#,
];

/// The version from which items' terms are stored as numbers.
pub const TERMS_AS_NUMBERS: i64 = 4;

/// The schema version this build writes.
pub fn current_version() -> i64 {
    MIGRATIONS.len() as i64
}
