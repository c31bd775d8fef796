"""The offline model over the spoken phrasing set (tests/data/phrasings): every domain is there,
and what it understands stays above a floor (``python -m tests.phrasing_eval -v`` shows what it
misses)."""

from __future__ import annotations

import pytest

from tests.phrasing_eval import score, totals

pytestmark = pytest.mark.unit
DOMAINS = {"productivity", "general", "mortgage", "healthcare", "hanok"}
MIN_DIALOGUES = 150
FLOOR = {"intent_accuracy": 90.0, "slot_accuracy": 85.0, "task_accuracy": 85.0}


def test_the_offline_model_understands_the_phrasing_set() -> None:
    scores = score()
    assert set(scores) >= DOMAINS, set(scores)
    figures = totals(scores).figures()
    assert figures["dialogues"] >= MIN_DIALOGUES, figures
    for name, floor in FLOOR.items():
        assert figures[name] >= floor, (
            name,
            figures,
            [f for s in scores.values() for f in s.failures],
        )
    for domain, s in scores.items():
        assert s.figures()["task_accuracy"] >= 75.0, (domain, s.figures(), s.failures)
