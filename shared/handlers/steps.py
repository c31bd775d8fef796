"""Running a handler's bookkeeping steps so their failure cannot undo what the caller has."""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


def best_effort(step: str, action: Callable[[], object]) -> None:
    """Run ``action``; if it fails, log the failure (with its detail) and carry on. For steps
    after the caller was answered (a monitor report, a memory save), where raising would only
    have Pub/Sub redeliver a message whose answer already went out."""
    try:
        action()
    except Exception:
        log.exception(f"{step} failed", extra={"event": "step_failed", "step": step})
