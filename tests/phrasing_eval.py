"""The offline model against a set of spoken phrasings (tests/data/phrasings/*.jsonl), scored as
a listener would: did it understand what was asked (intent), with the right details (slots),
and did each whole conversation get done (task)?

``python -m tests.phrasing_eval [--holdout] [-v]`` prints the figures per domain;
tests/unit/test_phrasings.py holds them above a floor. A dialogue is one JSON object per line:

    {"id": "...", "domain": "...", "today": "YYYY-MM-DD",
     "turns": [{"say": "...", "expect": {...}, "result": {...}?}, ...]}

``expect`` is ``{"tool": name, "args": {subset}?, "reply_contains": [...]?}`` (a tool call; the
reply after ``result`` is fed back contains each word), ``{"answer_contains": [...]}`` (an
answer without a tool call) or ``{"ask": true}`` (a question back, no tool call).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import BaseTool, StructuredTool

from functions.agent_turn.agent.content import text_of
from functions.agent_turn.agent.rules_model import RulesChatModel
from functions.hanok.config import load_restaurant
from functions.hanok.tools import hanok_tools
from functions.tools.catalog import all_tools

PHRASINGS = Path(__file__).resolve().parent / "data" / "phrasings"
# Written apart from the parser and never tuned against: how it does on phrasings it never saw
# (``python -m tests.phrasing_eval --holdout``); reported, not held to a floor.
HOLDOUT = PHRASINGS.with_name("phrasings_holdout")


def tool_stand_ins() -> list[BaseTool]:
    """Every tool the agent can reach, by name (the model only reads the names)."""
    specs = [*all_tools(), *hanok_tools(load_restaurant())]
    return [
        StructuredTool.from_function(
            func=lambda **_: "{}", name=s.name, description=s.description, args_schema=s.args
        )
        for s in specs
    ]


@dataclass
class TurnScore:
    intent: bool
    slots: bool | None  # None: the turn names no slots
    problem: str = ""


@dataclass
class DomainScore:
    dialogues: int = 0
    tasks_done: int = 0
    turns: int = 0
    intents_right: int = 0
    slot_turns: int = 0
    slots_right: int = 0
    failures: list[str] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        def share(a: int, b: int) -> float:
            return round(100 * a / b, 1) if b else 100.0

        return {
            "dialogues": self.dialogues,
            "turns": self.turns,
            "intent_accuracy": share(self.intents_right, self.turns),
            "slot_accuracy": share(self.slots_right, self.slot_turns),
            "task_accuracy": share(self.tasks_done, self.dialogues),
        }


def _subset(expected: dict[str, Any], actual: dict[str, Any]) -> bool:
    return all(actual.get(k) == v for k, v in expected.items())


def _contains(text: str, words: list[str]) -> bool:
    return all(w.lower() in text.lower() for w in words)


def run_turn(
    model: Any, messages: list[BaseMessage], turn: dict[str, Any], ordinal: int
) -> TurnScore:
    expect = turn["expect"]
    messages.append(HumanMessage(turn["say"]))
    answer: AIMessage = model.invoke(messages)
    messages.append(answer)
    calls = answer.tool_calls
    if "tool" not in expect:
        said = text_of(answer.content)
        if calls:
            return TurnScore(False, None, f"called {calls[0]['name']} instead of answering")
        ok = _contains(said, expect.get("answer_contains", [])) and (
            not expect.get("ask") or "?" in said
        )
        return TurnScore(ok, None, "" if ok else f"answered {said!r}")
    if not calls or calls[0]["name"] != expect["tool"]:
        got = calls[0]["name"] if calls else f"no call ({text_of(answer.content)!r})"
        return TurnScore(
            False, False if expect.get("args") else None, f"wanted {expect['tool']}, got {got}"
        )
    call = calls[0]
    result = turn.get("result", {"ok": True})
    messages.append(ToolMessage(json.dumps(result), tool_call_id=call["id"], name=call["name"]))
    slots = _subset(expect.get("args", {}), call["args"]) if expect.get("args") else None
    if "result" not in turn:  # no result to speak of: the call is what is scored
        messages.append(AIMessage("Done."))
        return TurnScore(True, slots, "" if slots is not False else f"args {call['args']}")
    reply: AIMessage = model.invoke(messages)
    messages.append(reply)
    spoken = _contains(text_of(reply.content), expect.get("reply_contains", []))
    problem = "" if slots in (True, None) else f"args {call['args']} != {expect['args']}"
    if not spoken:
        problem += f" reply {text_of(reply.content)!r}"
    return TurnScore(spoken, slots, problem.strip())


def score(paths: list[Path] | None = None) -> dict[str, DomainScore]:
    tools = tool_stand_ins()
    scores: dict[str, DomainScore] = defaultdict(DomainScore)
    for path in paths or sorted(PHRASINGS.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            dialogue = json.loads(line)
            model = RulesChatModel(today=date.fromisoformat(dialogue.get("today", "2026-12-01")))
            bound = model.bind_tools(tools)
            domain = scores[dialogue["domain"]]
            domain.dialogues += 1
            messages: list[BaseMessage] = []
            done = True
            for i, turn in enumerate(dialogue["turns"]):
                result = run_turn(bound, messages, turn, i)
                domain.turns += 1
                domain.intents_right += result.intent
                if result.slots is not None:
                    domain.slot_turns += 1
                    domain.slots_right += result.slots
                if not result.intent or result.slots is False:
                    done = False
                    domain.failures.append(
                        f"{dialogue['id']}[{i}] {turn['say']!r}: {result.problem}"
                    )
            domain.tasks_done += done
    return dict(scores)


def totals(scores: dict[str, DomainScore]) -> DomainScore:
    total = DomainScore()
    for s in scores.values():
        total.dialogues += s.dialogues
        total.tasks_done += s.tasks_done
        total.turns += s.turns
        total.intents_right += s.intents_right
        total.slot_turns += s.slot_turns
        total.slots_right += s.slots_right
    return total


def main() -> int:
    folder = HOLDOUT if "--holdout" in sys.argv else PHRASINGS
    scores = score(sorted(folder.glob("*.jsonl")))
    for name, s in sorted(scores.items()):
        print(f"{name:<14}{json.dumps(s.figures())}")
    print(f"{'all':<14}{json.dumps(totals(scores).figures())}")
    if "-v" in sys.argv:
        for s in scores.values():
            for failure in s.failures:
                print("  ", failure)
    return 0


if __name__ == "__main__":
    sys.exit(main())
