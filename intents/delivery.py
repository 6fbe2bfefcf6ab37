"""How the file travels: compressed or not, downloaded or emailed (and to whom).

"zipped", "in a zip", "compressed" → zip; "gzip it", "gzipped", "gzip'd", ".gz" → gzip
(gzip only when named: "compressed" alone means zip, the archive every desktop opens
with a double click). "email me", "send it to", "mail", "forward", "to my inbox", "by
email", a casual "shoot me this" / "drop it in my inbox" / "ping it over", a misspelt
"emial" or "sned", or an address → email; "don't email it" cancels.

Addresses and web links are read first (:func:`find_addresses`) and blanked, so words
inside them ("excel.team@...", "json.feeds@...", "https://.../csv") are never formats,
verbs or data. A destination we cannot deliver to ("send it to Slack", "upload it to
S3", "put it on the SFTP server", an ``s3://`` link) is named in
``scan.unsupported_destination`` so the parser can say so and ask.
"""

from __future__ import annotations

import regex

from intents.cues import Scan, at_verb_place, note_verb
from intents.models import Compression
from intents.typos import fuzzy_verb

__all__ = ["find_addresses", "find_compression", "find_destination"]

_ADDRESS_RE = regex.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+(?<![.])")
_URL_RE = regex.compile(
    r"\b(?:(?P<scheme>https?|s3|sftp|ftps?|gs|az|file)://|www\.)[^\s,;]+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:com|io|org|net|dev|app|co|ai|cloud)(?:/[^\s,;]*)?(?![\w@])"
)
_URL_PLACES = (
    ("s3", "S3"), ("sftp", "an SFTP server"), ("ftp", "an FTP server"),
    ("gs", "Google Cloud Storage"), ("az", "Azure storage"), ("drive.google", "Google Drive"),
    ("docs.google", "Google Drive"), ("slack", "Slack"), ("dropbox", "Dropbox"),
    ("sharepoint", "SharePoint"), ("onedrive", "OneDrive"), ("teams", "Microsoft Teams"),
)  # fmt: skip
_TO_URL = regex.compile(
    r"(?:\b(?:post|upload|push|sync|publish|put|drop|save|send|copy|move|dump|write|store"
    r"|deliver|e-?mail|mail|forward)(?:s|ed|ing)?\s+(?:(?:it|this|that|them|these|those"
    r"|everything|the\s+\w+)\s+)?\b(?:to|on|onto|into|in|at|via)|\b(?:to|onto|into))\s+(?:the\s+)?$"
)


def find_addresses(scan: Scan) -> None:
    """E-mail addresses (kept, they mean email) and web links, blanked before anything else."""
    for found in _ADDRESS_RE.finditer(scan.work):
        scan.email = scan.email or scan.text[found.start() : found.end()].lower()
        scan.emailed = True
        scan.blank(found.span())
    for found in _URL_RE.finditer(scan.work):
        scan.blank(found.span())
        link = found.group()
        towards = _TO_URL.search(scan.work[max(0, found.start() - 40) : found.start()])
        if towards is None:
            continue  # a link mentioned, not a place to deliver to
        place = next(
            (name for key, name in _URL_PLACES if link.startswith(key) or f".{key}" in link
             or f"//{key}" in link), "a web address"
        )  # fmt: skip
        scan.unsupported_destination = scan.unsupported_destination or place
        start = found.start() - len(towards.group())
        note_verb(scan, (start, start + 1), start)
        scan.blank((start, found.start()))


_GZIP_RE = regex.compile(
    r"\b(?:g-?zip(?:ped|ping|'d|d)?(?:\s+(?:it|them|this|that|these|those|everything|up))?"
    r"|(?:as|in|into)\s+(?:an?\s+)?(?:\.?gz|gzip)(?:\s+(?:file|archive))?|tar\.?gz|tgz|\.?gz"
    r"|gunzip)\b"
)
_ZIP_RE = regex.compile(
    r"\b(?:(?:as|in|into|inside)\s+(?:an?\s+|one\s+)?(?:single\s+)?zip(?:\s+(?:files?|archive"
    r"|folder))?|zip(?:ped|ping|'d)?(?!\s*codes?\b)(?:\s+(?:it|them|this|that|these|those|everything"
    r"|all))?(?:\s+up)?(?:\s+(?:in|into)\s+(?:an?\s+|one\s+)?(?:zip|archive))?|zip\s+(?:file|archive)"
    r"|compress(?:ed|ing)?(?:\s+(?:it|them|this|that|these|those|everything))?"
    r"|with\s+compression)\b"
)
_NO_COMPRESSION_RE = regex.compile(
    r"\b(?:un(?:zipped|compressed)|(?:not|no|don'?t|do\s+not|without)\s+(?:zip(?:ped|ping)?"
    r"|compress(?:ed|ion|ing)?|gzip(?:ped)?)(?:\s+(?:it|them))?)\b"
)
_COMPRESSION_VERB_BEFORE = regex.compile(r"(?:^|[,.;:!?]|\b(?:and|then|please|just|also|now))\s*$")


def find_compression(scan: Scan) -> None:
    off = _NO_COMPRESSION_RE.search(scan.work)
    if off:
        scan.compression_off = True
        scan.blank(off.span())
        return
    for pattern, kind in ((_GZIP_RE, Compression.GZIP), (_ZIP_RE, Compression.ZIP)):
        found = pattern.search(scan.work)
        if found is None:
            continue
        if scan.compression is None:
            scan.compression = kind
        if not found.group().startswith(("as", "in", "with", "compression")):
            before = scan.work[: found.start()]
            scan.compression_verb |= bool(_COMPRESSION_VERB_BEFORE.search(before))
        scan.blank(found.span())


_EMAIL_VERB_RE = regex.compile(
    r"\b(?:e-?mail|mail|send|forward|deliver)(?:ed|ing|s)?\b"
    r"(?:\s+(?:it|this|that|them|these|those))?(?:\s+(?:over|out|along|across))?"
    r"(?:\s+(?:to\s+)?(?:me|us|myself|ourselves)\b)?"
)
# "shoot me this", "shoot it over", "ping it across to me", "drop it in my inbox":
# casual verbs that send only with a person, "over"/"across" or an inbox after them.
_CASUAL_SEND_RE = regex.compile(
    r"\b(?:shoot|ping|fire|zap|drop|pop|flick|bung|toss|sling|throw|chuck|whack|beam|hit)"
    r"(?:s|ed|ing)?\s+(?:(?:me|us)\b(?!\s+(?:know|see|check|think))"
    r"|(?:(?:it|this|that|them|these|those|the\s+\w+|a\s+copy|a\s+\w+)\s+)?"
    r"(?:over|across|along|off)\b(?:\s+to\s+(?:me|us)\b)?"
    r"|(?:(?:it|this|that|them|these|those|the\s+\w+|a\s+copy)\s+)?(?:to|in|into)\s+(?:my|our)"
    r"\s+(?:inbox|e-?mail|mailbox)\b)"
)
_EMAIL_OBJECT = regex.compile(
    r"\s*(?:me|us|it|this|that|them|these|those|to|over|out|along|across|everything|all|my"
    r"|our)\b|\s*$|\s*[,.!?]|\s+(?:the|a|an)\s+(?!(?:email|mail)\b)"
)
_DESTINATION_RE = regex.compile(
    r"\b(?:to|into|in)\s+(?:my|our)\s+(?:inbox|e-?mail|mailbox)\b|\b(?:by|via|over|through|per)"
    r"\s+e-?mail\b|\bin\s+an?\s+e-?mail\b|\bas\s+an?\s+(?:e-?mail\s+)?attachment\b"
    r"|\bto\s+(?:me|us|myself)\s+(?:by|via)\s+e-?mail\b|\binbox\b"
)
# A word after a determiner or possessive is a noun ("the emails"), never the verb.
_DETERMINER_BEFORE = regex.compile(
    r"\b(?:the|their|his|her|its|your|those|these|all|every|each)\s+$"
)
_TO_ME_RE = regex.compile(r"\bto\s+(?:me|us|myself|ourselves)\b")
_NOT_SENT_RE = regex.compile(
    r"\b(?:don'?t|do\s+not|no\s+need\s+to|without|not)\s+(?:e-?mail|mail|send)(?:ing)?"
    r"(?:\s+(?:it|this|them|anything))?\b"
)
# Places we cannot deliver to, and how to name them back.
_ELSEWHERE_NAMES = {
    "slack": "Slack", "teams": "Microsoft Teams", "google drive": "Google Drive",
    "gdrive": "Google Drive", "drive": "Google Drive", "dropbox": "Dropbox", "s3": "S3",
    "bucket": "a storage bucket", "ftp": "an FTP server", "sftp": "an SFTP server",
    "sharepoint": "SharePoint", "onedrive": "OneDrive", "one drive": "OneDrive",
    "webhook": "a webhook", "box": "Box", "server": "a server", "channel": "a chat channel",
    "icloud": "iCloud", "discord": "Discord", "whatsapp": "WhatsApp", "telegram": "Telegram",
    "gcs": "Google Cloud Storage", "azure": "Azure storage", "blob storage": "Azure storage",
    "shared drive": "a shared drive", "network drive": "a network drive", "jira": "Jira",
    "trello": "Trello", "notion": "Notion", "confluence": "Confluence", "github": "GitHub",
    "gitlab": "GitLab", "snowflake": "Snowflake", "bigquery": "BigQuery",
    "sms": "a text message", "text message": "a text message", "fax": "a fax",
}  # fmt: skip
_ELSEWHERE_RE = regex.compile(
    r"(?:\b(?P<verb>post|upload|push|sync|publish|put|drop|save|share|send|copy|move|dump"
    r"|write|store|place|stick|deliver|e-?mail|mail|forward|pop|shoot|ping)(?:s|ed|ing)?\s+"
    r"(?:(?:it|this|that|them|these|those|everything|the\s+\w+|a\s+copy)\s+)?(?:over\s+)?)?"
    r"\b(?:to|on|in|into|onto|via|over|through|using)\s+(?:the\s+|our\s+|my\s+|a\s+|an\s+"
    r"|their\s+|his\s+|her\s+)?(?:shared\s+|team\s+|company\s+|own\s+|ms\s+|microsoft\s+"
    r"|aws\s+|amazon\s+|google\s+(?=drive|cloud))?"
    r"(?P<place>google\s+drive|gdrive|g\s*drive|one\s*drive|shared\s+drive|network\s+drive"
    r"|blob\s+storage|text\s+message|s3|slack|teams|drive|dropbox|bucket|s?ftp|sharepoint"
    r"|webhook|box|server|channel|icloud|discord|whatsapp|telegram|gcs|azure|jira|trello"
    r"|notion|confluence|github|gitlab|snowflake|bigquery|sms|fax|\#[a-z][\w-]+)"
    r"(?:\s+(?:bucket|server|folder|channel|site|account|drive|storage|repo|page))?\b"
)


def _unsupported(scan: Scan) -> None:
    """ "post it to Slack", "upload to S3", "#sales": a place we cannot deliver to."""
    for found in _ELSEWHERE_RE.finditer(scan.work):
        place = found.group("place")
        if place.startswith("#"):
            name = "a chat channel"
        else:
            key = " ".join(place.split())
            key = {"g drive": "gdrive", "gdrive": "gdrive", "onedrive": "onedrive"}.get(key, key)
            name = _ELSEWHERE_NAMES.get(key, _ELSEWHERE_NAMES.get(key.replace(" ", ""), key))
        scan.unsupported_destination = scan.unsupported_destination or name
        if found.group("verb"):
            note_verb(scan, found.span("verb"), found.start())
        scan.blank(found.span())


_DOWNLOAD_RE = regex.compile(
    r"\b(?:to|onto|on)\s+(?:the\s+|my\s+|our\s+|a\s+)?(?:disk|hard\s+drive|computer|laptop|machine"
    r"|desktop|downloads(?:\s+folder)?|local\s+(?:disk|drive|machine))\b|\blocally\b"
    r"|\bas\s+a\s+download\b|\bfor\s+download(?:ing)?\b"
)
_TYPO_TOKEN = regex.compile(r"(?<![\w@.-])[a-z][a-z-]{2,9}(?![\w@])")


def find_destination(scan: Scan) -> None:
    for found in _DOWNLOAD_RE.finditer(scan.work):
        scan.blank(found.span())  # "save to disk": the default destination, said aloud
    _unsupported(scan)
    refused = _NOT_SENT_RE.search(scan.work)
    if refused:
        scan.blank(refused.span())
        scan.emailed = False
        return
    for found in _CASUAL_SEND_RE.finditer(scan.work):
        if at_verb_place(scan, found.start()):
            _email_verb(
                scan, found.start(), found.start() + len(found.group().split()[0]), found.end()
            )
    for found in _DESTINATION_RE.finditer(scan.work):
        scan.emailed = True
        scan.blank(found.span())
    for found in _EMAIL_VERB_RE.finditer(scan.work):
        word_end = found.start() + len(found.group().split()[0])
        if not _EMAIL_OBJECT.match(scan.work, word_end):
            continue  # "name and email": a column
        if _DETERMINER_BEFORE.search(scan.work, 0, found.start()):
            continue  # "just the emails", "their email": a thing, not a verb
        _email_verb(scan, found.start(), word_end, found.end())
    for found in _TYPO_TOKEN.finditer(scan.work):
        verb = fuzzy_verb(found.group())
        if verb not in ("email", "send", "mail", "forward", "deliver"):
            continue
        if not at_verb_place(scan, found.start()) or not _EMAIL_OBJECT.match(
            scan.work, found.end()
        ):
            continue  # "emial" as a command: "emial me this", "pls sned it"
        tail = _EMAIL_VERB_RE.match(verb + scan.work[found.end() : found.end() + 40])
        extra = len(tail.group()) - len(verb) if tail else 0
        _email_verb(scan, found.start(), found.end(), found.end() + extra)
    if scan.emailed:
        for found in _TO_ME_RE.finditer(scan.work):
            scan.blank(found.span())


_TAIL_RE = regex.compile(r"(?:\s+(?:over|out|along|across))?(?:\s+(?:to\s+)?(?:me|us|myself)\b)?$")


def _email_verb(scan: Scan, start: int, word_end: int, end: int) -> None:
    """An e-mail command from ``start``: its verb ends at ``word_end``, its tail at ``end``."""
    scan.emailed = True
    scan.blank((start, word_end))  # the verb; the object stays for the target
    tail = _TAIL_RE.search(scan.work[word_end:end])
    if tail and tail.group():
        scan.blank((end - len(tail.group()), end))
    note_verb(scan, (start, word_end), start)
