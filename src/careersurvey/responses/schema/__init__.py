"""The response store's schema as numbered migrations, applied in order inside one transaction each.

A store records the versions applied in ``schema_version``; opening a store applies the missing ones
(never edits an applied one). To change the schema, append a migration: never rewrite history.

Reading the store directly (``duckdb store.duckdb``, or ``duckdb.connect(path, read_only=True)``):
every table and column carries its meaning as a comment since schema version 3 (``SELECT table_name,
comment FROM duckdb_tables()``; ``SELECT column_name, comment FROM duckdb_columns() WHERE table_name =
'imports'``). The tables: ``imports`` (the ledger, one row per file), ``respondents`` (one row per data
row, accepted or quarantined), one wide answer table per questionnaire version (``answer_tables``
names it, e.g. ``answers_stem_careers_1_0_0``; clean values, joined on ``import_id, row_no``),
``problems`` (quarantine reasons and warnings), ``raw_cells`` (cells as written, where they differ from
the clean value), ``repeat_cells``, ``questionnaire_columns``; and the view ``rows_overview``. Since schema version 4 every import and every
row carries its ``wave`` (a respondent id is unique within a wave; the same person may answer in several
waves). Examples::

    SELECT file_name, rows_in, accepted, quarantined, warnings FROM imports ORDER BY import_id;
    SELECT * FROM rows_overview WHERE status = 'quarantined';
    SELECT row_no, col, value, message FROM problems WHERE import_id = 1 ORDER BY row_no;
    SELECT r.wave, r.respondent_id, a.role, a.hours_week FROM respondents r
      JOIN answers_stem_careers_1_0_0 a USING (import_id, row_no) WHERE r.status = 'accepted';
    SELECT wave, count(*) FROM respondents WHERE status = 'accepted' GROUP BY wave;

Value labels are not stored: they come from the questionnaire (``load_responses`` and the exports
apply them). Open a store only read-only while an import may be running.
"""

from __future__ import annotations

from typing import NamedTuple


class Migration(NamedTuple):
    """One schema step: its number, what it changes, and the SQL. ``needs``: a value the user must name for a
    store that already holds rows (``"wave"``: the wave of every earlier import), put into ``sql`` as ``{wave}``."""

    version: int
    description: str
    sql: str
    needs: str | None = None


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


def comments_sql(tables: dict[str, tuple[str, dict[str, str]]]) -> str:
    """``COMMENT ON`` statements: each table's and column's meaning, kept inside the store file itself."""
    def text(t: str) -> str:
        return "'" + t.replace("'", "''") + "'"

    def name(n: str) -> str:
        return '"' + n.replace('"', '""') + '"'

    out = []
    for table, (about, columns) in tables.items():
        out.append(f"COMMENT ON TABLE {name(table)} IS {text(about)};")
        out += [f"COMMENT ON COLUMN {name(table)}.{name(col)} IS {text(what)};" for col, what in columns.items()]
    return "\n".join(out)


#: What each fixed table and column means, as a person querying the file needs it (migration 3).
TABLE_DOCS: dict[str, tuple[str, dict[str, str]]] = {
    "schema_version": ("Migrations applied to this store, one row each; the highest is the schema version.", {
        "version": "Migration number.", "description": "What the migration changed.",
        "applied_at": "When it was applied (UTC)."}),
    "imports": ("The ledger: one row per imported file content. A file whose sha256 is already here is not "
                "imported again.", {
        "import_id": "Number of the import, 1, 2, ... in the order files came in.",
        "file_name": "File name without folders, as given to `responses import`.",
        "file_path": "Path as given to `responses import`.",
        "sha256": "SHA-256 of the file's bytes: the same content is never imported twice.",
        "size_bytes": "File size in bytes.",
        "kind": "How the file was read: template (our entry template), kobo (KoboToolbox/ODK export), csv, sheet.",
        "sheet": "Sheet the rows came from (NULL for csv).",
        "encoding": "csv only: the text encoding used to read it (utf-8-sig or cp949).",
        "questionnaire_id": "Questionnaire the file answers (e.g. stem-careers).",
        "questionnaire_version": "Newest questionnaire version among the file's rows.",
        "content_hash": "Content hash of that questionnaire version, as `careersurvey questionnaire` shows it.",
        "rows_in": "Data rows read from the file (= accepted + quarantined).",
        "accepted": "Rows that passed validation: the analysis data.",
        "quarantined": "Rows kept apart because of a problem of severity quarantine (see table problems).",
        "warnings": "Problems of severity warning (rows accepted, note kept).",
        "imported_at": "When the import was committed (UTC).",
        "tool_version": "careersurvey version that imported the file.",
        "questionnaire_title": "Title of the questionnaire in its first language.",
    }),
    "respondents": ("One row per data row of every imported file, accepted or quarantined. Join to the answer "
                    "table of its questionnaire_version on (import_id, row_no).", {
        "import_id": "The import (table imports) the row came with.",
        "row_no": "Row number a person sees: the sheet row in Excel, or the record number of a csv (header = 1).",
        "respondent_id": "Respondent id as text (leading zeros kept); NULL if the cell was empty.",
        "status": "accepted (analysis data) or quarantined (kept apart; reasons in table problems).",
        "questionnaire_version": "Questionnaire version the row was validated against.",
        "form_version": "The export's own form version (KoboToolbox __version__), if any.",
    }),
    "answer_tables": ("Which wide answer table holds the clean values of each questionnaire version.", {
        "questionnaire_id": "Questionnaire id.", "questionnaire_version": "Questionnaire version.",
        "table_name": "Name of the answer table, answers_<id>_<version> (e.g. answers_stem_careers_1_0_0).",
    }),
    "raw_cells": ("Cells as written in the file, wherever they differ from the clean value: text in number "
                  "cells, labels typed for codes, every non-empty cell of text/date items and of quarantined "
                  "rows, and all cells of columns that are no item.", {
        "import_id": "The import (table imports).", "row_no": "Row of the file (as respondents.row_no).",
        "col": "Data column (e.g. role, ai_kind_3), or '@' + the file's header for a column that is no item "
               "(unknown, system or space-separated multiple-choice columns).",
        "raw": "The cell as text, as the file held it.",
    }),
    "repeat_cells": ("Repeat groups of KoboToolbox/ODK exports, cell by cell as text (no item of the "
                     "questionnaire holds them).", {
        "import_id": "The import (table imports).", "sheet": "Sheet of the repeat group.",
        "row_no": "Row of that sheet.", "col": "Column header in that sheet.", "raw": "The cell as text."}),
    "problems": ("Every problem found on import: the reasons rows were quarantined, and warnings. "
                 "`careersurvey responses problems` lists them.", {
        "import_id": "The import (table imports).", "file": "File as given to `responses import`.",
        "sheet": "Sheet of the file (NULL for csv).",
        "row_no": "Row of the file (as in respondents.row_no); NULL for a problem of the whole file or column.",
        "col": "Column header in the file the problem is in, if any.",
        "item": "Questionnaire item concerned, if any.",
        "value": "The offending value as text.",
        "rule": "Rule broken (catalogue in careersurvey.responses.problems.RULES).",
        "severity": "quarantine (the row is kept apart) or warning (the row is accepted).",
        "message": "What is wrong and what to do.",
    }),
    "questionnaire_columns": ("The data columns of each questionnaire version seen, in order, so versions can "
                              "be harmonised without the questionnaire files.", {
        "questionnaire_id": "Questionnaire id.", "questionnaire_version": "Questionnaire version.",
        "col": "Data column name (a multiple-choice item has one 0/1 column <item>_<code> per choice).",
        "item": "Item the column belongs to.",
        "type": "Item type: single, multiple, rating, integer, decimal, text, date.",
        "position": "Order of the column in the version (0 = first).",
    }),
}

ROWS_VIEW = """
-- One row per data row with where it came from and how many problems it has: the first place to look.
CREATE VIEW rows_overview AS
SELECT r.import_id, i.file_name, i.sheet, r.row_no, r.respondent_id, r.status, r.questionnaire_version,
       (SELECT count(*) FROM problems p WHERE p.import_id = r.import_id AND p.row_no = r.row_no
        AND p.severity = 'quarantine') AS quarantine_reasons,
       (SELECT count(*) FROM problems p WHERE p.import_id = r.import_id AND p.row_no = r.row_no
        AND p.severity = 'warning') AS warnings
FROM respondents r JOIN imports i USING (import_id);
COMMENT ON VIEW rows_overview IS 'One row per data row: file, sheet, row, respondent id, status, and its number of quarantine reasons and warnings (details in table problems).';
"""

MIGRATIONS = MIGRATIONS + (
    Migration(3, "the schema documented inside the file (table and column comments); view rows_overview",
              comments_sql(TABLE_DOCS) + "\n" + ROWS_VIEW),
)

WAVES_SQL = """
-- Schema version 4: waves. Every import belongs to one wave, named on import (`--wave 2026`); a respondent id
-- is unique within a wave, and the same person may answer in several. The rows already stored get the wave the
-- user names on migrating (`careersurvey responses migrate --store S --wave 2025`). One transaction: the
-- columns are added with that wave as their default (no row is rewritten), the default is then dropped.
DROP VIEW rows_overview;
DROP INDEX respondents_by_id;
ALTER TABLE imports ADD COLUMN wave VARCHAR DEFAULT {wave};
ALTER TABLE imports ALTER COLUMN wave DROP DEFAULT;
ALTER TABLE imports ALTER COLUMN wave SET NOT NULL;
ALTER TABLE respondents ADD COLUMN wave VARCHAR DEFAULT {wave};
ALTER TABLE respondents ALTER COLUMN wave DROP DEFAULT;
ALTER TABLE respondents ALTER COLUMN wave SET NOT NULL;
CREATE INDEX respondents_by_wave_id ON respondents (wave, respondent_id);
COMMENT ON COLUMN imports.wave IS 'Wave the file belongs to, as named on import (--wave); every row of the file is in it.';
COMMENT ON COLUMN respondents.wave IS 'Wave of the row (its import''s wave): a respondent id is unique within a wave, the same person may answer in several waves.';
""" + ROWS_VIEW.replace("r.respondent_id, r.status", "r.wave, r.respondent_id, r.status").replace(
    "One row per data row: file", "One row per data row: wave, file")

MIGRATIONS = MIGRATIONS + (
    Migration(4, "waves: every import and row belongs to a wave; ids unique within a wave", WAVES_SQL, needs="wave"),
)

#: The schema version this code writes.
CURRENT = MIGRATIONS[-1].version
