"""Preventive care the member is due for, from the rules by age and sex and their history."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import Field

from functions.tools.healthcare.members import member_of
from functions.tools.healthcare.periods import add_months
from shared.mcp_server.registry import CallContext, Result, ToolArgs, ToolSpec, iso, tool

DUE_SOON_DAYS = 60
Status = Literal["due", "due_soon", "up_to_date"]


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    description: str
    sex: str | None
    min_age: int
    max_age: int | None
    interval_months: int

    def applies_to(self, age: int, sex: str) -> bool:
        in_range = age >= self.min_age and (self.max_age is None or age <= self.max_age)
        return in_range and self.sex in (None, sex)


@dataclass(frozen=True)
class Due:
    rule: Rule
    last_done: date | None
    next_due: date
    status: Status

    def as_dict(self) -> dict[str, Any]:
        return {
            "service": self.rule.name,
            "code": self.rule.code,
            "description": self.rule.description,
            "every_months": self.rule.interval_months,
            "last_done": iso(self.last_done),
            "next_due": iso(self.next_due),
            "status": self.status,
        }


def preventive_schedule(
    rules: Iterable[Rule], last_done: Mapping[str, date], age: int, sex: str, today: date
) -> list[Due]:
    """Each rule that applies at this age and sex: when it was last done, when it is next due
    (today if never done) and whether that is now, soon or later; the most overdue first."""
    schedule = []
    for rule in rules:
        if not rule.applies_to(age, sex):
            continue
        last = last_done.get(rule.code)
        next_due = add_months(last, rule.interval_months) if last else today
        status: Status = "up_to_date"
        if next_due <= today:
            status = "due"
        elif next_due <= today + timedelta(days=DUE_SOON_DAYS):
            status = "due_soon"
        schedule.append(Due(rule, last, next_due, status))
    return sorted(schedule, key=lambda d: (d.next_due, d.rule.name))


class GetPreventiveCareDue(ToolArgs):
    include_up_to_date: bool = Field(
        default=False, description="true to also list preventive care that is up to date"
    )


@tool(GetPreventiveCareDue, read_only=True)
def get_preventive_care_due(ctx: CallContext, args: GetPreventiveCareDue) -> Result:
    """Tell the caller which preventive care they are due for as of today (e.g. annual wellness
    visit, flu shot, mammogram, colonoscopy), from the guidelines for their age and sex and the
    date each was last done; also what comes due in the next 60 days. Preventive care is
    covered in full in network."""
    member = member_of(ctx)
    rules = [
        Rule(**r)
        for r in ctx.db.fetch_all(
            "SELECT code, name, description, sex, min_age, max_age, interval_months"
            " FROM healthcare.preventive_rules ORDER BY code"
        )
    ]
    history = ctx.db.fetch_all(
        "SELECT rule_code, max(service_date) AS last_done FROM healthcare.preventive_services"
        " WHERE user_id = :user_id AND member_id = :member_id GROUP BY rule_code",
        user_id=ctx.user_id,
        member_id=member.id,
    )
    last_done = {str(r["rule_code"]): r["last_done"] for r in history}
    age = member.age_on(ctx.today)
    schedule = preventive_schedule(rules, last_done, age, member.sex, ctx.today)
    result: Result = {
        "as_of": iso(ctx.today),
        "age": age,
        "due": [d.as_dict() for d in schedule if d.status == "due"],
        "due_soon": [d.as_dict() for d in schedule if d.status == "due_soon"],
    }
    if args.include_up_to_date:
        result["up_to_date"] = [d.as_dict() for d in schedule if d.status == "up_to_date"]
    return result


TOOLS: list[ToolSpec[Any]] = [get_preventive_care_due]
