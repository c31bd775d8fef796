"""Healthcare payer logic without a database: matching spoken words, calendar arithmetic, cost
share sentences, preventive schedules and care program eligibility."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from functions.tools.healthcare import matching, periods
from functions.tools.healthcare.accumulators import Progress
from functions.tools.healthcare.benefits import Benefit, money
from functions.tools.healthcare.matching import Named
from functions.tools.healthcare.preventive import Rule, preventive_schedule
from functions.tools.healthcare.programs import Program

pytestmark = pytest.mark.unit

SERVICES = [
    Named("advanced_imaging", "Advanced imaging (MRI, CT, PET)", ("mri", "ct scan", "cat scan")),
    Named("diagnostic_imaging", "X-ray and ultrasound", ("x ray", "xray", "ultrasound")),
    Named("physical_therapy", "Physical therapy", ("physical therapy", "pt")),
    Named("preventive_care", "Preventive care", ("physical", "checkup", "mammogram")),
    Named("specialist_visit", "Specialist visit", ("specialist", "cardiologist")),
    Named("urgent_care", "Urgent care", ("urgent care", "walk in clinic")),
]


@pytest.mark.parametrize(
    ("said", "code"),
    [
        ("MRI", "advanced_imaging"),
        ("an MRI of my knee", "advanced_imaging"),
        ("CAT scans", "advanced_imaging"),
        ("X-rays", "diagnostic_imaging"),
        ("physical therapy", "physical_therapy"),  # the longer phrase beats "physical"
        ("my annual physical", "preventive_care"),
        ("seeing a cardiologist", "specialist_visit"),
        ("a walk-in clinic", "urgent_care"),
        ("specialist visit", "specialist_visit"),
    ],
)
def test_spoken_services_match_their_category(said: str, code: str) -> None:
    found = matching.by_phrase(said, SERVICES, Named.phrases)
    assert found is not None and found.code == code


def test_an_unknown_service_matches_nothing() -> None:
    assert matching.by_phrase("basket weaving lessons", SERVICES, Named.phrases) is None


def test_providers_match_by_name_without_titles() -> None:
    names = ["Maya Chen, MD", "David Chen, DO", "Samuel Weiss, MD"]
    assert matching.by_name("Dr. Weiss", names, str) == ["Samuel Weiss, MD"]
    assert matching.by_name("Doctor Maya Chen", names, str) == ["Maya Chen, MD"]
    assert matching.by_name("Chen", names, str) == ["Maya Chen, MD", "David Chen, DO"]
    assert matching.by_name("Dr.", names, str) == []
    assert matching.by_name("Jones", names, str) == []


def test_spoken_reference_numbers_are_letters_and_digits() -> None:
    assert matching.reference(" pa-1000 001 ") == "PA1000001"
    assert matching.reference("clm 123.456") == "CLM123456"
    assert matching.reference("--") == ""


def test_months_later_keep_the_day_or_the_last_of_a_short_month() -> None:
    assert periods.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert periods.add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert periods.add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert periods.add_months(date(2026, 3, 10), 120) == date(2036, 3, 10)


def test_age_turns_on_the_birthday() -> None:
    born = date(1974, 4, 18)
    assert periods.age_on(born, date(2026, 4, 17)) == 51
    assert periods.age_on(born, date(2026, 4, 18)) == 52


def test_plan_years_start_on_the_plans_month() -> None:
    assert periods.plan_year(date(2026, 5, 2), 1) == periods.PlanYear(
        date(2026, 1, 1), date(2026, 12, 31)
    )
    assert periods.plan_year(date(2026, 5, 2), 7) == periods.PlanYear(
        date(2025, 7, 1), date(2026, 6, 30)
    )
    assert periods.plan_year(date(2026, 7, 1), 7).start == date(2026, 7, 1)


def _benefit(**changes: object) -> Benefit:
    base: dict[str, object] = {
        "category": "x",
        "name": "X",
        "covered": True,
        "copay": Decimal(0),
        "coinsurance_pct": 0,
        "deductible_applies": False,
        "prior_auth_required": False,
        "out_of_network_coinsurance_pct": None,
        "visit_limit": None,
        "notes": "",
    }
    return Benefit(**{**base, **changes})  # type: ignore[arg-type]


def test_cost_share_is_said_as_a_caller_hears_it() -> None:
    assert _benefit(copay=Decimal(40)).in_network_share() == "$40 copay"
    assert (
        _benefit(coinsurance_pct=20, deductible_applies=True).in_network_share()
        == "20% coinsurance after the deductible"
    )
    assert (
        _benefit(copay=Decimal(300), coinsurance_pct=20).in_network_share()
        == "$300 copay plus 20% coinsurance"
    )
    assert _benefit().in_network_share() == "covered in full"
    assert _benefit(covered=False, prior_auth_required=True).summary() == "not covered"
    summary = _benefit(copay=Decimal(40), prior_auth_required=True, visit_limit=30).summary()
    assert summary == "$40 copay; prior authorization required; up to 30 visits a plan year"
    assert _benefit().out_of_network_share() == "not covered out of network"
    assert _benefit(out_of_network_coinsurance_pct=40).out_of_network_share() == (
        "40% coinsurance after the deductible"
    )


def test_money_drops_cents_only_when_there_are_none() -> None:
    assert money(Decimal("1500.00")) == "$1,500"
    assert money(Decimal("12.5")) == "$12.50"


def test_remaining_never_goes_below_zero() -> None:
    assert Progress(Decimal(1500), Decimal(850)).remaining == Decimal(650)
    over = Progress(Decimal(1500), Decimal(1600)).as_dict()
    assert over["remaining"] == 0 and over["met"] == Decimal(1500) and over["fully_met"]


RULES = [
    Rule("annual_wellness_visit", "Annual wellness visit", "", None, 18, None, 12),
    Rule("flu_vaccine", "Flu shot", "", None, 0, None, 12),
    Rule("mammogram", "Mammogram", "", "female", 40, 74, 24),
    Rule("colorectal_cancer_screening", "Colonoscopy", "", None, 45, 75, 120),
    Rule("well_child_visit", "Well-child visit", "", None, 0, 17, 12),
]


def test_preventive_care_is_due_when_never_done_or_its_interval_has_passed() -> None:
    today = date(2026, 6, 1)
    last = {
        "annual_wellness_visit": date(2025, 5, 1),  # 13 months ago: due
        "flu_vaccine": date(2025, 7, 1),  # due in a month: due soon
        "colorectal_cancer_screening": date(2022, 6, 1),  # due in 2032
    }
    schedule = preventive_schedule(RULES, last, 52, "female", today)
    status = {d.rule.code: (d.status, d.next_due) for d in schedule}
    assert status == {
        "annual_wellness_visit": ("due", date(2026, 5, 1)),
        "mammogram": ("due", today),  # never done
        "flu_vaccine": ("due_soon", date(2026, 7, 1)),
        "colorectal_cancer_screening": ("up_to_date", date(2032, 6, 1)),
    }
    assert [d.rule.code for d in schedule][:2] == ["annual_wellness_visit", "mammogram"]


def test_preventive_rules_follow_age_and_sex() -> None:
    today = date(2026, 6, 1)
    man = {d.rule.code for d in preventive_schedule(RULES, {}, 52, "male", today)}
    assert man == {"annual_wellness_visit", "flu_vaccine", "colorectal_cancer_screening"}
    child = {d.rule.code for d in preventive_schedule(RULES, {}, 9, "female", today)}
    assert child == {"flu_vaccine", "well_child_visit"}


def test_care_program_eligibility_says_why_not() -> None:
    program = Program("diabetes_care", "Diabetes Care", "", "diabetes", 18, None, None, None)
    assert program.why_not_eligible(52, "female", {"diabetes"}) is None
    assert "with diabetes on record" in str(program.why_not_eligible(52, "female", set()))
    assert "18 and older" in str(program.why_not_eligible(16, "female", {"diabetes"}))
    pregnancy = Program("pregnancy", "Healthy Pregnancy", "", None, None, 55, "female", None)
    assert pregnancy.why_not_eligible(30, "male", set()) == "Healthy Pregnancy is for women"
    assert "up to 55" in str(pregnancy.why_not_eligible(60, "female", set()))
