"""The query guard: only ONE read-only statement ever reaches a database.

The SQL is parsed with sqlglot, the root must be a query (SELECT, UNION/INTERSECT/EXCEPT,
VALUES, WITH ... SELECT), and the WHOLE tree is walked: a data change or a statement hiding
anywhere (a writable CTE, ``SELECT ... INTO``, ``FOR UPDATE``), anything sqlglot could only
keep as raw text (``exp.Command``), a parameter placeholder or a call to a function in
:data:`DENIED_FUNCTIONS` is refused. What runs is the SQL regenerated from the checked tree,
never the raw text, so comments (MySQL's executable ``/*! ... */`` too) never reach the
database; the regenerated SQL is parsed and checked once more, so what runs is what passed.

    >>> check_query("select name from users -- newest first").sql
    'SELECT name FROM users'
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ErrorLevel, ParseError, SqlglotError

from exporters.errors import QueryRejected

__all__ = [
    "DENIED_FUNCTIONS",
    "DENIED_PREFIXES",
    "MAX_SQL_CHARS",
    "CheckedQuery",
    "check_query",
    "is_denied_function",
    "tables_in",
]

# sqlglot logs a warning when it falls back to exp.Command; we refuse those ourselves, and
# without a handler Python's last-resort handler would print a stray line on stderr.
logging.getLogger("sqlglot").addHandler(logging.NullHandler())

MAX_SQL_CHARS = 100_000
_ONLY_SELECT = "only read-only SELECT queries can run"

DENIED_FUNCTIONS: frozenset[str] = frozenset(
    {
        # SQLite and its shell: load native code, touch files, run SQL text.
        "load_extension", "writefile", "readfile", "edit", "fts3_tokenizer", "zipfile",
        "fsdir", "eval", "sha3_query", "sqlite_compileoption_get", "sqlite_compileoption_used",
        # PostgreSQL: read the server's files and directories.
        "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_stat_file", "pg_logdir_ls",
        # PostgreSQL large objects: import/export server files, write objects.
        "lo_import", "lo_export", "lo_create", "lo_unlink", "lo_put", "lo_from_bytea",
        "loread", "lowrite",
        # PostgreSQL: run a SQL string (possibly a writing one) behind the guard's back.
        "query_to_xml", "query_to_xml_and_xmlschema", "query_to_xmlschema", "cursor_to_xml",
        "ts_stat", "ts_rewrite", "dblink", "dblink_exec", "crosstab", "connectby",
        # PostgreSQL: writes or session state that outlives the query on a pooled connection.
        "nextval", "setval", "set_config", "pg_notify", "txid_current", "pg_current_xact_id",
        "pg_advisory_lock", "pg_advisory_xact_lock", "pg_try_advisory_lock",
        "pg_import_system_collations", "brin_summarize_new_values", "brin_summarize_range",
        "brin_desummarize_range", "gin_clean_pending_list", "pg_truncate_visibility_map",
        "pg_stat_statements_reset", "pg_switch_wal", "pg_switch_xlog", "pg_start_backup",
        "pg_stop_backup", "pg_promote", "pg_sync_replication_slots",
        "pg_log_backend_memory_contexts", "pg_log_standby_snapshot",
        # PostgreSQL: stall, signal or reconfigure the server.
        "pg_sleep", "pg_sleep_for", "pg_sleep_until", "pg_terminate_backend",
        "pg_cancel_backend", "pg_reload_conf", "pg_rotate_logfile", "pg_rotate_logfile_old",
        # Other engines, for the same code path: MySQL, DuckDB.
        "load_file", "sleep", "benchmark", "get_lock", "release_lock", "release_all_locks",
        "sys_exec", "sys_eval", "getenv", "parquet_scan", "query", "query_table",
    }
)  # fmt: skip
"""Functions no query may call (lower case). ``current_setting`` is deliberately allowed: it
only reads a setting, the same facts ``SELECT * FROM pg_settings`` shows to any role."""

DENIED_PREFIXES: tuple[str, ...] = (
    "lo_", "dblink", "pg_sleep", "pg_advisory", "pg_try_advisory", "txid_", "copy_",
    "pg_read_", "pg_ls_", "pg_file_", "pg_stat_reset", "pg_create_", "pg_drop_", "pg_copy_",
    "pg_replication_", "pg_logical_", "pg_wal_replay", "pg_xlog_replay", "pg_backup_",
    "binary_upgrade_", "query_to_xml", "cursor_to_xml", "table_to_xml", "schema_to_xml",
    "database_to_xml", "crosstab", "pg_background", "sqlite_compileoption", "read_",
)  # fmt: skip
"""Families of denied functions, matched on the start of the name (``dblink_connect`` ...)."""

# Statements and clauses refused wherever they appear in the tree, by sqlglot class name
# (looked up by name so an older or newer sqlglot without one of them still works).
_DENIED_NODES: dict[str, str] = {
    "DML": "a data change", "DDL": "a schema change", "Insert": "INSERT",
    "Update": "UPDATE", "Delete": "DELETE", "Merge": "MERGE", "Copy": "COPY",
    "Create": "CREATE", "Drop": "DROP", "Alter": "ALTER", "AlterSession": "ALTER SESSION",
    "TruncateTable": "TRUNCATE", "Returning": "RETURNING", "OnConflict": "ON CONFLICT",
    "MultitableInserts": "INSERT", "Into": "SELECT ... INTO", "Lock": "FOR UPDATE/FOR SHARE",
    "LockingStatement": "LOCKING", "Transaction": "BEGIN", "Commit": "COMMIT",
    "Rollback": "ROLLBACK", "Pragma": "PRAGMA", "Attach": "ATTACH", "Detach": "DETACH",
    "Analyze": "ANALYZE", "Set": "SET", "Use": "USE", "Grant": "GRANT", "Revoke": "REVOKE",
    "Comment": "COMMENT", "Cache": "CACHE", "Uncache": "UNCACHE", "Refresh": "REFRESH",
    "Kill": "KILL", "Describe": "DESCRIBE", "Show": "SHOW", "Summarize": "SUMMARIZE",
    "Execute": "EXECUTE", "ExecuteSql": "EXECUTE", "Declare": "DECLARE",
    "LoadData": "LOAD DATA", "Export": "EXPORT", "Install": "INSTALL", "Put": "PUT",
    "Get": "GET", "SwapTable": "SWAP", "Undrop": "UNDROP", "StoredProcedure": "a procedure",
    "Block": "a procedural block", "IfBlock": "IF", "WhileBlock": "WHILE",
    "LoopBlock": "LOOP", "RepeatBlock": "REPEAT", "ForIn": "FOR", "Return": "RETURN",
    "Leave": "LEAVE", "Iterate": "ITERATE", "Disconnect": "DISCONNECT",
    "Directory": "DIRECTORY", "Hint": "an optimizer hint", "Command": "a command",
}  # fmt: skip
_DENIED_TYPES: tuple[type[exp.Expression], ...] = tuple(
    getattr(exp, name) for name in _DENIED_NODES if hasattr(exp, name)
)
_ALLOWED_ROOTS = (exp.Select, exp.SetOperation, exp.Values, exp.Subquery)


@dataclass(frozen=True)
class CheckedQuery:
    sql: str  # regenerated from the checked tree: this, never the raw text, is executed
    tree: exp.Expression
    dialect: str

    @property
    def tables(self) -> list[str]:
        """Tables the query reads (CTE names and table functions left out)."""
        ctes = {cte.alias_or_name for cte in self.tree.find_all(exp.CTE)}
        return sorted(
            {
                t.name
                for t in self.tree.find_all(exp.Table)
                if isinstance(t.this, exp.Identifier) and t.name not in ctes
            }
        )


def is_denied_function(name: str) -> bool:
    """True when ``name`` (any case, optionally quoted or schema-qualified) may not be called."""
    bare = name.strip().rsplit(".", 1)[-1].strip('"`[] ').lower()
    return bare in DENIED_FUNCTIONS or bare.startswith(DENIED_PREFIXES)


def check_query(sql: str, dialect: str = "sqlite") -> CheckedQuery:
    """Return the query rebuilt from its checked tree, or raise QueryRejected saying why."""
    if len(sql) > MAX_SQL_CHARS:
        raise QueryRejected(
            f"the query is {len(sql):,} characters long; the limit is {MAX_SQL_CHARS:,}"
        )
    if "\x00" in sql:
        raise QueryRejected("the query contains a NUL character; remove it")
    tree = _parse_one(sql, dialect)
    _check_tree(tree, sql, dialect)
    regenerated = _generate(tree, dialect)
    # What runs must pass too: a generator quirk must never turn a checked tree into
    # something else (sqlglot writes SQLite's `SELECT ... INTO t` as CREATE TABLE, say).
    try:
        again = _parse_one(regenerated, dialect)
    except QueryRejected:
        raise QueryRejected(
            f"the query is refused: it cannot be rewritten safely for {dialect}; simplify it"
        ) from None
    _check_tree(again, regenerated, dialect)
    return CheckedQuery(regenerated, tree, dialect)


def tables_in(sql: str, dialect: str = "sqlite") -> list[str]:
    """Table names a query reads, or [] when it cannot be parsed (used for titles)."""
    try:
        return check_query(sql, dialect).tables
    except QueryRejected:
        return []


def _parse_one(sql: str, dialect: str) -> exp.Expression:
    try:
        parsed = sqlglot.parse(sql, read=dialect)
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        where = f" at line {first.get('line')}, column {first.get('col')}" if first else ""
        what = first.get("description") or "invalid syntax"
        raise QueryRejected(
            f"the query could not be parsed as {dialect} SQL: {what}{where}"
        ) from None
    except SqlglotError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else "invalid syntax"
        raise QueryRejected(f"the query could not be parsed as {dialect} SQL: {reason}") from None
    except RecursionError:
        raise QueryRejected("the query is nested too deeply to check; simplify it") from None
    statements = [
        s for s in parsed if isinstance(s, exp.Expression) and not isinstance(s, exp.Semicolon)
    ]
    if not statements:
        empty = "only comments" if sql.replace(";", "").strip() else "empty"
        raise QueryRejected(f"the query is {empty}; write one SELECT statement")
    if len(statements) > 1:
        kinds = ", ".join(_statement_label(s, "") or s.key.upper() for s in statements)
        raise QueryRejected(
            f"the query is refused: it has {len(statements)} statements ({kinds}); "
            "send exactly one SELECT"
        )
    tree = statements[0]
    while isinstance(tree, exp.Subquery) and isinstance(tree.this, exp.Expression):
        if not _only_wraps(tree):
            break
        tree = tree.this  # `((SELECT 1))` runs as `SELECT 1`, which SQLite also accepts
    return tree


def _check_tree(tree: exp.Expression, sql: str, dialect: str) -> None:
    """Refuse the first thing in the tree that is not part of a read-only query."""
    if not isinstance(tree, _ALLOWED_ROOTS):
        what = _statement_label(tree, _first_word(sql, dialect))
        _refuse(f"it contains {what}" if what else "it is not a SELECT statement")
    for node in tree.walk():
        if isinstance(node, _DENIED_TYPES):
            _refuse(f"it contains {_statement_label(node, '')}")
        if _is_placeholder(node):
            raise QueryRejected(
                "the query is refused: it has a parameter placeholder (like ? or :name); "
                "write the value into the query"
            )
        if isinstance(node, exp.Func):
            for name in _function_names(node):
                if is_denied_function(name):
                    raise QueryRejected(
                        f"the query is refused: it calls {name.lower()}(), which is not allowed"
                    )


def _generate(tree: exp.Expression, dialect: str) -> str:
    try:
        return tree.sql(
            dialect=dialect,
            comments=False,
            normalize_functions=False,
            unsupported_level=ErrorLevel.RAISE,
        )
    except SqlglotError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else "unsupported syntax"
        raise QueryRejected(
            f"the query is refused: {dialect} cannot run it as written ({reason})"
        ) from None
    except RecursionError:
        raise QueryRejected("the query is nested too deeply to check; simplify it") from None


def _refuse(reason: str) -> None:
    raise QueryRejected(f"the query is refused: {reason}; {_ONLY_SELECT}")


def _statement_label(node: exp.Expression, first_word: str) -> str:
    """A short name for a statement or clause, as the person wrote it where possible."""
    if isinstance(node, exp.Command):
        return str(node.this).upper() or "a command"
    if isinstance(node, exp.Lock):
        return "FOR UPDATE" if node.args.get("update") else "FOR SHARE"
    label = _DENIED_NODES.get(type(node).__name__)
    if label is None and isinstance(node, _DENIED_TYPES):
        label = node.key.upper()
    return label or first_word


def _first_word(sql: str, dialect: str) -> str:
    """The statement's first keyword (SAVEPOINT, LISTEN ...) for statements sqlglot misreads."""
    try:
        tokens = Dialect.get_or_raise(dialect).tokenize(sql)
    except SqlglotError:
        return ""
    word = tokens[0].text.upper() if tokens else ""
    return word if word.replace("_", "").isalpha() else ""


def _function_names(node: exp.Func) -> list[str]:
    """Every name a call may go by: as written for unknown functions, else sqlglot's names."""
    names = [name for name in type(node).sql_names() if name != "ANONYMOUS"]
    if isinstance(node.this, str):
        names.append(node.this)
    elif isinstance(node, exp.Anonymous | exp.AnonymousAggFunc):
        names.append(node.name)  # a quoted name: "load_extension"('x')
    return names


def _is_placeholder(node: object) -> bool:
    """`?`, `:name`, `$1`; SQLite's `$name`/`@name` come back as bare identifiers."""
    if isinstance(node, exp.Placeholder | exp.Parameter):
        return True
    return isinstance(node, exp.Identifier) and not node.quoted and node.name[:1] in ("$", "@")


def _only_wraps(node: exp.Subquery) -> bool:
    return all(key == "this" or not value for key, value in node.args.items())
