"""docs/tools.md from the tool catalog: every tool, what it does and its arguments, as a model
sees them. ``python -m local.tool_docs`` (``make docs``) writes it; a unit test checks it."""

from __future__ import annotations

import json
import sys
from itertools import groupby
from pathlib import Path
from typing import Any

from functions.hanok.config import load_restaurant
from functions.hanok.tools import hanok_tools
from functions.tools.catalog import all_tools
from shared.mcp_server.registry import ToolSpec

DOC = Path(__file__).resolve().parents[1] / "docs" / "tools.md"
HEADER = """# Tools

Generated from `functions/tools/` and `functions/hanok/tools.py` by `make docs`; do not edit.
Each tool is served over MCP (streamable HTTP at `/mcp`) by the function its section names.
Every call acts for the signed-in user only: no tool takes a user as an argument, and an
argument a tool does not name is refused.
"""


def _type(spec: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in spec:
        return _type(defs[spec["$ref"].rsplit("/", 1)[-1]], defs)
    if "enum" in spec:
        return " \\| ".join(f"`{v}`" for v in spec["enum"])
    if "anyOf" in spec:
        kinds = [_type(s, defs) for s in spec["anyOf"] if s.get("type") != "null"]
        return " or ".join(kinds)
    kind = spec.get("type", "any")
    fmt = spec.get("format")
    return f"{kind} ({fmt})" if fmt else str(kind)


def _arguments(schema: dict[str, Any]) -> list[str]:
    props = schema.get("properties", {})
    if not props:
        return ["No arguments."]
    defs = schema.get("$defs", {})
    required = set(schema.get("required", []))
    rows = ["| argument | type | required | default | meaning |", "|---|---|---|---|---|"]
    for name, spec in props.items():
        default = f"`{json.dumps(spec['default'])}`" if "default" in spec else ""
        yes = "yes" if name in required else ""
        meaning = spec.get("description", "").replace("|", "\\|")
        rows.append(f"| `{name}` | {_type(spec, defs)} | {yes} | {default} | {meaning} |")
    return rows


def _tool(spec: ToolSpec[Any]) -> list[str]:
    kind = "reads only" if spec.read_only else "writes (idempotent per call)"
    return [
        f"### `{spec.name}`",
        "",
        f"{spec.description} *({kind})*",
        "",
        *_arguments(spec.input_schema()),
        "",
    ]


def render() -> str:
    lines = [HEADER]
    servers = (
        ("functions/tools", all_tools()),
        ("functions/hanok", hanok_tools(load_restaurant())),
    )
    for server, tools in servers:
        for domain, specs in groupby(tools, key=lambda s: s.domain):
            lines += [f"## {domain}", "", f"Served by `{server}`.", ""]
            for spec in specs:
                lines += _tool(spec)
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    DOC.write_text(render())
    print(f"wrote {DOC.relative_to(DOC.parents[1])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
