"""SuiteCRM 8 (or 7.10 and later) as the CRM, through its V8 JSON:API.

Authentication is OAuth2 at ``{url}/Api/access_token``: the client-credentials grant, or the
password grant when a username is configured. The access token is cached until shortly before
it expires, and fetched again once when the API answers 401 (then the request is retried once).

Where things go in SuiteCRM:

- patient: a Contact (first_name, last_name, phone_mobile in E.164, birthdate, email1,
  primary_address_street), found by ``filter[phone_mobile][eq]``;
- case: a Case (name, description, priority P3/P2/P1 for low/medium/high, status Open_New,
  state Open), related to the Contact (the contacts_cases relationship);
- meeting: a Meeting (name, date_start in UTC, duration_hours and duration_minutes, status
  Planned) whose parent is its Case, related to the Contact (meetings_contacts);
- note: a Note (name, description) whose parent and contact_id are the Contact.

Errors: 5xx, 429, a timeout or no connection is ``crm_unavailable``; any other refusal (a 4xx,
or a 401 after a fresh token) is ``crm_rejected``. Nothing is retried otherwise: creates are not
idempotent. One operation's requests share one deadline (``suitecrm_timeout_seconds``), so a
slow SuiteCRM holds a caller that long at most. When a step after a create fails, what that
operation created is deleted again (best effort), so no orphan case or meeting stays behind.

SuiteCRM has no unique index on phone numbers: a duplicate is found by searching before the
create, so two calls creating the same new number at the same instant can both create one.
The built-in CRM does not have that gap.

The modules, from the wire up:

- ``settings``: ``SuiteCrmSettings``, the ``CONVONET_SUITECRM_*`` settings and their checks;
- ``wire``: SuiteCRM's JSON:API documents as it sends them (a record, one, many);
- ``transport``: authenticated HTTP: the OAuth2 token cache and its one refresh on a 401, the
  deadline of one operation, SuiteCRM's answers mapped to ``CrmError``;
- ``session``: the JSON:API calls of one operation (find, create, delete, relate) under one
  deadline;
- ``mapping``: SuiteCRM attributes to and from our documents (priorities, statuses, dates);
- ``backend``: ``SuiteCrm``, the CRM operations.
"""

from functions.crm.suitecrm.backend import SuiteCrm
from functions.crm.suitecrm.settings import SuiteCrmSettings

__all__ = ["SuiteCrm", "SuiteCrmSettings"]
