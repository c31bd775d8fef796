"""Audio in Cloud Storage: utterances over the inline limit, and anything kept for later."""

from __future__ import annotations

import os
from functools import lru_cache

from google.auth.credentials import AnonymousCredentials
from google.cloud import storage  # type: ignore[attr-defined]


@lru_cache(maxsize=1)
def _client(project_id: str) -> storage.Client:
    if os.environ.get("STORAGE_EMULATOR_HOST"):
        return storage.Client(project=project_id, credentials=AnonymousCredentials())  # type: ignore[no-untyped-call]
    return storage.Client(project=project_id)


def put(project_id: str, bucket: str, name: str, data: bytes, mime_type: str) -> str:
    blob = _client(project_id).bucket(bucket).blob(name)
    blob.upload_from_string(data, content_type=mime_type)
    return f"gs://{bucket}/{name}"


def utterance_prefix(session_id: str) -> str:
    """Where the relay keeps a session's utterances: ``utterances/{session_id}/{turn_id}``."""
    return f"utterances/{session_id}/"


def split_uri(uri: str) -> tuple[str, str]:
    """``gs://bucket/name`` -> (bucket, name)."""
    if not uri.startswith("gs://"):
        raise ValueError(f"not a Cloud Storage URI: {uri}")
    bucket, _, name = uri[len("gs://") :].partition("/")
    return bucket, name


def get(project_id: str, uri: str) -> bytes:
    bucket, name = split_uri(uri)
    return bytes(_client(project_id).bucket(bucket).blob(name).download_as_bytes())
