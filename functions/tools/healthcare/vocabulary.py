"""The shared vocabularies: kinds of service a plan covers, and provider specialties."""

from __future__ import annotations

from functions.tools.healthcare.matching import Named, by_phrase
from shared.db import Queries
from shared.mcp_server import text
from shared.mcp_server.registry import ToolRefused

SERVICE_EXAMPLES = "for example 'MRI', 'specialist visit', 'physical therapy' or 'urgent care'"


def _named(db: Queries, table: str) -> list[Named]:
    rows = db.fetch_all(f"SELECT code, name, terms FROM healthcare.{table} ORDER BY code")  # noqa: S608 - our table name
    return [Named(r["code"], r["name"], tuple(r["terms"] or ())) for r in rows]


def service_category(db: Queries, said: str) -> Named:
    """The kind of service the caller named ("MRI" → advanced imaging), else a refusal."""
    found = by_phrase(said, _named(db, "service_categories"), Named.phrases)
    if found is None:
        raise ToolRefused(
            f"I couldn't tell which kind of service '{text.clean(said)}' is; try naming it"
            f" another way, {SERVICE_EXAMPLES}"
        )
    return found


def specialty(db: Queries, said: str) -> Named:
    """The specialty the caller named ("heart doctor" → cardiology), else a refusal."""
    found = by_phrase(said, _named(db, "specialties"), Named.phrases)
    if found is None:
        raise ToolRefused(
            f"I don't know the specialty '{text.clean(said)}'; try, for example, 'primary care',"
            " 'cardiology', 'dermatology' or 'physical therapy'"
        )
    return found
