"""What the rules model says to the results of the health plan's and the clinic's tools, written
to be heard: amounts as dollars, dates as "Friday, December 4", the plan's facts only (never
medical advice)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from functions.agent_turn.agent.hanok_replies import say_date, say_list, say_time
from functions.agent_turn.agent.mortgage_replies import say_money

Result = dict[str, Any]
Args = dict[str, Any]
MAX_READ = 3  # claims, providers or requests read out; the rest are counted


def _status(value: Any) -> str:
    return str(value or "").replace("_", " ")


def reply_eligibility(result: Result, args: Args) -> str:
    coverage = result.get("coverage") or {}
    plan = (result.get("plan") or {}).get("name", "your plan")
    state = {"active": "active", "terminated": "ended", "not_yet_effective": "not active yet"}
    status = str(coverage.get("status"))
    return f"Your coverage on {plan} is {state.get(status, _status(status))}."


def reply_benefits(result: Result, args: Args) -> str:
    benefits = [b for b in result.get("benefits") or [] if b.get("covered")]
    spoken = [f"{b['service']}: {b.get('summary', '')}".strip(": ") for b in benefits[:MAX_READ]]
    more = f"; and {len(benefits) - MAX_READ} more" if len(benefits) > MAX_READ else ""
    return (
        f"Your plan covers {'; '.join(spoken)}{more}." if spoken else "I found no benefits listed."
    )


def reply_coverage(result: Result, args: Args) -> str:
    service = result.get("asked_about") or args.get("service", "that")
    if not result.get("covered"):
        return f"Sorry, {service} isn't covered by your plan."
    share = (result.get("in_network") or {}).get("cost_share") or result.get("summary", "")
    auth = " It needs prior authorization." if result.get("prior_auth_required") else ""
    return f"Yes, {service} is covered: in network, {share}.{auth}"


def _progress(level: Result, name: str) -> str:
    part = level.get(name) or {}
    if part.get("fully_met"):
        return f"you've met your full {say_money(part['limit'])} {name.replace('_', '-')}"
    return (
        f"you've met {say_money(part.get('met', 0))} of your {say_money(part.get('limit', 0))}"
        f" {name.replace('_', '-')}, {say_money(part.get('remaining', 0))} to go"
    )


def reply_deductible(result: Result, args: Args) -> str:
    mine = result.get("individual") or {}
    if not mine:
        return "I couldn't find your deductible."
    text = f"This plan year {_progress(mine, 'deductible')}."
    if mine.get("out_of_pocket"):
        text += f" On the out-of-pocket maximum, {_progress(mine, 'out_of_pocket')}."
    return text[0].upper() + text[1:]


def _claim(claim: Result) -> str:
    when = f" on {say_date(claim['service_date'])}" if claim.get("service_date") else ""
    owed = claim.get("member_responsibility")
    you = f", you owe {say_money(owed)}" if owed else ""
    note = f" ({claim['status_note']})" if claim.get("status_note") else ""
    return f"{claim.get('provider', 'a provider')}{when}: {_status(claim.get('status'))}{note}{you}"


def reply_claims(result: Result, args: Args) -> str:
    claims = result.get("claims") or []
    if not claims:
        return "I found no claims like that."
    read = [_claim(c) for c in claims[:MAX_READ]]
    more = f" And {len(claims) - MAX_READ} more." if len(claims) > MAX_READ else ""
    head = "One claim" if len(claims) == 1 else f"{len(claims)} claims"
    return f"{head}: {'; '.join(read)}.{more}"


def reply_claim(result: Result, args: Args) -> str:
    claim = result.get("claim") or {}
    text = f"Claim {claim.get('claim_number', '')}: {_claim(claim)}."
    deadline = claim.get("appeal_deadline")
    if deadline and claim.get("status") in ("denied", "partially_paid"):
        text += f" You can appeal until {say_date(deadline)}."
    return text


def reply_appeal(result: Result, args: Args) -> str:
    appeal = result.get("appeal") or {}
    due = (
        f" A decision is due by {say_date(appeal['decision_due'])}."
        if appeal.get("decision_due")
        else ""
    )
    number = appeal.get("appeal_number") or appeal.get("reference_number")
    ref = f" Your appeal number is {number}." if number else ""
    claim = result.get("claim_number", args.get("claim", ""))
    return f"I've filed your appeal of claim {claim}.{ref}{due}"


def reply_auth_required(result: Result, args: Args) -> str:
    service = result.get("asked_about") or args.get("service", "that")
    if not result.get("covered", True):
        return f"{service} isn't covered by your plan."
    needed = "needs" if result.get("prior_auth_required") else "doesn't need"
    return f"{service} {needed} prior authorization under your plan."


def _auth(auth: Result) -> str:
    planned = f" planned for {say_date(auth['planned_date'])}" if auth.get("planned_date") else ""
    what = f"{auth.get('reference_number', '')}, {auth.get('service', '')}{planned}"
    return f"{what}: {_status(auth.get('status'))}"


def reply_auth_submitted(result: Result, args: Args) -> str:
    auth = result.get("prior_auth") or {}
    due = auth.get("decision_due")
    when = f" A decision is due by {say_date(str(due)[:10])}." if due else ""
    number = auth.get("reference_number", "")
    return f"I've sent the prior authorization request; its reference number is {number}.{when}"


def reply_auth_status(result: Result, args: Args) -> str:
    return f"Prior authorization {_auth(result.get('prior_auth') or {})}."


def reply_auths(result: Result, args: Args) -> str:
    auths = result.get("prior_auths") or []
    if not auths:
        return "You have no prior authorization requests."
    return f"Your prior authorizations: {'; '.join(_auth(a) for a in auths[:MAX_READ])}."


def reply_providers(result: Result, args: Args) -> str:
    found = result.get("providers") or []
    what = result.get("specialty") or args.get("specialty") or "providers"
    if not found:
        return f"I couldn't find in-network {what} nearby."
    read = [f"{p['name']}, {p.get('address', '')}".strip(", ") for p in found[:MAX_READ]]
    return f"In-network {what}: {'; '.join(read)}."


def reply_programs(result: Result, args: Args) -> str:
    programs = result.get("programs") or []
    names = [str(p.get("name")) for p in programs if p.get("name")]
    return f"Your plan offers {say_list(names)}." if names else "Your plan lists no care programs."


def reply_enrolled(result: Result, args: Args) -> str:
    program = result.get("program") or {}
    name = program.get("name") if isinstance(program, dict) else None
    return f"You're enrolled in {name or 'the program'}."


def reply_preventive(result: Result, args: Args) -> str:
    due = [str(d.get("service")) for d in result.get("due") or [] if isinstance(d, dict)]
    if not due:
        return "You're up to date on preventive care."
    return f"You're due for {say_list(due)}. Preventive care is covered in full in network."


def reply_patient(result: Result, args: Args) -> str:
    if not result.get("registered"):
        return "You're not registered with the clinic yet. I can register you now."
    return "Yes, you're registered with the clinic."


def reply_onboarded(result: Result, args: Args) -> str:
    if result.get("registered_now") is False:
        return "You're already registered with the clinic."
    return f"Welcome, {args.get('first_name', '')}; you're registered with the clinic.".replace(
        ", ;", ";"
    )


def reply_appointment(result: Result, args: Args) -> str:
    start = str(args.get("start", ""))
    try:
        when = datetime.fromisoformat(start)
    except ValueError:
        return "Your clinic appointment is booked."
    day, hour = say_date(when.date().isoformat()), say_time(when.strftime("%H:%M"))
    return f"You're booked at the clinic on {day} at {hour}."


def reply_intake(result: Result, args: Args) -> str:
    return "I've noted your symptoms for the clinic's staff to review."


def reply_summary(result: Result, args: Args) -> str:
    return "I've saved a summary of this call to your clinic record."


REPLIES: dict[str, Callable[[Result, Args], str]] = {
    "check_eligibility": reply_eligibility,
    "get_benefits_summary": reply_benefits,
    "check_service_coverage": reply_coverage,
    "get_deductible_status": reply_deductible,
    "search_claims": reply_claims,
    "get_claim_details": reply_claim,
    "appeal_claim": reply_appeal,
    "check_prior_auth_required": reply_auth_required,
    "submit_prior_auth": reply_auth_submitted,
    "get_prior_auth_status": reply_auth_status,
    "list_prior_auths": reply_auths,
    "find_in_network_providers": reply_providers,
    "list_care_programs": reply_programs,
    "enroll_in_care_program": reply_enrolled,
    "get_preventive_care_due": reply_preventive,
    "check_patient_record": reply_patient,
    "onboard_patient": reply_onboarded,
    "book_clinic_appointment": reply_appointment,
    "log_clinical_intake": reply_intake,
    "save_call_summary": reply_summary,
}
_CLINIC = (
    "check_patient_record",
    "onboard_patient",
    "book_clinic_appointment",
    "log_clinical_intake",
    "save_call_summary",
)
UNAVAILABLE: dict[str, str] = {
    name: "Sorry, I couldn't reach the clinic's records just now."
    if name in _CLINIC
    else "Sorry, I couldn't reach your health plan's records just now."
    for name in REPLIES
}
