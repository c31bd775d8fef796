"""The rules model's understanding of the health plan's and the clinic's phrasings: coverage,
the deductible, claims and appeals, prior authorisation, providers, and the clinic's record,
appointments, intake and call summaries; the questions when a request lacks something."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from functions.agent_turn.agent import intents
from functions.agent_turn.agent.clinic_intents import ASK_NAME, ASK_REASON, ASK_SEVERITY
from functions.agent_turn.agent.content import text_of
from functions.agent_turn.agent.dialogue import Answer, Context, Intent, context_of
from functions.agent_turn.agent.healthcare_intents import ASK_APPEAL_CLAIM, ASK_APPEAL_REASON
from functions.agent_turn.agent.rules_model import RulesChatModel
from tests.phrasing_eval import tool_stand_ins

pytestmark = pytest.mark.unit

TODAY = date(2026, 12, 1)  # a Tuesday
DENIED = {
    "ok": True,
    "claims": [{"claim_number": "CLM-123456701", "status": "denied", "provider": "Bay Imaging"}],
}


@pytest.mark.parametrize(
    ("said", "tool", "args"),
    [
        ("how much of my deductible have I met", "get_deductible_status", {}),
        ("what's left on my out-of-pocket max?", "get_deductible_status", {}),
        (
            "what's the status of my claim from last week",
            "search_claims",
            {"from_date": "2026-11-23", "to_date": "2026-11-29"},
        ),
        ("why was my MRI claim denied", "search_claims", {"status": "denied"}),
        ("any claims still processing?", "search_claims", {"status": "pending"}),
        ("show me claims from Dr. Chen", "search_claims", {"provider": "Dr. Chen"}),
        ("details on claim CLM-123456701 please", "get_claim_details", {"claim": "CLM-123456701"}),
        (
            "I want to appeal claim CLM-123456701 because it was an emergency",
            "appeal_claim",
            {"claim": "CLM-123456701", "reason": "it was an emergency"},
        ),
        ("is physical therapy covered", "check_service_coverage", {"service": "physical therapy"}),
        (
            "how much is a specialist visit",
            "check_service_coverage",
            {"service": "specialist visit"},
        ),
        (
            "does my insurance cover chiropractic care?",
            "check_service_coverage",
            {"service": "chiropractic care"},
        ),
        ("what's my copay for urgent care", "check_service_coverage", {"service": "urgent care"}),
        (
            "do I need prior authorization for an MRI",
            "check_prior_auth_required",
            {"service": "MRI"},
        ),
        (
            "does knee surgery require pre-authorization",
            "check_prior_auth_required",
            {"service": "knee surgery"},
        ),
        (
            "request a prior auth for an MRI of the knee at Bay Imaging Center on December 15 "
            "because of knee pain",
            "submit_prior_auth",
            {
                "service": "MRI of the knee",
                "provider": "Bay Imaging Center",
                "reason": "knee pain",
                "planned_date": "2026-12-15",
            },
        ),
        ("status of prior auth PA-1000001", "get_prior_auth_status", {"prior_auth": "PA-1000001"}),
        ("show me my prior authorizations", "list_prior_auths", {}),
        (
            "find me an in-network dermatologist",
            "find_in_network_providers",
            {"specialty": "dermatologist"},
        ),
        (
            "I need a pediatrician in Oakland accepting new patients",
            "find_in_network_providers",
            {"specialty": "pediatrician", "city": "Oakland", "accepting_new_patients_only": True},
        ),
        ("is my coverage still active", "check_eligibility", {}),
        ("what are my benefits", "get_benefits_summary", {}),
        ("what care programs does my plan offer", "list_care_programs", {}),
        ("enroll me in the heart health program", "enroll_in_care_program", {"program": "health"}),
        ("what screenings am I due for", "get_preventive_care_due", {}),
        (
            "book me an appointment with the clinic next Tuesday at 10 for a sore throat",
            "book_clinic_appointment",
            {"reason": "sore throat", "start": "2026-12-08T10:00"},
        ),
        ("am I registered with the clinic", "check_patient_record", {}),
        (
            "register me as a new patient, my name is Maria Lopez, born March 3rd 1985",
            "onboard_patient",
            {"first_name": "Maria", "last_name": "Lopez", "dob": "1985-03-03"},
        ),
        (
            "I've had a terrible headache for about three days",
            "log_clinical_intake",
            {"symptoms": "terrible headache", "severity": "severe", "since": "for about 3 days"},
        ),
        (
            "save a summary of this call: asked about coverage",
            "save_call_summary",
            {"summary": "asked about coverage"},
        ),
    ],
)
def test_phrasings(said: str, tool: str, args: dict[str, Any]) -> None:
    assert intents.parse(said, TODAY) == Intent(tool, args)


@pytest.mark.parametrize(
    ("said", "question"),
    [
        ("I'd like to appeal my claim", ASK_APPEAL_CLAIM),
        ("book a clinic appointment for Friday at 3", ASK_REASON),
        ("please register me with the clinic", ASK_NAME),
        ("I've had a cough since Monday, can you log my symptoms", ASK_SEVERITY),
    ],
)
def test_questions(said: str, question: str) -> None:
    understood = intents.parse(said, TODAY)
    assert isinstance(understood, Answer)
    assert understood.text == question


def test_a_claim_just_spoken_of_can_be_appealed() -> None:
    before = Context(tool="search_claims", args={"status": "denied"}, result=DENIED)
    assert intents.parse("appeal it", TODAY, before) == Answer(ASK_APPEAL_REASON, "appeal_claim")
    said = "appeal it because the provider was in network"
    assert intents.parse(said, TODAY, before) == Intent(
        "appeal_claim", {"claim": "CLM-123456701", "reason": "the provider was in network"}
    )


def test_the_answer_to_a_question_completes_the_request() -> None:
    asked = Context(asked=(("book a clinic appointment for Friday at 3", ASK_REASON),))
    assert intents.parse("a rash on my arm", TODAY, asked) == Intent(
        "book_clinic_appointment", {"reason": "rash on my arm", "start": "2026-12-04T15:00"}
    )
    asked = Context(asked=(("please register me with the clinic", ASK_NAME),))
    assert intents.parse("Daniel Kim", TODAY, asked) == Intent(
        "onboard_patient", {"first_name": "Daniel", "last_name": "Kim"}
    )


# ---- registering: the name on the caller's profile, and requests that are not names ---------

REGISTER = "please register me with the clinic"
ASK_WHEN = "What day and time would you like to come in?"


def test_registering_without_a_name_asks_it_after_looking_at_the_profile() -> None:
    assert intents.parse(REGISTER, TODAY) == Answer(
        ASK_NAME, "onboard_patient", lookup="get_my_profile"
    )


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        ({"ok": True, "name": "Demo User"}, {"first_name": "Demo", "last_name": "User"}),
        ({"ok": True, "name": "Mary Ann Lee"}, {"first_name": "Mary", "last_name": "Ann Lee"}),
        ({"ok": True, "name": "Cher"}, None),  # a first and a last name are needed
        ({"ok": True, "name": None}, None),
        ({"ok": False, "reason": "unavailable"}, None),
    ],
)
def test_the_name_on_the_profile_registers_the_caller(
    profile: dict[str, Any], expected: dict[str, Any] | None
) -> None:
    asked = intents.parse(REGISTER, TODAY)
    assert isinstance(asked, Answer)
    done = intents.after_lookup(asked, REGISTER, "get_my_profile", profile)
    assert done == (Intent("onboard_patient", expected) if expected else None)


def test_the_profile_name_keeps_the_date_of_birth_said() -> None:
    said = "register me with the clinic, born March 3rd 1985"
    asked = intents.parse(said, TODAY)
    assert isinstance(asked, Answer)
    assert intents.after_lookup(
        asked, said, "get_my_profile", {"ok": True, "name": "Maria Lopez"}
    ) == Intent(
        "onboard_patient", {"first_name": "Maria", "last_name": "Lopez", "dob": "1985-03-03"}
    )


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("I'd like a clinic appointment for a rash", Answer(ASK_WHEN, "book_clinic_appointment")),
        ("how much of my deductible have I met", Intent("get_deductible_status", {})),
    ],
)
def test_a_request_in_answer_to_the_name_question_is_a_request(
    said: str, expected: Intent | Answer
) -> None:
    asked = Context(asked=((REGISTER, ASK_NAME),))
    assert intents.parse(said, TODAY, asked) == expected


def test_the_answer_to_a_later_question_belongs_to_its_own_request() -> None:
    asked = Context(
        asked=((REGISTER, ASK_NAME), ("I'd like a clinic appointment for a rash", ASK_WHEN))
    )
    assert intents.parse("next Wednesday at eleven in the morning", TODAY, asked) == Intent(
        "book_clinic_appointment", {"reason": "rash", "start": "2026-12-09T11:00"}
    )


def _registered(profile: dict[str, Any]) -> list[BaseMessage]:
    """A registration through the rules model, the profile's result fed back."""
    model = RulesChatModel(today=TODAY).bind_tools(tool_stand_ins())
    messages: list[BaseMessage] = [HumanMessage(REGISTER)]
    for _ in range(3):
        answer = model.invoke(messages)
        messages.append(answer)
        if not answer.tool_calls:
            break
        [call] = answer.tool_calls
        result = profile if call["name"] == "get_my_profile" else {"ok": True}
        messages.append(ToolMessage(json.dumps(result), tool_call_id=call["id"], name=call["name"]))
    return messages


def test_the_rules_model_registers_with_the_profile_name() -> None:
    messages = _registered({"ok": True, "name": "Demo User"})
    calls = [c for m in messages if isinstance(m, AIMessage) for c in m.tool_calls]
    assert [(c["name"], c["args"]) for c in calls] == [
        ("get_my_profile", {}),
        ("onboard_patient", {"first_name": "Demo", "last_name": "User"}),
    ]
    assert "registered" in text_of(messages[-1].content)


def test_without_a_profile_name_it_asks_and_the_next_turn_answers() -> None:
    messages = _registered({"ok": True, "name": ""})
    assert text_of(messages[-1].content) == ASK_NAME
    messages.append(HumanMessage("Daniel Kim"))
    assert context_of(messages).asked == ((REGISTER, ASK_NAME),)
    model = RulesChatModel(today=TODAY).bind_tools(tool_stand_ins())
    [call] = model.invoke(messages).tool_calls
    assert (call["name"], call["args"]) == (
        "onboard_patient",
        {"first_name": "Daniel", "last_name": "Kim"},
    )


def test_medical_advice_is_still_refused() -> None:
    understood = intents.parse("should I take ibuprofen for my sore throat", TODAY)
    assert isinstance(understood, Answer) and "medical advice" in understood.text
