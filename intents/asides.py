"""Words that ask for nothing, and whether the words left over name data.

People wrap a request in politeness, reasons and preferences: "as a spreadsheet so
finance can open it", "JSON, pretty please", "my manager needs it", "excel or csv,
doesn't matter", "for the board meeting", "tab separated would be better". None of
that is data to fetch. :func:`find_asides` blanks such words in ``scan.work`` (after
the formats, limits, columns and addresses were read, before the export verb and the
targets), so they can never become a data question.

Whatever survives every finder is the *leftover*. :func:`names_data` decides whether it
names data: a table or column word ("the products table"), a data noun ("orders",
"revenue", "tickets"; any plural that is not a person or a thing of daily life), or a
filter with something to filter ("over 500", "from Berlin", "by region"). A leftover
that names no data ("finance can open", "would be better", "on my mac") is dropped: a
format or delivery ask then goes to the result on screen, and a message with no ask at
all is small talk, not a query.
"""

from __future__ import annotations

import regex

from intents.cues import Scan
from intents.vocabulary import words

__all__ = ["find_asides", "names_data"]

# People, teams, occasions and devices a file is for ("for my manager", "on my mac").
_PERSON = (
    r"(?:manager|managers|boss|bosses|team|teams|teammates?|colleagues?|co-?workers?|clients?"
    r"|ceo|cfo|cto|coo|vp|director|directors|execs?|executives?|board|stakeholders?|investors?"
    r"|auditors?|accountants?|analysts?|engineers?|developers?|devs?|finance|accounting|legal"
    r"|hr|marketing|ops|folks|guys|everyone|everybody|department|dept|lead|supervisor|partners?"
    r"|professor|teacher|landlord|wife|husband|mom|dad|friend|friends|people|peeps|leadership"
    r"|management|higher[- ]ups|bookkeeper|lawyer|consultant|intern|customer|users?)"
)
_OCCASION = (
    r"(?:meeting|meetings|standup|stand-up|review|presentation|deck|call|offsite|workshop|demo"
    r"|pitch|interview|records|files|archives?|backup|reference|reading|later|tomorrow|slides?"
    r"|notes|class|homework|thesis|paper|email|inbox|weekend)"
)
_DEVICE = (
    r"(?:mac|macbook|pc|laptop|phone|iphone|ipad|tablet|computer|desktop|android|windows"
    r"|linux|machine)"
)
_OWNER = r"(?:my|our|the|a|an|his|her|their|your|some|this|that|tomorrow's|today's|[a-z]+'s)"
_FOR_SOMEONE = regex.compile(
    rf"\b(?:for|to|with|on|in|from)\s+(?:{_OWNER}\s+)?(?:[a-z]+\s+)?"
    rf"(?:{_PERSON}|{_OCCASION}|{_DEVICE})\b"
    rf"|\b(?:my|our|his|her|their)\s+(?:[a-z]+\s+)?(?:{_PERSON}|{_OCCASION}|{_DEVICE})\b"
)
_SUBJECT = r"(?:(?:i|we|you|he|she|they|it|everyone|everybody|people|[a-z]+)|(?:my|our|the|your|their|his|her)\s+(?:[a-z]+\s+)?[a-z]+)"  # noqa: E501
_MODAL = (
    r"(?:can|could|will|would|may|might|should|must|'ll|can't|cannot|needs?\s+to|wants?\s+to"
    r"|has\s+to|have\s+to|is\s+able\s+to|are\s+able\s+to|is\s+going\s+to|are\s+going\s+to"
    r"|'s\s+going\s+to|'re\s+going\s+to|wants|needs|uses|likes|asked|is|are|'s|'re)"
)
_CLAUSE_END = r"[^,.;!?]*"
_REASON = regex.compile(
    r"\b(?:(?:something|anything|one|a\s+\w+|a\s+format|a\s+version)\s+(?:that\s+)?)?"
    r"(?:i|we|they|he|she|you)\s+can\s+(?:easily\s+|just\s+|actually\s+)?(?:open|paste|use"
    r"|load|import|read|share|edit|view|work\s+with|play\s+with|double[- ]click|drop|put"
    r"|upload|attach|forward|send|show|give)\b" + r"[^,.;!?]*|"
    rf"\b(?:so(?:\s+that)?|in\s+order\s+(?:that|for)|because(?:\s+of)?|cause|cuz|coz|bc|as"
    rf"|since|since|that\s+way)\s+{_SUBJECT}\s+{_MODAL}\b{_CLAUSE_END}"
    rf"|\b(?:in\s+order\s+)?to\s+(?:share|show|send|give|pass|present|forward|hand|circulate"
    rf"|upload|import|load|open|use|review|attach|include|paste|put|print|read|check|look"
    rf"|analy[sz]e|play|work|edit|keep|archive|back\s+up|double[- ]check)\b{_CLAUSE_END}"
    rf"|\b(?:i|we)\s+(?:really\s+)?(?:need|want|have|got|'ve\s+got|'d\s+like|would\s+like"
    rf"|plan|am\s+going|'m\s+going|are\s+going|'re\s+going)\s+to\s+(?:share|show|send|give"
    rf"|pass|present|forward|hand|circulate|upload|import|load|open|use|review|attach|paste"
    rf"|put|print|read|check|look|analy[sz]e|play|work|edit|keep|archive)\b{_CLAUSE_END}"
)
# "my manager needs it", "the boss wants it on paper", "finance asked for this".
_SOMEONE_WANTS = regex.compile(
    r"\b(?:(?:my|our|the|your|their|his|her)\s+(?:[a-z]+\s+)?)?[a-z]+(?:'s)?\s+(?:really\s+)?"
    r"(?:needs|wants|asked\s+for|requested|likes|prefers|is\s+waiting\s+for|are\s+waiting\s+for"
    r"|wanted|needed|requires|expects|is\s+asking\s+for|are\s+asking\s+for|need|want)\s+"
    r"(?:it|this|that|them|these|those|one|a\s+copy|the\s+file|the\s+data)\b" + _CLAUSE_END
)
_POLITE = regex.compile(
    r"\b(?:pretty\s+please|please\s+and\s+thank\s+you|please|pls|plz|plse|plox|kindly"
    r"|thanks?(?:\s+(?:a\s+lot|so\s+much|in\s+advance|again|very\s+much|heaps|a\s+ton|a\s+bunch"
    r"|mate|buddy|man))?|thank\s+you(?:\s+(?:so|very)\s+much)?(?:\s+in\s+advance)?"
    r"|many\s+thanks|much\s+appreciated|appreciate\s+it|(?:i|we)\s+appreciate\s+(?:it|this)"
    r"|cheers|thx|tnx|thnx|ty|tia|merci|danke|gracias|grazie"
    r"|if\s+(?:you\s+)?(?:can|could|possible|you\s+don'?t\s+mind|that'?s\s+(?:ok|okay|alright"
    r"|possible|fine)|it'?s\s+(?:not\s+too\s+much\s+trouble|possible|ok|okay)|you\s+would)"
    r"|(?:when|whenever)\s+you\s+(?:can|get\s+(?:a\s+)?(?:chance|sec|second|moment|minute)"
    r"|have\s+(?:a\s+)?(?:sec|second|moment|minute|time))"
    r"|at\s+your\s+(?:earliest\s+)?convenience|no\s+rush|no\s+hurry|asap|a\.s\.a\.p"
    r"|as\s+soon\s+as\s+(?:possible|you\s+can)|right\s+away|do\s+the\s+needful"
    r"|you'?re\s+(?:the\s+best|a\s+star|a\s+lifesaver|awesome)|you\s+rock|much\s+obliged"
    r"|would\s+you\s+mind|if\s+you\s+would\s+be\s+so\s+kind|be\s+so\s+kind\s+as\s+to"
    r"|be\s+a\s+dear\s+and|sorry\s+to\s+bother(?:\s+you)?|i\s+beg\s+you"
    r"|(?:would|will|'d)\s+be\s+(?:(?:really|very|super|so)\s+)?(?:better|best|great|nice|good"
    r"|ideal|perfect|fine|grand|lovely|awesome|helpful|preferable|amazing|handy|useful|ace)"
    r"|(?:is|are|'s|would\s+be)\s+(?:totally\s+|just\s+)?(?:fine|ok|okay|good|great|best|better"
    r"|perfect|preferred|ideal|enough)(?:\s+(?:with|for)\s+(?:me|us))?"
    r"|works(?:\s+(?:for\s+(?:me|us)|best|fine|too))?|would\s+work|will\s+do|should\s+do"
    r"|is\s+what\s+(?:i|we)\s+(?:need|want)|(?:i|we)\s+(?:would\s+|'d\s+)?prefer|preferably"
    r"|ideally|if\s+possible|whatever(?:'s|\s+is)?\s+(?:easier|easiest|simpler|simplest|fine"
    r"|quicker|faster)|whichever(?:'s|\s+is)?(?:\s+(?:easier|easiest|simpler|fine|better))?"
    r"|whatever|either\s+(?:one\s+)?(?:is\s+fine|works|will\s+do|is\s+ok(?:ay)?|is\s+good)"
    r"|(?:it\s+)?(?:doesn'?t|does\s+not|don'?t|dont)\s+matter(?:\s+(?:which|to\s+me))?"
    r"|(?:i\s+)?(?:don'?t|do\s+not|dont)\s+(?:really\s+)?care(?:\s+which(?:\s+one)?)?"
    r"|no\s+preference|dealer'?s\s+choice|up\s+to\s+you|your\s+(?:call|choice|pick)"
    r"|you\s+(?:choose|pick|decide)|surprise\s+me|both\s+(?:are\s+|r\s+)?(?:fine|ok|okay|good)"
    r"|any\s+(?:of\s+them|one|is)?\s*(?:is\s+)?(?:fine|works|will\s+do|ok|okay)"
    r"|i\s+(?:think|guess|suppose|reckon)|maybe|perhaps|probably|i\s+mean"
    r"|if\s+(?:that|this|it)\s+(?:makes\s+sense|helps|works)|for\s+me|for\s+us)\b"
)


def find_asides(scan: Scan) -> None:
    """Blank politeness, reasons and the people a file is for, wherever they stand."""
    for pattern in (_REASON, _SOMEONE_WANTS, _FOR_SOMEONE, _POLITE):
        for found in pattern.finditer(scan.work):
            if found.group().strip():
                scan.blank(found.span())


# Words that never name data by themselves.
_NOT_DATA = words(
    """a an the all of for me us please pls plz kindly file files version versions copy
    copies format formatted now just as in into to and then also too again with from since
    this it or whatever either both fine ok okay thanks thank you can could would will i
    we want need like 'd i'd get have give make do does one ones up out over so yes yeah
    sure hey hi quick quickly real asap right away straight be is are it's that's great
    nice good works let's lets go ahead via by only instead same thing things but time here
    there below above nicely properly my our your some yep ready done something anything
    attachment document doc export exports download save send email mail way form using use
    thx ty cheers open opened opens view import load loaded usual default normal standard
    preferred regular whichever link maybe perhaps possibly ideally preferably better best
    wants needs wanted needed asked looks looked look worked work problem problems issue
    issues no not never paste pasted print printed printing share shared kind sort type
    his her their them they he she its was were been being has had am which what that
    these those here's there's version thing stuff lot bit few little big small
    someone somebody anyone anybody everyone everybody people person folks guys team
    manager boss colleague colleagues client clients mac pc laptop phone computer desktop
    meeting presentation deck later soon today tonight tomorrow yesterday perfect
    awesome cool lovely brilliant spot on exactly went fast slow easy hard open
    readable usable nicer cleaner prettier simpler smaller bigger instead rather
    actually really very super totally just literally basically okay alright wanna gonna
    gotta hmm um uh oh ah well cuz cause coz because since while whilst though although
    possible able gimme lemme pop chuck toss whack stick shoot fire"""
)
_PLURAL_NOT_DATA = words(
    """thanks yes always perhaps sometimes was has is does its this his hers ours yours theirs
    us plus less unless across process access business series news maths physics analysis
    basis status bonus bus gas alias canvas atlas thus yes nowadays afterwards towards
    upwards downwards whereas sorts kinds types ways things lots bits pieces versions copies
    files formats docs documents works needs wants looks seems goes does makes takes gets
    folks guys colleagues clients stakeholders friends managers bosses teams execs slides
    notes records minutes hours days weeks months years times questions answers options
    settings preferences thoughts words letters chars pages tabs sheets spreadsheets
    pdfs csvs jsons exports downloads attachments links"""
)
# Nouns that name data in most databases, singular or mass ("revenue", "inventory").
_DATA_NOUNS = words(
    """order customer invoice product sale revenue user employee supplier refund ticket
    payment transaction account shipment item category region country city signup
    subscription event session visit lead deal opportunity contact vendor purchase booking
    reservation claim incident review rating track album artist playlist genre film movie
    actor store branch department salary expense budget inventory stock price cost profit
    margin churn traffic metric kpi staff student course patient shipper territory
    employee payroll spend income turnover growth conversion retention usage balance
    ledger receipt quote campaign click impression download upload log member membership
    order_id customer_id table tables dataset datasets database column columns field fields
    row rows record list report data entries entry listing catalog catalogue roster census
    headcount attendance enrollment grade score sku skus qty quantity discount tax vat fee
    delivery freight warehouse sales orders"""
)
_FILTER = regex.compile(
    r"\b(?:from|in|where|with|who|whose|which|that|over|under|above|below|before|after"
    r"|between|by|per|more\s+than|less\s+than|at\s+least|at\s+most|greater\s+than|since"
    r"|during|within|without|except|excluding|named|called|like)\s+\S"
)
_TOKEN = regex.compile(r"[a-z0-9][a-z0-9'_-]*")


def _plural(word: str) -> bool:
    return (
        len(word) > 3
        and word.endswith("s")
        and not word.endswith(("ss", "'s", "us", "is"))
        and word not in _PLURAL_NOT_DATA
    )


def names_data(text: str, *, object_of_verb: bool = False) -> bool:
    """Whether leftover words name data to fetch, rather than a reason or a remark.

    ``object_of_verb``: the words stand right after the export verb ("export inventory
    as csv"), where any content word is what to export.

    >>> names_data("orders from Berlin"), names_data("finance can open"), names_data("sku")
    (True, False, True)
    """
    low = text.lower()
    tokens = _TOKEN.findall(low)
    content = [token for token in tokens if token.strip("'-") not in _NOT_DATA]
    if not content:
        return False
    if any(token in _DATA_NOUNS or token.rstrip("s") in _DATA_NOUNS for token in content):
        return True
    if any(_plural(token) for token in content):
        return True
    if any(token[:1].isdigit() for token in content) and _FILTER.search(low):
        return True
    return object_of_verb or (bool(_FILTER.search(low)) and len(content) >= 2)
