"""``SuiteCrm``: the CRM operations (functions/crm/backend.py's ``CrmBackend``) on SuiteCRM.

Each operation is one ``Session``, so all its requests share one deadline. Where a step after a
create fails, the record created is deleted again on a small budget of its own, best effort.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Literal

import httpx

from functions.crm.backend import CrmError, require_e164
from functions.crm.models import (
    Case,
    CaseCreate,
    Health,
    MeetingCreate,
    MeetingCreated,
    Note,
    NoteCreate,
    Patient,
    PatientCreate,
    PatientCreated,
    PatientsFound,
)
from functions.crm.suitecrm.mapping import (
    CASE_FIELDS,
    CONTACT_FIELDS,
    case_attributes,
    case_from,
    contact_attributes,
    created_order,
    is_open,
    meeting_attributes,
    meeting_from,
    note_attributes,
    note_from,
    patient_from,
)
from functions.crm.suitecrm.session import Session
from functions.crm.suitecrm.settings import SuiteCrmSettings
from functions.crm.suitecrm.transport import Transport
from functions.crm.suitecrm.wire import Resource
from shared.settings import ConfigurationError

log = logging.getLogger(__package__)  # the package's logger, as before it was split

CLEANUP_SECONDS = 3.0  # the budget of deleting what a failed operation created


class SuiteCrm:
    name: Literal["suitecrm"] = "suitecrm"

    def __init__(self, settings: SuiteCrmSettings, client: httpx.Client | None = None):
        if not settings.configured:
            raise ConfigurationError("SuiteCRM is not configured (CONVONET_SUITECRM_URL)")
        self.settings = settings
        self._owns_client = client is None
        self._transport = Transport(settings, client or httpx.Client())

    def close(self) -> None:
        if self._owns_client:
            self._transport.http.close()

    def search_patients(self, phone_e164: str) -> PatientsFound:
        phone = require_e164(phone_e164)
        return PatientsFound(patients=_contacts_with_phone(self._session(), phone))

    def create_patient(self, request: PatientCreate, phone_e164: str) -> PatientCreated:
        phone = require_e164(phone_e164)
        session = self._session()
        existing = _contacts_with_phone(session, phone)
        if existing:
            return PatientCreated(patient=existing[0], created=False)
        contact = session.create("Contacts", contact_attributes(request, phone))
        return PatientCreated(patient=patient_from(contact), created=True)

    def create_case(self, request: CaseCreate) -> Case:
        session = self._session()
        patient_id = _existing_contact(session, request.patient_id)
        attributes = case_attributes(request.subject, request.description, request.priority)
        return case_from(self._create_related(session, "Cases", attributes, patient_id), patient_id)

    def create_meeting(self, request: MeetingCreate) -> MeetingCreated:
        session = self._session()
        patient_id = _existing_contact(session, request.patient_id)
        case, case_created = self._case_for_meeting(session, patient_id, request)
        attributes = meeting_attributes(request, case.id)
        try:
            meeting = self._create_related(session, "Meetings", attributes, patient_id)
        except CrmError:
            if case_created:  # opened for this meeting only: it must not outlive it
                self._discard("Cases", case.id)
            raise
        return MeetingCreated(
            meeting=meeting_from(meeting, patient_id, case.id), case=case, case_created=case_created
        )

    def create_note(self, request: NoteCreate) -> Note:
        session = self._session()
        patient_id = _existing_contact(session, request.patient_id)
        note = session.create("Notes", note_attributes(request, patient_id))
        return note_from(note, patient_id)

    def health(self) -> Health:
        try:
            self._session().find("Contacts", {}, ("last_name",), page_size=1)
        except CrmError as exc:
            return Health(status="degraded", backend="suitecrm", detail=f"{exc.code}: {exc}")
        return Health(status="ok", backend="suitecrm")

    def _session(self) -> Session:
        return Session(self._transport, self.settings.suitecrm_timeout_seconds)

    def _case_for_meeting(
        self, session: Session, patient_id: str, request: MeetingCreate
    ) -> tuple[Case, bool]:
        """The case named, else the patient's oldest open case of the same subject (any letter
        case), else a new one; and whether it is new."""
        cases = _cases_of(session, patient_id)
        if request.case_id is not None:
            return case_from(_named_case(cases, request.case_id), patient_id), False
        subject = request.subject.lower()
        same = [c for c in cases if is_open(c) and c.text("name").lower() == subject]
        if same:
            return case_from(min(same, key=created_order), patient_id), False
        attributes = case_attributes(request.subject, "", "medium")
        opened = self._create_related(session, "Cases", attributes, patient_id)
        return case_from(opened, patient_id), True

    def _create_related(
        self, session: Session, module: str, attributes: Mapping[str, Any], patient_id: str
    ) -> Resource:
        """Create the record and relate it to the patient's Contact; if relating fails, the
        record is deleted again."""
        record = session.create(module, attributes)
        try:
            session.relate(module, record.id, "Contacts", patient_id)
        except CrmError:
            self._discard(module, record.id)
            raise
        return record

    def _discard(self, module: str, record_id: str) -> None:
        """Best effort, on a fresh small budget: the failed operation's may be spent."""
        try:
            Session(self._transport, CLEANUP_SECONDS).delete(module, record_id)
        except CrmError:
            log.warning(
                "could not delete a record a failed CRM operation left in SuiteCRM",
                extra={"crm_module": module, "record_id": record_id},
            )


# the reads the operations share -------------------------------------------------------------


def _existing_contact(session: Session, patient_id: str) -> str:
    contact = session.find_by_id("Contacts", patient_id, ("last_name",))
    if contact is None:
        raise CrmError("patient_not_found", "no patient has this id")
    return contact.id


def _contacts_with_phone(session: Session, phone: str) -> list[Patient]:
    found = session.find("Contacts", {"phone_mobile": phone}, CONTACT_FIELDS)
    same = sorted((c for c in found if c.text("phone_mobile") == phone), key=created_order)
    return [patient_from(contact) for contact in same]


def _cases_of(session: Session, patient_id: str) -> list[Resource]:
    """The patient's cases with their attributes. SuiteCRM 7.12 and 8 include them in the
    relationship answer; older versions give only type and id, so those are fetched."""
    cases = []
    for related in session.related("Contacts", patient_id, "cases"):
        if "name" in related.attributes:
            cases.append(related)
        elif (case := session.find_by_id("Cases", related.id, CASE_FIELDS)) is not None:
            cases.append(case)
    return cases


def _named_case(cases: list[Resource], case_id: str) -> Resource:
    """The case with this id (any letter case) among the patient's cases."""
    named = [c for c in cases if c.id.lower() == case_id.lower()]
    if not named:  # another patient's case is as unknown here as no case at all
        raise CrmError("case_not_found", "this patient has no case with this id")
    return named[0]
