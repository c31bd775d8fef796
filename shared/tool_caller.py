"""Who a tool call acts for: a short-lived value agent_turn signs and the tools server checks.

The user never comes from a model's arguments. agent_turn signs the turn's user, session, turn
and the call's request key with a key both services read from Secret Manager (locally, from
configuration), and sends it in the MCP call's ``_meta``. The tools server refuses a call whose
value is missing, altered or expired, so even a caller that may reach the server cannot act for
a user it was not asked to.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from pydantic import BaseModel, ConfigDict, Field, ValidationError

META_KEY = "convonet/caller"
# What each MCP server says of its tools in their _meta: the domain the agent routes by.
DOMAIN_META = "convonet/domain"
LIFETIME_SECONDS = 120.0  # one turn's tool calls; a replayed value is useless after this


class InvalidCaller(ValueError):
    """The call carries no valid caller: it must not run."""


class ToolCaller(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    user_id: str = Field(min_length=1, max_length=128)
    session_id: str = Field(min_length=1, max_length=128)
    turn_id: str = Field(min_length=1, max_length=128)
    request_key: str = Field(
        min_length=1, max_length=300, description="stable per (turn, tool, ordinal): retries match"
    )
    traceparent: str | None = Field(default=None, max_length=64, description="the turn's trace")
    expires_at: float


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(payload: str, key: bytes) -> str:
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())


def sign(caller: ToolCaller, key: bytes) -> str:
    payload = _b64(caller.model_dump_json().encode())
    return f"{payload}.{_mac(payload, key)}"


def new_caller(
    user_id: str,
    session_id: str,
    turn_id: str,
    request_key: str,
    traceparent: str | None = None,
    now: float | None = None,
) -> ToolCaller:
    return ToolCaller(
        user_id=user_id,
        session_id=session_id,
        turn_id=turn_id,
        request_key=request_key,
        traceparent=traceparent,
        expires_at=(now or time.time()) + LIFETIME_SECONDS,
    )


def verify(token: object, key: bytes, now: float | None = None) -> ToolCaller:
    if not isinstance(token, str) or token.count(".") != 1:
        raise InvalidCaller("the call does not say whom it acts for")
    payload, mac = token.split(".")
    if not hmac.compare_digest(mac, _mac(payload, key)):
        raise InvalidCaller("the caller's signature does not match")
    try:
        caller = ToolCaller.model_validate_json(_unb64(payload))
    except (ValueError, ValidationError):
        raise InvalidCaller("the caller cannot be read") from None
    if caller.expires_at < (now or time.time()):
        raise InvalidCaller("the caller has expired")
    return caller
