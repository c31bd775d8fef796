"""Demo data for the local stack: the demo user as a member of Bay Choice PPO Gold, with
claims in every state, prior authorisations, a condition that makes a care program available,
and a preventive-care history with something due. Dates are relative to ``today``; ids are
fixed, so a second run adds nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from functions.tools.healthcare.demo_directory import PLAN_ID, PROVIDERS, demo_id, seed_directory
from shared.db import Database, Queries

PROVIDER = {p.key: p for p in PROVIDERS}


@dataclass(frozen=True)
class Line:
    code: str
    description: str
    category: str
    billed: str
    allowed: str = "0"
    plan_paid: str = "0"
    deductible: str = "0"
    copay: str = "0"
    coinsurance: str = "0"
    not_covered: str = "0"
    denial_reason: str | None = None


@dataclass(frozen=True)
class ClaimRow:
    suffix: str  # tells the member's claim numbers apart
    provider: str
    days_ago: int  # the service date, before today
    status: str
    note: str
    lines: tuple[Line, ...]
    processed_after: int | None = 14  # days from receipt to decision; None while pending


CLAIMS = (
    ClaimRow("01", "chen", 75, "paid", "paid to the provider", (
        Line("99214", "Office visit, established patient", "primary_care_visit", "240.00",
             "165.00", "140.00", copay="25.00"),
    )),
    ClaimRow("02", "bayside_lab", 74, "paid", "covered in full as preventive care", (
        Line("80061", "Lipid panel", "lab_tests", "95.00", "42.00", "42.00"),
    )),
    ClaimRow("03", "bay_imaging", 40, "partially_paid", "one line denied", (
        Line("73721", "MRI of the knee without contrast", "advanced_imaging", "2400.00",
             "1150.00", "400.00", deductible="650.00", coinsurance="100.00"),
        Line("A9579", "Contrast agent", "advanced_imaging", "180.00", not_covered="180.00",
             denial_reason="contrast was not part of the approved prior authorization"),
    )),
    ClaimRow("04", "soma_pt", 30, "denied", "the provider did not send the records asked for", (
        Line("97110", "Therapeutic exercise, 4 units", "physical_therapy", "320.00",
             not_covered="320.00", denial_reason="medical records were not received"),
    )),
    ClaimRow("05", "liu", 6, "pending", "waiting for an itemized bill from the provider", (
        Line("99203", "Office visit, new patient", "specialist_visit", "310.00"),
    ), processed_after=None),
    ClaimRow("06", "dogpatch_urgent", 230, "denied", "a duplicate of a claim already paid", (
        Line("S9083", "Urgent care visit", "urgent_care", "185.00",
             denial_reason="duplicate claim"),
    )),
)  # fmt: skip


@dataclass(frozen=True)
class PriorAuthRow:
    suffix: str
    category: str
    service: str
    provider: str
    reason: str
    submitted_days_ago: int
    planned_in_days: int  # negative: in the past
    status: str
    note: str = ""


PRIOR_AUTHS = (
    PriorAuthRow("01", "sleep_study", "Overnight sleep study", "mission_bay_medical",
                 "Loud snoring and daytime sleepiness; suspected sleep apnea.", 4, 21,
                 "pending_review"),
    PriorAuthRow("02", "advanced_imaging", "MRI of the left knee", "bay_imaging",
                 "Knee pain and swelling for six weeks after a fall; X-ray normal.", 50, -40,
                 "approved", "approved for an MRI without contrast"),
)  # fmt: skip

# (rule, days ago, provider): the annual wellness visit and the mammogram are overdue, the
# flu shot comes due within weeks, the rest are up to date.
PREVENTIVE = (
    ("annual_wellness_visit", 400, "chen"),
    ("flu_vaccine", 340, "chen"),
    ("mammogram", 800, "bay_imaging"),
    ("cervical_cancer_screening", 700, "martinez"),
    ("colorectal_cancer_screening", 1500, "patel"),
    ("cholesterol_screening", 74, "bayside_lab"),
    ("diabetes_screening", 74, "bayside_lab"),
)


def _at(day: date, hour: int = 17) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _digits(user_id: str) -> str:
    """Seven digits fixed for a user, in their member, claim and prior authorisation numbers
    (nine digits, so never one the prior_auth_numbers sequence gives out)."""
    return f"{uuid.uuid5(uuid.NAMESPACE_URL, f'convonet:demo:{user_id}').int % 10**7:07d}"


def _seed_member(db: Queries, user_id: str, today: date) -> str:
    """The user's membership (made now unless they have one) and its accumulators; its id."""
    number = f"BCP{_digits(user_id)}01"
    db.execute(
        "INSERT INTO healthcare.members (id, user_id, member_number, group_number, plan_id,"
        " coverage_tier, date_of_birth, sex, home_city, home_zip, effective_date)"
        " VALUES (:id, :user_id, :number, 'SF-204817', :plan, 'family', :born, 'female',"
        " 'San Francisco', '94107', :effective) ON CONFLICT DO NOTHING",
        id=demo_id(f"member:{user_id}"),
        user_id=user_id,
        number=number,
        plan=PLAN_ID,
        born=date(today.year - 52, 4, 18),
        effective=date(today.year - 2, 1, 1),
    )
    row = db.fetch_one("SELECT id FROM healthcare.members WHERE user_id = :u", u=user_id)
    assert row is not None
    member_id = str(row["id"])
    db.execute(
        "INSERT INTO healthcare.member_conditions (member_id, user_id, condition, noted_on)"
        " VALUES (:member, :user_id, 'hypertension', :noted) ON CONFLICT DO NOTHING",
        member=member_id,
        user_id=user_id,
        noted=today - timedelta(days=420),
    )
    year_start = date(today.year, 1, 1)  # the demo plan's year is the calendar year
    for level, deductible, out_of_pocket in (("individual", 850, 1420), ("family", 1900, 2600)):
        db.execute(
            "INSERT INTO healthcare.accumulators (member_id, user_id, plan_year_start, level,"
            " deductible_met, out_of_pocket_met, as_of) VALUES (:member, :user_id, :start,"
            " :level, :deductible, :oop, :as_of) ON CONFLICT DO NOTHING",
            member=member_id,
            user_id=user_id,
            start=year_start,
            level=level,
            deductible=Decimal(deductible),
            oop=Decimal(out_of_pocket),
            as_of=today - timedelta(days=3),
        )
    return member_id


def _seed_claim(db: Queries, user_id: str, member_id: str, claim: ClaimRow, today: date) -> None:
    served = today - timedelta(days=claim.days_ago)
    received = served + timedelta(days=3)
    processed = (
        received + timedelta(days=claim.processed_after)
        if claim.processed_after is not None
        else None
    )
    claim_id = demo_id(f"claim:{user_id}:{claim.suffix}")
    inserted = db.fetch_one(
        "INSERT INTO healthcare.claims (id, member_id, user_id, claim_number, provider_id,"
        " in_network, service_date, received_date, processed_date, status, status_note)"
        " VALUES (:id, :member, :user_id, :number, :provider, true, :served, :received,"
        " :processed, :status, :note) ON CONFLICT DO NOTHING RETURNING id",
        id=claim_id,
        member=member_id,
        user_id=user_id,
        number=f"CLM-{_digits(user_id)}{claim.suffix}",
        provider=PROVIDER[claim.provider].id,
        served=served,
        received=received,
        processed=processed,
        status=claim.status,
        note=claim.note,
    )
    if inserted is None:  # seeded before: its lines and history are there too
        return
    for n, line in enumerate(claim.lines, start=1):
        db.execute(
            "INSERT INTO healthcare.claim_lines (claim_id, line_number, procedure_code,"
            " description, category, billed, allowed, plan_paid, deductible, copay,"
            " coinsurance, not_covered, denial_reason) VALUES (:claim, :n, :code, :description,"
            " :category, :billed, :allowed, :paid, :deductible, :copay, :coinsurance,"
            " :not_covered, :denial)",
            claim=claim_id,
            n=n,
            code=line.code,
            description=line.description,
            category=line.category,
            billed=Decimal(line.billed),
            allowed=Decimal(line.allowed),
            paid=Decimal(line.plan_paid),
            deductible=Decimal(line.deductible),
            copay=Decimal(line.copay),
            coinsurance=Decimal(line.coinsurance),
            not_covered=Decimal(line.not_covered),
            denial=line.denial_reason,
        )
    history = [("pending", "claim received", _at(received))]
    if processed:
        history.append((claim.status, claim.note, _at(processed)))
    for status, note, at in history:
        db.execute(
            "INSERT INTO healthcare.claim_status_history (claim_id, status, note, changed_at)"
            " VALUES (:claim, :status, :note, :at)",
            claim=claim_id,
            status=status,
            note=note,
            at=at,
        )


def _seed_prior_auth(
    db: Queries, user_id: str, member_id: str, pa: PriorAuthRow, today: date
) -> None:
    submitted = _at(today - timedelta(days=pa.submitted_days_ago), 16)
    planned = today + timedelta(days=pa.planned_in_days)
    number = f"PA-{_digits(user_id)}{pa.suffix}"
    decided = submitted + timedelta(days=3) if pa.status != "pending_review" else None
    db.execute(
        "INSERT INTO healthcare.prior_auths (id, reference_number, member_id, user_id, category,"
        " service, provider_id, reason, planned_date, status, decision_note, submitted_at,"
        " decision_due, decided_at, valid_until, request_key) VALUES (:id, :number, :member,"
        " :user_id, :category, :service, :provider, :reason, :planned, :status, :note,"
        " :submitted, :due, :decided, :valid_until, :key) ON CONFLICT DO NOTHING",
        id=demo_id(f"prior_auth:{user_id}:{pa.suffix}"),
        number=number,
        member=member_id,
        user_id=user_id,
        category=pa.category,
        service=pa.service,
        provider=PROVIDER[pa.provider].id,
        reason=pa.reason,
        planned=planned,
        status=pa.status,
        note=pa.note,
        submitted=submitted,
        due=submitted + timedelta(days=15),
        decided=decided,
        valid_until=planned + timedelta(days=30) if decided else None,
        key=f"demo:prior_auth:{pa.suffix}",
    )


def _seed_preventive(db: Queries, user_id: str, member_id: str, today: date) -> None:
    for rule, days_ago, provider in PREVENTIVE:
        db.execute(
            "INSERT INTO healthcare.preventive_services (id, member_id, user_id, rule_code,"
            " service_date, provider_id) VALUES (:id, :member, :user_id, :rule, :day, :provider)"
            " ON CONFLICT DO NOTHING",
            id=demo_id(f"preventive:{user_id}:{rule}"),
            member=member_id,
            user_id=user_id,
            rule=rule,
            day=today - timedelta(days=days_ago),
            provider=PROVIDER[provider].id,
        )


def seed(db: Database, user_id: str, today: date) -> None:
    """Make the user a demo member with a realistic history; running it again adds nothing."""
    with db.transaction() as tx:
        seed_directory(tx)
        member_id = _seed_member(tx, user_id, today)
        for claim in CLAIMS:
            _seed_claim(tx, user_id, member_id, claim, today)
        for pa in PRIOR_AUTHS:
            _seed_prior_auth(tx, user_id, member_id, pa, today)
        _seed_preventive(tx, user_id, member_id, today)
