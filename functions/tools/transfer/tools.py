"""transfer_to_agent and get_available_departments. No telephony here: the result is a
structured request, stored, which the phone path acts on (a SIP dial to the extension)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from functions.tools.transfer.departments import Department, transfer_settings
from shared.mcp_server import text
from shared.mcp_server.registry import CallContext, Result, ToolArgs, ToolRefused, ToolSpec, tool


class NoArgs(ToolArgs):
    pass


@tool(NoArgs, read_only=True)
def get_available_departments(ctx: CallContext, args: NoArgs) -> Result:
    """List the departments a caller can be transferred to, each with what it handles."""
    return {
        "departments": [
            {"name": d.name, "description": d.description} for d in transfer_settings().directory()
        ]
    }


class TransferToAgent(ToolArgs):
    department: str = Field(
        default="general",
        min_length=1,
        max_length=64,
        description="who should take the call, e.g. billing or mortgage "
        "(see get_available_departments); general when unsure",
    )
    reason: str = Field(
        min_length=1, max_length=500, description="why the caller wants a person, in a sentence"
    )
    summary: str = Field(
        default="",
        max_length=4000,
        description="what the conversation has covered so far, for the human who picks up",
    )


def _resolve(name: str) -> tuple[Department, bool]:
    settings = transfer_settings()
    directory = settings.directory()
    found = next((d for d in directory if d.name == name.lower()), None)
    found = found or text.best_match(name, directory, lambda d: d.name)
    if found is not None:
        return found, True
    return Department(name="general", extension=settings.default_extension), False


@tool(TransferToAgent)
def transfer_to_agent(ctx: CallContext, args: TransferToAgent) -> Result:
    """Hand the caller to a human agent. Returns the transfer request: the department and its
    extension, who is calling, why, and the conversation summary the human will see."""
    reason = text.required(args.reason, "reason for the transfer", 500)
    department, matched = _resolve(text.clean(args.department) or "general")
    user = ctx.db.fetch_one(
        "SELECT display_name, email, phone FROM identity.users WHERE id = :id", id=ctx.user_id
    )
    if user is None:
        raise ToolRefused("the signed-in user is not known")
    request_id = ctx.stable_id()
    row = ctx.db.fetch_one(
        "INSERT INTO transfer.requests"
        " (id, user_id, session_id, turn_id, department, extension, reason, summary)"
        " VALUES (:id, :user_id, :session_id, :turn_id, :department, :extension, :reason,"
        " :summary) RETURNING created_at",
        id=request_id,
        user_id=ctx.user_id,
        session_id=ctx.session_id,
        turn_id=ctx.turn_id,
        department=department.name,
        extension=department.extension,
        reason=reason,
        summary=text.clean(args.summary),
    )
    assert row is not None
    return {
        "transfer": {
            "request_id": request_id,
            "department": department.name,
            "department_matched": matched,
            "extension": department.extension,
            "reason": reason,
            "summary": text.clean(args.summary),
            "caller": {
                "user_id": ctx.user_id,
                "name": user["display_name"],
                "email": user["email"],
                "phone": user["phone"],
            },
            "session_id": ctx.session_id,
            "requested_at": ctx.local(row["created_at"]),
        }
    }


TOOLS: list[ToolSpec[Any]] = [transfer_to_agent, get_available_departments]
