"""Healthcare payer tools against the real PostgreSQL: membership and eligibility, benefits and
cost share, deductibles, the provider directory, care programs, preventive care, demo data."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from functions.tools.healthcare import demo
from functions.tools.healthcare.demo_directory import PLAN_ID, seed_directory
from functions.tools.healthcare.members import NOT_A_MEMBER
from tests.tool_harness import ToolHarness

pytestmark = pytest.mark.integration


def _today() -> date:
    return datetime.now(UTC).date()  # the harness's users are in UTC


def _demo_member(tools: ToolHarness, name: str = "Ada") -> str:
    user = tools.user(name)
    demo.seed(tools.db, user, _today())
    return user


def _plain_member(
    tools: ToolHarness,
    born: date,
    sex: str = "male",
    tier: str = "individual",
    effective: date | None = None,
    end: date | None = None,
) -> str:
    """A member of the demo plan with no history at all."""
    user = tools.user("Bo")
    seed_directory(tools.db)
    tools.db.execute(
        "INSERT INTO healthcare.members (id, user_id, member_number, group_number, plan_id,"
        " coverage_tier, date_of_birth, sex, home_zip, effective_date, end_date) VALUES"
        " (:id, :user, :number, 'G-1', :plan, :tier, :born, :sex, '94110', :effective, :end)",
        id=str(uuid.uuid4()),
        user=user,
        number=f"T{uuid.uuid4().hex[:10].upper()}",
        plan=PLAN_ID,
        tier=tier,
        born=born,
        sex=sex,
        effective=effective or date(_today().year - 1, 1, 1),
        end=end,
    )
    return user


MEMBER_TOOLS: list[tuple[str, dict[str, Any]]] = [
    ("check_eligibility", {}),
    ("get_benefits_summary", {}),
    ("check_service_coverage", {"service": "MRI"}),
    ("get_deductible_status", {}),
    ("search_claims", {}),
    ("get_claim_details", {"claim": "CLM-123456701"}),
    ("appeal_claim", {"claim": "CLM-123456701", "reason": "it was needed"}),
    ("check_prior_auth_required", {"service": "MRI"}),
    ("submit_prior_auth", {"service": "MRI", "provider": "Bay Imaging Center",
                           "reason": "knee pain", "planned_date": "2099-01-01"}),
    ("get_prior_auth_status", {"prior_auth": "PA-1000001"}),
    ("list_prior_auths", {}),
    ("find_in_network_providers", {}),
    ("list_care_programs", {}),
    ("enroll_in_care_program", {"program": "Healthy Heart"}),
    ("get_preventive_care_due", {}),
]  # fmt: skip


def test_a_user_without_a_membership_hears_so_from_every_tool(tools: ToolHarness) -> None:
    _demo_member(tools)  # the plan and the directory exist; this caller is not a member
    stranger = tools.user("Stranger")
    for name, args in MEMBER_TOOLS:
        result = tools.refused(stranger, name, **args)
        assert result["reason"] == "refused" and result["error"] == NOT_A_MEMBER, name


def test_eligibility_of_an_active_member(tools: ToolHarness) -> None:
    ada = _demo_member(tools)
    result = tools.call(ada, "check_eligibility")
    assert result["plan"] == {"name": "Bay Choice PPO Gold", "type": "PPO"}
    assert result["coverage"] == {
        "status": "active",
        "effective_date": date(_today().year - 2, 1, 1).isoformat(),
        "end_date": None,
    }
    assert result["member_number"].startswith("BCP") and result["coverage_tier"] == "family"
    assert result["network"] == "Bay Choice Network"
    assert "no such argument" in tools.refused(ada, "check_eligibility", user_id=ada)["error"]


def test_a_terminated_member_sees_the_end_and_cannot_start_anything(tools: ToolHarness) -> None:
    ended = _today() - timedelta(days=10)
    bo = _plain_member(tools, date(1980, 2, 2), end=ended)
    coverage = tools.call(bo, "check_eligibility")["coverage"]
    assert coverage["status"] == "terminated" and coverage["end_date"] == ended.isoformat()
    soon = (_today() + timedelta(days=5)).isoformat()
    refused = tools.refused(
        bo, "submit_prior_auth", service="MRI", provider="Bay Imaging Center",
        reason="knee pain", planned_date=soon,
    )  # fmt: skip
    assert f"ended on {ended.isoformat()}" in refused["error"]
    assert (
        "ended on" in tools.refused(bo, "enroll_in_care_program", program="Quit for Good")["error"]
    )
    assert tools.count("healthcare.prior_auths", bo) == 0
    assert tools.count("healthcare.program_enrollments", bo) == 0


def test_a_future_member_is_not_yet_effective(tools: ToolHarness) -> None:
    starts = _today() + timedelta(days=20)
    bo = _plain_member(tools, date(1990, 5, 5), effective=starts)
    coverage = tools.call(bo, "check_eligibility")["coverage"]
    assert coverage["status"] == "not_yet_effective"
    assert (
        "starts on" in tools.refused(bo, "enroll_in_care_program", program="Quit for Good")["error"]
    )


def test_benefits_summary_lists_each_category_with_its_cost_share(tools: ToolHarness) -> None:
    ada = _demo_member(tools)
    result = tools.call(ada, "get_benefits_summary")
    assert result["plan"] == "Bay Choice PPO Gold" and result["coverage"]["status"] == "active"
    by_category = {b["category"]: b for b in result["benefits"]}
    assert len(by_category) == 27
    imaging = by_category["advanced_imaging"]
    assert (
        imaging["summary"] == "20% coinsurance after the deductible; prior authorization required"
    )
    assert imaging["in_network"]["coinsurance_percent"] == 20 and imaging["prior_auth_required"]
    assert imaging["out_of_network"]["cost_share"] == "40% coinsurance after the deductible"
    assert by_category["routine_eye_exam"]["covered"] is False


@pytest.mark.parametrize(
    ("said", "category", "summary"),
    [
        ("MRI", "advanced_imaging", "20% coinsurance after the deductible; prior authorization"
         " required"),
        ("a CT scan of my head", "advanced_imaging", None),
        ("physical therapy", "physical_therapy", "$40 copay; up to 30 visits a plan year"),
        ("urgent care", "urgent_care", "$75 copay"),
        ("specialist visit", "specialist_visit", "$50 copay"),
        ("seeing a dermatologist", "specialist_visit", "$50 copay"),
        ("flu shot", "preventive_care", "covered in full"),
        ("X-rays", "diagnostic_imaging", "20% coinsurance after the deductible"),
        ("an eye exam", "routine_eye_exam", "not covered"),
    ],
)  # fmt: skip
def test_a_spoken_service_is_matched_and_priced(
    tools: ToolHarness, said: str, category: str, summary: str | None
) -> None:
    ada = _demo_member(tools)
    result = tools.call(ada, "check_service_coverage", service=said)
    assert result["asked_about"] == said and result["category"] == category
    if summary:
        assert result["summary"] == summary


def test_a_service_no_plan_knows_is_refused_clearly(tools: ToolHarness) -> None:
    ada = _demo_member(tools)
    refused = tools.refused(ada, "check_service_coverage", service="basket weaving")
    assert "couldn't tell which kind of service 'basket weaving' is" in refused["error"]
    assert "required" in tools.refused(ada, "check_service_coverage")["error"]


def test_deductible_and_out_of_pocket_met_and_remaining(tools: ToolHarness) -> None:
    ada = _demo_member(tools)
    result = tools.call(ada, "get_deductible_status")
    year = _today().year
    assert result["plan_year"] == {"start": f"{year}-01-01", "end": f"{year}-12-31"}
    mine = result["individual"]
    assert mine["deductible"] == {
        "limit": 1500, "met": 850, "remaining": 650, "fully_met": False,
        "summary": "$850 of $1,500 met, $650 to go",
    }  # fmt: skip
    assert mine["out_of_pocket"]["remaining"] == 3580
    assert result["family"]["deductible"]["remaining"] == 1100
    assert result["family"]["out_of_pocket"]["limit"] == 10000
    copays = {c["service"]: c["cost_share"] for c in result["copays"]}
    assert copays["Primary care visit"] == "$25 copay" and copays["Urgent care"] == "$75 copay"


def test_a_member_with_nothing_paid_yet_has_it_all_to_go(tools: ToolHarness) -> None:
    bo = _plain_member(tools, date(1985, 1, 1))
    result = tools.call(bo, "get_deductible_status")
    assert result["family"] is None  # an individual tier
    assert result["individual"]["deductible"]["met"] == 0
    assert result["individual"]["deductible"]["remaining"] == 1500


def test_in_network_providers_near_a_zip_same_zip_first(tools: ToolHarness) -> None:
    ada = _demo_member(tools)
    result = tools.call(
        ada, "find_in_network_providers", specialty="heart doctor", zip_code="94107"
    )
    assert result["specialty"] == "Cardiology" and result["network"] == "Bay Choice Network"
    names = [p["name"] for p in result["providers"]]
    # Golden Gate Cardiology is in no network of the plan; Dr. Bell is in Oakland (946xx).
    assert names == ["Elena Vasquez, MD", "Samuel Weiss, MD"]
    first = result["providers"][0]
    assert first["same_zip"] and first["accepting_new_patients"] is False
    assert set(first) >= {"id", "address", "phone", "zip", "specialty"}
    accepting = tools.call(
        ada, "find_in_network_providers", specialty="cardiology", accepting_new_patients_only=True
    )
    assert [p["name"] for p in accepting["providers"]] == ["Samuel Weiss, MD"]
    oakland = tools.call(ada, "find_in_network_providers", specialty="cardiologist", city="oakland")
    assert [p["name"] for p in oakland["providers"]] == ["Marcus Bell, MD"]


def test_provider_search_defaults_to_home_and_stays_in_network(tools: ToolHarness) -> None:
    ada = _demo_member(tools)
    result = tools.call(ada, "find_in_network_providers", specialty="primary care", limit=10)
    assert result["near_zip"] == "94107"
    names = [p["name"] for p in result["providers"]]
    assert names[0] == "Maya Chen, MD"  # 94107, accepting new patients
    assert "Potrero Hill Family Medicine" not in names  # in another network only
    assert set(names) == {"Maya Chen, MD", "Daniel Okafor, MD", "Priya Raman, MD"}
    two = tools.call(ada, "find_in_network_providers", limit=2)["providers"]
    assert len(two) == 2 and all(p["zip"] == "94107" for p in two)


def test_provider_search_refuses_bad_arguments(tools: ToolHarness) -> None:
    ada = _demo_member(tools)
    assert "zip_code" in tools.refused(ada, "find_in_network_providers", zip_code="941")["error"]
    assert "limit" in tools.refused(ada, "find_in_network_providers", limit=500)["error"]
    unknown = tools.refused(ada, "find_in_network_providers", specialty="wizardry")
    assert "I don't know the specialty 'wizardry'" in unknown["error"]


def test_care_programs_list_eligibility_and_enrolment(tools: ToolHarness) -> None:
    ada = _demo_member(tools)
    programs = {p["id"]: p for p in tools.call(ada, "list_care_programs")["programs"]}
    assert set(programs) == {"heart_health", "diabetes_care", "quit_tobacco", "back_on_track"}
    assert programs["heart_health"]["eligible"] and not programs["heart_health"]["enrolled"]
    assert not programs["diabetes_care"]["eligible"]
    assert "diabetes on record" in programs["diabetes_care"]["why_not_eligible"]

    enrolled = tools.call(ada, "enroll_in_care_program", program="healthy heart")
    assert enrolled == {"ok": True, "enrolled": True,
                        "program": {"id": "heart_health", "name": "Healthy Heart"}}  # fmt: skip
    again = tools.refused(ada, "enroll_in_care_program", program="heart_health")
    assert again["error"] == "you're already enrolled in Healthy Heart"
    assert (
        "not eligible" in tools.refused(ada, "enroll_in_care_program", program="diabetes")["error"]
    )
    unknown = tools.refused(ada, "enroll_in_care_program", program="yoga retreat")
    assert "no care program called 'yoga retreat'" in unknown["error"]
    assert tools.count("healthcare.program_enrollments", ada) == 1
    listed = {p["id"]: p for p in tools.call(ada, "list_care_programs")["programs"]}
    assert listed["heart_health"]["enrolled"] and listed["heart_health"]["enrollment_status"] == (
        "active"
    )


def test_a_redelivered_enrolment_answers_the_same_and_enrols_once(tools: ToolHarness) -> None:
    ada = _demo_member(tools)
    first = tools.outcome(ada, "enroll_in_care_program", key="t1:enroll:1", program="Quit for Good")
    again = tools.outcome(ada, "enroll_in_care_program", key="t1:enroll:1", program="Quit for Good")
    assert first.ok and again.replayed and again.result == first.result
    assert tools.count("healthcare.program_enrollments", ada) == 1


def test_preventive_care_due_from_age_sex_and_history(tools: ToolHarness) -> None:
    ada = _demo_member(tools)
    result = tools.call(ada, "get_preventive_care_due")
    assert result["as_of"] == _today().isoformat() and result["age"] == 52
    assert {d["code"] for d in result["due"]} == {"mammogram", "annual_wellness_visit"}
    assert [d["code"] for d in result["due_soon"]] == ["flu_vaccine"]
    assert "up_to_date" not in result
    full = tools.call(ada, "get_preventive_care_due", include_up_to_date=True)
    assert "colorectal_cancer_screening" in {d["code"] for d in full["up_to_date"]}
    mammogram = next(d for d in result["due"] if d["code"] == "mammogram")
    assert mammogram["every_months"] == 24 and mammogram["last_done"] is not None


def test_preventive_care_for_a_child_and_a_man(tools: ToolHarness) -> None:
    child = _plain_member(tools, date(_today().year - 9, 1, 1))
    due = {d["code"] for d in tools.call(child, "get_preventive_care_due")["due"]}
    assert due == {"well_child_visit", "flu_vaccine"}
    man = _plain_member(tools, date(_today().year - 50, 1, 1) - timedelta(days=1), sex="male")
    due = {d["code"] for d in tools.call(man, "get_preventive_care_due")["due"]}
    assert "mammogram" not in due and "colorectal_cancer_screening" in due
    assert (
        "include_up_to_date"
        in tools.refused(man, "get_preventive_care_due", include_up_to_date="sometimes")["error"]
    )


def test_the_demo_seed_runs_twice_and_the_tools_see_it(tools: ToolHarness) -> None:
    ada = tools.user("Demo")
    demo.seed(tools.db, ada, _today())
    tables = ("members", "claims", "prior_auths", "preventive_services", "accumulators")
    counts = {t: tools.count(f"healthcare.{t}", ada) for t in tables}
    lines = tools.db.fetch_one("SELECT count(*) AS n FROM healthcare.claim_status_history")
    demo.seed(tools.db, ada, _today())
    assert {t: tools.count(f"healthcare.{t}", ada) for t in tables} == counts
    assert tools.db.fetch_one("SELECT count(*) AS n FROM healthcare.claim_status_history") == lines
    assert counts == {"members": 1, "claims": 6, "prior_auths": 2, "preventive_services": 7,
                      "accumulators": 2}  # fmt: skip

    statuses = {c["status"] for c in tools.call(ada, "search_claims")["claims"]}
    assert statuses == {"paid", "partially_paid", "denied", "pending"}
    pending = tools.call(ada, "list_prior_auths", status="pending_review")["prior_auths"]
    assert [p["service"] for p in pending] == ["Overnight sleep study"]
    assert tools.call(ada, "get_preventive_care_due")["due"]
    assert tools.call(ada, "get_deductible_status")["individual"]["deductible"]["met"] == 850
