"""Refusing a status move or an edit the flow does not allow, in words a caller can hear.

The statuses and the moves between them are shared (shared/mortgage/status.py).
"""

from __future__ import annotations

from shared.mcp_server.registry import ToolRefused
from shared.mortgage.status import EDITABLE, FINAL, MEANING, TRANSITIONS, Status


def check_transition(current: Status, target: Status) -> None:
    """Refuse a move the flow does not allow, in words a caller can hear."""
    if target in TRANSITIONS[current]:
        return
    if current in FINAL:
        raise ToolRefused(f"the application is already {current}; it cannot change any more")
    raise ToolRefused(f"an application that is {MEANING[current]} cannot become {target}")


def check_editable(current: Status) -> None:
    """Details can change only until the application goes to review."""
    if current in FINAL:
        raise ToolRefused(f"the application is {current}; its details can no longer change")
    if current not in EDITABLE:
        raise ToolRefused(
            "the application is under review; its details can no longer change over the phone,"
            " a loan officer can change them"
        )
