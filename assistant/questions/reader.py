"""Questions about the schema itself: "what tables are there?", "what's in orders?".

Answered from the catalog alone, before a question is read as a query over the data.
"""

from __future__ import annotations

import re

from assistant.questions.replies import SchemaAnswer, columns_reply, tables_reply
from assistant.source.schema import Schema

__all__ = ["about_schema"]

_TABLES_Q = re.compile(
    r"^(?:(?:what|which)\s+(?:tables|data|information|info)\b|what\s+do\s+you\s+have|(?:list|show)"
    r"\s+(?:me\s+)?(?:all\s+|the\s+)*tables$|tables$|what\s+can\s+i\s+ask|what(?:'s|\s+is)\s+in"
    r"\s+(?:the|this|your)\s+(?:database|db)|describe\s+(?:the\s+)?(?:database|schema|db)|schema$)"
)
_COLUMNS_Q = re.compile(
    r"^(?:what(?:'s|\s+is)\s+in|describe|(?:list\s+|show\s+(?:me\s+)?)?(?:the\s+)?(?:columns|"
    r"fields)\s+(?:of|in)|what\s+(?:columns|fields)\s+(?:does|do|are\s+in|is\s+in|has|have|in)"
    r"|tell\s+me\s+about|structure\s+of)\s+(?:the\s+)?(?P<t>[\w ]+?)(?:\s+table)?(?:\s+have"
    r"|\s+has|\s+contain)?$|^(?P<t2>\w+)\s+(?:columns|fields)$"
)


def about_schema(text: str, schema: Schema) -> SchemaAnswer | None:
    """The tables, or one table's columns, when ``text`` asks for them; else None."""
    low = " ".join(text.replace("’", "'").split()).rstrip("?!. ").lower()
    if _TABLES_Q.search(low):
        return tables_reply(schema)
    asked = _COLUMNS_Q.search(low)
    described = schema.table(asked["t"] or asked["t2"]) if asked else None
    return columns_reply(described) if described is not None else None
