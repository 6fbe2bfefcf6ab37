"""Hundreds of question variants per held-out database, from templates, with gold SQL.

A template is a tier, several phrasings (different word orders) and fills: the values a
phrasing's ``{slots}`` take with the gold SQL they give. Words in ``{braces}`` that are not
slots are picked from the schema's synonyms ("{students}" → "pupils"). Each variant then
gets, by a seeded draw: a polite or terse opening, an ending, a case (lower, Capitalised,
UPPER) and, some of the time, one typo (two letters swapped, one dropped, one doubled) in
a word of five letters or more. The same seed gives the same variants on every run.

    >>> first = generate("school", 3)
    >>> first == generate("school", 3) and len(first) == 3
    True
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass

from .harness import Case

SEED = 17
PER_SCHEMA = 240

Fill = tuple[dict[str, str], str]  # slot values, gold SQL


@dataclass(frozen=True)
class Template:
    tier: str
    phrasings: tuple[str, ...]
    fills: tuple[Fill, ...]


def _t(tier: str, phrasings: list[str], fills: list[Fill]) -> Template:
    return Template(tier, tuple(phrasings), tuple(fills))


def _one(gold: str) -> list[Fill]:
    return [({}, gold)]


OPENINGS = [
    "", "", "", "can you show me ", "please ", "hey, ", "i need ", "could you get me ",
    "quick one: ", "pls ", "show me ", "I'd like ",
]  # fmt: skip
COMMANDS = ["", "", "please ", "hey, ", "pls "]
ASKING = ["", "", "", "can you tell me ", "quick question: ", "do you know ", "hey, "]
ENDINGS = ["", "", "", "?", " please", " pls", " thanks", "??", " asap"]
_SLOT = re.compile(r"\{(\w+)\}")
_WORD = re.compile(r"[A-Za-z]{5,}")

SYNONYMS: dict[str, dict[str, list[str]]] = {
    "school": {
        "students": ["students", "pupils", "learners", "kids"],
        "teachers": ["teachers", "staff", "faculty", "instructors"],
        "courses": ["courses", "classes", "subjects offered"],
        "enrollments": ["enrollments", "enrolments", "registrations"],
        "how_many": ["how many", "number of", "count of", "total number of"],
    },
    "music": {
        "tracks": ["tracks", "songs", "tunes"],
        "customers": ["customers", "clients", "buyers"],
        "invoices": ["invoices", "sales", "orders"],
        "albums": ["albums", "records"],
        "how_many": ["how many", "number of", "count of"],
    },
    "sales": {
        "reps": ["sales reps", "reps", "salespeople", "sales representatives"],
        "accounts": ["accounts", "clients", "customers"],
        "orders": ["orders", "sales orders"],
        "items": ["items", "products", "catalog items", "goods"],
        "how_many": ["how many", "number of", "count of"],
    },
}

_S = "SELECT first_name, last_name FROM students"
_T = "SELECT first_name, last_name FROM teachers"
_TOWNS = ["Springfield", "Riverton", "Lakeside", "Hillcrest", "Maple Grove", "Fairview"]
_SUBJECTS = ["Mathematics", "Science", "English", "History", "Art", "Music", "Computing"]
_COURSES = ["Calculus", "Robotics", "Choir", "Poetry", "Physics", "Web Design"]

SCHOOL = [
    _t("lookup", ["{students} in {town}", "{students} who live in {town}", "{town} {students}",
                  "which {students} are from {town}"],
       [({"town": t}, f"{_S} WHERE city = '{t}'") for t in _TOWNS]),
    _t("lookup", ["active {students}", "{students} who are active", "which {students} are active"],
       _one(f"{_S} WHERE active = 'Y'")),
    _t("lookup", ["{courses} with tuition over {n}", "{courses} costing more than {n}",
                  "{courses} where tuition is above {n}"],
       [({"n": str(n)}, f"SELECT title FROM courses WHERE tuition > {n}")
        for n in (500, 600, 800, 1000)]),
    _t("lookup", ["{teachers} in the {subject} department", "{subject} {teachers}",
                  "who teaches in {subject}"],
       [({"subject": s}, f"{_T} WHERE department = '{s}'") for s in _SUBJECTS]),
    _t("lookup", ["student {n}", "show student number {n}", "details of student {n}"],
       [({"n": str(n)}, f"SELECT id, first_name, last_name FROM students WHERE id = {n}")
        for n in (3, 42, 118, 200)]),
    _t("aggregate", ["how many {students} are in {town}", "{how_many} {students} in {town}",
                     "in {town}, {how_many} {students}"],
       [({"town": t}, f"SELECT COUNT(*) FROM students WHERE city = '{t}'") for t in _TOWNS]),
    _t("aggregate", ["how many {students} do we have", "{how_many} {students} in total",
                     "total {students}"],
       _one("SELECT COUNT(*) FROM students")),
    _t("aggregate", ["average {col} of {teachers}", "what's the mean {col} for {teachers}",
                     "avg {col} across all {teachers}"],
       [({"col": "salary"}, "SELECT AVG(salary) FROM teachers")]),
    _t("aggregate", ["{agg} tuition", "{agg} tuition of all {courses}",
                     "what is the {agg} tuition"],
       [({"agg": a}, f"SELECT {f}(tuition) FROM courses")
        for a, f in (("highest", "MAX"), ("lowest", "MIN"), ("average", "AVG"), ("total", "SUM"))]),
    _t("group", ["{how_many} {students} per {col}", "{students} by {col}, counted",
                 "count {students} by {col}", "{how_many} {students} in each {col}"],
       [({"col": "city"}, "SELECT city, COUNT(*) FROM students GROUP BY city"),
        ({"col": "year level"}, "SELECT year_level, COUNT(*) FROM students GROUP BY year_level")]),
    _t("group", ["average grade per term", "avg grade by term", "mean grade for each term"],
       _one("SELECT term, AVG(grade) FROM enrollments GROUP BY term")),
    _t("group", ["{how_many} {teachers} per department", "{teachers} in each department, counted"],
       _one("SELECT department, COUNT(*) FROM teachers GROUP BY department")),
    _t("rank", ["top 3 most expensive {courses}", "the 3 priciest {courses}",
                "3 {courses} with the highest tuition"],
       _one("SELECT title, tuition FROM courses ORDER BY tuition DESC LIMIT 3")),
    _t("rank", ["youngest student", "who is the youngest of our {students}",
                "the student born most recently"],
       _one(f"{_S} ORDER BY birth_date DESC LIMIT 1")),
    _t("rank", ["the 3 best paid {teachers}", "top 3 {teachers} by salary",
                "3 highest salaries among {teachers}"],
       _one("SELECT first_name, last_name, salary FROM teachers ORDER BY salary DESC LIMIT 3")),
    _t("join", ["who teaches {course}", "which teacher runs {course}", "{course} teacher"],
       [({"course": c}, "SELECT t.first_name, t.last_name FROM teachers t JOIN courses c ON "
         f"c.teacher_id = t.id WHERE c.title = '{c}'") for c in _COURSES]),
    _t("join", ["how many {students} take {course}", "{how_many} {enrollments} for {course}",
                "{course}: {how_many} {students}"],
       [({"course": c}, "SELECT COUNT(*) FROM enrollments e JOIN courses c ON "
         f"c.id = e.course_id WHERE c.title = '{c}'") for c in _COURSES]),
    _t("join", ["average grade per course", "avg grade for each course", "mean grade by course"],
       _one("SELECT c.title, AVG(e.grade) FROM enrollments e JOIN courses c ON "
            "c.id = e.course_id GROUP BY c.id")),
    _t("values", ["{students} in {town}", "{students} living in {town}", "{town} {students}"],
       [({"town": said}, f"{_S} WHERE city = '{t}'") for said, t in
        (("MAPLE GROVE", "Maple Grove"), ("springfeild", "Springfield"), ("lake side", "Lakeside"),
         ("RIVERTON", "Riverton"))]),
    _t("values", ["{subject} {courses}", "{courses} in {subject}"],
       [({"subject": said}, f"SELECT title FROM courses WHERE subject = '{s}'") for said, s in
        (("maths", "Mathematics"), ("math", "Mathematics"), ("COMPUTING", "Computing"),
         ("sciense", "Science"))]),
    _t("unanswerable", ["what's the phone number of {teacher}", "{teacher}'s home address",
                        "when is {teacher}'s birthday"],
       [({"teacher": n}, "") for n in ("Rosa Weber", "Elena Dubois", "Jonas Haddad")]),
    _t("unanswerable", ["how many {students} took the bus today", "which {students} have allergies",
                        "attendance rate per class", "exam timetable for next week"],
       [({}, "")]),
]  # fmt: skip

_C = "SELECT FirstName, LastName FROM Customer"
_CITIES = [("munich", "München"), ("sao paulo", "São Paulo"), ("montreal", "Montréal"),
           ("vienna", "Wien"), ("prague", "Praha"), ("lisbon", "Lisboa"),
           ("copenhagen", "København"), ("cologne", "Köln"), ("brussels", "Bruxelles"),
           ("geneva", "Genève"), ("warsaw", "Warszawa"), ("Berlin", "Berlin")]  # fmt: skip
_GENRES = ["Jazz", "Rock", "Metal", "Pop", "Latin", "Blues"]
_ARTISTS = ["Orquesta Solar", "Grey Atlas", "Nightjar", "Hollow Pines", "Clara Holm"]
_YEARS = ["2021", "2022", "2023", "2024"]

MUSIC = [
    _t("lookup", ["all {albums}", "list the {albums}", "every album we have"],
       _one("SELECT Title FROM Album")),
    _t("lookup", ["{invoices} over ${n}", "{invoices} with a total above {n}",
                  "{invoices} bigger than {n} dollars"],
       [({"n": str(n)}, f"SELECT InvoiceId FROM Invoice WHERE Total > {n}")
        for n in (5, 8, 10, 12)]),
    _t("lookup", ["invoice {n}", "show invoice number {n}", "pull up invoice #{n}"],
       [({"n": str(n)}, f"SELECT InvoiceId, Total FROM Invoice WHERE InvoiceId = {n}")
        for n in (12, 77, 148, 300)]),
    _t("lookup", ["{invoices} from {y}", "{invoices} in {y}", "{y} {invoices}"],
       [({"y": y}, f"SELECT InvoiceId FROM Invoice WHERE InvoiceDate >= '{y}-01-01' "
         f"AND InvoiceDate < '{int(y) + 1}-01-01'") for y in _YEARS]),
    _t("aggregate", ["{how_many} {customers} in {country}",
                     "how many {customers} are from {country}",
                     "{country}: {how_many} {customers}"],
       [({"country": c}, f"SELECT COUNT(*) FROM Customer WHERE Country = '{c}'")
        for c in ("Canada", "Germany", "France", "USA", "Brazil")]),
    _t("aggregate", ["revenue in {y}", "total sales for {y}", "how much did we sell in {y}"],
       [({"y": y}, f"SELECT SUM(Total) FROM Invoice WHERE InvoiceDate >= '{y}-01-01' "
         f"AND InvoiceDate < '{int(y) + 1}-01-01'") for y in _YEARS]),
    _t("aggregate", ["how many {tracks} are there", "how many {tracks} do we have"],
       _one("SELECT COUNT(*) FROM Track")),
    _t("aggregate", ["average invoice total", "mean invoice amount", "avg total per invoice"],
       _one("SELECT AVG(Total) FROM Invoice")),
    _t("group", ["{how_many} {customers} per country", "{customers} by country, counted",
                 "count {customers} in each country"],
       _one("SELECT Country, COUNT(*) FROM Customer GROUP BY Country")),
    _t("group", ["revenue per billing country", "total sales by country", "sales for each country"],
       _one("SELECT BillingCountry, SUM(Total) FROM Invoice GROUP BY BillingCountry")),
    _t("group", ["{invoices} per year", "{how_many} {invoices} each year", "yearly invoice count"],
       _one("SELECT strftime('%Y', InvoiceDate) AS year, COUNT(*) FROM Invoice GROUP BY year")),
    _t("rank", ["longest track", "the longest song", "which track runs the longest"],
       _one("SELECT Name, Milliseconds FROM Track ORDER BY Milliseconds DESC LIMIT 1")),
    _t("rank", ["{n} most recent {invoices}", "latest {n} {invoices}", "the {n} newest {invoices}"],
       [({"n": "3"},
         "SELECT InvoiceId, InvoiceDate FROM Invoice ORDER BY InvoiceDate DESC LIMIT 3")]),
    _t("rank", ["biggest invoice", "the largest invoice", "which invoice had the highest total"],
       _one("SELECT InvoiceId, Total FROM Invoice ORDER BY Total DESC LIMIT 1")),
    _t("join", ["{albums} by {artist}", "which {albums} did {artist} make", "{artist} {albums}"],
       [({"artist": a}, "SELECT al.Title FROM Album al JOIN Artist ar ON ar.ArtistId = al.ArtistId "
         f"WHERE ar.Name = '{a}'") for a in _ARTISTS]),
    _t("join", ["{how_many} {genre} {tracks}", "{how_many} {tracks} in the {genre} genre",
                "{genre}: {how_many} {tracks}"],
       [({"genre": g}, "SELECT COUNT(*) FROM Track t JOIN Genre g ON g.GenreId = t.GenreId "
         f"WHERE g.Name = '{g}'") for g in _GENRES]),
    _t("join", ["{tracks} by {artist}", "all {tracks} from {artist}", "what did {artist} record"],
       [({"artist": a}, "SELECT t.Name FROM Track t JOIN Album al ON al.AlbumId = t.AlbumId "
         f"JOIN Artist ar ON ar.ArtistId = al.ArtistId WHERE ar.Name = '{a}'") for a in _ARTISTS]),
    _t("join", ["{how_many} {albums} per artist", "{albums} for each artist, counted"],
       _one("SELECT ar.Name, COUNT(*) FROM Album al JOIN Artist ar ON ar.ArtistId = al.ArtistId "
            "GROUP BY ar.ArtistId")),
    _t("values", ["{customers} in {city}", "{city} {customers}", "any {customers} in {city}"],
       [({"city": said}, f"{_C} WHERE City = '{c}'") for said, c in _CITIES]),
    _t("unanswerable", ["how many plays did {artist} get", "{artist}'s concert dates",
                        "what label is {artist} signed to", "{artist} fan reviews"],
       [({"artist": a}, "") for a in _ARTISTS]),
]  # fmt: skip

_R = 'SELECT "Full Name" FROM "Sales Reps"'
_A = 'SELECT "Account Name" FROM "Accounts"'
_ACITIES = [("milan", "Milano"), ("rome", "Roma"), ("zurich", "Zürich"), ("geneva", "Genève"),
            ("the hague", "Den Haag"), ("seville", "Sevilla"), ("gothenburg", "Göteborg"),
            ("athens", "Athína"), ("Dublin", "Dublin"), ("amsterdam", "Amsterdam")]  # fmt: skip
_REGIONS = ["North", "South", "East", "West"]
_LINES = ["Office Chairs", "Desks", "Lighting", "Storage", "Accessories"]
_STATUSES = ["Open", "Shipped", "Cancelled"]

SALES = [
    _t("lookup", ["{reps} in the {region} region", "{region} {reps}",
                  "which {reps} cover the {region}"],
       [({"region": r}, f"{_R} WHERE \"Region\" = '{r}'") for r in _REGIONS]),
    _t("lookup", ["active {reps}", "{reps} who are active", "which {reps} are still active"],
       _one(f'{_R} WHERE "Is Active" = 1')),
    _t("lookup", ["discontinued {items}", "{items} that are discontinued",
                  "which {items} were discontinued"],
       _one('SELECT "Item Name" FROM "Catalog Items" WHERE "Discontinued" = 1')),
    _t("lookup", ["{status} {orders}", "{orders} that are {status}",
                  "{orders} with status {status}"],
       [({"status": s.lower()}, f'SELECT "Order No" FROM "Sales Orders" WHERE "Status" = \'{s}\'')
        for s in _STATUSES]),
    _t("lookup", ["order {n}", "show order {n}", "order number {n} please"],
       [({"n": str(n)}, f'SELECT "Order No", "Status" FROM "Sales Orders" WHERE "Order No" = {n}')
        for n in (5001, 5020, 5150, 5333)]),
    _t("aggregate", ["how many {orders} are {status}", "{how_many} {status} {orders}",
                     "{status} {orders}: how many"],
       [({"status": s.lower()}, f'SELECT COUNT(*) FROM "Sales Orders" WHERE "Status" = \'{s}\'')
        for s in _STATUSES]),
    _t("aggregate", ["how many {accounts} do we have", "{how_many} {accounts} in total"],
       _one('SELECT COUNT(*) FROM "Accounts"')),
    _t("aggregate", ["{agg} list price", "what's the {agg} list price of our {items}"],
       [({"agg": a}, f'SELECT {f}("List Price") FROM "Catalog Items"')
        for a, f in (("highest", "MAX"), ("lowest", "MIN"), ("average", "AVG"))]),
    _t("group", ["{orders} per status", "{how_many} {orders} by status",
                 "count {orders} by status"],
       _one('SELECT "Status", COUNT(*) FROM "Sales Orders" GROUP BY "Status"')),
    _t("group", ["{accounts} per country", "{how_many} {accounts} in each country"],
       _one('SELECT "Country", COUNT(*) FROM "Accounts" GROUP BY "Country"')),
    _t("group", ["total quota by region", "sum of quota per region", "quota for each region"],
       _one('SELECT "Region", SUM("Quota") FROM "Sales Reps" GROUP BY "Region"')),
    _t("rank", ["most expensive item", "the priciest of our {items}", "which item costs the most"],
       _one('SELECT "Item Name", "List Price" FROM "Catalog Items" '
            'ORDER BY "List Price" DESC LIMIT 1')),
    _t("rank", ["newest sales rep", "the most recently hired of our {reps}", "latest rep we hired"],
       _one(f'{_R} ORDER BY "Hire Date" DESC LIMIT 1')),
    _t("join", ["{items} in the {line} line", "{line} {items}", "which {items} are {line}"],
       [({"line": line}, 'SELECT i."Item Name" FROM "Catalog Items" i JOIN "Product Lines" p ON '
         f'p."Line ID" = i."Line ID" WHERE p."Line Name" = \'{line}\'') for line in _LINES]),
    _t("join", ["how many {orders} did {rep} take", "{orders} by {rep}, how many",
                "how many {orders} has {rep} closed"],
       [({"rep": r}, 'SELECT COUNT(*) FROM "Sales Orders" o JOIN "Sales Reps" r ON '
         f'r."Rep ID" = o."Rep ID" WHERE r."Full Name" = \'{r}\'')
        for r in ("Wen Zhang", "Chloe Okafor", "Omar Ueda", "Grace Kowalski")]),
    _t("join", ["{orders} per rep", "{how_many} {orders} for each rep"],
       _one('SELECT r."Full Name", COUNT(*) FROM "Sales Orders" o JOIN "Sales Reps" r ON '
            'r."Rep ID" = o."Rep ID" GROUP BY r."Rep ID"')),
    _t("values", ["{accounts} in {city}", "{city} {accounts}", "any {accounts} in {city}"],
       [({"city": said}, f"{_A} WHERE \"City\" = '{c}'") for said, c in _ACITIES]),
    _t("unanswerable", ["{rep}'s commission", "how many calls did {rep} make",
                        "{rep}'s customer satisfaction score", "{rep}'s vacation days left"],
       [({"rep": r}, "") for r in ("Wen Zhang", "Chloe Okafor", "Omar Ueda")]),
]  # fmt: skip

TEMPLATES: dict[str, list[Template]] = {"school": SCHOOL, "music": MUSIC, "sales": SALES}


def typo(word: str, rng: random.Random) -> str:
    """``word`` with one letter dropped, doubled, or two neighbours swapped."""
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(["swap", "drop", "double"])
    if kind == "swap" and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "double":
        return word[: i + 1] + word[i] + word[i + 1 :]
    return word[:i] + word[i + 1 :]


def _dress(question: str, tier: str, rng: random.Random) -> str:
    """Politeness, case and perhaps a typo around a question."""
    if question.startswith(("show", "list", "pull", "count", "order", "invoice", "student")):
        openings = COMMANDS
    elif question.startswith(("how", "what", "who", "which", "when")):
        openings = ASKING
    else:
        openings = OPENINGS
    text = rng.choice(openings) + question + rng.choice(ENDINGS)
    if rng.random() < 0.35:
        words = list(_WORD.finditer(text))
        if words:
            hit = rng.choice(words)
            text = text[: hit.start()] + typo(hit[0], rng) + text[hit.end() :]
    style = rng.random()
    if style < 0.1:
        return text.upper()
    if style < 0.4:
        return text[:1].upper() + text[1:]
    return text


def _variants(db: str, rng: random.Random) -> Iterator[Case]:
    synonyms = SYNONYMS[db]
    templates = TEMPLATES[db]
    seen: set[str] = set()
    for attempt in range(PER_SCHEMA * 20):
        template = templates[attempt % len(templates)]
        slots, gold = rng.choice(template.fills)
        phrasing = rng.choice(template.phrasings)

        def fill(match: re.Match[str], slots: dict[str, str] = slots) -> str:
            name = match[1]
            return slots[name] if name in slots else rng.choice(synonyms[name])

        question = _dress(_SLOT.sub(fill, phrasing), template.tier, rng)
        if question.lower() in seen:
            continue
        seen.add(question.lower())
        why = f"variant of {template.phrasings[0]!r}"
        yield Case(f"{db}-v{len(seen):04d}", db, template.tier, question, gold or None, why)


def generate(db: str, count: int = PER_SCHEMA, seed: int = SEED) -> list[Case]:
    """``count`` distinct variants over ``db``, the same on every run for one seed."""
    rng = random.Random(f"{seed}:{db}")
    cases = []
    for case in _variants(db, rng):
        cases.append(case)
        if len(cases) == count:
            break
    return cases
