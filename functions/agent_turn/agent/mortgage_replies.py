"""What the rules model says to the results of the mortgage tools, written to be heard: amounts
as dollars ("$1,896.20 a month"), rates as percent, application numbers as said."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from functions.agent_turn.agent.hanok_replies import say_list

Result = dict[str, Any]
Args = dict[str, Any]
_DEBTS = {
    "credit_card": "credit card",
    "auto_loan": "car loan",
    "student_loan": "student loan",
    "personal_loan": "personal loan",
    "child_support": "child support",
    "alimony": "alimony",
    "other_mortgage": "other mortgage",
    "other": "debt",
}


def say_money(amount: Any) -> str:
    value = float(amount)
    return f"${value:,.0f}" if value == int(value) else f"${value:,.2f}"


def say_percent(value: Any) -> str:
    number = float(value)
    return f"{number:g} percent"


def _number(result: Result) -> str:
    number = result.get("application_number") or (result.get("application") or {}).get(
        "application_number"
    )
    return f" {number}" if number else ""


def reply_payment(result: Result, args: Args) -> str:
    payment = result.get("monthly_payment")
    if payment is None:
        return "I've worked that out."
    loan = say_money(result.get("loan_amount", args.get("loan_amount", 0)))
    rate = say_percent(result.get("annual_interest_rate", args.get("annual_interest_rate", 0)))
    years = result.get("term_years", args.get("term_years"))
    total = result.get("total_interest")
    interest = (
        f" You'd pay {say_money(total)} in interest over the life of the loan." if total else ""
    )
    return (
        f"On {loan} at {rate} over {years} years, the payment is {say_money(payment)} a month,"
        f" principal and interest.{interest}"
    )


def reply_schedule(result: Result, args: Args) -> str:
    first = (result.get("first_months") or [{}])[0]
    if not first:
        return reply_payment(result, args)
    return (
        f"{reply_payment(result, args)} In the first month {say_money(first['interest'])} goes to"
        f" interest and {say_money(first['principal'])} to principal."
    )


def reply_affordability(result: Result, args: Args) -> str:
    price, loan = result.get("max_home_price"), result.get("max_loan")
    if price is None or float(price) <= 0:
        why = result.get("why", "")
        return (
            f"By the usual 28/36 rule the debts leave no room for a mortgage payment. {why}".strip()
        )
    housing = result.get("max_monthly_housing_payment")
    per_month = f", with housing at most {say_money(housing)} a month" if housing else ""
    return (
        f"By the 28/36 rule you could borrow up to about {say_money(loan)}, for a home up to"
        f" about {say_money(price)}{per_month}."
    )


def reply_dti(result: Result, args: Args) -> str:
    back, front = result.get("back_end_percent"), result.get("front_end_percent")
    band = result.get("band", "")
    return (
        f"Your debt-to-income ratio is {say_percent(back)} with all debts, and"
        f" {say_percent(front)} for housing alone. That's {band.replace('_', ' ')}."
    )


def reply_created(result: Result, args: Args) -> str:
    step = result.get("next_step")
    then = f" Next: {step}." if step else ""
    return f"I've started your mortgage application{_number(result)}.{then}"


def reply_status(result: Result, args: Args) -> str:
    app = result.get("application") or {}
    meaning = app.get("status_meaning") or str(result.get("status", "")).replace("_", " ")
    step = result.get("next_step")
    return f"Your application{_number(result)} is {meaning}." + (f" Next: {step}." if step else "")


def reply_list(result: Result, args: Args) -> str:
    apps = result.get("applications") or []
    if not apps:
        return "You have no mortgage applications."
    spoken = [f"{a['application_number']}, {str(a['status']).replace('_', ' ')}" for a in apps[:3]]
    count = "one application" if len(apps) == 1 else f"{len(apps)} applications"
    return f"You have {count}: {say_list(spoken)}."


def reply_submitted(result: Result, args: Args) -> str:
    status = str(result.get("status", "")).replace("_", " ")
    step = result.get("next_step")
    return f"Your application is submitted; it's now {status}." + (
        f" Next: {step}." if step else ""
    )


def reply_withdrawn(result: Result, args: Args) -> str:
    return f"Your application{_number(result)} is withdrawn."


def reply_updated(result: Result, args: Args) -> str:
    changed = [k.replace("_", " ") for k in args if k != "application"]
    return f"I've updated your {say_list(changed) or 'details'}."


def _debt_name(debt: Result) -> str:
    return _DEBTS.get(str(debt.get("debt_type")), "debt")


def reply_debt_added(result: Result, args: Args) -> str:
    debt = result.get("added") or args
    total = result.get("total_monthly_payments")
    then = f" Your debts now come to {say_money(total)} a month." if total is not None else ""
    payment = say_money(debt.get("monthly_payment", 0))
    return f"I've added the {_debt_name(debt)} at {payment} a month.{then}"


def reply_debts(result: Result, args: Args) -> str:
    debts = result.get("debts") or []
    if not debts:
        return "There are no debts on your application."
    spoken = [f"{_debt_name(d)}, {say_money(d['monthly_payment'])}" for d in debts]
    total = say_money(result.get("total_monthly_payments", 0))
    return f"Your debts: {say_list(spoken)}; {total} a month in all."


def reply_debt_removed(result: Result, args: Args) -> str:
    removed = result.get("removed") or {}
    return f"I've removed the {_debt_name(removed)} from your application."


def reply_document(result: Result, args: Args) -> str:
    name = (result.get("recorded") or {}).get("name") or str(args.get("document_type", "document"))
    missing = result.get("still_missing")
    still = (
        ""
        if not missing
        else " That's everything."
        if missing == "nothing"
        else f" Still missing: {missing}."
    )
    return f"Thanks, I've recorded your {name}.{still}"


def reply_documents(result: Result, args: Args) -> str:
    docs = result.get("documents") or []
    if not docs:
        return "No documents have been received yet."
    return f"We've received {say_list([str(d.get('name')) for d in docs])}."


def reply_required(result: Result, args: Args) -> str:
    docs = result.get("documents") or []
    names = [str(d.get("name")) for d in docs]
    missing = result.get("missing")
    still = f" Still missing: {missing}." if missing and missing != "nothing" else ""
    return (f"Your application needs {say_list(names)}." if names else "") + still or (
        "Nothing else is needed."
    )


def reply_missing(result: Result, args: Args) -> str:
    missing = result.get("missing")
    if not missing or missing == "nothing":
        return "You're not missing any documents."
    return f"You still need to send {missing}."


def reply_progress(result: Result, args: Args) -> str:
    percent = result.get("percent_complete")
    step = result.get("next_step")
    done = f"Your application is {percent} percent done." if percent is not None else ""
    return (done + (f" Next: {step}." if step else "")).strip() or "Your application is on its way."


REPLIES: dict[str, Callable[[Result, Args], str]] = {
    "calculate_mortgage_payment": reply_payment,
    "get_mortgage_amortization_schedule": reply_schedule,
    "check_mortgage_affordability": reply_affordability,
    "calculate_mortgage_debt_to_income": reply_dti,
    "create_mortgage_application": reply_created,
    "get_mortgage_application_status": reply_status,
    "list_mortgage_applications": reply_list,
    "submit_mortgage_application": reply_submitted,
    "withdraw_mortgage_application": reply_withdrawn,
    "update_mortgage_financial_info": reply_updated,
    "add_mortgage_debt": reply_debt_added,
    "list_mortgage_debts": reply_debts,
    "remove_mortgage_debt": reply_debt_removed,
    "record_mortgage_document": reply_document,
    "list_mortgage_documents": reply_documents,
    "get_required_mortgage_documents": reply_required,
    "get_missing_mortgage_documents": reply_missing,
    "get_mortgage_application_progress": reply_progress,
}
UNAVAILABLE: dict[str, str] = {
    name: "Sorry, I couldn't reach the mortgage records just now." for name in REPLIES
}
