"""The CRM's HTTP routes (as the original Convonet's), over whichever backend is configured.

Every route but /health and /openapi.json needs an authenticated caller. Bad input gets a 400
with a machine-readable code, a CRM that cannot be reached a 503, never a 500.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from functions.crm import phones
from functions.crm.backend import CrmBackend, CrmError
from functions.crm.models import (
    Case,
    CaseCreate,
    Health,
    MeetingCreate,
    MeetingCreated,
    Note,
    NoteCreate,
    PatientCreate,
    PatientCreated,
    PatientSearch,
    PatientsFound,
)
from shared.http_service import error, install_error_handlers, require_caller
from shared.service_auth import CallerCheck

ERRORS = {
    400: {"description": "invalid_request or invalid_phone"},
    401: {"description": "unauthenticated"},
    404: {"description": "patient_not_found or case_not_found"},
    502: {"description": "crm_rejected: SuiteCRM refused the request"},
    503: {"description": "crm_unavailable: SuiteCRM down or too slow"},
}


def routes(backend: CrmBackend, region: str) -> APIRouter:
    router = APIRouter(responses=ERRORS)  # type: ignore[arg-type]

    @router.post("/patient/search", response_model=PatientsFound)
    def search_patients(body: PatientSearch) -> PatientsFound:
        """Patients with this phone number."""
        return backend.search_patients(phones.e164(body.phone, region))

    @router.post("/patient/create", response_model=PatientCreated)
    def create_patient(body: PatientCreate) -> PatientCreated:
        """A new patient, or the existing one with this phone number (``created: false``)."""
        return backend.create_patient(body, phones.e164(body.phone, region))

    @router.post("/meeting/create", response_model=MeetingCreated)
    def create_meeting(body: MeetingCreate) -> MeetingCreated:
        """A meeting linked to the patient, in the given case or the patient's open case of the
        same subject (created when there is none)."""
        return backend.create_meeting(body)

    @router.post("/case/create", response_model=Case)
    def create_case(body: CaseCreate) -> Case:
        return backend.create_case(body)

    @router.post("/note/create", response_model=Note)
    def create_note(body: NoteCreate) -> Note:
        return backend.create_note(body)

    return router


def build_app(backend: CrmBackend, check: CallerCheck, region: str) -> FastAPI:
    app = FastAPI(
        title="Convonet CRM",
        version="1",
        description="Patients, cases, meetings and notes, in SuiteCRM 8 or the built-in CRM.",
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)

    @app.exception_handler(CrmError)
    async def crm_error(_: Request, exc: CrmError) -> JSONResponse:
        return error(exc.status, exc.code, exc.message)

    @app.get("/health", response_model=Health)
    def health() -> Health:
        return backend.health()

    app.add_api_route("/healthz", health, methods=["GET"], include_in_schema=False)

    guarded = [Depends(require_caller(check))]
    app.include_router(routes(backend, region), dependencies=guarded)
    # Behind a path prefix (a Hosting rewrite, once operator sign-in can reach a non-public
    # function) the same routes answer under /crm too.
    app.include_router(
        routes(backend, region), prefix="/crm", dependencies=guarded, include_in_schema=False
    )
    return app
