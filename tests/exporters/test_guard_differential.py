"""Parser differentials: text the guard and the database could read differently.

Running the user's text is only safe if the guard's reading (sqlglot's) is the database's.
Each attempt below hides a call or a column from one reader; run raw, the database really
does what the guard would not have seen. Through the guard it is refused, fails with the
database's own error, or returns exactly the columns the guard analysed, on the real
SQLite and PostgreSQL. Hypothesis then varies comments and literals, checking the text
that runs and the rows against the databases themselves.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exporters import InvalidQuery, QueryRejected, QueryTimeout, check_query, open_query
from exporters.sources.url import parse_url
from exporters.sql_lexers import LEXERS  # the lexer itself, checked against SQLite's own


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("differential") / "t.db"
    connection = sqlite3.connect(path)
    connection.executescript(
        "CREATE TABLE t (id INTEGER, name TEXT);"
        "INSERT INTO t VALUES (1, 'ada'), (2, 'Bob'), (3, 'é😀');"
    )
    connection.commit()
    connection.close()
    return path


def _exported(url: str, sql: str, **kwargs: Any) -> tuple[list[str], list[tuple[Any, ...]]]:
    with open_query(url, sql, **kwargs) as stream:
        table = stream.reader.read_all()
    rows = list(zip(*(column.to_pylist() for column in table.columns), strict=True))
    return table.column_names, rows


def _guarded(url: str, sql: str, dialect: str) -> str:
    """How the guarded path ends: "refused", "database error" or "ran" (checked to match)."""
    try:
        checked = check_query(sql, dialect)
    except QueryRejected:
        return "refused"
    try:
        names, rows = _exported(url, sql, timeout=2)
    except InvalidQuery:
        return "database error"
    # What ran is what the guard analysed: as many columns as its tree selects, and the
    # payload only where the guard saw it too.
    assert len(names) == len(checked.tree.selects), (sql, names)
    assert "PWNED" not in repr(rows) or "'PWNED'" in checked.tree.sql()
    assert "root:" not in repr(rows)
    return "ran"


# ---- SQLite: the payload is a column the guard would not have seen ------------------------

SQLITE_ATTEMPTS = [
    "SELECT 1 /* /* */ , 'PWNED' -- */",  # SQLite does not nest comments
    "SELECT [a'], 'PWNED' FROM (SELECT 1 AS [a']) -- ']",  # brackets quote names
    "SELECT `a'`, 'PWNED' FROM (SELECT 1 AS `a'`) -- '`",
    'SELECT "a""", \'PWNED\' -- " FROM (SELECT 1 AS "a""")',
    "SELECT 'a\\', 'PWNED' -- '",  # no backslash escapes in SQLite
    "SELECT 1 --x\r, 'PWNED'",  # a -- comment runs to \n only
    "SELECT 1\u00a0,'PWNED'",  # U+00A0 is a letter to SQLite, a space to sqlglot
    "SELECT 1 AS a\u2003b, 'PWNED'",
    "SELECT \ufeffedit('x'), 'PWNED'",  # a byte order mark before a word is a space to SQLite
    "SELECT N'x', 'PWNED'",  # N'..' is the name N then a string to SQLite
    "SELECT x'41', 'PWNED'",
    "SELECT 0x1Fg, 'PWNED'",
    "SELECT $a(',/**/'PWNED'--')",  # a Tcl variable with a (...) suffix
    "SELECT 1 /*! , 'PWNED' */",  # MySQL's executable comment is a comment here
]


@pytest.mark.parametrize("sql", SQLITE_ATTEMPTS)
def test_sqlite_differentials_are_refused_or_harmless(db: Path, sql: str) -> None:
    assert _guarded(f"sqlite:///{db}", sql, "sqlite") in ("refused", "database error", "ran")


def test_the_sqlite_attempts_are_real() -> None:
    # Run raw in SQLite, most of them do return the payload the guard keeps out.
    returned = 0
    for sql in SQLITE_ATTEMPTS:
        try:
            rows = sqlite3.connect(":memory:").execute(sql).fetchall()
        except sqlite3.Error:
            continue
        returned += "PWNED" in repr(rows)
    assert returned >= 8


@pytest.mark.parametrize(
    ("dialect", "sql", "fragment"),
    [
        ("sqlite", "SELECT 1\u00a0,'PWNED'", "it has an unusual space character (U+00A0) "
         "outside quotes (line 1, column 9); use an ordinary space"),
        ("postgres", "SELECT name\u3000FROM t", "unusual space character (U+3000)"),
        ("sqlite", "SELECT \ufeffedit('x')", "unusual space character (U+FEFF)"),
        ("sqlite", "SELECT 1\v, 2", "(U+000B)"),
        ("sqlite", "SELECT N'x', 'PWNED'", "SQLite could read the text near \"N'x', 'PWNED'\" "
         "differently from the guard (line 1, column 8); write that part another way"),
        ("postgres", "SELECT 1 /* /* */ ' */ , 1 -- '", "it has a comment inside a comment, "
         "which PostgreSQL nests (line 1, column 10); remove the inner /*"),
        ("postgres", 'SELECT U&"\\0070g_sleep"(3)', "it has a U&'...' escape (line 1, column 8)"),
        ("postgres", "SELECT u&'\\0041'", "U&'...' escape"),
        ("postgres", "SELECT 1 AS a$$, pg_sleep(3) AS b$$", "it calls pg_sleep()"),
    ],
)  # fmt: skip
def test_what_the_readers_could_disagree_on_is_refused_by_name(
    dialect: str, sql: str, fragment: str
) -> None:
    with pytest.raises(QueryRejected) as refused:
        check_query(sql, dialect)
    assert fragment in refused.value.message
    assert "\n" not in refused.value.message


# ---- PostgreSQL: the payload would sleep (or read a server file) ---------------------------

POSTGRES_ATTEMPTS = [
    # PostgreSQL nests comments: a reader that does not sees a string where it sees code.
    "SELECT 1 /* /* */ ' */ , pg_sleep(3) -- '",
    "SELECT 1 /* /* */ ' */ , pg_read_file('/etc/passwd') -- '",
    "SELECT /* /* */ pg_sleep(3) /* */ */ 1",
    # Unicode-escaped names: sqlglot reads U & "..."(3), PostgreSQL calls pg_sleep.
    'SELECT U&"\\0070g_sleep"(3)',
    "SELECT U&\"!0070g_sleep\" UESCAPE '!' (3)",
    "SELECT U&'\\0041'",
    # $ is a letter inside names; dollar quotes are case-sensitive and tagged.
    "SELECT 1 AS a$$, pg_sleep(3) AS b$$",
    "SELECT $a$ $b$ $a$, pg_sleep(3) -- $b$",
    "SELECT $A$ x $a$ $A$, pg_sleep(3) -- $a$",
    "SELECT $$ -- $$, pg_sleep(3)",
    # Escape strings and backslashes (standard_conforming_strings is on).
    "SELECT E'\\'', pg_sleep(3) -- '",
    "SELECT e'a\\\\', pg_sleep(3) -- '",
    "SELECT 'a\\', pg_sleep(3) -- '",
    "SELECT E'\\\\\\'', pg_sleep(3) -- '",
    # Comments, quotes and line ends.
    "SELECT 1 --x\r, pg_sleep(3)",
    "SELECT '/*', pg_sleep(3) -- */'",
    'SELECT "a""", pg_sleep(3) -- " FROM (SELECT 1 AS "a""") AS s',
    "SELECT 'a' -- '\n', pg_sleep(3) -- '",  # one string continued across the comment
    "SELECT 1\u00a0, pg_sleep(3)",
    "SELECT 1 AS x FROM (SELECT 1) AS s(x) WHERE x = 1 --\u2028, pg_sleep(3)",
    "SELECT 1 /*! , pg_sleep(3) */",
    'SELECT "pg_sleep"(3)',
    "SELECT pg_catalog . pg_sleep (3)",
]


def _raw_postgres_sleeps(url: str, sql: str) -> bool:
    """Whether PostgreSQL itself, given the raw text, runs past a 0.5 s limit (it sleeps)."""
    import psycopg

    with psycopg.connect(parse_url(url).conninfo) as connection:
        connection.execute("SET TRANSACTION READ ONLY")
        connection.execute("SET LOCAL statement_timeout = 500")
        try:
            connection.execute(sql.replace("pg_read_file('/etc/passwd')", "pg_sleep(3)"))
        except psycopg.errors.QueryCanceled:
            return True
        except psycopg.Error:
            return False
        finally:
            connection.rollback()
    return False


@pytest.mark.parametrize("sql", POSTGRES_ATTEMPTS)
def test_postgres_differentials_are_refused_or_harmless(postgres_url: str, sql: str) -> None:
    try:
        outcome = _guarded(postgres_url, sql, "postgres")
    except QueryTimeout:  # pragma: no cover - the failure this test exists to catch
        pytest.fail(f"the guarded query slept: {sql!r}")
    assert outcome in ("refused", "database error", "ran")


def test_the_postgres_attempts_are_real(postgres_url: str) -> None:
    sleeping = [sql for sql in POSTGRES_ATTEMPTS if _raw_postgres_sleeps(postgres_url, sql)]
    assert len(sleeping) >= 15, sleeping


# ---- the guard's SQLite lexer agrees with SQLite's own statement splitter ------------------

_TRICKY = "'\"`[]-/*;\n xa"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_TRICKY, max_size=24))
def test_sqlite_lexer_ends_quotes_and_comments_where_sqlite_does(text: str) -> None:
    # sqlite3_complete, SQLite's own scanner of quotes and comments, says whether the text
    # ends with a `;` outside every string, name and comment (an unclosed /* never does).
    sql = text + ";"
    lexemes = LEXERS["sqlite"](sql)
    code = [sql[lx.start : lx.end] for lx in lexemes if lx.kind not in ("space", "comment")]
    last = sql[lexemes[-1].start : lexemes[-1].end]
    unclosed = lexemes[-1].kind == "comment" and last.startswith("/*") and not last.endswith("*/")
    assert (code[-1:] == [";"] and not unclosed) == sqlite3.complete_statement(sql), repr(sql)


# ---- property: comments and literals vary; the text that runs and the rows do not ----------

_TEXT = st.text(alphabet=st.sampled_from(list("ab ;'\"`[]-*/!$\\\né😀%{}")), max_size=10)
_BODY = st.text(alphabet=st.sampled_from(list("ab ;'\"`[]-*/!$\\é😀")), max_size=10)
_SPACE = st.sampled_from([" ", "\n", "\t", "\r\n", "  "]).map(lambda space: ("space", space))
_LINE = _BODY.map(lambda body: ("line", f"--{body}\n"))
_BLOCK = _BODY.filter(lambda body: "/*" not in f"{body}*" and "*/" not in body).map(
    lambda body: ("block", f"/*{body}*/")  # no comment inside (PostgreSQL would nest it)
)
_GAP = st.lists(st.one_of(_SPACE, _LINE, _BLOCK), min_size=1, max_size=3)


def _runs(gap: list[tuple[str, str]]) -> str:
    """The guard's rule for what is left of the spaces and comments between two tokens."""
    kinds = {kind for kind, _ in gap}
    if kinds == {"space"}:
        return "".join(text for _, text in gap)
    return " " if "block" in kinds else "\n"


@st.composite
def _statements(
    draw: st.DrawFn, items: st.SearchStrategy[tuple[str, Any]], first: str, table: str
) -> tuple[str, str, list[Any]]:
    """A SELECT of items FROM table, with comments and spaces between its tokens drawn at
    random: (the text, the text that must run, the items' values)."""
    drawn = draw(st.lists(items, min_size=1, max_size=4))
    tokens = ["SELECT"] + ([first, ","] if first else [])
    for index, (token, _) in enumerate(drawn):
        tokens += [","] if index else []
        tokens.append(token)
    tokens += ["FROM", table]
    if draw(st.booleans()):
        tokens += ["WHERE", "id", "<>", str(draw(st.integers(0, 4)))]
    gaps = [draw(_GAP) for _ in tokens[1:]]
    lead = draw(st.sampled_from(["", "  ", "\n", "-- lead\n", "/* lead */ ", ";"]))
    tail = draw(st.sampled_from(["", ";", " ;", "\n", "-- end", ";\n-- end", " /* end */"]))
    text = (
        lead
        + tokens[0]
        + "".join("".join(part for _, part in g) + t for g, t in zip(gaps, tokens[1:], strict=True))
    )
    runs = tokens[0] + "".join(_runs(g) + t for g, t in zip(gaps, tokens[1:], strict=True))
    return text + tail, runs, [value for _, value in drawn]


def _sqlite_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


_SQLITE_ITEMS = st.one_of(
    _TEXT.map(lambda v: (_sqlite_string(v), v)),
    st.integers(-1000, 10**9).map(lambda v: (str(v), v)),
    st.sampled_from(["id", '"id"', "[name]", "`name`", "t.id", '"t"."name"']).map(
        lambda v: (v, None)
    ),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_statements(_SQLITE_ITEMS, "", "t"), st.booleans())
def test_sqlite_runs_the_text_minus_comments(
    db: Path, statement: tuple[str, str, list[Any]], fast: bool
) -> None:
    sql, runs, _ = statement
    assert check_query(sql, "sqlite").sql == runs
    names, rows = _exported(f"sqlite:///{db}", sql, fast=fast)
    direct = sqlite3.connect(db)
    try:
        assert names == [c[0] for c in direct.execute(runs).description]  # SQLite's own names
        assert sorted(rows, key=repr) == sorted(direct.execute(sql).fetchall(), key=repr)
    finally:
        direct.close()


def _e_string(value: str) -> str:
    return "E'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


_POSTGRES_ITEMS = st.one_of(
    _TEXT.map(lambda v: (_sqlite_string(v), v)),  # standard strings: only '' is special
    _TEXT.map(lambda v: (_e_string(v), v)),
    _TEXT.filter(lambda v: "$" not in v).map(lambda v: ("$q$" + v + "$q$", v)),
    _TEXT.filter(lambda v: "$" not in v).map(lambda v: ("$$" + v + "$$", v)),
    st.integers(-1000, 10**9).map(lambda v: (str(v), v)),
)
# PostgreSQL's view of open cursors holds the statement that declared the export's cursor.
_RECEIVED = "(SELECT string_agg(statement, '') FROM pg_cursors)"
_VALUES = "(VALUES (1), (2), (3)) AS t (id)"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_statements(_POSTGRES_ITEMS, _RECEIVED, _VALUES))
def test_postgres_runs_the_text_minus_comments(
    postgres_url: str, statement: tuple[str, str, list[Any]]
) -> None:
    import psycopg

    sql, runs, values = statement
    assert check_query(sql, "postgres").sql == runs
    _, rows = _exported(postgres_url, sql)
    assert rows and all(row[0] == f'DECLARE "export" CURSOR FOR {runs}' for row in rows)
    assert all(list(row[1:]) == values for row in rows)
    with psycopg.connect(parse_url(postgres_url).conninfo) as connection:
        direct = connection.execute(sql).fetchall()  # the raw text, no cursor: no statement
        connection.rollback()
    assert [row[1:] for row in rows] == [row[1:] for row in direct]
