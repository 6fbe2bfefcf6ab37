"""Small, seeded SQLite databases unlike Northwind, for held-out questions.

Each builder writes a fresh file and returns its path; the same seed gives the same bytes
of data on every run (no set or dict ordering reaches the rows). ``BUILDERS`` maps the
corpus's ``db`` name to its builder.

- ``school``: snake_case plural tables, ``id`` keys and ``<singular>_id`` references with
  no declared foreign keys; DATE text, REAL money, a 'Y'/'N' flag.
- ``music``: PascalCase singular tables, ``<Table>Id`` keys, declared foreign keys,
  accented cities ("São Paulo", "Montréal", "München").
- ``sales``: names with spaces and mixed case ("Sales Reps", "Unit Cost"), 0/1 integer
  flags, dates declared TEXT (ISO dates and ISO date-times), two views.
- ``wide``: 50 generated tables in five naming styles, for the latency bench.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

Builder = Callable[[Path], Path]

FIRST = [
    "Amara", "Bruno", "Chloe", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    "Kavya", "Liam", "Mei", "Nadia", "Omar", "Priya", "Quentin", "Rosa", "Samir", "Tove",
    "Umar", "Vera", "Wen", "Ximena", "Yusuf", "Zoe",
]  # fmt: skip
LAST = [
    "Abbott", "Baptiste", "Castillo", "Dubois", "Eriksen", "Fischer", "Gallo", "Haddad",
    "Ivanova", "Jansen", "Kowalski", "Lindqvist", "Moreau", "Novak", "Okafor", "Petrov",
    "Quinn", "Rossi", "Sato", "Tanaka", "Ueda", "Varga", "Weber", "Yilmaz", "Zhang",
]  # fmt: skip


def _names(rng: random.Random, count: int) -> list[tuple[str, str]]:
    pairs = list(itertools.product(FIRST, LAST))
    rng.shuffle(pairs)
    return pairs[:count]


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def _fresh(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    return sqlite3.connect(path)


def _insert(db: sqlite3.Connection, table: str, rows: Sequence[Sequence[Any]]) -> None:
    if rows:
        marks = ", ".join("?" * len(rows[0]))
        db.executemany(f'INSERT INTO "{table}" VALUES ({marks})', rows)


# ---------------------------------------------------------------- (a) school

DEPARTMENTS = ["Mathematics", "Science", "English", "History", "Art", "Music", "Computing"]
SUBJECT_COURSES = {
    "Mathematics": ["Algebra I", "Geometry", "Calculus", "Statistics", "Algebra II"],
    "Science": ["Biology", "Chemistry", "Physics", "Earth Science"],
    "English": ["Creative Writing", "World Literature", "Public Speaking", "Poetry"],
    "History": ["World History", "Ancient Civilizations", "Modern Europe", "Economics"],
    "Art": ["Drawing", "Painting", "Sculpture"],
    "Music": ["Choir", "Jazz Band", "Music Theory"],
    "Computing": ["Intro to Programming", "Web Design", "Data Science", "Robotics"],
}
TOWNS = ["Springfield", "Riverton", "Lakeside", "Hillcrest", "Maple Grove", "Fairview"]
ROOMS = ["A101", "A102", "B201", "B202", "C301", "Lab 1", "Lab 2", "Studio", "Hall"]
TERMS = ["Fall 2023", "Spring 2024", "Fall 2024", "Spring 2025"]
_TERM_START = {
    "Fall 2023": dt.date(2023, 8, 21),
    "Spring 2024": dt.date(2024, 1, 8),
    "Fall 2024": dt.date(2024, 8, 19),
    "Spring 2025": dt.date(2025, 1, 6),
}


def build_school(path: Path, seed: int = 17) -> Path:
    rng = random.Random(seed)
    db = _fresh(path)
    db.executescript(
        """
        CREATE TABLE teachers (id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT,
            department TEXT, hired_on DATE, salary REAL);
        CREATE TABLE students (id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT,
            email TEXT, city TEXT, birth_date DATE, enrolled_on DATE, year_level INTEGER,
            active TEXT);
        CREATE TABLE courses (id INTEGER PRIMARY KEY, code TEXT, title TEXT, subject TEXT,
            credits INTEGER, tuition REAL, teacher_id INTEGER, room TEXT);
        CREATE TABLE enrollments (id INTEGER PRIMARY KEY, student_id INTEGER,
            course_id INTEGER, term TEXT, enrolled_on DATE, grade REAL);
        """
    )
    names = _names(rng, 14 + 240)
    teachers = []
    for i, (first, last) in enumerate(names[:14], 1):
        department = DEPARTMENTS[(i - 1) % len(DEPARTMENTS)]
        hired = _day(rng, dt.date(2005, 1, 1), dt.date(2024, 8, 1))
        salary = round(rng.uniform(48000, 92000), 2)
        teachers.append((i, first, last, department, hired.isoformat(), salary))
    _insert(db, "teachers", teachers)
    by_department: dict[str, list[int]] = {}
    for t in teachers:
        by_department.setdefault(t[3], []).append(t[0])
    courses = []
    number = 0
    for subject in DEPARTMENTS:
        for level, title in enumerate(SUBJECT_COURSES[subject], 1):
            number += 1
            code = f"{subject[:4].upper()}{100 + level}"
            credits = rng.choice([2, 3, 3, 4, 5])
            tuition = float(rng.choice([350, 420, 480, 525, 600, 750, 890, 1200]))
            teacher = rng.choice(by_department[subject])
            courses.append(
                (number, code, title, subject, credits, tuition, teacher, rng.choice(ROOMS))
            )
    _insert(db, "courses", courses)
    students = []
    for i, (first, last) in enumerate(names[14:], 1):
        born = _day(rng, dt.date(2006, 9, 1), dt.date(2011, 8, 31))
        enrolled = _day(rng, dt.date(2019, 8, 1), dt.date(2025, 1, 10))
        email = f"{first}.{last}{i}@students.example.edu".lower()
        level = rng.choice([9, 10, 11, 12])
        active = "N" if rng.random() < 0.18 else "Y"
        students.append(
            (i, first, last, email, rng.choice(TOWNS), born.isoformat(), enrolled.isoformat(),
             level, active)
        )  # fmt: skip
    _insert(db, "students", students)
    enrollments = []
    for student in students:
        for course in rng.sample(courses, rng.randint(2, 6)):
            term = rng.choice(TERMS)
            day = _TERM_START[term] - dt.timedelta(days=rng.randint(0, 20))
            graded = term != "Spring 2025" and rng.random() < 0.95
            grade = round(rng.gauss(76, 11), 1) if graded else None
            grade = None if grade is None else max(35.0, min(100.0, grade))
            enrollments.append((student[0], course[0], term, day.isoformat(), grade))
    enrollments.sort(key=lambda e: (e[3], e[0], e[1]))
    _insert(db, "enrollments", [(i, *e) for i, e in enumerate(enrollments, 1)])
    db.commit()
    db.close()
    return path


# ---------------------------------------------------------------- (b) music

ARTISTS = [
    "The Velvet Foxes", "Marisol Vega", "Northern Static", "Kofi Mensah Quartet",
    "Lumen Drive", "Ana Beatriz", "Iron Meridian", "Clara Holm", "Desert Radio",
    "The Paper Kites Club", "Orquesta Solar", "Nightjar", "Bellweather", "Jules Ferrand",
    "Crimson Tide Ensemble", "Hollow Pines", "Saffron Skies", "Otto Brandt Trio",
    "Neon Harbor", "Lucía Serrano", "Grey Atlas", "Miles Okoro", "Cobalt Choir",
    "Fjord & Fable",
]  # fmt: skip
GENRES = ["Rock", "Jazz", "Metal", "Pop", "Blues", "Classical", "Latin", "Electronic", "Reggae"]
MEDIA = ["MPEG audio file", "AAC audio file", "Protected AAC audio file"]
WORDS = [
    "Midnight", "Golden", "River", "Echoes", "Paper", "Storm", "Silver", "Garden", "Lights",
    "Northern", "Velvet", "Fire", "Ocean", "Shadows", "Summer", "Glass", "Wild", "Hearts",
    "Distant", "Morning", "Electric", "Dust", "Harbor", "Blue",
]  # fmt: skip
# (city, state, country): accented cities on purpose, exonyms in the corpus.
PLACES = [
    ("São Paulo", "SP", "Brazil"), ("Rio de Janeiro", "RJ", "Brazil"),
    ("Montréal", "QC", "Canada"), ("Toronto", "ON", "Canada"), ("München", None, "Germany"),
    ("Köln", None, "Germany"), ("Berlin", None, "Germany"), ("Wien", None, "Austria"),
    ("Praha", None, "Czech Republic"), ("Lisboa", None, "Portugal"),
    ("København", None, "Denmark"), ("Paris", None, "France"), ("Lyon", None, "France"),
    ("London", None, "United Kingdom"), ("Dublin", None, "Ireland"),
    ("New York", "NY", "USA"), ("Austin", "TX", "USA"), ("Chicago", "IL", "USA"),
    ("Sydney", "NSW", "Australia"), ("Warszawa", None, "Poland"),
    ("Bruxelles", None, "Belgium"), ("Genève", None, "Switzerland"),
]  # fmt: skip
COMPANIES = ["Globex", "Initech", "Umbrella Records", "Soylent Media", "Hooli", None, None]


def build_music(path: Path, seed: int = 23) -> Path:
    rng = random.Random(seed)
    db = _fresh(path)
    db.executescript(
        """
        CREATE TABLE Artist (ArtistId INTEGER PRIMARY KEY, Name NVARCHAR(120));
        CREATE TABLE Genre (GenreId INTEGER PRIMARY KEY, Name NVARCHAR(120));
        CREATE TABLE MediaType (MediaTypeId INTEGER PRIMARY KEY, Name NVARCHAR(120));
        CREATE TABLE Album (AlbumId INTEGER PRIMARY KEY, Title NVARCHAR(160) NOT NULL,
            ArtistId INTEGER NOT NULL REFERENCES Artist (ArtistId), ReleaseYear INTEGER);
        CREATE TABLE Track (TrackId INTEGER PRIMARY KEY, Name NVARCHAR(200) NOT NULL,
            AlbumId INTEGER REFERENCES Album (AlbumId),
            MediaTypeId INTEGER NOT NULL REFERENCES MediaType (MediaTypeId),
            GenreId INTEGER REFERENCES Genre (GenreId), Composer NVARCHAR(220),
            Milliseconds INTEGER NOT NULL, Bytes INTEGER, UnitPrice NUMERIC(10,2) NOT NULL);
        CREATE TABLE Employee (EmployeeId INTEGER PRIMARY KEY, LastName NVARCHAR(20),
            FirstName NVARCHAR(20), Title NVARCHAR(30),
            ReportsTo INTEGER REFERENCES Employee (EmployeeId), HireDate DATETIME,
            City NVARCHAR(40), Country NVARCHAR(40));
        CREATE TABLE Customer (CustomerId INTEGER PRIMARY KEY, FirstName NVARCHAR(40),
            LastName NVARCHAR(20), Company NVARCHAR(80), City NVARCHAR(40),
            State NVARCHAR(40), Country NVARCHAR(40), Email NVARCHAR(60),
            SupportRepId INTEGER REFERENCES Employee (EmployeeId));
        CREATE TABLE Invoice (InvoiceId INTEGER PRIMARY KEY,
            CustomerId INTEGER NOT NULL REFERENCES Customer (CustomerId),
            InvoiceDate DATETIME NOT NULL, BillingCity NVARCHAR(40),
            BillingCountry NVARCHAR(40), Total NUMERIC(10,2) NOT NULL);
        CREATE TABLE InvoiceLine (InvoiceLineId INTEGER PRIMARY KEY,
            InvoiceId INTEGER NOT NULL REFERENCES Invoice (InvoiceId),
            TrackId INTEGER NOT NULL REFERENCES Track (TrackId),
            UnitPrice NUMERIC(10,2) NOT NULL, Quantity INTEGER NOT NULL);
        """
    )
    _insert(db, "Artist", list(enumerate(ARTISTS, 1)))
    _insert(db, "Genre", list(enumerate(GENRES, 1)))
    _insert(db, "MediaType", list(enumerate(MEDIA, 1)))
    albums: list[tuple[Any, ...]] = []
    tracks: list[tuple[Any, ...]] = []
    titles: set[str] = set()
    for artist_id in range(1, len(ARTISTS) + 1):
        genre = 1 + (artist_id * 5) % len(GENRES)
        for _ in range(rng.choice([1, 2, 2, 3])):
            title = " ".join(rng.sample(WORDS, 2))
            while title in titles:
                title = " ".join(rng.sample(WORDS, 2))
            titles.add(title)
            album_id = len(albums) + 1
            albums.append((album_id, title, artist_id, rng.randint(1995, 2023)))
            composer = rng.choice(
                [ARTISTS[artist_id - 1], f"{rng.choice(FIRST)} {rng.choice(LAST)}", None]
            )
            for _ in range(rng.randint(6, 12)):
                name = " ".join(rng.sample(WORDS, rng.choice([1, 2, 3])))
                ms = rng.randint(95_000, 480_000)
                price = 1.99 if rng.random() < 0.15 else 0.99
                media = 1 if rng.random() < 0.7 else rng.choice([2, 3])
                track_genre = genre if rng.random() < 0.85 else rng.randint(1, len(GENRES))
                tracks.append(
                    (len(tracks) + 1, name, album_id, media, track_genre, composer, ms,
                     ms * 33 + rng.randint(0, 9999), price)
                )  # fmt: skip
    _insert(db, "Album", albums)
    _insert(db, "Track", tracks)
    staff = [
        (1, "Adams", "Andrew", "General Manager", None, "2019-08-14", "Toronto", "Canada"),
        (2, "Edwards", "Nancy", "Sales Manager", 1, "2019-05-01", "Toronto", "Canada"),
        (3, "Peacock", "Jane", "Sales Support Agent", 2, "2020-04-01", "Montréal", "Canada"),
        (4, "Park", "Margaret", "Sales Support Agent", 2, "2021-05-03", "Toronto", "Canada"),
        (5, "Johnson", "Steve", "Sales Support Agent", 2, "2022-10-17", "Ottawa", "Canada"),
        (6, "Mitchell", "Michael", "IT Manager", 1, "2021-10-17", "Toronto", "Canada"),
        (7, "King", "Robert", "IT Staff", 6, "2023-01-02", "Ottawa", "Canada"),
    ]  # fmt: skip
    _insert(db, "Employee", [(*s[:5], f"{s[5]} 00:00:00", *s[6:]) for s in staff])
    customers = []
    for i, (first, last) in enumerate(_names(rng, 64), 1):
        city, state, country = PLACES[(i - 1) % len(PLACES)] if i <= 44 else rng.choice(PLACES)
        email = (
            f"{first[0]}{last}@{rng.choice(['mail.example', 'post.example', 'inbox.example'])}.com"
        )
        customers.append(
            (i, first, last, rng.choice(COMPANIES), city, state, country, email.lower(),
             rng.choice([3, 4, 5]))
        )  # fmt: skip
    _insert(db, "Customer", customers)
    invoices: list[tuple[Any, ...]] = []
    lines: list[tuple[Any, ...]] = []
    for invoice_id in range(1, 421):
        customer = rng.choice(customers)
        day = _day(rng, dt.date(2021, 1, 1), dt.date(2024, 12, 31))
        total = 0.0
        for track in rng.sample(tracks, rng.choice([1, 1, 2, 3, 4, 6, 9])):
            quantity = 2 if rng.random() < 0.06 else 1
            lines.append((len(lines) + 1, invoice_id, track[0], track[8], quantity))
            total += track[8] * quantity
        invoices.append(
            (invoice_id, customer[0], f"{day.isoformat()} 00:00:00", customer[4], customer[6],
             round(total, 2))
        )  # fmt: skip
    _insert(db, "Invoice", invoices)
    _insert(db, "InvoiceLine", lines)
    db.commit()
    db.close()
    return path


# ---------------------------------------------------------------- (c) sales, awkward names

REGIONS = ["North", "South", "East", "West"]
LINES = ["Office Chairs", "Desks", "Lighting", "Storage", "Accessories"]
ITEMS = {
    "Office Chairs": [
        "Ergo Mesh Chair",
        "Task Chair",
        "Executive Chair",
        "Stacking Chair",
        "Stool",
    ],
    "Desks": ["Standing Desk", "Corner Desk", "Writing Desk", "Bench Desk"],
    "Lighting": ["Desk Lamp", "Floor Lamp", "LED Panel", "Clip Light"],
    "Storage": ["Filing Cabinet", "Bookcase", "Locker", "Mobile Pedestal", "Shelf Unit"],
    "Accessories": ["Monitor Arm", "Footrest", "Cable Tray", "Whiteboard", "Desk Mat"],
}
SEGMENTS = ["Enterprise", "SMB", "Education", "Government"]
ACCOUNT_PLACES = [
    ("Milano", "Italy"), ("Roma", "Italy"), ("Zürich", "Switzerland"), ("Genève", "Switzerland"),
    ("Den Haag", "Netherlands"), ("Amsterdam", "Netherlands"), ("Sevilla", "Spain"),
    ("Madrid", "Spain"), ("Göteborg", "Sweden"), ("Athína", "Greece"), ("Dublin", "Ireland"),
    ("Manchester", "United Kingdom"),
]  # fmt: skip
ACCOUNT_WORDS = [
    "Apex",
    "Birch",
    "Cedar",
    "Delta",
    "Ember",
    "Falcon",
    "Granite",
    "Harbor",
    "Iris",
    "Juniper",
    "Keystone",
    "Lumen",
    "Meridian",
    "Nova",
    "Orchid",
    "Pioneer",
]
ACCOUNT_KINDS = ["Group", "Systems", "Partners", "Holdings", "Labs", "College", "Council"]
STATUSES = ["Open", "Shipped", "Shipped", "Shipped", "Cancelled"]


def build_sales(path: Path, seed: int = 29) -> Path:
    rng = random.Random(seed)
    db = _fresh(path)
    db.executescript(
        """
        CREATE TABLE "Sales Reps" ("Rep ID" INTEGER PRIMARY KEY, "Full Name" TEXT,
            "Region" TEXT, "Hire Date" TEXT, "Is Active" INTEGER, "Quota" REAL);
        CREATE TABLE "Product Lines" ("Line ID" INTEGER PRIMARY KEY, "Line Name" TEXT);
        CREATE TABLE "Catalog Items" ("Item No" INTEGER PRIMARY KEY, "Item Name" TEXT,
            "Line ID" INTEGER, "Unit Cost" REAL, "List Price" REAL, "Discontinued" INTEGER);
        CREATE TABLE "Accounts" ("Account ID" INTEGER PRIMARY KEY, "Account Name" TEXT,
            "City" TEXT, "Country" TEXT, "Segment" TEXT);
        CREATE TABLE "Sales Orders" ("Order No" INTEGER PRIMARY KEY,
            "Account ID" INTEGER REFERENCES "Accounts" ("Account ID"),
            "Rep ID" INTEGER REFERENCES "Sales Reps" ("Rep ID"),
            "Order Date" TEXT, "Ship Date" TEXT, "Status" TEXT);
        CREATE TABLE "Order Lines" ("Order No" INTEGER REFERENCES "Sales Orders" ("Order No"),
            "Item No" INTEGER REFERENCES "Catalog Items" ("Item No"), "Qty" INTEGER,
            "Unit Price" REAL, PRIMARY KEY ("Order No", "Item No"));
        CREATE VIEW "Open Orders" AS
            SELECT * FROM "Sales Orders" WHERE "Status" = 'Open';
        CREATE VIEW "Rep Totals" AS
            SELECT r."Full Name", r."Region", SUM(l."Qty" * l."Unit Price") AS "Sales Total"
            FROM "Sales Reps" r JOIN "Sales Orders" o ON o."Rep ID" = r."Rep ID"
            JOIN "Order Lines" l ON l."Order No" = o."Order No"
            WHERE o."Status" != 'Cancelled' GROUP BY r."Rep ID";
        """
    )
    reps = []
    for i, (first, last) in enumerate(_names(rng, 12), 1):
        hired = _day(rng, dt.date(2015, 1, 1), dt.date(2024, 6, 30))
        active = 0 if i in (4, 9) else 1
        quota = float(rng.choice([150_000, 200_000, 250_000, 300_000]))
        reps.append((i, f"{first} {last}", REGIONS[(i - 1) % 4], hired.isoformat(), active, quota))
    _insert(db, "Sales Reps", reps)
    _insert(db, "Product Lines", list(enumerate(LINES, 1)))
    items: list[tuple[Any, ...]] = []
    for line_id, line in enumerate(LINES, 1):
        for name in ITEMS[line]:
            cost = round(rng.uniform(8, 420), 2)
            price = round(cost * rng.uniform(1.3, 2.2), 2)
            discontinued = 1 if rng.random() < 0.2 else 0
            items.append((len(items) + 1, name, line_id, cost, price, discontinued))
    _insert(db, "Catalog Items", items)
    accounts = []
    for i, (word, kind) in enumerate(zip(ACCOUNT_WORDS, itertools.cycle(ACCOUNT_KINDS)), 1):
        city, country = ACCOUNT_PLACES[(i - 1) % len(ACCOUNT_PLACES)]
        accounts.append((i, f"{word} {kind}", city, country, rng.choice(SEGMENTS)))
    _insert(db, "Accounts", accounts)
    orders, lines = [], []
    for order_no in range(5001, 5361):
        when = dt.datetime(2023, 1, 1) + dt.timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
        status = rng.choice(STATUSES)
        shipped = (when + dt.timedelta(days=rng.randint(1, 12))).date().isoformat()
        rep = rng.choice([r for r in reps if r[4] == 1 or when.year == 2023])
        orders.append(
            (order_no, rng.randint(1, len(accounts)), rep[0], when.strftime("%Y-%m-%d %H:%M:%S"),
             shipped if status == "Shipped" else None, status)
        )  # fmt: skip
        for item in rng.sample(items, rng.randint(1, 4)):
            lines.append((order_no, item[0], rng.randint(1, 25), item[4]))
    _insert(db, "Sales Orders", orders)
    _insert(db, "Order Lines", lines)
    db.commit()
    db.close()
    return path


# ---------------------------------------------------------------- (d) wide

NOUNS = [
    "customer", "supplier", "warehouse", "shipment", "invoice", "payment", "refund", "ticket",
    "agent", "campaign", "lead", "contract", "vehicle", "driver", "route", "stop", "device",
    "sensor", "reading", "alert", "patient", "doctor", "visit", "prescription", "clinic",
    "course", "lesson", "exam", "book", "author", "loan", "member", "event", "venue",
    "booking", "room", "guest", "review", "project", "task", "sprint", "release", "asset",
    "license", "vendor", "budget", "expense", "policy", "claim", "branch",
]  # fmt: skip
WIDE_TEXT = {
    "status": ["new", "open", "pending", "closed", "cancelled"],
    "city": ["Berlin", "München", "Lisboa", "Paris", "Austin", "Toronto", "São Paulo", "Osaka"],
    "country": ["Germany", "Portugal", "France", "USA", "Canada", "Brazil", "Japan"],
    "category": ["gold", "silver", "bronze", "standard"],
    "channel": ["web", "phone", "email", "partner"],
}
WIDE_NUMBERS = ["amount", "price", "quantity", "score", "weight", "cost"]


def _plural(noun: str) -> str:
    if noun.endswith("y") and noun[-2] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + ("es" if noun.endswith(("s", "ch", "sh", "x")) else "s")


def wide_name(noun: str, style: int) -> str:
    """A table or column name for ``noun`` in one of five naming styles."""
    words = noun.split("_")
    if style == 0:
        return _plural(noun)  # invoices
    if style == 1:
        return "".join(w.title() for w in words)  # Invoice
    if style == 2:
        return words[0] + "".join(w.title() for w in words[1:]) + "List"  # invoiceList
    if style == 3:
        return _plural(noun).upper()  # INVOICES
    return " ".join(w.title() for w in _plural(noun).split("_"))  # "Invoices"


def _column(base: str, style: int) -> str:
    if style in (1, 2):
        parts = base.split("_")
        head = parts[0] if style == 2 else parts[0].title()
        return head + "".join(p.title() for p in parts[1:])
    if style == 3:
        return base.upper()
    if style == 4:
        return " ".join(p.title() for p in base.split("_"))
    return base


def build_wide(path: Path, seed: int = 50, rows: int = 40) -> Path:
    """50 tables, each an id, a name, two text columns, two numbers, a date, a flag and a
    reference to an earlier table; names in five styles (snake plural, Pascal singular,
    camelCase, UPPER, spaced), so no table's naming predicts the next one's."""
    rng = random.Random(seed)
    db = _fresh(path)
    made: list[tuple[str, str, int]] = []  # (noun, table name, style)
    for index, noun in enumerate(NOUNS):
        style = index % 5
        table = wide_name(noun, style)
        texts = rng.sample(sorted(WIDE_TEXT), 2)
        numbers = rng.sample(WIDE_NUMBERS, 2)
        columns = [(_column("id", style) if style != 1 else f"{table}Id", "INTEGER PRIMARY KEY")]
        columns.append((_column("name", style), "TEXT"))
        columns += [(_column(t, style), "TEXT") for t in texts]
        columns += [(_column(n, style), "REAL") for n in numbers]
        columns.append((_column("created_on", style), "DATE"))
        columns.append((_column("is_active", style), "BOOLEAN"))
        parent = rng.choice(made) if made else None
        if parent is not None:
            columns.append((_column(f"{parent[0]}_id", style), "INTEGER"))
        ddl = ", ".join(f'"{c}" {t}' for c, t in columns)
        db.execute(f'CREATE TABLE "{table}" ({ddl})')
        data = []
        for i in range(1, rows + 1):
            row: list[Any] = [i, f"{noun.title()} {i}"]
            row += [rng.choice(WIDE_TEXT[t]) for t in texts]
            row += [round(rng.uniform(1, 1000), 2) for _ in numbers]
            row.append(_day(rng, dt.date(2022, 1, 1), dt.date(2025, 12, 31)).isoformat())
            row.append(rng.choice([0, 1]))
            if parent is not None:
                row.append(rng.randint(1, rows))
            data.append(row)
        _insert(db, table, data)
        made.append((noun, table, style))
    db.commit()
    db.close()
    return path


BUILDERS: dict[str, Builder] = {
    "school": build_school,
    "music": build_music,
    "sales": build_sales,
    "wide": build_wide,
}
