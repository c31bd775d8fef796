"""The shared provider directory: in-network search, and finding the provider a caller names."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, fields
from typing import Any

from pydantic import Field

from functions.tools.healthcare import matching, vocabulary
from functions.tools.healthcare.members import member_of
from shared.db import Queries
from shared.mcp_server import text
from shared.mcp_server.registry import CallContext, Result, ToolArgs, ToolRefused, ToolSpec, tool

_COLUMNS = (
    "p.id, p.npi, p.name, p.kind, s.name AS specialty, p.address, p.city, p.state, p.zip,"
    " p.phone, p.accepting_new_patients"
)
_FROM = "healthcare.providers p JOIN healthcare.specialties s ON s.code = p.specialty"


@dataclass(frozen=True)
class Provider:
    id: str
    npi: str
    name: str
    kind: str
    specialty: str
    address: str
    city: str
    state: str
    zip: str
    phone: str
    accepting_new_patients: bool

    def label(self) -> str:
        return f"{self.name} ({self.specialty}, {self.city})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "specialty": self.specialty,
            "address": f"{self.address}, {self.city}, {self.state} {self.zip}",
            "city": self.city,
            "zip": self.zip,
            "phone": self.phone,
            "accepting_new_patients": self.accepting_new_patients,
        }


def _provider(row: dict[str, Any]) -> Provider:
    values = {f.name: row[f.name] for f in fields(Provider)}
    return Provider(**{**values, "id": str(row["id"])})


def in_network(db: Queries, provider_id: str, network_id: str) -> bool:
    return (
        db.fetch_one(
            "SELECT 1 AS yes FROM healthcare.provider_networks"
            " WHERE provider_id = :provider_id AND network_id = :network_id",
            provider_id=provider_id,
            network_id=network_id,
        )
        is not None
    )


def _sharing_a_word(db: Queries, said: str) -> list[Provider]:
    """The providers whose name holds one of the words said: the candidates to rank, so the
    whole directory is never read. Spoken words are letters and digits only, safe in LIKE."""
    patterns = [f"%{w}%" for w in matching.name_words(said)]
    if not patterns:
        return []
    rows = db.fetch_all(
        f"SELECT {_COLUMNS} FROM {_FROM}"  # noqa: S608 - our columns
        " WHERE lower(p.name) LIKE ANY(CAST(:patterns AS text[])) ORDER BY p.name LIMIT 500",
        patterns=patterns,
    )
    return [_provider(r) for r in rows]


def provider_named(db: Queries, ref: str) -> Provider:
    """A provider of the directory by id, NPI or name ("Dr. Chen"), else a refusal."""
    wanted = text.clean(ref)
    try:
        key = str(uuid.UUID(wanted))
        row = db.fetch_one(f"SELECT {_COLUMNS} FROM {_FROM} WHERE p.id = :id", id=key)  # noqa: S608
    except ValueError:
        row = None
        if re.fullmatch(r"\d{10}", wanted):
            row = db.fetch_one(f"SELECT {_COLUMNS} FROM {_FROM} WHERE p.npi = :npi", npi=wanted)  # noqa: S608
    if row is not None:
        return _provider(row)
    found = matching.by_name(wanted, _sharing_a_word(db, wanted), lambda p: p.name)
    if not found:
        raise ToolRefused(f"I can't find a provider called '{wanted}' in the directory")
    if len(found) > 1:
        names = "; ".join(p.label() for p in found[:4])
        raise ToolRefused(f"more than one provider matches '{wanted}': {names}. Which one?")
    return found[0]


class FindInNetworkProviders(ToolArgs):
    specialty: str | None = Field(
        default=None,
        max_length=100,
        description=(
            "the kind of provider, as the caller said it, e.g. 'primary care', 'cardiologist',"
            " 'heart doctor', 'dermatology', 'physical therapist', 'urgent care'; omit for any"
        ),
    )
    zip_code: str | None = Field(
        default=None,
        pattern=r"^\d{5}$",
        description="search near this 5-digit US ZIP code; omit both this and city to search"
        " near the caller's home address",
    )
    city: str | None = Field(
        default=None, max_length=80, description="only providers in this city, e.g. 'Oakland'"
    )
    accepting_new_patients_only: bool = Field(
        default=False, description="true for only providers accepting new patients"
    )
    limit: int = Field(default=5, ge=1, le=10, description="at most this many providers")


@tool(FindInNetworkProviders, read_only=True)
def find_in_network_providers(ctx: CallContext, args: FindInNetworkProviders) -> Result:
    """Find providers in the caller's plan network by specialty, near a ZIP code or in a city
    (by default near the caller's home), optionally only those accepting new patients. Results
    in the same ZIP code come first, then the nearest ZIP codes of the same area."""
    member = member_of(ctx)
    wanted = vocabulary.specialty(ctx.db, args.specialty) if args.specialty else None
    city = text.clean(args.city) if args.city else None
    zip_code = args.zip_code or (None if city else member.home_zip)
    # "Near" a ZIP code: the same three-digit ZIP area (941xx is San Francisco), nearest
    # numbers first, a fair stand-in for distance without geocoding.
    rows = ctx.db.fetch_all(
        f"SELECT {_COLUMNS}, p.zip = :zip AS same_zip FROM {_FROM}"  # noqa: S608 - our columns
        " JOIN healthcare.provider_networks n ON n.provider_id = p.id"
        " WHERE n.network_id = :network_id"
        " AND (CAST(:specialty AS text) IS NULL OR p.specialty = :specialty)"
        " AND (CAST(:city AS text) IS NULL OR lower(p.city) = lower(:city))"
        " AND (CAST(:zip AS text) IS NULL OR left(p.zip, 3) = left(:zip, 3))"
        " AND (NOT :accepting_only OR p.accepting_new_patients)"
        " ORDER BY p.zip = :zip DESC NULLS LAST,"
        " abs(CAST(p.zip AS integer) - CAST(:zip AS integer)) NULLS LAST,"
        " p.accepting_new_patients DESC, p.name LIMIT :limit",
        network_id=member.network_id,
        specialty=wanted.code if wanted else None,
        city=city,
        zip=zip_code,
        accepting_only=args.accepting_new_patients_only,
        limit=args.limit,
    )
    found = [{**_provider(r).as_dict(), "same_zip": bool(r["same_zip"])} for r in rows]
    return {
        "network": member.network_name,
        "specialty": wanted.name if wanted else None,
        "near_zip": zip_code,
        "city": city,
        "providers": found,
    }


TOOLS: list[ToolSpec[Any]] = [find_in_network_providers]
