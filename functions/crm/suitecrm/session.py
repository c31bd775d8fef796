"""``Session``: the JSON:API calls of one CRM operation (find, create, delete, relate), all
under the one deadline of that operation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from functions.crm.suitecrm.transport import Budget, Transport
from functions.crm.suitecrm.wire import Many, One, Resource, parse


class Session:
    """The requests of one CRM operation, under one deadline."""

    def __init__(self, transport: Transport, seconds: float):
        self.transport = transport
        self.budget = Budget(seconds)

    def find(
        self,
        module: str,
        equal: Mapping[str, str],
        fields: Sequence[str],
        page_size: int = 20,
    ) -> list[Resource]:
        params = {f"filter[{name}][eq]": value for name, value in equal.items()}
        params[f"fields[{module}]"] = ",".join(fields)
        params["page[size]"] = str(page_size)
        params["page[number]"] = "1"
        response = self._request("GET", f"/Api/V8/module/{module}", params=params)
        return parse(Many, response).data

    def find_by_id(self, module: str, record_id: str, fields: Sequence[str]) -> Resource | None:
        # A filter, not GET /module/{id}: SuiteCRM answers an unknown id with a 400 that
        # cannot be told from other refusals; an empty list is unambiguous.
        found = self.find(module, {"id": record_id}, fields, page_size=1)
        return found[0] if found else None

    def create(self, module: str, attributes: Mapping[str, Any]) -> Resource:
        body = {"data": {"type": module, "attributes": dict(attributes)}}
        return parse(One, self._request("POST", "/Api/V8/module", body=body)).data

    def delete(self, module: str, record_id: str) -> None:
        self._request("DELETE", f"/Api/V8/module/{module}/{quote(record_id, safe='')}")

    def relate(self, module: str, record_id: str, related_module: str, related_id: str) -> None:
        body = {"data": {"type": related_module, "id": related_id}}
        path = f"/Api/V8/module/{module}/{quote(record_id, safe='')}/relationships"
        self._request("POST", path, body=body)

    def related(self, module: str, record_id: str, link: str) -> list[Resource]:
        path = f"/Api/V8/module/{module}/{quote(record_id, safe='')}/relationships/{link}"
        return parse(Many, self._request("GET", path)).data

    def _request(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> httpx.Response:
        return self.transport.request(self.budget, method, path, params, body)
