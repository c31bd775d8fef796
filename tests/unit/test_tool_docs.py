"""docs/tools.md is what the catalog says: it cannot drift from the code."""

import pytest

from local.tool_docs import DOC, render

pytestmark = pytest.mark.unit


def test_the_tool_reference_is_current() -> None:
    assert DOC.read_text() == render(), "docs/tools.md is out of date: run `make docs`"
