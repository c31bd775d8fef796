"""The operator API's parts, from its settings: who may sign in and how, and the stores."""

from __future__ import annotations

from google.cloud import firestore

from functions.operator.app import OperatorParts
from functions.operator.auth import (
    FirebaseOperators,
    LocalOperator,
    Role,
    SessionTokens,
    Verifier,
)
from functions.operator.live import LiveTurns
from functions.operator.reads import MonitorReads
from functions.operator.settings import OperatorSettings
from functions.operator.sign_in import SignInPolicy
from shared.db import Database
from shared.settings import comma_separated


def verifier_of(settings: OperatorSettings) -> Verifier:
    """Firebase ID tokens whenever a Firebase project is configured (always in production);
    otherwise the local operator."""
    if settings.firebase_project_id:
        return FirebaseOperators(settings.firebase_project_id)
    role: Role = "supervisor" if settings.operator_role == "supervisor" else "operator"
    return LocalOperator(settings.operator_username, settings.local_password(), role)


def operator_parts(
    settings: OperatorSettings, client: firestore.Client, db: Database
) -> OperatorParts:
    reads = MonitorReads(client, settings.collection_prefix)
    return OperatorParts(
        reads=reads,
        live=LiveTurns(reads),
        db=db,
        verifier=verifier_of(settings),
        tokens=SessionTokens(settings.session_key(), int(settings.operator_session_hours * 3600)),
        policy=SignInPolicy(
            limit=settings.operator_sign_in_limit,
            window_seconds=settings.operator_sign_in_window_seconds,
            secure_cookie=not settings.is_local,
        ),
        live_url=settings.operator_live_url,
        allowed_origins=comma_separated(settings.operator_allowed_origins),
        feed_seconds=settings.operator_feed_seconds,
    )
