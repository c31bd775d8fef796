"""Mortgage arithmetic: payments, schedules, interest and the 28/36 affordability rule."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.mortgage.dti import band_of
from shared.mortgage.maths import (
    Loan,
    LoanTooSmall,
    affordability,
    amortization_schedule,
    exact_payment,
    monthly_payment,
    total_interest,
    yearly_totals,
)

pytestmark = pytest.mark.unit
D = Decimal


def test_thirty_years_at_six_percent() -> None:
    loan = Loan(D(300_000), D(6), 30)
    assert monthly_payment(loan) == D("1798.65")
    assert total_interest(loan) == D("347514.57")


def test_fifteen_years_at_five_and_a_half_percent() -> None:
    assert monthly_payment(Loan(D(250_000), D("5.5"), 15)) == D("2042.71")


def test_the_schedule_sums_to_the_loan_and_the_quoted_interest() -> None:
    loan = Loan(D(300_000), D(6), 30)
    schedule = amortization_schedule(loan)
    assert len(schedule) == 360
    assert sum(m.principal for m in schedule) == D("300000.00")
    assert sum(m.interest for m in schedule) == D("347514.57")
    assert sum(m.payment for m in schedule) == D("647514.57")
    assert all(m.payment == D("1798.65") for m in schedule[:-1])
    first, last = schedule[0], schedule[-1]
    assert (first.interest, first.principal, first.balance) == (
        D("1500.00"),
        D("298.65"),
        D("299701.35"),
    )
    # The last payment absorbs what rounding the payment to cents left over (360 x 0.0016).
    assert last == type(last)(360, D("1799.22"), D("1790.27"), D("8.95"), D("0.00"))


def test_a_month_is_principal_plus_interest_and_the_balance_falls() -> None:
    schedule = amortization_schedule(Loan(D(250_000), D("5.5"), 15))
    owed = D(250_000)
    for month in schedule:
        assert month.payment == month.principal + month.interest
        owed -= month.principal
        assert month.balance == owed
        # Booked interest stays within a cent of the rate on what was owed.
        assert abs(month.interest - (owed + month.principal) * D("0.055") / 12) < D("0.011")
    assert owed == 0


def test_zero_percent_splits_the_loan_evenly() -> None:
    loan = Loan(D(100_000), D(0), 30)
    schedule = amortization_schedule(loan)
    assert monthly_payment(loan) == D("277.78")
    assert total_interest(loan) == 0
    assert all(m.interest == 0 for m in schedule)
    assert schedule[-1].payment == D("276.98")  # 100,000 - 359 x 277.78
    assert sum(m.principal for m in schedule) == D(100_000)


def test_yearly_totals_add_up() -> None:
    schedule = amortization_schedule(Loan(D(300_000), D(6), 30))
    years = yearly_totals(schedule)
    assert len(years) == 30
    assert years[0].payments == D("1798.65") * 12
    assert years[0].interest == sum(m.interest for m in schedule[:12])
    assert years[0].balance == schedule[11].balance
    assert sum(y.interest for y in years) == D("347514.57")
    assert years[-1].balance == 0


def test_a_loan_too_small_for_whole_cents_is_refused() -> None:
    with pytest.raises(LoanTooSmall):
        amortization_schedule(Loan(D("0.50"), D(3), 40))  # the payment rounds to nothing
    with pytest.raises(LoanTooSmall):
        amortization_schedule(Loan(D(13), D(0), 40))  # 0.03 x 479 would repay more than 13


# From 10,000: a month's payment (at least principal / 480) then always outweighs what rounding
# it to the cent can add up to over the term (half a cent a month, at most 2.40), so whole-cent
# payments never repay the loan early. Smaller loans may raise LoanTooSmall (tested above).
@settings(max_examples=150, deadline=None)
@given(
    principal=st.decimals(min_value=10_000, max_value=99_999_999, places=2),
    rate=st.decimals(min_value=0, max_value=25, places=3),
    years=st.integers(min_value=1, max_value=40),
)
def test_every_schedule_repays_exactly(principal: Decimal, rate: Decimal, years: int) -> None:
    loan = Loan(principal, rate, years)
    schedule = amortization_schedule(loan)
    assert sum(m.principal for m in schedule) == principal
    assert sum(m.interest for m in schedule) == total_interest(loan)
    assert schedule[-1].balance == 0
    assert all(m.principal >= 0 and m.interest >= 0 and m.balance >= 0 for m in schedule)
    assert all(m.payment == monthly_payment(loan) for m in schedule[:-1])


def test_affordability_front_end_bound() -> None:
    # 28 % of 10,000 is 2,800 for housing; 36 % less 500 of debts is 3,100: front end decides.
    result = affordability(D(10_000), D(500), D(6), 30, down_payment=D(50_000))
    assert result.bound == "front_end"
    assert (result.front_end_limit, result.back_end_limit) == (D("2800.00"), D("3100.00"))
    assert result.max_housing_payment == D("2800.00")
    assert result.max_loan == D(467_016)  # 2,800 / 0.0059955...
    assert result.max_price == D(517_016)
    assert result.monthly_payment <= D("2800.00")
    assert exact_payment(Loan(result.max_loan + 1, D(6), 30)) > D("2800.00")  # the largest


def test_affordability_back_end_bound_with_property_costs() -> None:
    # 36 % of 8,000 less 1,200 of debts is 1,680, below 28 % (2,240); 400 goes to tax etc.
    result = affordability(D(8_000), D(1_200), D(6), 30, monthly_property_costs=D(400))
    assert result.bound == "back_end"
    assert result.max_housing_payment == D("1680.00")
    assert result.max_principal_and_interest == D("1280.00")
    assert result.monthly_payment <= D("1280.00")
    assert result.max_price == result.max_loan


def test_affordability_when_debts_take_everything() -> None:
    result = affordability(D(3_000), D(1_500), D(7), 30, down_payment=D(20_000))
    assert result.bound == "back_end" and result.back_end_limit < 0
    assert result.max_housing_payment == 0 and result.max_loan == 0
    assert result.max_price == D(20_000)


def test_affordability_at_zero_percent() -> None:
    result = affordability(D(6_000), D(0), D(0), 10)
    assert result.max_loan == D(201_600)  # 1,680 a month for 120 months
    assert result.monthly_payment == D("1680.00")


@pytest.mark.parametrize(
    ("back_end", "band"),
    [
        ("0", "good"),
        ("36.0", "good"),
        ("36.1", "acceptable"),
        ("43.0", "acceptable"),
        ("43.1", "high"),
        ("50.0", "high"),
        ("50.1", "too_high"),
        ("140", "too_high"),
    ],
)
def test_debt_to_income_bands(back_end: str, band: str) -> None:
    assert band_of(D(back_end))[0] == band
