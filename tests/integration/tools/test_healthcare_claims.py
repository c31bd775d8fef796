"""Healthcare claims and prior authorisations against the real PostgreSQL: search, details,
appeals, prior authorisation checks and requests, and other members' rows out of reach."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from functions.tools.healthcare import demo
from tests.tool_harness import ToolHarness

pytestmark = pytest.mark.integration


def _today() -> date:
    return datetime.now(UTC).date()  # the harness's users are in UTC


def _day(days: int) -> str:
    return (_today() + timedelta(days=days)).isoformat()


def _demo_member(tools: ToolHarness, name: str = "Ada") -> str:
    user = tools.user(name)
    demo.seed(tools.db, user, _today())
    return user


def _claims(tools: ToolHarness, user: str, **filters: Any) -> dict[str, dict[str, Any]]:
    """The member's claims by status (the demo has one of each, and two denied: by provider)."""
    found = tools.call(user, "search_claims", **filters)["claims"]
    return {f"{c['status']}:{c['provider']}": c for c in found}


def _claim(tools: ToolHarness, user: str, status: str, provider: str = "") -> dict[str, Any]:
    return next(
        c for key, c in _claims(tools, user).items() if key.startswith(f"{status}:{provider}")
    )


def test_search_claims_newest_first_with_amounts(tools: ToolHarness) -> None:
    ada = _demo_member(tools)
    found = tools.call(ada, "search_claims")["claims"]
    assert len(found) == 6
    assert [c["service_date"] for c in found] == sorted((c["service_date"] for c in found),
                                                        reverse=True)  # fmt: skip
    mri = next(c for c in found if c["provider"] == "Bay Imaging Center")
    assert mri["status"] == "partially_paid"
    assert (mri["billed"], mri["allowed"], mri["plan_paid"]) == (2580, 1150, 400)
    assert mri["member_responsibility"] == 930  # deductible 650 + coinsurance 100 + denied 180
    assert mri["appeal_deadline"] is not None
    pending = next(c for c in found if c["status"] == "pending")
    assert pending["processed_date"] is None and pending["appeal_deadline"] is None


def test_search_claims_by_status_dates_and_provider(tools: ToolHarness) -> None:
    ada = _demo_member(tools)
    denied = tools.call(ada, "search_claims", status="denied")["claims"]
    assert {c["provider"] for c in denied} == {"SoMa Physical Therapy", "Dogpatch Urgent Care"}
    recent = tools.call(ada, "search_claims", from_date=_day(-45), to_date=_day(0))["claims"]
    assert {c["provider"] for c in recent} == {
        "Bay Imaging Center", "SoMa Physical Therapy", "Grace Liu, MD",
    }  # fmt: skip
    chen = tools.call(ada, "search_claims", provider="Dr. Chen")["claims"]
    assert [c["provider"] for c in chen] == ["Maya Chen, MD"]
    assert len(tools.call(ada, "search_claims", limit=2)["claims"]) == 2


def test_search_claims_refuses_bad_arguments(tools: ToolHarness) -> None:
    ada = _demo_member(tools)
    backwards = tools.refused(ada, "search_claims", from_date=_day(0), to_date=_day(-30))
    assert backwards["error"] == "the start of that date range is after its end"
    assert "status" in tools.refused(ada, "search_claims", status="lost")["error"]
    assert "from_date" in tools.refused(ada, "search_claims", from_date="last spring")["error"]
    nobody = tools.refused(ada, "search_claims", provider="Dr. Nobody")
    assert nobody["error"] == "none of your claims are from a provider matching 'Dr. Nobody'"


def test_claim_details_by_spoken_number(tools: ToolHarness) -> None:
    ada = _demo_member(tools)
    mri = _claim(tools, ada, "partially_paid")
    spoken = mri["claim_number"].lower().replace("-", " ")
    details = tools.call(ada, "get_claim_details", claim=spoken)
    assert details["claim"]["claim_number"] == mri["claim_number"]
    lines = details["lines"]
    assert [line["procedure_code"] for line in lines] == ["73721", "A9579"]
    assert lines[0]["member_responsibility"] == 750 and lines[0]["deductible"] == 650
    assert lines[1]["denial_reason"] and lines[1]["not_covered"] == 180
    assert [h["status"] for h in details["status_history"]] == ["pending", "partially_paid"]
    assert details["appeal"] is None
    digits = "".join(ch for ch in mri["claim_number"] if ch.isdigit())
    assert tools.call(ada, "get_claim_details", claim=digits)["claim"]["id"] == mri["id"]
    assert tools.call(ada, "get_claim_details", claim=mri["id"])["claim"]["id"] == mri["id"]
    unknown = tools.refused(ada, "get_claim_details", claim="CLM-000000000")
    assert unknown["error"] == "I can't find a claim of yours numbered 'CLM-000000000'"
    assert (
        "look like a claim number" in tools.refused(ada, "get_claim_details", claim="--")["error"]
    )


def test_appeal_a_partially_paid_claim(tools: ToolHarness) -> None:
    ada = _demo_member(tools)
    mri = _claim(tools, ada, "partially_paid")
    result = tools.call(
        ada,
        "appeal_claim",
        claim=mri["claim_number"],
        reason="The contrast was ordered by my doctor",
    )
    assert result["appealed"] and result["previous_status"] == "partially_paid"
    appeal = result["appeal"]
    assert appeal["appeal_number"].startswith("AP-") and appeal["status"] == "submitted"
    assert appeal["decision_due"] == _day(60)
    details = tools.call(ada, "get_claim_details", claim=mri["claim_number"])
    assert details["claim"]["status"] == "appealed" and details["claim"]["appeal_deadline"] is None
    assert details["status_history"][-1]["status"] == "appealed"
    assert details["appeal"]["appeal_number"] == appeal["appeal_number"]
    again = tools.refused(ada, "appeal_claim", claim=mri["claim_number"], reason="please")
    assert again["error"] == "that claim is already under appeal"
    assert tools.count("healthcare.claim_appeals", ada) == 1


def test_appeals_that_cannot_be_made_are_refused_and_write_nothing(tools: ToolHarness) -> None:
    ada = _demo_member(tools)
    reasons = {
        "paid": "paid in full, so there is nothing to appeal",
        "pending": "still being processed",
        "denied:Dogpatch": "the window to appeal that claim closed on",
    }
    for which, error in reasons.items():
        status, _, provider = which.partition(":")
        claim = _claim(tools, ada, status, provider)
        refused = tools.refused(ada, "appeal_claim", claim=claim["claim_number"], reason="unfair")
        assert error in refused["error"], which
    denied = _claim(tools, ada, "denied", "SoMa")
    blank = tools.refused(ada, "appeal_claim", claim=denied["claim_number"], reason="\x00\x01")
    assert "needs some words" in blank["error"]
    assert (
        "reason: required"
        in tools.refused(ada, "appeal_claim", claim=denied["claim_number"])["error"]
    )
    assert tools.count("healthcare.claim_appeals", ada) == 0
    assert _claim(tools, ada, "denied", "SoMa")["status"] == "denied"


def test_a_redelivered_appeal_files_once(tools: ToolHarness) -> None:
    ada = _demo_member(tools)
    denied = _claim(tools, ada, "denied", "SoMa")
    args = {"claim": denied["claim_number"], "reason": "the records were sent twice"}
    first = tools.outcome(ada, "appeal_claim", key="t9:appeal_claim:1", **args)
    again = tools.outcome(ada, "appeal_claim", key="t9:appeal_claim:1", **args)
    assert first.ok and again.replayed and again.result == first.result
    assert tools.count("healthcare.claim_appeals", ada) == 1


def test_another_members_claims_and_prior_auths_are_out_of_reach(tools: ToolHarness) -> None:
    ada, bob = _demo_member(tools, "Ada"), _demo_member(tools, "Bob")
    bobs = _claim(tools, bob, "partially_paid")
    ada_numbers = {c["claim_number"] for c in tools.call(ada, "search_claims")["claims"]}
    assert bobs["claim_number"] not in ada_numbers
    for ref in (bobs["claim_number"], bobs["id"]):
        assert (
            "can't find a claim of yours"
            in tools.refused(ada, "get_claim_details", claim=ref)["error"]
        )
        refused = tools.refused(ada, "appeal_claim", claim=ref, reason="mine now")
        assert "can't find a claim of yours" in refused["error"]
    bobs_pa = tools.call(bob, "list_prior_auths")["prior_auths"][0]
    for ref in (bobs_pa["reference_number"], bobs_pa["id"]):
        refused = tools.refused(ada, "get_prior_auth_status", prior_auth=ref)
        assert "can't find a prior authorization of yours" in refused["error"]
    assert tools.count("healthcare.claim_appeals", bob) == 0
    assert _claim(tools, bob, "partially_paid")["status"] == "partially_paid"
    assert "no such argument" in tools.refused(ada, "search_claims", user_id=bob)["error"]


def test_whether_a_service_needs_prior_authorization(tools: ToolHarness) -> None:
    ada = _demo_member(tools)
    sleep = tools.call(ada, "check_prior_auth_required", service="a sleep study")
    assert sleep["service"] == "Sleep study" and sleep["prior_auth_required"] and sleep["covered"]
    assert [r["status"] for r in sleep["open_requests"]] == ["pending_review"]
    urgent = tools.call(ada, "check_prior_auth_required", service="urgent care")
    assert urgent["covered"] and not urgent["prior_auth_required"]
    assert urgent["open_requests"] == []
    eyes = tools.call(ada, "check_prior_auth_required", service="eye exam")
    assert not eyes["covered"] and not eyes["prior_auth_required"]


def test_submit_a_prior_authorization_and_follow_it_up(tools: ToolHarness) -> None:
    ada = _demo_member(tools)
    before = tools.count("healthcare.prior_auths", ada)
    result = tools.call(
        ada, "submit_prior_auth", service="CT scan of the head", provider="Bay Imaging",
        reason="Headaches for three months", planned_date=_day(10),
    )  # fmt: skip
    pa = result["prior_auth"]
    assert result["submitted"] and result["provider_in_network"]
    assert pa["reference_number"].startswith("PA-") and pa["status"] == "pending_review"
    assert pa["category"] == "Advanced imaging (MRI, CT, PET)" and pa["planned_date"] == _day(10)
    assert pa["provider"] == "Bay Imaging Center" and pa["urgency"] == "standard"
    submitted = datetime.fromisoformat(pa["submitted_at"])
    assert datetime.fromisoformat(pa["decision_due"]) - submitted >= timedelta(days=14)
    assert tools.count("healthcare.prior_auths", ada) == before + 1

    spoken = pa["reference_number"].replace("-", " ").lower()
    status = tools.call(ada, "get_prior_auth_status", prior_auth=spoken)["prior_auth"]
    assert status["id"] == pa["id"]
    open_ones = tools.call(ada, "list_prior_auths", status="open")["prior_auths"]
    assert pa["reference_number"] in {p["reference_number"] for p in open_ones}
    approved = tools.call(ada, "list_prior_auths", status="approved")["prior_auths"]
    assert [p["service"] for p in approved] == ["MRI of the left knee"]
    everything = tools.call(ada, "list_prior_auths", limit=50)["prior_auths"]
    assert everything[0]["id"] == pa["id"] and len(everything) == before + 1

    duplicate = tools.refused(
        ada, "submit_prior_auth", service="MRI", provider="Bay Imaging Center",
        reason="again", planned_date=_day(12),
    )  # fmt: skip
    assert f"already have request {pa['reference_number']} open" in duplicate["error"]


def test_an_urgent_out_of_network_request(tools: ToolHarness) -> None:
    ada = _demo_member(tools)
    result = tools.call(
        ada, "submit_prior_auth", service="outpatient surgery",
        provider="Golden Gate Cardiology Associates", reason="Ablation for atrial fibrillation",
        planned_date=_day(0), urgency="urgent",
    )  # fmt: skip
    assert result["provider_in_network"] is False
    pa = result["prior_auth"]
    wait = datetime.fromisoformat(pa["decision_due"]) - datetime.fromisoformat(pa["submitted_at"])
    assert timedelta(hours=71) < wait <= timedelta(hours=72)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"planned_date": "PAST"}, "is in the past"),
        ({"planned_date": "FAR"}, "more than a year away"),
        ({"service": "urgent care"}, "Urgent care doesn't need prior authorization"),
        ({"service": "acupuncture"}, "Acupuncture isn't covered by your plan"),
        ({"service": "basket weaving"}, "couldn't tell which kind of service"),
        ({"provider": "Dr. Nobody"}, "can't find a provider called 'Dr. Nobody'"),
        ({"reason": "\x00"}, "the reason needs some words"),
        ({"urgency": "whenever"}, "urgency"),
        ({"planned_date": "next week"}, "planned_date"),
    ],
)
def test_a_bad_prior_authorization_request_is_refused_and_writes_nothing(
    tools: ToolHarness, changes: dict[str, str], error: str
) -> None:
    ada = _demo_member(tools)
    before = tools.count("healthcare.prior_auths", ada)
    dates = {"PAST": _day(-1), "FAR": _day(400)}
    args = {
        "service": "MRI", "provider": "Bay Imaging Center", "reason": "knee pain",
        "planned_date": _day(7),
        **{k: dates.get(v, v) for k, v in changes.items()},
    }  # fmt: skip
    assert error in tools.refused(ada, "submit_prior_auth", **args)["error"]
    assert tools.count("healthcare.prior_auths", ada) == before


def test_an_unknown_prior_authorization_number_is_refused(tools: ToolHarness) -> None:
    ada = _demo_member(tools)
    unknown = tools.refused(ada, "get_prior_auth_status", prior_auth="PA-999")
    assert unknown["error"] == "I can't find a prior authorization of yours numbered 'PA-999'"
    assert "status" in tools.refused(ada, "list_prior_auths", status="lost")["error"]


def test_the_provider_of_a_request_by_npi_or_unambiguous_name(tools: ToolHarness) -> None:
    ada = _demo_member(tools)
    args = {"service": "hospital stay", "reason": "hip replacement", "planned_date": _day(30)}
    ambiguous = tools.refused(ada, "submit_prior_auth", provider="Bay", **args)
    assert "more than one provider matches 'Bay'" in ambiguous["error"]
    assert "Bay Imaging Center" in ambiguous["error"]
    by_npi = tools.call(ada, "submit_prior_auth", provider="1871154926", **args)["prior_auth"]
    assert by_npi["provider"] == "Mission Bay Medical Center"
    assert by_npi["category"] == "Inpatient hospital stay"
