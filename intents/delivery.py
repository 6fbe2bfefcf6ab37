"""How the file travels: compressed or not, downloaded or emailed (and to whom).

"zipped", "in a zip", "compressed" → zip; "gzip it", "gzipped", ".gz" → gzip (gzip only
when named: "compressed" alone means zip, the archive every desktop opens with a double
click). "email me", "send it to", "mail", "to my inbox", "by email" or an address →
email; "don't email it" cancels; "send it to Slack" is a destination we cannot deliver
to, noted so the parser can say it is unsure.
"""

from __future__ import annotations

import regex

from intents.cues import Scan, note_verb
from intents.models import Compression

__all__ = ["find_compression", "find_destination"]

_ADDRESS_RE = regex.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+(?<![.])")
_GZIP_RE = regex.compile(
    r"\b(?:g-?zip(?:ped|ping)?(?:\s+(?:it|them|this|that|these|those|everything|up))?"
    r"|(?:as|in|into)\s+(?:an?\s+)?(?:\.?gz|gzip)(?:\s+(?:file|archive))?|tar\.?gz|tgz|\.?gz"
    r"|gunzip)\b"
)
_ZIP_RE = regex.compile(
    r"\b(?:(?:as|in|into|inside)\s+(?:an?\s+|one\s+)?(?:single\s+)?zip(?:\s+(?:files?|archive"
    r"|folder))?|zip(?:ped|ping)?(?!\s*codes?\b)(?:\s+(?:it|them|this|that|these|those|everything"
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
    r"\b(?:e-?mail|mail|send|forward|deliver)(?:ed|ing)?\b"
    r"(?:\s+(?:it|this|that|them|these|those))?(?:\s+(?:over|out|along))?"
    r"(?:\s+(?:to\s+)?(?:me|us|myself|ourselves)\b)?"
)
_EMAIL_OBJECT = regex.compile(
    r"\s*(?:me|us|it|this|that|them|these|those|to|over|out|along|everything|all|my|our)\b"
    r"|\s*$|\s*[,.!?]|\s+(?:the|a|an)\s+(?!(?:email|mail)\b)"
)
_DESTINATION_RE = regex.compile(
    r"\b(?:to|into|in)\s+(?:my|our)\s+(?:inbox|e-?mail|mailbox)\b|\b(?:by|via|over|through|per)"
    r"\s+e-?mail\b|\bin\s+an?\s+e-?mail\b|\bas\s+an?\s+(?:e-?mail\s+)?attachment\b"
    r"|\bto\s+(?:me|us|myself)\s+(?:by|via)\s+e-?mail\b|\binbox\b"
)
_TO_ME_RE = regex.compile(r"\bto\s+(?:me|us|myself|ourselves)\b")
_NOT_SENT_RE = regex.compile(
    r"\b(?:don'?t|do\s+not|no\s+need\s+to|without|not)\s+(?:e-?mail|mail|send)(?:ing)?"
    r"(?:\s+(?:it|this|them|anything))?\b"
)
_ELSEWHERE_RE = regex.compile(
    r"\b(?:to|on|in|into|onto)\s+(?:the\s+|our\s+|my\s+)?(?:slack|teams|google\s+drive|drive"
    r"|dropbox|s3|ftp|sftp|sharepoint|onedrive|webhook|box|bucket|server|channel)\b"
)


_DOWNLOAD_RE = regex.compile(
    r"\b(?:to|onto|on)\s+(?:the\s+|my\s+|our\s+|a\s+)?(?:disk|hard\s+drive|computer|laptop|machine"
    r"|desktop|downloads(?:\s+folder)?|local\s+(?:disk|drive|machine))\b|\blocally\b"
    r"|\bas\s+a\s+download\b|\bfor\s+download(?:ing)?\b"
)


def find_destination(scan: Scan) -> None:
    for found in _ADDRESS_RE.finditer(scan.low):
        scan.email = scan.email or scan.text[found.start() : found.end()].lower()
        scan.emailed = True
        scan.blank(found.span())
    for found in _DOWNLOAD_RE.finditer(scan.work):
        scan.blank(found.span())  # "save to disk": the default destination, said aloud
    refused = _NOT_SENT_RE.search(scan.work)
    if refused:
        scan.blank(refused.span())
        scan.emailed = False
        return
    for found in _DESTINATION_RE.finditer(scan.work):
        scan.emailed = True
        scan.blank(found.span())
    for found in _EMAIL_VERB_RE.finditer(scan.work):
        word_end = found.start() + len(found.group().split()[0])
        if not _EMAIL_OBJECT.match(scan.work, word_end):
            continue  # "name and email": a column
        if _ELSEWHERE_RE.search(scan.work, found.end()):
            scan.unsupported_destination = True
            continue
        scan.emailed = True
        scan.blank((found.start(), word_end))  # the verb; the object stays for the target
        tail = regex.search(r"(?:\s+(?:over|out|along))?(?:\s+(?:to\s+)?(?:me|us|myself)\b)?$",
                            found.group())  # fmt: skip
        if tail and tail.group():
            scan.blank((found.end() - len(tail.group()), found.end()))
        note_verb(scan, (found.start(), word_end), found.start())
    if scan.emailed:
        for found in _TO_ME_RE.finditer(scan.work):
            scan.blank(found.span())
