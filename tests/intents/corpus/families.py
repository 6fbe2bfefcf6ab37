"""Our own corpus: phrasings by family, from templates × vocabularies, with expected fields.

Written for issue #16 to test the rules on words we did not tune them on: each family
mixes writers (terse, chatty, polite, non-native, typo-prone) and word orders. Cases
are drawn with a fixed seed, so the corpus is the same on every run;
``python -m tests.intents.corpus.families`` writes it to ``families.jsonl`` beside this
file (the shared scorer reads that file too).

Each case is ``{"id", "message", "now", "tz", "expect", "why"}`` as in the shared
corpora; ``why`` starts with the family name. ``mentions`` (ours, not the scorer's) lists
words the clarifying question must contain.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

NOW = "2026-11-18T15:30:00"
TZ = "UTC"
HERE = Path(__file__).parent
FILE = HERE / "families.jsonl"
SEED = 16
PER_FAMILY = 300

Case = tuple[str, dict[str, Any]]

# How people name each format, as a noun phrase that fits after "as", "in" or alone.
FORMATS: dict[str, list[str]] = {
    "csv": ["csv", "a csv", "a CSV file", "comma separated values", "a .csv", "CSV format"],
    "xlsx": ["excel", "an Excel file", "a spreadsheet", "xlsx", "an excel workbook", "a workbook"],
    "json": ["json", "a JSON file", "JSON", "a json array"],
    "jsonl": ["json lines", "ndjson", "jsonl", "newline-delimited json"],
    "parquet": ["parquet", "a parquet file", "Parquet"],
    "pdf": ["pdf", "a PDF", "a printable version", "a pdf copy", "PDF format"],
    "markdown": ["markdown", "a markdown table", "md", "Markdown"],
    "tsv": ["tsv", "tab separated", "a tab-delimited file", "TSV"],
}
PEOPLE = [
    "finance", "my manager", "the boss", "our accountant", "the team", "my colleague",
    "the CFO", "legal", "the client", "marketing", "my supervisor", "the board", "ops",
]  # fmt: skip
OCCASIONS = [
    "the board meeting", "tomorrow's standup", "my presentation", "the quarterly review",
    "the monday meeting", "our offsite", "a client call",
]  # fmt: skip
COLUMNS = [
    "name", "email", "city", "country", "order id", "status", "total", "amount", "created at",
    "signup date", "region", "revenue", "margin", "sku", "qty", "price", "phone", "customer",
    "invoice number", "due date", "discount", "last login", "plan", "zip code",
]  # fmt: skip
QUESTIONS = [
    ("revenue by region", ["revenue", "region"]),
    ("orders from Berlin", ["orders", "berlin"]),
    ("the top customers by spend", ["customers"]),
    ("refunds from last month", ["refunds"]),
    ("invoices over 500 euros", ["invoices", "500"]),
    ("signups per country", ["signups", "country"]),
    ("products with low stock", ["products", "stock"]),
    ("employees hired in 2025", ["employees", "2025"]),
    ("shipments to France", ["shipments", "france"]),
    ("the average order value per month", ["order", "month"]),
    ("suppliers in Spain", ["suppliers", "spain"]),
    ("tickets opened this week", ["tickets"]),
]


def _fmt(rng: random.Random, fmt: str | None = None) -> tuple[str, str]:
    key = fmt or rng.choice(list(FORMATS))
    return key, rng.choice(FORMATS[key])


def _export(fmt: str, **more: Any) -> dict[str, Any]:
    return {"intent": "export", "format": fmt, "target": "last_result", "clarify": False, **more}


def format_only(rng: random.Random) -> Iterator[Case]:
    frames = [
        "{f}", "{f} please", "{f} pls", "as {f}", "can I get it as {f}?",
        "could I have that as {f}",
        "{f} would be better", "{f} is fine", "I'd prefer {f}", "make it {f}", "now as {f}",
        "as {f} so {p} can open it", "{f} for {p}", "{p} wants it as {f}", "{f}, thanks!",
        "ok {f} then", "convert it to {f}", "turn this into {f}", "need it as {f} asap",
        "gimme {f}", "can u do {f}", "I want it in {f} please", "give me in {f} kindly",
        "this as {f}, {p} needs it", "as {f} for {o}", "i need this as {f} for {o}",
        "{f} works for me", "hmm, {f} maybe", "Could you possibly do {f}?", "{f}?",
        "same data but {f}", "just give me {f}", "{f} would be great, cheers",
        "put it in {f} for me", "in {f} format pls", "as {f} - {p} asked for it",
        "please provide the same as {f}", "i'd like that as {f}", "switch it to {f}",
    ]  # fmt: skip
    for frame in frames:
        for _ in range(10):
            fmt, phrase = _fmt(rng)
            text = frame.format(f=phrase, p=rng.choice(PEOPLE), o=rng.choice(OCCASIONS))
            yield text, _export(fmt, query=None)


def addresses(rng: random.Random) -> Iterator[Case]:
    locals_ = [
        "excel.team", "csv-reports", "json.bot", "pdf_archive", "parquet.lake", "tsv.ops",
        "markdown-wiki", "jason", "xlsx-inbox", "spreadsheet.club", "data.json", "reports.pdf",
    ]  # fmt: skip
    domains = ["acme.io", "northwind.example", "corp.co", "mail.example.com", "firma.de"]
    frames = [
        "send this to {a} as {f}", "email it to {a}, {f} please", "{a} needs this as {f}",
        "mail {a} a copy as {f}", "forward the results to {a} in {f}",
        "pls send {f} to {a}", "as {f} to {a}", "export as {f} and email {a}",
        "could you email {a} this as {f}?", "{f} to {a} please", "email {a} the {f}",
        "send {a} this in {f} format", "send it as {f} to {a} thx",
        "as {f}; the layout is described at https://wiki.acme.io/excel-guide",
        "as {f} (see docs.acme.io/csv-export for why)", "get me {f}, like www.example.com/json",
    ]  # fmt: skip
    for frame in frames:
        for _ in range(19):
            fmt, phrase = _fmt(rng)
            if frame.startswith("email {a} the"):
                phrase = fmt
            address = f"{rng.choice(locals_)}@{rng.choice(domains)}"
            text = frame.format(f=phrase, a=address)
            if "{a}" in frame:
                yield text, _export(fmt, destination="email", email=address)
            else:
                yield text, _export(fmt, destination="download")


_TYPO_WORDS = {
    "excel": "xlsx", "spreadsheet": "xlsx", "workbook": "xlsx", "json": "json",
    "parquet": "parquet", "markdown": "markdown", "xlsx": "xlsx", "jsonl": "jsonl",
}  # fmt: skip
_FORMAT_WORDS = {"json", "jsonl", "xls", "xlsx", "csv", "excel"}
_REAL_WORDS = {"jason", "exel", "sons", "parquets", "works", "expel", "jsonn"}


def _typo(rng: random.Random, word: str) -> str:
    while True:
        i = rng.randrange(len(word))
        kind = rng.choice(["swap", "drop", "double", "near"])
        if kind == "swap" and i + 1 < len(word):
            out = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        elif kind == "drop" and len(word) > 4:
            out = word[:i] + word[i + 1 :]
        elif kind == "double":
            out = word[: i + 1] + word[i] + word[i + 1 :]
        elif kind == "near" and len(word) > 5:
            near = {"a": "s", "e": "r", "o": "p", "t": "r", "r": "t", "l": "k", "s": "a", "n": "m"}
            out = word[:i] + near.get(word[i], word[i]) + word[i + 1 :]
        else:
            continue
        if out != word and out not in _REAL_WORDS and out not in _FORMAT_WORDS:
            return out


def typos(rng: random.Random) -> Iterator[Case]:
    frames = [
        "export this as {f}", "{v} this as {f}", "{v} it to {f}", "save it as a {f}",
        "can you {v} the results as {f}", "{v} as {f} pls", "pls {v} this in {f}",
        "{v} the table as {f} file", "i want {f} pls", "as {f} please",
    ]  # fmt: skip
    for frame in frames:
        for _ in range(30):
            word = rng.choice(list(_TYPO_WORDS))
            fmt = _TYPO_WORDS[word]
            verb = rng.choice(["export", "download", _typo(rng, "export"), _typo(rng, "download")])
            yield frame.format(f=_typo(rng, word), v=verb), _export(fmt)


def email_verbs(rng: random.Random) -> Iterator[Case]:
    frames = [
        "email me this as {f}", "shoot me this as {f}", "shoot it over as {f}",
        "send it over as {f}", "drop it in my inbox as {f}", "mail it to me, {f}",
        "fire it off to me as {f}", "forward this to me as {f}", "can you send me this as {f}",
        "send to my email as {f}", "pls email {f}", "emial me this as {f}", "sned it to me as {f}",
        "email this to me in {f} format", "can u mail me the results as {f}",
        "shoot the results over as {f}", "toss it over to me as {f} pls", "send me {f}",
        "email it as {f} please", "drop the results in my inbox as {f}", "e-mail me {f}",
        "mial me this as {f}", "emal it to me as {f}", "plz send this to me as {f}",
        "send the rows to me as {f}", "i need this emailed to me as {f}",
        "could you forward it to me as {f}", "ping me the {f}", "send it to my inbox, {f}",
        "{f} by email please",
    ]  # fmt: skip
    for frame in frames:
        for _ in range(10):
            fmt, phrase = _fmt(rng)
            if frame.startswith("ping me the"):
                phrase = fmt
            yield frame.format(f=phrase), _export(fmt, destination="email", email=None)


def _names(rng: random.Random, k: int) -> list[str]:
    return rng.sample(COLUMNS, k)


def column_lists(rng: random.Random) -> Iterator[Case]:
    def joined(names: list[str], style: str) -> str:
        if style == "comma":
            return ", ".join(names[:-1]) + " and " + names[-1]
        if style == "plus":
            return " + ".join(names)
        if style == "amp":
            return " & ".join(names)
        if style == "then":
            return ", then ".join(names)
        return names[0] + " followed by " + " and ".join(names[1:])

    frames = [
        "only {l} as {f}", "just {l}, {f}", "{l} in that order, {f}",
        "{l} - in that order - as {f}",
        "keep only {l} and export as {f}", "columns: {l} - {f}", "limit it to {l}, {f}",
        "with columns {l} as {f}", "{f} with {l}", "{l} only, as {f}", "export only {l} to {f}",
        "only the {l} columns as {f}", "{f}, just {l}", "give me {l} as {f}, in this order",
        "pick {l} and make it {f}",
    ]  # fmt: skip
    for frame in frames:
        for _ in range(20):
            names = _names(rng, rng.choice([2, 2, 3, 3, 4]))
            style = rng.choice(["comma", "plus", "amp", "then", "followed"])
            if frame.startswith("{f} with") or frame.startswith("{l}"):
                style = rng.choice(["plus", "then", "followed"]) if len(names) == 2 else style
            fmt, phrase = _fmt(rng)
            text = frame.format(l=joined(names, style), f=phrase)
            yield text, _export(fmt, columns=[n.replace(" ", "_") for n in names])


def exclusions(rng: random.Random) -> Iterator[Case]:
    frames = [
        "everything but {x} as {f}", "all columns except {x}, {f}", "without {x} as {f}",
        "drop {x} and export as {f}", "leave out {x}, {f}", "{f} minus the {x} column",
        "exclude {x} and give me {f}", "hide {x} then {f}", "all but {x} as {f}",
        "skip the {x} column, {f}", "remove {x}, {f} please", "everything except {x}, in {f}",
        "{f} but without {x}", "export as {f} without the {x} column",
        "every column except {x} as {f}",
    ]  # fmt: skip
    for frame in frames:
        for _ in range(20):
            names = _names(rng, rng.choice([1, 1, 2]))
            listed = " and ".join(names)
            if "column" in frame and len(names) > 1:
                names = names[:1]
                listed = names[0]
            fmt, phrase = _fmt(rng)
            text = frame.format(x=listed, f=phrase)
            yield text, _export(fmt, exclude_columns=[n.replace(" ", "_") for n in names],
                                columns=None)  # fmt: skip


_NUMBERS = [("10", 10), ("20", 20), ("50", 50), ("100", 100), ("250", 250), ("1000", 1000),
            ("1,000", 1000), ("5000", 5000), ("ten", 10), ("fifty", 50), ("twenty", 20),
            ("a hundred", 100), ("five hundred", 500)]  # fmt: skip


def row_limits(rng: random.Random) -> Iterator[Case]:
    frames = [
        "first {n} rows as {f}", "top {n} as {f}", "cap it at {n} rows, {f}",
        "no more than {n} rows as {f}", "max {n} rows, {f}", "at most {n} rows in {f}",
        "limit to {n} rows as {f}", "just {n} rows pls, {f}", "{n} rows max, {f}",
        "only the first {n} lines as {f}", "export the first {n} rows to {f}",
        "{f}, first {n} rows only", "give me the top {n} rows as {f}", "limit it to {n} rows, {f}",
    ]  # fmt: skip
    for frame in frames:
        for _ in range(18):
            said, value = rng.choice(_NUMBERS)
            fmt, phrase = _fmt(rng)
            yield frame.format(n=said, f=phrase), _export(fmt, limit=value)
    for _ in range(40):
        names = _names(rng, 2)
        fmt, phrase = _fmt(rng)
        text = f"two columns only: {names[0]} and {names[1]}, {phrase}"
        yield text, _export(fmt, limit=None, columns=[n.replace(" ", "_") for n in names])


def help_and_thanks(rng: random.Random) -> Iterator[Case]:
    helps = [
        "show my export history", "what templates do I have?", "what can you do?",
        "which schedules are running?", "list my schedules", "cancel my weekly email",
        "how do I change my default format?", "do you remember what I asked yesterday?",
        "where are my old exports?", "what have I scheduled?", "how does scheduling work",
        "what formats do you support", "help", "what are my saved templates",
        "can you show me my scheduled exports", "stop the daily report email",
        "do you keep my history?", "how do I delete a schedule?", "what's scheduled?",
        "pause my monday schedule", "show me my templates please", "any schedules set up?",
        "what did I export yesterday?", "which templates have I saved", "what can I ask you?",
        "how do i unsubscribe from the weekly csv", "where can I find my downloads?",
        "do you store the files I export?", "list all my schedules pls", "what do you do",
    ]  # fmt: skip
    thanks = [
        "thanks!", "thank you so much", "cheers mate", "great, that worked", "perfect, thanks",
        "the pdf looked great", "the csv opened fine, thanks", "ty", "awesome thx",
        "that spreadsheet was exactly what I needed", "lovely, cheers", "ok thanks",
        "the json loaded into my script no problem", "brilliant, the excel works",
        "got it, thank you", "nice one", "the parquet file worked fine in spark",
    ]  # fmt: skip
    prefixes = ["", "hey, ", "hi! ", "ok so ", "quick question: ", "um "]
    for text in helps:
        for prefix in rng.sample(prefixes, 5):
            yield prefix + text, {"intent": "help"}
    for text in thanks:
        for prefix in rng.sample(["", "oh ", "ok ", "wow ", "yay "], 4):
            yield prefix + text, {"intent": "unknown", "format": None}


def deferrals(rng: random.Random) -> Iterator[Case]:
    asks = [
        "I'll export it later, first show me {q}", "don't export yet, just show me {q}",
        "before I export, show me {q}", "show me {q} first, I'll download it later",
        "no need to export, just show {q}", "I'll save it as {f} later, for now show me {q}",
        "not exporting yet - show me {q}", "hold on with the export, show me {q} first",
        "we'll export afterwards, can you show {q}?", "first list {q}, then I'll export it",
    ]  # fmt: skip
    nothing = [
        "hold off on the {f} for now", "I might want this as {f} later, but not now",
        "maybe export it later", "don't export it yet", "not now, I'll export later",
        "let me export it later", "I'll do the {f} later", "no export for now, thanks",
        "wait with the {f} for now", "I'll probably want {f} at some point, not yet",
    ]  # fmt: skip
    openers = ["", "ok ", "actually ", "hmm, ", "wait, ", "right, ", "so "]
    for frame in asks:
        for _ in range(25):
            question, words_ = rng.choice(QUESTIONS)
            _, phrase = _fmt(rng)
            text = rng.choice(openers) + frame.format(q=question, f=phrase)
            yield text, {"intent": "query", "format": None, "query": words_}
    for frame in nothing:
        for _ in range(14):
            key, phrase = _fmt(rng)
            phrase = key if "the {f}" in frame else phrase
            text = rng.choice(openers) + frame.format(f=phrase)
            yield text, {"intent": "unknown", "format": None}


def politeness(rng: random.Random) -> Iterator[Case]:
    frames = [
        "{f} please and thank you", "could you kindly export this as {f}? many thanks",
        "as {f} so {p} can open it", "{f} - {p} needs it for {o}",
        "export this as {f} because {p} asked", "as {f} if possible", "pretty please, {f}",
        "{f} whenever you get a chance", "as {f}, no rush", "would you mind making it {f}?",
        "{f} would be lovely, thank you!", "Hello! Could I please have this as {f}? Thanks a lot",
        "kindly share this in {f}", "if it's not too much trouble, {f} please",
        "{f} pls, {p} is waiting for it", "sorry to bother you, can I get this as {f}",
        "as {f} so that I can share it with {p}", "{f} please, it's for {o}",
        "do the needful and send as {f}" , "export as {f}, I want to show it to {p}",
    ]  # fmt: skip
    for frame in frames:
        for _ in range(15):
            fmt, phrase = _fmt(rng)
            text = frame.format(f=phrase, p=rng.choice(PEOPLE), o=rng.choice(OCCASIONS))
            expect = _export(fmt, query=None)
            if "send as" in frame:
                expect["destination"] = "email"
            yield text, expect


PLACES = [
    ("Slack", "slack"), ("Google Drive", "google drive"), ("S3", "s3"), ("SFTP", "the sftp server"),
    ("Dropbox", "dropbox"), ("SharePoint", "sharepoint"), ("OneDrive", "onedrive"),
    ("Microsoft Teams", "teams"), ("S3", "our s3 bucket"), ("Google Drive", "my drive"),
    ("a chat channel", "#sales-reports"), ("S3", "s3://acme-exports/daily"),
]  # fmt: skip


def unsupported_destinations(rng: random.Random) -> Iterator[Case]:
    frames = [
        "send it to {d} as {f}", "upload this to {d}", "post the results in {d}",
        "put it on {d} as {f}", "save it to {d}", "push it to {d} as {f}",
        "export as {f} and drop it in {d}", "can you share this on {d}?",
        "{f} to {d} please", "export this to {d}", "upload the {f} to {d}",
        "please post this to {d} as {f}", "sync it to {d}", "send the csv to {d}",
    ]  # fmt: skip
    for frame in frames:
        for _ in range(22):
            name, place = rng.choice(PLACES)
            key, phrase = _fmt(rng)
            phrase = key if "the {f}" in frame else phrase
            expect = {"intent": "export", "clarify": True, "target": "last_result",
                      "mentions": [name]}  # fmt: skip
            yield frame.format(d=place, f=phrase), expect


def hourly_minutes(rng: random.Random) -> Iterator[Case]:
    frames = [
        ("export this as {f} hourly at :{mm}", None),
        ("every hour at :{mm} send me this as {f}", None),
        ("hourly at :{mm}, {f}", None), ("{f} every hour at xx:{mm}", None),
        ("each hour at {m} past the hour email this as {f}", None),
        ("every hour at {m} minutes past, as {f}", None),
        ("hourly on the half hour as {f}", 30), ("every hour at quarter past, {f}", 15),
        ("{f} each hour at half past", 30), ("schedule this as {f} every hour at :{mm}", None),
        ("send me {f} every hour at {m} past", None), ("hourly, at minute {m}, as {f}", None),
    ]  # fmt: skip
    for frame, fixed in frames:
        for _ in range(20):
            minute = fixed if fixed is not None else rng.choice([5, 10, 15, 20, 30, 40, 45, 50])
            fmt, phrase = _fmt(rng)
            text = frame.format(f=phrase, mm=f"{minute:02d}", m=minute)
            yield text, {"intent": "schedule", "format": fmt, "cron": f"{minute} * * * *",
                         "clarify": False}  # fmt: skip


def two_formats(rng: random.Random) -> Iterator[Case]:
    tails = ["whatever", "either is fine", "dealer's choice", "doesn't matter", "whichever",
             "you pick", "up to you", "any is fine", "both fine", "I don't mind"]  # fmt: skip
    joins = [" or ", "/", " or maybe ", ", or "]
    for _ in range(300):
        a, b = rng.sample(list(FORMATS), 2)
        first, second = rng.choice(FORMATS[a]), rng.choice(FORMATS[b])
        text = f"{first}{rng.choice(joins)}{second}, {rng.choice(tails)}"
        yield text, {"intent": "export", "target": "last_result", "clarify": True}


FAMILIES: dict[str, Callable[[random.Random], Iterator[Case]]] = {
    "format-only": format_only,
    "addresses": addresses,
    "typos": typos,
    "email-verbs": email_verbs,
    "column-lists": column_lists,
    "exclusions": exclusions,
    "row-limits": row_limits,
    "help-thanks": help_and_thanks,
    "deferrals": deferrals,
    "politeness": politeness,
    "destinations": unsupported_destinations,
    "hourly-minutes": hourly_minutes,
    "two-formats": two_formats,
}


def build() -> list[dict[str, Any]]:
    """Every case of every family, deduplicated by message, in a fixed order."""
    cases: list[dict[str, Any]] = []
    for family, make in FAMILIES.items():
        rng = random.Random(f"{SEED}-{family}")
        seen: set[str] = set()
        for message, expect in itertools.islice(make(rng), PER_FAMILY * 2):
            if message in seen:
                continue
            seen.add(message)
            expect = dict(expect)
            case = {"id": f"{family}-{len(seen):03d}", "message": message, "now": NOW, "tz": TZ}
            mentions = expect.pop("mentions", None)
            case.update(expect=expect, why=f"{family}: generated")
            if mentions:
                case["mentions"] = mentions
            cases.append(case)
    return cases


def render(cases: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(case, ensure_ascii=False) + "\n" for case in cases)


if __name__ == "__main__":
    FILE.write_text(render(build()), encoding="utf-8")
