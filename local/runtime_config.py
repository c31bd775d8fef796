"""Write ``hosting/public/runtime-config.json``, what the deployed pages fetch to learn where the
relay is (``hosting/public/app.js``, ``hosting/public/voice/relay.js``).

Locally ``local/hosting_server.py`` answers that path itself; for a deploy the file has to exist
before ``firebase deploy``. Run this right before it, for the environment being deployed::

    python -m local.runtime_config --terraform-dir terraform/environments/prod
    python -m local.runtime_config --relay-url wss://websocket-relay-123.us-central1.run.app/webrtc/ws

``--terraform-dir`` reads the ``relay_websocket_url`` output of that environment's state. The URL
is checked (a ``wss://`` URL of the relay's WebSocket path: an https page cannot open ``ws://``),
and the file is replaced atomically, so a failed run leaves no half-written file behind.
The file is generated, never committed (.gitignore).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "hosting" / "public" / "runtime-config.json"
# The relay serves its WebSocket here (websocket_relay/server.py WS_PATH; the relay module's
# websocket_url output appends the same path).
RELAY_WS_PATH = "/webrtc/ws"
TERRAFORM_OUTPUT = "relay_websocket_url"
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class RuntimeConfigError(ValueError):
    """The runtime config cannot be written: the message says why."""


def check_relay_url(url: str) -> str:
    """The URL, if the deployed pages can open it; otherwise RuntimeConfigError."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError as exc:
        raise RuntimeConfigError(f"not a URL: {url!r} ({exc})") from exc
    if not host:
        raise RuntimeConfigError(f"relay URL has no host: {url!r}")
    if parts.scheme != "wss" and not (parts.scheme == "ws" and host in _LOOPBACK):
        raise RuntimeConfigError(
            f"relay URL must be wss:// (the pages are served over https): {url!r}"
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise RuntimeConfigError(
            f"relay URL must not carry credentials, a query or a fragment: {url!r}"
        )
    if parts.path != RELAY_WS_PATH:
        raise RuntimeConfigError(f"relay URL must end with {RELAY_WS_PATH}: {url!r}")
    return url


FIREBASE_AUTH_URL = "https://identitytoolkit.googleapis.com"


def runtime_config(relay_url: str, firebase_api_key: str | None = None) -> dict[str, Any]:
    """The document the pages read: ``{"relayUrl": ...}``, and with a Firebase web API key how
    operators sign in (Firebase Authentication; the key is public by design, it names the
    project and grants nothing)."""
    config: dict[str, Any] = {"relayUrl": check_relay_url(relay_url)}
    if firebase_api_key:
        config["operatorSignIn"] = {
            "mode": "firebase",
            "apiKey": firebase_api_key.strip(),
            "authUrl": FIREBASE_AUTH_URL,
        }
    return config


def render(relay_url: str, firebase_api_key: str | None = None) -> str:
    return json.dumps(runtime_config(relay_url, firebase_api_key), indent=2, sort_keys=True) + "\n"


def write(relay_url: str, out: Path = DEFAULT_OUT, firebase_api_key: str | None = None) -> Path:
    """Validate, then replace ``out`` atomically."""
    text = render(relay_url, firebase_api_key)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".runtime-config.", dir=out.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return out


def relay_url_from_terraform(directory: Path, terraform: str | None = None) -> str:
    """The relay's WebSocket URL from an applied environment's outputs."""
    binary = terraform or shutil.which("terraform")
    if binary is None:
        raise RuntimeConfigError("terraform is not on PATH; pass --relay-url instead")
    result = subprocess.run(
        [binary, f"-chdir={directory}", "output", "-raw", TERRAFORM_OUTPUT],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if result.returncode != 0 or not result.stdout.strip():
        raise RuntimeConfigError(
            f"terraform output {TERRAFORM_OUTPUT} failed in {directory}: "
            f"{(result.stderr or result.stdout).strip() or 'empty output'}"
        )
    return result.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local.runtime_config",
        description="Write the runtime-config.json the deployed pages fetch.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--relay-url", help="the relay's WebSocket URL, wss://<host>/webrtc/ws")
    source.add_argument(
        "--terraform-dir",
        type=Path,
        help=f"an applied environment (terraform/environments/<env>): use its {TERRAFORM_OUTPUT}",
    )
    parser.add_argument(
        "--firebase-api-key",
        default=os.environ.get("FIREBASE_API_KEY"),
        help="the Firebase web API key operators sign in with (default: $FIREBASE_API_KEY)",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"default: {DEFAULT_OUT.relative_to(ROOT)}"
    )
    args = parser.parse_args(argv)
    try:
        url = args.relay_url or relay_url_from_terraform(args.terraform_dir)
        path = write(url, args.out, args.firebase_api_key)
    except RuntimeConfigError as exc:
        print(f"runtime config not written: {exc}", file=sys.stderr)
        return 1
    print(f"{path}: relayUrl={url.strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
