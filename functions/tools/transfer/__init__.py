"""Transfer to a human: a structured request the phone path acts on."""

from typing import Any

from functions.tools.registry import ToolSpec
from functions.tools.transfer import tools

TOOLS: list[ToolSpec[Any]] = [*tools.TOOLS]
