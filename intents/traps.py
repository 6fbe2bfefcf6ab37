"""Messages that look like exports but are not: help questions, small talk, deferrals.

Each finder reads the lower-cased message. They are checked before the export cues,
because an export word inside them means something else: "how do I schedule an
export?" asks about the assistant (help), "don't export yet, just sort by revenue"
defers the export (a query), "thanks, that spreadsheet was perfect" is small talk.
"""

from __future__ import annotations

from enum import Enum

import regex

__all__ = [
    "HelpKind",
    "find_deferral",
    "find_help",
    "find_negated_export",
    "is_cancel",
    "is_off_topic",
    "is_small_talk",
    "pleasantry_end",
    "question_lead",
    "strip_query_lead",
]


class HelpKind(Enum):
    STRONG = "strong"  # "what can you do?", "how do I ...": help, whatever follows
    CAPABILITY = "capability"  # "can you make PDFs?": help unless it names what to export


_PLEASANTRY_WORD = (
    r"(?:hi|hello|hey|hiya|howdy|yo|greetings|hallo|hola|bonjour|good\s+(?:morning|afternoon"
    r"|evening|night|day)|thank\s+you(?:\s+(?:so|very)\s+much)?"
    r"|thanks?(?:\s+(?:a\s+lot|so\s+much|again|very\s+much))?|thx|ty|cheers|much\s+appreciated|appreciate\s+it"
    r"|great|perfect|awesome|nice|cool|excellent|brilliant|wonderful|lovely|amazing|fantastic"
    r"|good\s+job|well\s+done|ok(?:ay)?|k|got\s+it|sounds\s+good|sure|alright|all\s+right"
    r"|bye|goodbye|see\s+you|lol|haha|yes|yeah|yep|hm+|wow|oh|ah)"
    r"(?:\s+(?:there|all|everyone|team|bot|assistant|buddy|mate|folks|guys))?"
)
_DISCOURSE_WORD = (
    r"(?:actually|well|so|um+|uh+|hmm+|erm|and|also|now|then|alright|right|no(?=\s*[,.!;:])"
    r"|nope|nah|wait"
    r"|oops|sorry)"
)
_PLEASANTRY_RE = regex.compile(rf"^(?:(?:{_PLEASANTRY_WORD}|{_DISCOURSE_WORD})\b[\s,.!?:;)(-]*)+")
_SMALL_TALK_RE = regex.compile(rf"^(?:{_DISCOURSE_WORD}\b[\s,.!?:;)(-]*)*{_PLEASANTRY_WORD}\b")


def is_small_talk(low: str) -> bool:
    """Whether ``low`` opens with a greeting, thanks or praise ("thanks, ...", "hi!")."""
    return bool(_SMALL_TALK_RE.match(low))


def pleasantry_end(low: str) -> int:
    """Where the greetings, thanks and acknowledgements at the start of ``low`` end (0: none).

    >>> text = "thanks, that spreadsheet was perfect"; text[pleasantry_end(text):]
    'that spreadsheet was perfect'
    """
    found = _PLEASANTRY_RE.match(low)
    return found.end() if found else 0


_CANCEL_RE = regex.compile(
    r"^(?:never\s*mind|nevermind|cancel(?:\s+(?:it|that|this))?|forget\s+(?:it|that|about\s+it)"
    r"|stop|abort|no\s+thanks|not\s+(?:now|yet)|skip\s+it|nothing|none|neither|no|nope|nah)"
    r"(?:[\s,.!]+(?:thanks|thank\s+you|please))?[\s.!]*$"
)


def is_cancel(low: str) -> bool:
    """ "never mind", "cancel", "forget it": the user drops what was asked."""
    return bool(_CANCEL_RE.match(low.strip(" .!")))


_STRONG_HELP_RE = regex.compile(
    r"^(?:please\s+)?(?:help|help\s+me|\?+|commands|menu|usage|instructions)[\s.!?]*$"
    r"|\bwhat\s+(?:else\s+)?(?:can|could|do|does|are)\s+(?:you|u|it|this(?:\s+(?:bot|tool|thing|app|assistant))?"
    r"|the\s+(?:bot|tool|app|assistant))"
    r"\s+(?:do|offer|help\s+with|capable\s+of|able\s+to\s+do|good\s+for|support)\b"
    r"|\bwhat\s+do\s+you\s+do\b|\bwho\s+are\s+you\b|\bwhat\s+are\s+you\b"
    r"|\bwhat\s+(?:is|'s)\s+this\s+(?:bot|tool|thing|app|assistant)\b"
    r"|\bhow\s+(?:do|does|can|could|should|would|shall)\s+(?:i|we|you|one|this|it|the\s+bot)\b"
    r"(?!\s+(?:many|much))"
    r"|^how\s+to\b|\bhow\s+does\s+(?:this|it|scheduling|exporting)\s+work\b"
    r"|\b(?:what|which)\s+(?:other\s+)?(?:(?:file|export|output)\s+)?(?:formats?|file\s+types?"
    r"|types?\s+of\s+files?|kinds?\s+of\s+files?|options)\b"
    r"|\b(?:list|show\s+me|tell\s+me)\s+(?:the\s+|all\s+|your\s+)?(?:supported\s+|available\s+)?"
    r"(?:formats|commands|options|features)\b|\bsupported\s+formats\b"
    r"|\bdo\s+you\s+(?:support|handle|do|know|offer|speak|understand|accept)\b"
    r"|\bis\s+(?!it\b)(?:\w+\s+){1,2}(?:supported|possible)\b"
    r"|\bwhat\s+are\s+(?:your|the)\s+(?:capabilities|features|limits|options)\b"
    r"|\b(?:tell|show)\s+me\s+what\s+you\s+can\s+do\b|\bwhat\s+can\s+i\s+(?:ask|do|say|type)\b"
    r"|\bhow\s+(?:do|does)\s+(?:the\s+)?(?:scheduling|schedules|exports?|exporting)\s+work\b"
)
_FORMAT_NAMES = (
    r"(?:csv|tsv|json|jsonl|json\s+lines|ndjson|parquet|pdf|markdown|md|xlsx|xls|excel"
    r"|spreadsheet|workbook|zip|gzip)s?"
)
_FEATURE = r"(?:exports?|exporting|exported\s+files?|downloads?|downloading|formats?|schedul\w*)"
_MORE_HELP_RE = regex.compile(
    rf"^(?:what(?:'s|\s+is|\s+are)|define|explain)\s+(?:an?\s+)?{_FORMAT_NAMES}(?:\s+files?)?\W*$"
    rf"|\bdifference\s+between\s+(?:an?\s+)?{_FORMAT_NAMES}\s+(?:files?\s+)?and\s+(?:an?\s+)?"
    rf"{_FORMAT_NAMES}\b"
    r"|\bwhy\s+(?:can'?t|cannot|can\s+not|won'?t|doesn'?t|didn'?t|isn'?t)\s+(?:i|you|it|we|this)\s+"
    r"(?:export|download|save|schedule|email|send|make|be\s+exported)"
    r"|\b(?:max(?:imum)?|limits?|largest|biggest|how\s+(?:big|large)|more\s+than\s+[\w,.]+(?:\s+[a-z]+)?\s+rows)\b"
    r".*\b(?:export|download)(?:s|ed|ing)?\b.*\?\s*$"
    r"|\b(?:export|download)(?:s|ed|ing)?\b.*\b(?:max(?:imum)?|limits?|size\s+limit"
    r"|how\s+(?:big|large)|more\s+than\s+[\w,.]+(?:\s+[a-z]+)?\s+rows)\b.*\?\s*$"
    rf"|\bwhere\s+(?:do|does|are|is|did|can\s+i\s+find)\s+(?:the\s+|my\s+)?{_FEATURE}\b"
    r"|\bhow\s+long\s+(?:are|do|does|is|will)\s+(?:the\s+|my\s+)?(?:files?|downloads?|exports?"
    r"|links?)\b"
    rf"|\b(?:tell\s+me\s+about|explain)\s+(?:the\s+|your\s+)?(?:{_FEATURE}|options|features"
    r"|yourself|how\s+(?:this|it|you)\s+works?)\b"
    rf"|^(?:can|could)\s+(?:you|u)\s+help(?:\s+me)?(?:\s+(?:with\s+(?:{_FEATURE}|this\s+tool)"
    r"|please))?\W*$"
    rf"|^help(?:\s+me)?\s+with\s+(?:the\s+)?{_FEATURE}\W*$"
    r"|\b(?:don'?t|do\s+not|not\s+sure)\s+(?:know\s+)?how\s+to\b"
    rf"|^{_FEATURE}\s+(?:limits?|options|settings|help)\W*$"
)
_CAPABILITY_RE = regex.compile(
    r"^(?:so\s+|and\s+|also\s+)?(?:can|could|are)\s+(?:you|u|i|we)\s+(?:also\s+|even\s+|still\s+)?"
    r"(?:able\s+to\s+)?(?:export|make|create|produce|generate|do|handle|support|send|email"
    r"|mail|schedule|save|read|open|convert|give|output|write|build|zip|compress|set\s+up)\b"
    r"|^(?:is\s+it|is\s+there\s+a\s+way)\s+(?:possible\s+)?to\b"
)


# The assistant's own things: its schedules, templates, settings and the user's history
# with it. Generic words ("history", "settings", "exports") count only as "my/our ...".
_OWN_THINGS = (
    r"(?:schedules?|scheduled\s+(?:exports?|emails?|reports?|jobs?|deliveries|files?)"
    r"|(?:recurring|automated|automatic)\s+(?:exports?|emails?|reports?|jobs?|deliveries)"
    r"|templates?|presets?|automations?|export\s+(?:history|log|templates?|settings)"
    r"|download\s+history|saved\s+(?:queries|exports?|searches|formats?|settings|templates?))"
)
_MY_THINGS = (
    r"\b(?:my|our)\s+(?:(?:saved|past|previous|old|older|recent|earlier|existing|current|active"
    r"|running|last|latest|weekly|daily|monthly|hourly)\s+)*(?:history|exports|downloads"
    r"|settings|preferences|default\s+format|subscriptions?|query\s+history|" + _OWN_THINGS[3:]
)
_OWN_LEAD = (
    r"(?:show|list|see|view|display|check|find|open|pull\s+up|bring\s+up|review|look\s+at"
    r"|manage|edit|change|delete|remove|cancel|stop|pause|resume|disable|turn\s+off|unsubscribe"
    r"|what|what's|whats|which|where|how\s+many|how\s+do|when|are\s+there|is\s+there|any)"
)
_ABOUT_ASSISTANT_RE = regex.compile(
    rf"\b{_OWN_LEAD}\b.*{_MY_THINGS}\b|^\W*{_MY_THINGS}\W*$"
    rf"|\b{_OWN_LEAD}\b.*\b(?:the\s+|any\s+|all\s+(?:the\s+)?)?{_OWN_THINGS}\b"
    r"|\b(?:do|have)\s+(?:i|we)\s+(?:have|got|set\s+up|saved|made|created)\s+(?:any\s+)?"
    + _OWN_THINGS
    + r"|"
    + _OWN_THINGS
    + r"\b.*\b(?:do\s+(?:i|we)\s+have|have\s+(?:i|we)\s+(?:got"
    r"|set\s+up|made|saved|created)|(?:i|we)\s+(?:have|set\s+up|made|saved|created|'ve\s+\w+)"
    r"|(?:are|is)\s+(?:running|active|set\s+up|on|live|scheduled))\b"
    r"|\b(?:cancel|stop|pause|resume|delete|remove|disable|turn\s+off|unsubscribe(?:\s+me)?"
    r"(?:\s+from)?|edit|reschedule)\s+(?:my|our|the|that|this|all|every)?\s*(?:\w+\s+){0,2}"
    r"(?:(?:daily|weekly|monthly|hourly|nightly|recurring|regular|scheduled)\s+(?:emails?|reports?"
    r"|exports?|jobs?|deliver(?:y|ies)|csvs?|pdfs?|files?|digests?|schedules?)|schedules?"
    r"|subscriptions?|automations?)\b"
    r"|\bwhat(?:'s|\s+is|\s+have\s+(?:i|we)|\s+did\s+(?:i|we)|\s+do\s+(?:i|we)\s+have)\s+"
    r"(?:already\s+)?(?:scheduled|exported|downloaded|saved|set\s+up|export|download|schedule"
    r"|run|ran|asked?|queried)\b|\b(?:anything|something)\s+scheduled\b"
    r"|\b(?:do|does|will|can|did)\s+(?:you|it|this\s+(?:bot|tool|app|assistant))\s+(?:keep"
    r"|save|store|remember|log|track|record|retain|delete)\b"
)


def find_help(low: str) -> HelpKind | None:
    """Whether ``low`` asks about the assistant itself (formats, how-to, what it can do).

    >>> find_help("what formats can you export to?"), find_help("can you make pdfs?")
    (<HelpKind.STRONG: 'strong'>, <HelpKind.CAPABILITY: 'capability'>)
    """
    if _STRONG_HELP_RE.search(low) or _MORE_HELP_RE.search(low) or _ABOUT_ASSISTANT_RE.search(low):
        return HelpKind.STRONG
    if _CAPABILITY_RE.search(low):
        return HelpKind.CAPABILITY
    return None


_NEGATED_EXPORT_RE = regex.compile(
    r"\b(?:(?:don'?t|do\s+not|dont|didn'?t|no\s+need\s+to|not\s+going\s+to|never|won'?t"
    r"|will\s+not|shouldn'?t|hold\s+off(?:\s+on)?|wait\s+(?:before|to|with)|before|instead\s+of"
    r"|rather\s+than|not)\s+(?:(?:you|we|i|to|yet|now|just|actually|really|the|an?|any|need"
    r"|want)\s+){0,3}(?:export|download|sav|creat|mak|generat|e-?mail|mail|send)"
    r"(?:e|es|ed|ing|s)?\b"
    r"(?:\s+(?:it|this|that|them|anything|any\s+files?|a\s+file|the\s+file|yet|just\s+yet"
    r"|for\s+now|right\s+now|now|at\s+all|please))*"
    r"|\bno\s+(?:exports?|downloads?|files?)(?:\s+(?:yet|now|for\s+now|please|needed))*"
    r"|\bskip\s+the\s+(?:export|download|file)\b)"
)


def find_negated_export(low: str) -> tuple[int, int] | None:
    """The span of a deferred or refused export ("don't export anything yet"), if any.

    >>> text = "don't export yet, just sort by revenue"; start, end = find_negated_export(text)
    >>> text[end:]
    ', just sort by revenue'
    """
    found = _NEGATED_EXPORT_RE.search(low)
    return found.span() if found else None


_LATER = (
    r"(?:later(?:\s+on)?|afterwards|after\s+that|another\s+time|some\s+other\s+time|at\s+some"
    r"\s+point|eventually|down\s+the\s+(?:line|road)|in\s+a\s+(?:bit|while|minute|sec)"
    r"|next\s+time|not\s+(?:right\s+)?now|not\s+yet|not\s+today|for\s+later|one\s+day)"
)
_EXPORTISH = regex.compile(
    r"\b(?:export|download|sav(?:e|ing)|e-?mail|send|mail|file|csv|tsv|jsonl?|excel|xlsx|separated"
    r"|delimited|format|version|\.\w+"
    r"|spreadsheet|pdf|parquet|markdown|copy|it|this|that|them)"
)
_DEFERRAL_RE = regex.compile(
    r"\b(?:(?:i|we)(?:'ll|\s+will|\s+might|\s+may|\s+could|\s+can|'d|\s+would|'m\s+going\s+to"
    r"|\s+am\s+going\s+to|'re\s+going\s+to|\s+want\s+to|\s+need\s+to|\s+plan\s+to)?|let\s+me"
    r"|maybe|perhaps|probably|gonna)\b[^,.;!?]*?\b" + _LATER + r"\b"
    r"(?:[\s,]*(?:but|and|just)?\s*(?:not\s+(?:right\s+)?now|not\s+yet|for\s+now|not\s+today))?"
    r"|\b(?:hold\s+off|hold\s+on|wait|hang\s+on|hang\s+fire|pause)\s+(?:on|with)\s+[^,.;!?]*?"
    r"(?:\b(?:for\s+now|for\s+a\s+(?:bit|while|sec|moment)|until\s+later|yet)\b|(?=[,.;!?]|$))"
    r"|\b(?:and\s+)?then\s+(?:i|we)(?:'ll|\s+will|\s+can|\s+might)\s+(?:\w+\s+){0,2}"
    r"(?:export|download|save|email|send)\w*(?:\s+(?:it|this|that|them))?[^,.;!?]*"
)


def find_deferral(low: str) -> tuple[int, int] | None:
    """The span of an export put off to later ("I'll export it later", "hold off on the csv").

    Only a clause that speaks of exporting or of a file counts: "I'll look at it later"
    defers nothing we do.

    >>> text = "i'll export it later, first show me revenue"; start, end = find_deferral(text)
    >>> text[end:]
    ', first show me revenue'
    """
    for found in _DEFERRAL_RE.finditer(low):
        if _EXPORTISH.search(found.group()):
            return found.span()
    return None


_QUESTION_RE = regex.compile(
    r"^(?:how\s+(?:many|much|often|long|big|large)|what|what's|whats|which|who|whom|whose"
    r"|when|where|why|is|are|was|were|do|does|did|has|have|had|am)\b"
)


def question_lead(low: str) -> bool:
    """Whether ``low`` (after small talk) opens like a question about data.

    >>> question_lead("how many exports did we ship last month?")
    True
    """
    return bool(_QUESTION_RE.match(low))


_QUERY_LEAD_RE = regex.compile(
    r"^(?:(?:ok(?:ay)?|so|and|now|then|also|please|pls|hey|hi)\b[\s,]*)*"
    r"(?:(?:can|could|would|will)\s+(?:you|u)\s+(?:please\s+)?|please\s+|i\s+(?:want|need|'d\s+like"
    r"|would\s+like)\s+(?:to\s+(?:see|know|get|have)\s+)?|let\s+me\s+see\s+|i'd\s+like\s+"
    r"|(?:just\s+)?)"
    r"(?:show(?:\s+me)?|list(?:\s+out)?|display|find(?:\s+me)?|get(?:\s+me)?|give\s+me|fetch"
    r"|pull(?:\s+up)?|bring\s+up|look\s+up|search(?:\s+for)?|grab|query|select|tell\s+me)?"
    r"\b\s*"
)
_TRAILING_RE = regex.compile(
    r"(?:[\s,;:.!?-]+(?:and|then|to|as|in|into|for|with|of|or|but|please|pls|thanks|now|too"
    r"|also|the|an?|me|it|file|files)\b)+[\s,;:.!?-]*$|[\s,;:.!?-]+$"
)
_LEAD_ARTICLES_RE = regex.compile(r"^(?:(?:all|the|of|some|any|with|containing|for)\s+)+(?=\w)")


def strip_query_lead(text: str) -> str:
    """The data question without "show me", "can you list", "all the": its own words.

    >>> strip_query_lead("Show me all the orders from Berlin")
    'orders from Berlin'
    """
    found = _QUERY_LEAD_RE.match(text.lower())
    rest = text[found.end() :] if found and found.end() < len(text) else text
    articles = _LEAD_ARTICLES_RE.match(rest.lower())
    if articles and articles.end() < len(rest):
        rest = rest[articles.end() :]
    rest = rest.strip(" ,.;:!?-")
    tail = _TRAILING_RE.search(rest.lower())
    return rest[: tail.start()] if tail and tail.start() > 0 else rest


_OFF_TOPIC_RE = regex.compile(
    r"\b(?:weather|forecast|joke|jokes|poem|haiku|limerick|song|lyrics|recipe|horoscope"
    r"|meaning\s+of\s+life|how\s+are\s+you|how's\s+it\s+going|how\s+is\s+it\s+going"
    r"|your\s+name|tell\s+me\s+a\s+story|favou?rite\s+(?:colou?r|movie|food|song)"
    r"|are\s+you\s+(?:a\s+robot|human|real|alive|sentient))\b"
)


def is_off_topic(low: str) -> bool:
    """Small talk or questions about the world, not about data or the assistant."""
    return bool(_OFF_TOPIC_RE.search(low))
