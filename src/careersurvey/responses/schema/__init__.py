"""The response store's schema as numbered migrations, applied in order inside one transaction each.

A store records the versions applied in ``schema_version``; opening a store applies the missing ones
(never edits an applied one). To change the schema, append a migration: never rewrite history.
"""

from __future__ import annotations

from typing import NamedTuple


class Migration(NamedTuple):
    version: int
    description: str
    sql: str


SCHEMA_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_version (
    version     INTEGER PRIMARY KEY,
    description VARCHAR NOT NULL,
    applied_at  TIMESTAMP NOT NULL
);
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "ledger, respondents, answer tables, raw cells, repeat cells, problems, questionnaire columns", """
-- Response store, schema version 1. One DuckDB file per survey program (or per fieldwork wave).
-- Every import is one transaction: one `imports` (ledger) row, its respondents, answers, raw cells and problems.

CREATE SEQUENCE import_id_seq START 1;

-- The ledger: one row per imported file content (sha256 is unique: re-importing adds nothing).
CREATE TABLE imports (
    import_id             INTEGER PRIMARY KEY,
    file_name             VARCHAR NOT NULL,     -- base name as given
    file_path             VARCHAR,              -- path as given on import
    sha256                VARCHAR NOT NULL UNIQUE,
    size_bytes            BIGINT NOT NULL,
    kind                  VARCHAR NOT NULL,     -- template | kobo | csv | sheet
    sheet                 VARCHAR,
    encoding              VARCHAR,              -- csv only: utf-8-sig | cp949
    questionnaire_id      VARCHAR NOT NULL,
    questionnaire_version VARCHAR NOT NULL,     -- newest version among the file's rows
    content_hash          VARCHAR,              -- of that questionnaire version
    rows_in               INTEGER NOT NULL,
    accepted              INTEGER NOT NULL,
    quarantined           INTEGER NOT NULL,
    warnings              INTEGER NOT NULL,
    imported_at           TIMESTAMP NOT NULL,   -- UTC
    tool_version          VARCHAR NOT NULL
);

-- One row per data row of a file: accepted into the analysis data, or quarantined with its problems.
CREATE TABLE respondents (
    import_id             INTEGER NOT NULL,
    row_no                INTEGER NOT NULL,     -- 1-based row of the sheet (line record of a csv)
    respondent_id         VARCHAR,
    status                VARCHAR NOT NULL CHECK (status IN ('accepted', 'quarantined')),
    questionnaire_version VARCHAR NOT NULL,     -- the version the row was validated against
    form_version          VARCHAR               -- the export's own version id (KoboToolbox __version__)
);

-- Clean values live in one wide table per questionnaire version, made on first import of that version
-- (see `answer_tables`; columns: import_id, row_no, then one column per data column of the version:
-- DOUBLE for codes, numbers, 0/1 and missing codes; for text and date items a VARCHAR column with the
-- text or ISO date and a DOUBLE column "<item>@code" with its missing code). Wide tables are what
-- analysis reads, column by column.
CREATE TABLE answer_tables (
    questionnaire_id      VARCHAR NOT NULL,
    questionnaire_version VARCHAR NOT NULL,
    table_name            VARCHAR NOT NULL UNIQUE,
    PRIMARY KEY (questionnaire_id, questionnaire_version)
);

-- Cells as written, wherever they are not exactly the clean value: text typed into number cells
-- ("034", " 3 "), unparsable cells, labels given for codes, every non-empty cell of text and date items
-- and of quarantined rows, and the cells of unknown and system columns (`col` = '@' + header).
CREATE TABLE raw_cells (
    import_id INTEGER NOT NULL,
    row_no    INTEGER NOT NULL,
    col       VARCHAR NOT NULL,
    raw       VARCHAR NOT NULL
);

-- Repeat groups of KoboToolbox/ODK exports, kept as raw text (the questionnaire model has no repeats).
CREATE TABLE repeat_cells (
    import_id INTEGER NOT NULL,
    sheet     VARCHAR NOT NULL,
    row_no    INTEGER NOT NULL,
    col       VARCHAR NOT NULL,
    raw       VARCHAR
);

-- Every problem found (quarantine reasons and warnings), as the catalogue in problems.py words them.
CREATE TABLE problems (
    import_id INTEGER NOT NULL,
    file      VARCHAR NOT NULL,
    sheet     VARCHAR,
    row_no    INTEGER,
    col       VARCHAR,
    item      VARCHAR,
    value     VARCHAR,
    rule      VARCHAR NOT NULL,
    severity  VARCHAR NOT NULL,
    message   VARCHAR NOT NULL
);

-- The data columns of each questionnaire version seen, so that versions can be harmonised later
-- without the old questionnaire file (an item absent from a version is "not asked", -6).
CREATE TABLE questionnaire_columns (
    questionnaire_id      VARCHAR NOT NULL,
    questionnaire_version VARCHAR NOT NULL,
    col                   VARCHAR NOT NULL,
    item                  VARCHAR NOT NULL,
    type                  VARCHAR NOT NULL,
    position              INTEGER NOT NULL,
    PRIMARY KEY (questionnaire_id, questionnaire_version, col)
);
"""),
    Migration(2, "index on respondent ids; questionnaire title in the ledger", """
-- Schema version 2: an index for the duplicate-respondent check across imports, and the
-- questionnaire title kept in the ledger for status listings.
CREATE INDEX respondents_by_id ON respondents (respondent_id);
ALTER TABLE imports ADD COLUMN questionnaire_title VARCHAR;
"""),
)

#: The schema version this code writes.
CURRENT = MIGRATIONS[-1].version
