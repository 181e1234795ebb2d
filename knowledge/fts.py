"""The full-text index objects of ``kb_item`` (migration 0014), one definition per database.

Both index the same segmented text (``KbItem.title_terms`` and ``body_terms``, written by the
service) and only the published items:

* SQLite: a contentless FTS5 table ``kb_fts(title_terms, body_terms)`` (rowid = item id, the
  ``unicode61`` tokenizer, which splits on the spaces between our tokens and keeps a run of Han
  characters whole), kept in step by triggers on ``kb_item`` whatever writes the row;
* PostgreSQL: a generated column ``kb_item.tsv`` =
  ``setweight(to_tsvector('simple', title_terms), 'A') || setweight(…body_terms…, 'B')`` (NULL
  unless published) with a GIN index. ``simple`` neither stems nor drops words; the database's
  ``LC_CTYPE`` must be a UTF-8 locale (``C.UTF-8`` or ``zh_CN.UTF-8``) for the parser to keep Han
  words.

PostgreSQL also keeps ``kb_term(term, items)``: per lexeme of ``tsv``, the published items holding
it (migration 0018). Statement-level triggers on ``kb_item`` add the lexemes of the rows a
statement inserted and take away those of the rows it deleted (an update does both, so a
publish, an edit and an unpublish all count), one grouped upsert per statement, terms in
order (two publishes at once lock them in the same order). A term no item holds any more
keeps a row with 0. The GIN index is built without a pending list (``fastupdate = off``):
a write updates the index at once, and a search never scans unmerged entries (a bulk load
left 150 pages of them, read by every query until a vacuum).
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

_PUBLISHED = "'published'"

SQLITE = [
    "CREATE VIRTUAL TABLE kb_fts USING fts5(title_terms, body_terms, content='', "
    "tokenize='unicode61 remove_diacritics 0')",
    # a single trigger per change, so the old tokens leave before the new ones come in
    "CREATE TRIGGER kb_item_fts_insert AFTER INSERT ON kb_item "
    f"WHEN new.state = {_PUBLISHED} BEGIN "
    "INSERT INTO kb_fts(rowid, title_terms, body_terms) "
    "VALUES (new.id, new.title_terms, new.body_terms); END",
    "CREATE TRIGGER kb_item_fts_update AFTER UPDATE ON kb_item "
    f"WHEN old.state = {_PUBLISHED} OR new.state = {_PUBLISHED} BEGIN "
    "INSERT INTO kb_fts(kb_fts, rowid, title_terms, body_terms) "
    f"SELECT 'delete', old.id, old.title_terms, old.body_terms WHERE old.state = {_PUBLISHED}; "
    "INSERT INTO kb_fts(rowid, title_terms, body_terms) "
    f"SELECT new.id, new.title_terms, new.body_terms WHERE new.state = {_PUBLISHED}; END",
    "CREATE TRIGGER kb_item_fts_delete AFTER DELETE ON kb_item "
    f"WHEN old.state = {_PUBLISHED} BEGIN "
    "INSERT INTO kb_fts(kb_fts, rowid, title_terms, body_terms) "
    "VALUES ('delete', old.id, old.title_terms, old.body_terms); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS kb_item_fts_insert",
    "DROP TRIGGER IF EXISTS kb_item_fts_update",
    "DROP TRIGGER IF EXISTS kb_item_fts_delete",
    "DROP TABLE IF EXISTS kb_fts",
]
POSTGRES = [
    "ALTER TABLE kb_item ADD COLUMN tsv tsvector GENERATED ALWAYS AS (CASE WHEN state = "
    f"{_PUBLISHED} THEN setweight(to_tsvector('simple'::regconfig, title_terms), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, body_terms), 'B') END) STORED",
    "CREATE INDEX kb_item_tsv ON kb_item USING gin (tsv)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS kb_item_tsv",
    "ALTER TABLE kb_item DROP COLUMN IF EXISTS tsv",
]


_TERM_DELTA = (
    "INSERT INTO kb_term AS t (term, items) SELECT lexeme, sum(d) FROM ({rows}) c "
    "GROUP BY lexeme HAVING sum(d) <> 0 ORDER BY lexeme "
    "ON CONFLICT (term) DO UPDATE SET items = t.items + excluded.items"
)
_ADDED = "SELECT u.lexeme, 1 AS d FROM new_rows n, unnest(n.tsv) u"
_REMOVED = "SELECT u.lexeme, -1 AS d FROM old_rows o, unnest(o.tsv) u"
_COUNT_ALL = ("INSERT INTO kb_term (term, items) SELECT u.lexeme, count(*) "
              "FROM kb_item k, unnest(k.tsv) u GROUP BY u.lexeme")
POSTGRES_TERMS = [
    "CREATE TABLE kb_term (term text PRIMARY KEY, items integer NOT NULL)",
    "CREATE FUNCTION kb_term_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"IF TG_OP = 'INSERT' THEN {_TERM_DELTA.format(rows=_ADDED)}; "
    f"ELSIF TG_OP = 'DELETE' THEN {_TERM_DELTA.format(rows=_REMOVED)}; "
    f"ELSE {_TERM_DELTA.format(rows=_ADDED + ' UNION ALL ' + _REMOVED)}; "
    "END IF; RETURN NULL; END $$",
    "CREATE TRIGGER kb_term_insert AFTER INSERT ON kb_item REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION kb_term_count()",
    "CREATE TRIGGER kb_term_update AFTER UPDATE ON kb_item REFERENCING OLD TABLE AS old_rows "
    "NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION kb_term_count()",
    "CREATE TRIGGER kb_term_delete AFTER DELETE ON kb_item REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION kb_term_count()",
    _COUNT_ALL,
    "ALTER INDEX kb_item_tsv SET (fastupdate = off)",
    "SELECT gin_clean_pending_list('kb_item_tsv'::regclass)",
]
POSTGRES_TERMS_DROP = [
    "ALTER INDEX kb_item_tsv RESET (fastupdate)",
    "DROP TRIGGER IF EXISTS kb_term_insert ON kb_item",
    "DROP TRIGGER IF EXISTS kb_term_update ON kb_item",
    "DROP TRIGGER IF EXISTS kb_term_delete ON kb_item",
    "DROP FUNCTION IF EXISTS kb_term_count()",
    "DROP TABLE IF EXISTS kb_term",
]


def _sqlite(conn: BaseDBAsyncClient) -> bool:
    return conn.capabilities.dialect == "sqlite"


async def install(conn: BaseDBAsyncClient) -> None:
    for sql in SQLITE if _sqlite(conn) else POSTGRES:
        await conn.execute_query(sql)


async def uninstall(conn: BaseDBAsyncClient) -> None:
    for sql in SQLITE_DROP if _sqlite(conn) else POSTGRES_DROP:
        await conn.execute_query(sql)


async def install_term_counts(conn: BaseDBAsyncClient) -> None:
    if not _sqlite(conn):
        for sql in POSTGRES_TERMS:
            await conn.execute_query(sql)


async def uninstall_term_counts(conn: BaseDBAsyncClient) -> None:
    if not _sqlite(conn):
        for sql in POSTGRES_TERMS_DROP:
            await conn.execute_query(sql)


async def rebuild(conn: BaseDBAsyncClient) -> None:
    """Index every published item afresh (SQLite; PostgreSQL's column is always current, its
    term counts are counted again)."""
    if not _sqlite(conn):
        await conn.execute_query("DELETE FROM kb_term")
        await conn.execute_query(_COUNT_ALL)
        return
    await conn.execute_query("INSERT INTO kb_fts(kb_fts) VALUES ('delete-all')")
    await conn.execute_query(
        "INSERT INTO kb_fts(rowid, title_terms, body_terms) SELECT id, title_terms, "
        f"body_terms FROM kb_item WHERE state = {_PUBLISHED}"
    )
