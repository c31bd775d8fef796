"""A local server that speaks SuiteCRM's V8 JSON:API (SuiteCRM 7.10+ and 8) well enough for our
SuiteCRM backend to run against it unchanged.

It serves under ``/legacy``, where SuiteCRM 8 keeps the API, so ``base_url`` is
``http://127.0.0.1:PORT/legacy`` and the client's paths are the real ones:

- ``POST /Api/access_token``: OAuth2 as league/oauth2-server answers it. The client-credentials
  or password grant (form or JSON body) gets ``{"token_type": "Bearer", "expires_in": 3600,
  "access_token": ...}`` (plus a ``refresh_token`` for the password grant). A wrong client is
  401 ``invalid_client``, a wrong user 400 ``invalid_grant``, another grant 400
  ``unsupported_grant_type``.
- ``GET /Api/V8/module/{Module}``: records, with ``filter[field][op]=value`` (eq, neq, gt, gte,
  lt, lte; ``filter[operator]=and|or``), ``fields[Module]=a,b`` and ``page[size]``,
  ``page[number]``.
- ``GET`` and ``DELETE /Api/V8/module/{Module}/{id}``; ``POST /Api/V8/module`` with
  ``{"data": {"type": "Contacts", "attributes": {...}}}`` (201).
- ``GET /Api/V8/module/{Module}/{id}/relationships/{link}`` and ``POST
  /Api/V8/module/{Module}/{id}/relationships`` with ``{"data": {"type": "Contacts", "id": ...}}``.

As SuiteCRM does: answers name records by object name (``Contact``, ``Case``, ``Meeting``,
``Note``); date-times are kept as ``Y-m-d H:i:s`` in UTC and rendered in ISO 8601 with PHP's
zone label (``php_timezone``, wrong when it is not UTC, as in SuiteCRM); filters compare text
ignoring letter case (MySQL's default collation) and add ``deleted = 0`` to the same and/or
list (so ``or`` matches every live record, SuiteCRM's bug); a delete only marks the record
deleted; an unknown id is a 400 ``... module with id ... is not found``; errors are
``{"errors": {"status", "title", "detail"}}``; a missing, unknown or expired token is 401
``access_denied``. With ``legacy_relationships`` a relationship answer carries only type and id,
as before SuiteCRM 7.12.

Stricter than SuiteCRM, to catch what it would store silently wrong: date and date-time fields
must be in its database format (``Y-m-d``, ``Y-m-d H:i:s``), and attributes it does not know are
listed in ``ignored_attributes`` (SuiteCRM drops them without a word).

Per test: ``expire_tokens()`` (the next call gets 401 and must fetch a new token),
``fail_next(status, ...)`` and ``hang_next(seconds, ...)`` (for the next matching request),
``update(module, id, ...)`` (a user's edit), ``records(module)``, ``related_ids(...)``,
``requests``, ``tokens_issued``, ``grants``.

    with FakeSuiteCrm() as fake:
        settings = SuiteCrmSettings(env="test", suitecrm_url=fake.base_url, ...)
"""

from __future__ import annotations

import json
import math
import operator
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit
from zoneinfo import ZoneInfo

PREFIX = "/legacy"
TOKEN_LIFETIME_SECONDS = 3600
DB_DATETIME = "%Y-%m-%d %H:%M:%S"
DB_DATE = "%Y-%m-%d"
Endpoint = Literal["api", "token"]

_ROUTE = re.compile(r"^/Api/V8/module(?:/([^/]+)(?:/([^/]+)(?:/(relationships)(?:/([^/]+))?)?)?)?$")
_QUERY_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "eq": operator.eq,
    "neq": operator.ne,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


@dataclass(frozen=True)
class _Module:
    object_name: str  # what SuiteCRM calls a record of it in answers (getObjectName())
    fields: frozenset[str]
    datetimes: frozenset[str] = frozenset({"date_entered", "date_modified"})
    dates: frozenset[str] = frozenset()


_COMMON = frozenset(
    {
        "name",
        "date_entered",
        "date_modified",
        "modified_user_id",
        "created_by",
        "description",
        "deleted",
        "assigned_user_id",
    }
)
MODULES: dict[str, _Module] = {
    "Contacts": _Module(
        "Contact",
        _COMMON
        | {
            "salutation",
            "first_name",
            "last_name",
            "title",
            "department",
            "phone_home",
            "phone_mobile",
            "phone_work",
            "phone_other",
            "phone_fax",
            "email1",
            "birthdate",
            "primary_address_street",
            "primary_address_city",
            "primary_address_state",
            "primary_address_postalcode",
            "primary_address_country",
            "lead_source",
            "account_id",
        },
        dates=frozenset({"birthdate"}),
    ),
    "Cases": _Module(
        "Case",
        _COMMON
        | {"case_number", "type", "status", "priority", "resolution", "state", "account_id"},
    ),
    "Meetings": _Module(
        "Meeting",
        _COMMON
        | {
            "location",
            "duration_hours",
            "duration_minutes",
            "date_start",
            "date_end",
            "parent_type",
            "parent_id",
            "status",
            "type",
            "reminder_time",
        },
        datetimes=frozenset({"date_entered", "date_modified", "date_start", "date_end"}),
    ),
    "Notes": _Module(
        "Note",
        _COMMON
        | {"parent_type", "parent_id", "contact_id", "portal_flag", "file_mime_type", "filename"},
    ),
}
# Link fields: (module, link) -> the module at the other end.
LINKS: dict[tuple[str, str], str] = {
    ("Contacts", "cases"): "Cases",
    ("Contacts", "meetings"): "Meetings",
    ("Contacts", "notes"): "Notes",
    ("Cases", "contacts"): "Contacts",
    ("Cases", "meetings"): "Meetings",
    ("Cases", "notes"): "Notes",
    ("Meetings", "contacts"): "Contacts",
}
# Pairs related through a join table (POST .../relationships); the others through fields.
MANY_TO_MANY = frozenset({frozenset({"Cases", "Contacts"}), frozenset({"Meetings", "Contacts"})})


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # without the /legacy prefix
    module: str | None
    status: int
    json_body: dict[str, Any] | None  # API requests; token requests record no secrets


@dataclass
class _Fault:
    status: int | None  # None: hold the request for `seconds`, then answer it
    seconds: float
    method: str | None
    module: str | None
    path_part: str | None
    endpoint: Endpoint
    times: int

    def matches(self, endpoint: Endpoint, method: str, module: str | None, path: str) -> bool:
        return (
            self.endpoint == endpoint
            and self.method in (None, method)
            and self.module in (None, module)
            and (self.path_part is None or self.path_part in path)
        )


class SuiteError(Exception):
    def __init__(self, status: int, detail: str, title: str | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title


class OAuthError(Exception):
    def __init__(self, status: int, error: str, description: str, hint: str = ""):
        super().__init__(description)
        self.status = status
        self.body: dict[str, str] = {
            "error": error,
            "error_description": description,
            "message": description,
        }
        if hint:
            self.body["hint"] = hint


class FakeSuiteCrm:
    """The fake's state and its server; use as a context manager or call start()/stop()."""

    def __init__(
        self,
        client_id: str = "c0ffee00-5e7e-4c1a-9d2b-000000000001",
        client_secret: str = "suitecrm-test-client-secret",  # noqa: S107 - the fake's own test value
        username: str = "frontdesk",
        password: str = "suitecrm-test-password",  # noqa: S107 - the fake's own test value
        php_timezone: str = "UTC",
        legacy_relationships: bool = False,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.username = username
        self.password = password
        self.php_zone = ZoneInfo(php_timezone)
        self.legacy_relationships = legacy_relationships
        self.requests: list[RecordedRequest] = []
        self.grants: list[str] = []
        self.tokens_issued = 0
        self.ignored_attributes: list[tuple[str, str]] = []
        self._tokens: dict[str, float] = {}  # access token -> expiry (time.time())
        self._records: dict[str, dict[str, dict[str, Any]]] = {m: {} for m in MODULES}
        self._pairs: set[frozenset[tuple[str, str]]] = set()  # join-table relationships
        self._case_numbers = 0
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -----------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the fake SuiteCRM server is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PREFIX}"

    def start(self) -> FakeSuiteCrm:
        fake = self

        class Handler(_Handler):
            state = fake

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True  # a held answer must not hold up stop()
        self._server = server
        self._stopping.clear()
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases held requests
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeSuiteCrm:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # per-test controls and views -------------------------------------------------------------

    def expire_tokens(self) -> None:
        """Every access token issued so far expires now."""
        with self._lock:
            self._tokens = dict.fromkeys(self._tokens, 0.0)

    def fail_next(
        self,
        status: int,
        *,
        method: str | None = None,
        module: str | None = None,
        path_part: str | None = None,
        endpoint: Endpoint = "api",
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` matching requests with ``status`` (and do nothing else).
        A request matches by method, module (in the path, or a create's type) and a part of
        its path (``"/relationships"``); None matches any."""
        with self._lock:
            fault = _Fault(status, 0.0, method, module, path_part, endpoint, times)
            self._faults.append(fault)

    def hang_next(
        self,
        seconds: float,
        *,
        method: str | None = None,
        module: str | None = None,
        path_part: str | None = None,
        endpoint: Endpoint = "api",
    ) -> None:
        """Hold the next matching request for ``seconds``, then handle it as usual."""
        with self._lock:
            self._faults.append(_Fault(None, seconds, method, module, path_part, endpoint, 1))

    def update(self, module: str, record_id: str, **attributes: str) -> None:
        """Change a record as a SuiteCRM user would in its screens (close a case, ...)."""
        with self._lock:
            record = self._live(module, record_id)
            record.update(attributes, date_modified=_now())

    def records(self, module: str, include_deleted: bool = False) -> dict[str, dict[str, Any]]:
        """The module's records as stored (database formats), by id."""
        with self._lock:
            return {
                record_id: dict(record)
                for record_id, record in self._records[module].items()
                if include_deleted or record["deleted"] == "0"
            }

    def related_ids(self, module: str, record_id: str, link: str) -> set[str]:
        with self._lock:
            return {r["id"] for r in self._related(module, record_id, link)}

    def requests_to(
        self, method: str | None = None, module: str | None = None
    ) -> list[RecordedRequest]:
        with self._lock:
            return [
                r
                for r in self.requests
                if r.path != "/Api/access_token"
                and method in (None, r.method)
                and module in (None, r.module)
            ]

    # what the handler calls ------------------------------------------------------------------

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def take_fault(
        self, endpoint: Endpoint, method: str, module: str | None, path: str
    ) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(endpoint, method, module, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def hold(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    def issue_token(self, form: dict[str, str]) -> dict[str, Any]:
        grant = form.get("grant_type", "")
        if grant not in ("client_credentials", "password"):
            raise OAuthError(
                400,
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server.",
                "Check that all required parameters have been provided",
            )
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            raise OAuthError(401, "invalid_client", "Client authentication failed")
        if grant == "password" and (form.get("username"), form.get("password")) != (
            self.username,
            self.password,
        ):
            raise OAuthError(400, "invalid_grant", "The user credentials were incorrect.")
        token = "eyJ0eXAiOiJKV1QifQ." + secrets.token_urlsafe(32)  # SuiteCRM's are JWTs
        with self._lock:
            self._tokens[token] = time.time() + TOKEN_LIFETIME_SECONDS
            self.tokens_issued += 1
            self.grants.append(grant)
        answer: dict[str, Any] = {
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_SECONDS,
            "access_token": token,
        }
        if grant == "password":
            answer["refresh_token"] = secrets.token_urlsafe(48)
        return answer

    def check_token(self, authorization: str) -> None:
        scheme, _, token = authorization.partition(" ")
        with self._lock:
            expiry = self._tokens.get(token)
        if scheme != "Bearer" or expiry is None or time.time() >= expiry:
            raise OAuthError(
                401,
                "access_denied",
                "The resource owner or authorization server denied the request.",
                "Access token could not be verified",
            )

    def list_records(self, module: str, query: dict[str, Any]) -> dict[str, Any]:
        spec = _module(module)
        matches = _matcher(spec, module, query.get("filter", {}))
        with self._lock:
            found = [dict(r) for r in self._records[module].values() if matches(r)]
        page = query.get("page", {})
        size, number = _int_param(page, "size"), _int_param(page, "number")
        if size > 0:
            start = (number - 1) * size if number > 0 else 0
            shown = found[start : start + size]
        else:
            shown = found
        fields = _fields(query)
        data = [self._resource(module, record, fields) for record in shown]
        if not data:
            return {
                "meta": {"message": "Request was successful, but there is no result"},
                "data": [],
            }
        answer: dict[str, Any] = {"data": data}
        if size > 0:
            answer = {
                "meta": {
                    "total-pages": math.ceil(len(found) / size),
                    "records-on-this-page": len(data),
                },
                **answer,
            }
        return answer

    def get_record(self, module: str, record_id: str, query: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            record = dict(self._live(module, record_id))
        return {"data": self._resource(module, record, _fields(query))}

    def create(self, body: Any) -> dict[str, Any]:
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            raise SuiteError(
                400, 'The option "data" with value null is expected to be of type "array"'
            )
        module = data["type"]
        spec = _module(module)
        attributes = data.get("attributes") or {}
        if not isinstance(attributes, dict):
            raise SuiteError(400, 'The option "attributes" is expected to be of type "array"')
        record = self._new_record(module, spec, data.get("id"), attributes)
        with self._lock:
            if record["id"] in self._records[module]:
                raise SuiteError(400, f"Bean {module} with id {record['id']} is already exist")
            if module == "Cases":
                self._case_numbers += 1
                record["case_number"] = str(self._case_numbers)
            self._records[module][record["id"]] = record
        return {"data": self._resource(module, dict(record), None)}

    def delete(self, module: str, record_id: str) -> dict[str, Any]:
        with self._lock:
            record = self._live(module, record_id)
            record["deleted"] = "1"
            record["date_modified"] = _now()
        return {"meta": {"message": f"Record with id {record_id} is deleted"}, "data": []}

    def relationship(self, module: str, record_id: str, link: str) -> dict[str, Any]:
        with self._lock:
            self._live(module, record_id)
            related = [dict(r) for r in self._related(module, record_id, link)]
        source = MODULES[module].object_name
        if not related:
            message = f"There is no relationship set in {source} module with {link} link field"
            return {"meta": {"message": message}, "data": []}
        data = []
        for record in related:
            target = LINKS[(module, link)]
            item: dict[str, Any] = {
                "type": MODULES[target].object_name,
                "id": record["id"],
                "links": {"self": f"V8/module/{MODULES[target].object_name}/{record['id']}"},
            }
            if not self.legacy_relationships:
                item["attributes"] = self._attributes(target, record, None)
            data.append(item)
        meta = {"total-records": len(data), "total-pages": 1, "records-on-this-page": len(data)}
        return {"meta": meta, "data": data}

    def relate(self, module: str, record_id: str, body: Any) -> dict[str, Any]:
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or not data.get("type") or not data.get("id"):
            raise SuiteError(400, 'The option "data" is expected to have "type" and "id"')
        related_module, related_id = str(data["type"]), str(data["id"])
        _module(related_module)
        with self._lock:
            self._live(module, record_id)
            self._live(related_module, related_id)
            if frozenset({module, related_module}) not in MANY_TO_MANY:
                raise SuiteError(
                    400,
                    f"Link field has not found in {MODULES[module].object_name} to determine "
                    f"relationship for {MODULES[related_module].object_name}",
                )
            self._pairs.add(frozenset({(module, record_id), (related_module, related_id)}))
        return {
            "meta": {
                "message": f"{MODULES[related_module].object_name} with id {related_id} has been "
                f"added to {MODULES[module].object_name} with id {record_id}"
            },
            "data": [],
        }

    # internals (the callers hold the lock where state is read) -------------------------------

    def _new_record(
        self, module: str, spec: _Module, record_id: Any, attributes: dict[str, Any]
    ) -> dict[str, Any]:
        if record_id is not None and not _is_uuid(record_id):
            raise SuiteError(400, f'The option "id" with value "{record_id}" is invalid')
        now = _now()
        record: dict[str, Any] = {"id": record_id or str(uuid.uuid4()), "deleted": "0"}
        record.update(date_entered=now, date_modified=now)
        for name, value in attributes.items():
            if name not in spec.fields or name in ("deleted", "date_entered", "date_modified"):
                with self._lock:
                    self.ignored_attributes.append((module, name))
                continue
            record[name] = _stored(spec, name, value)
        if module == "Meetings" and record.get("date_start"):
            record["date_end"] = _meeting_end(record)
        return record

    def _live(self, module: str, record_id: str) -> dict[str, Any]:
        record = self._records[module].get(record_id)
        if record is None or record["deleted"] != "0":
            raise SuiteError(400, f"{module} module with id {record_id} is not found")
        return record

    def _related(self, module: str, record_id: str, link: str) -> list[dict[str, Any]]:
        target = LINKS.get((module, link))
        if target is None:
            object_name = MODULES[module].object_name
            raise SuiteError(400, f"Cannot load relationship {link} for {object_name} module")
        if frozenset({module, target}) in MANY_TO_MANY:
            ids = {
                other_id
                for pair in self._pairs
                if (module, record_id) in pair
                for other_module, other_id in pair
                if other_module == target
            }
            found = [self._records[target][i] for i in ids]
        else:  # a flex relate (parent_type, parent_id) or the note's contact_id
            found = [
                r
                for r in self._records[target].values()
                if (r.get("parent_type"), r.get("parent_id")) == (module, record_id)
                or ((target, module) == ("Notes", "Contacts") and r.get("contact_id") == record_id)
            ]
        live = [r for r in found if r["deleted"] == "0"]
        return sorted(live, key=lambda r: (r["date_entered"], r["id"]))

    def _resource(
        self, module: str, record: dict[str, Any], fields: list[str] | None
    ) -> dict[str, Any]:
        links = {
            target: {
                "links": {"related": f"V8/module/{module}/{record['id']}/relationships/{link}"}
            }
            for (source, link), target in LINKS.items()
            if source == module
        }
        return {
            "type": MODULES[module].object_name,
            "id": record["id"],
            "attributes": self._attributes(module, record, fields),
            "relationships": links,
        }

    def _attributes(
        self, module: str, record: dict[str, Any], fields: list[str] | None
    ) -> dict[str, Any]:
        spec = MODULES[module]
        attributes = {name: self._rendered(spec, name, record.get(name)) for name in spec.fields}
        if module == "Contacts":  # a Person's name is made of its parts
            first, last = record.get("first_name", ""), record.get("last_name", "")
            attributes["name"] = f"{first} {last}".strip()
        if fields is not None:
            attributes = {k: v for k, v in attributes.items() if k in fields}
        return attributes

    def _rendered(self, spec: _Module, name: str, value: Any) -> Any:
        if value is None:
            return ""
        if name in spec.datetimes and value:
            # SuiteCRM: date(DATE_ATOM, strtotime($utc_value)) in PHP's zone: the UTC wall
            # clock with PHP's offset label.
            wall = datetime.strptime(value, DB_DATETIME)
            return wall.replace(tzinfo=self.php_zone).isoformat()
        return value


def _module(name: str) -> _Module:
    spec = MODULES.get(name)
    if spec is None:
        raise SuiteError(400, f"Module {name} does not exist")
    return spec


def _matcher(spec: _Module, module: str, filters: Any) -> Callable[[dict[str, Any]], bool]:
    """SuiteCRM's Filter::parseWhere: field/operator/value conditions joined by and/or, with
    ``deleted = 0`` added to the same list unless the filter names ``deleted``."""
    if not isinstance(filters, dict):
        raise SuiteError(400, "Filter must be an array")
    joiner = str(filters.pop("operator", "and")).lower()
    if joiner not in ("and", "or"):
        raise SuiteError(400, f"Filter operator {joiner} is invalid")
    filters.setdefault("deleted", {"eq": "0"})
    conditions: list[tuple[str, Callable[[str, str], bool], str]] = []
    for field, expression in filters.items():
        if field not in spec.fields and field != "id":
            raise SuiteError(400, f"Filter field {field} in {spec.object_name} module is not found")
        if not isinstance(expression, dict):
            raise SuiteError(400, f"Filter field {field} must be an array")
        for op, value in expression.items():
            if op not in _OPERATORS:
                raise SuiteError(400, f"Filter operator {op} is invalid")
            conditions.append((field, _OPERATORS[op], str(value).casefold()))
    combine = all if joiner == "and" else any

    def matches(record: dict[str, Any]) -> bool:
        return combine(
            compare(str(record.get(field) or "").casefold(), value)
            for field, compare, value in conditions
        )

    return matches


def _fields(query: dict[str, Any]) -> list[str] | None:
    fields = query.get("fields")
    if not isinstance(fields, dict) or not fields:
        return None
    return [f.strip() for value in fields.values() for f in str(value).split(",") if f.strip()]


def _int_param(params: Any, name: str) -> int:
    try:
        return int(params.get(name, 0)) if isinstance(params, dict) else 0
    except ValueError:
        raise SuiteError(400, f"Page {name} must be an integer") from None


def _stored(spec: _Module, name: str, value: Any) -> Any:
    if name in spec.datetimes or name in spec.dates:
        text = "" if value is None else str(value)
        pattern = DB_DATETIME if name in spec.datetimes else DB_DATE
        if text:
            try:
                datetime.strptime(text, pattern)
            except ValueError:
                raise SuiteError(400, f"{name} must be in the database format {pattern}") from None
        return text
    return "" if value is None else str(value)  # SuiteCRM's columns hold text


def _meeting_end(record: dict[str, Any]) -> str:
    start = datetime.strptime(record["date_start"], DB_DATETIME)
    minutes = int(record.get("duration_hours") or 0) * 60 + int(record.get("duration_minutes") or 0)
    return (start + timedelta(minutes=minutes)).strftime(DB_DATETIME)


def _now() -> str:
    return datetime.now(UTC).strftime(DB_DATETIME)


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _php_query(query: str) -> dict[str, Any]:
    """A query string as PHP parses it: ``filter[name][eq]=x`` becomes nested maps."""
    parsed: dict[str, Any] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        match = _QUERY_KEY.match(key)
        if match is None:
            continue
        path = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node = parsed
        for part in path[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[path[-1]] = value
    return parsed


class _Handler(BaseHTTPRequestHandler):
    state: FakeSuiteCrm
    server_version = "Apache/2.4 (fake SuiteCRM)"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read ``requests`` instead of an access log."""

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        path = unquote(url.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            if not path.startswith(PREFIX + "/"):
                self._send(404, {"errors": {"status": 404, "title": "Not Found"}}, "text/html")
            elif path == PREFIX + "/Api/access_token" and method == "POST":
                self._token(method, path[len(PREFIX) :], raw)
            else:
                self._api(method, path[len(PREFIX) :], url.query, raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test); nothing to answer

    def _token(self, method: str, path: str, raw: bytes) -> None:
        fault = self.state.take_fault("token", method, None, path)
        try:
            if fault is not None and fault.status is None:
                self.state.hold(fault.seconds)
            if fault is not None and fault.status is not None:
                raise OAuthError(fault.status, "server_error", "Injected failure")
            answer = self.state.issue_token(self._form(raw))
        except OAuthError as exc:
            self.state.record(RecordedRequest(method, path, None, exc.status, None))
            self._send(exc.status, exc.body, "application/json")
            return
        self.state.record(RecordedRequest(method, path, None, 200, None))
        self._send(200, answer, "application/json")

    def _form(self, raw: bytes) -> dict[str, str]:
        if "json" in self.headers.get("Content-Type", ""):
            body = json.loads(raw or b"{}")
            return {k: str(v) for k, v in body.items()} if isinstance(body, dict) else {}
        return dict(parse_qsl(raw.decode(), keep_blank_values=True))

    def _api(self, method: str, path: str, query: str, raw: bytes) -> None:
        body: Any = None
        module: str | None = None
        status = 200
        try:
            body = self._json_body(raw)
            module = _target_module(path, body)
            fault = self.state.take_fault("api", method, module, path)
            if fault is not None and fault.status is None:
                self.state.hold(fault.seconds)
            if fault is not None and fault.status is not None:
                raise SuiteError(fault.status, "Injected failure")
            self.state.check_token(self.headers.get("Authorization", ""))
            status, answer = self._route(method, path, _php_query(query), body)
        except OAuthError as exc:
            status, answer, media = exc.status, exc.body, "application/json"
        except SuiteError as exc:
            status = exc.status
            answer = {"errors": {"status": status, "title": exc.title, "detail": exc.detail}}
            media = "application/vnd.api+json"
        else:
            media = "application/vnd.api+json"
        recorded_body = body if isinstance(body, dict) else None
        self.state.record(RecordedRequest(method, path, module, status, recorded_body))
        self._send(status, answer, media)

    def _json_body(self, raw: bytes) -> Any:
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise SuiteError(400, "Syntax error, malformed JSON") from None

    def _route(
        self, method: str, path: str, query: dict[str, Any], body: Any
    ) -> tuple[int, dict[str, Any]]:
        match = _ROUTE.match(path)
        if match is None:
            raise SuiteError(404, "Not Found", "Not Found")
        module, record_id, relationships, link = match.groups()
        state = self.state
        if module is None and method == "POST":
            return 201, state.create(body)
        if module is not None and record_id is None and method == "GET":
            return 200, state.list_records(module, query)
        if module is None or record_id is None:
            raise SuiteError(405, "Method not allowed", "Method not allowed")
        _module(module)
        if relationships is None and method == "GET":
            return 200, state.get_record(module, record_id, query)
        if relationships is None and method == "DELETE":
            return 200, state.delete(module, record_id)
        if relationships is not None and link is not None and method == "GET":
            return 200, state.relationship(module, record_id, link)
        if relationships is not None and link is None and method == "POST":
            return 201, state.relate(module, record_id, body)
        raise SuiteError(405, "Method not allowed", "Method not allowed")

    def _send(self, status: int, body: dict[str, Any], media: str) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _target_module(path: str, body: Any) -> str | None:
    """The module a request is about: in the path, or for a create in the body's type."""
    match = _ROUTE.match(path)
    if match is None:
        return None
    if match.group(1) is not None:
        return match.group(1)
    data = body.get("data") if isinstance(body, dict) else None
    return str(data.get("type")) if isinstance(data, dict) and data.get("type") else None
