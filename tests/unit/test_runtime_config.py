"""runtime-config.json for the deployed pages: its shape, the URL checks, and the deploy wiring."""

import ast
import json
import re
import stat
import subprocess
from pathlib import Path

import pytest

from local import runtime_config
from local.hosting_server import HostingApp

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
PUBLIC = REPO / "hosting" / "public"
TERRAFORM = REPO / "terraform"
RELAY_URL = "wss://websocket-relay-123456789.us-central1.run.app/webrtc/ws"


def _fake_terraform(tmp_path: Path, stdout: str, code: int = 0) -> Path:
    script = tmp_path / "terraform"
    lines = ["#!/bin/sh", f'echo "$@" > "{tmp_path}/args"', f"printf %s '{stdout}'", f"exit {code}"]
    script.write_text("\n".join(lines) + "\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


# --------------------------------------------------------------------------- the document


def test_document_is_what_the_pages_read() -> None:
    document = json.loads(runtime_config.render(RELAY_URL))
    assert document == {"relayUrl": RELAY_URL}
    # Every key the pages read from the config is in the document.
    for page in (PUBLIC / "app.js", PUBLIC / "voice" / "relay.js"):
        source = page.read_text()
        assert 'fetch("/runtime-config.json"' in source, page
        read = set(re.findall(r"(?<![\w-])config\.(\w+)", source))
        assert read, f"{page} reads nothing from the config"
        assert read <= set(document), f"{page} reads {read - set(document)}"


def test_document_has_the_shape_the_local_hosting_server_serves() -> None:
    # local/hosting_server.py main() builds the same document from the stack's settings.
    tree = ast.parse((REPO / "local" / "hosting_server.py").read_text())
    main = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "main")
    keys = {
        key.value
        for node in ast.walk(main)
        if isinstance(node, ast.Dict)
        for key in node.keys
        if isinstance(key, ast.Constant)
    }
    # Locally operators sign in with the printed name and password ({"mode": "local"}).
    assert keys - {"mode"} == set(runtime_config.runtime_config(RELAY_URL, "web-api-key"))


def test_a_generated_file_does_not_change_what_the_local_server_answers(tmp_path: Path) -> None:
    # The local server answers /runtime-config.json from the stack's settings even when a
    # deploy's file sits in hosting/public.
    (tmp_path / "public").mkdir()
    (tmp_path / "firebase.json").write_text(json.dumps({"hosting": {"public": "public"}}))
    runtime_config.write(RELAY_URL, tmp_path / "public" / "runtime-config.json")
    local = {"relayUrl": "ws://127.0.0.1:8765/webrtc/ws"}
    from werkzeug.test import Client

    client = Client(HostingApp(tmp_path / "firebase.json", local))
    assert client.get("/runtime-config.json").get_json() == local


# --------------------------------------------------------------------------- URL checks


@pytest.mark.parametrize(
    "url",
    [
        RELAY_URL,
        "wss://relay.example.com:8443/webrtc/ws",
        "  wss://relay.example.com/webrtc/ws\n",  # as pasted from a shell
        "ws://127.0.0.1:8765/webrtc/ws",  # loopback only: a local page over http
        "ws://localhost:8765/webrtc/ws",
    ],
)
def test_accepts_relay_urls(url: str) -> None:
    assert runtime_config.check_relay_url(url) == url.strip()


@pytest.mark.parametrize(
    "url",
    [
        "",
        "websocket-relay.run.app/webrtc/ws",  # no scheme
        "ws://websocket-relay-1.us-central1.run.app/webrtc/ws",  # https pages cannot open ws://
        "https://websocket-relay-1.us-central1.run.app/webrtc/ws",  # the relay's https url
        "wss://websocket-relay-1.us-central1.run.app",  # no path
        "wss://websocket-relay-1.us-central1.run.app/",
        "wss://websocket-relay-1.us-central1.run.app/ws",
        "wss://websocket-relay-1.us-central1.run.app/webrtc/ws?token=x",
        "wss://websocket-relay-1.us-central1.run.app/webrtc/ws#x",
        "wss://user:pw@websocket-relay-1.us-central1.run.app/webrtc/ws",
        "wss:///webrtc/ws",
        "wss://relay.example.com:99999/webrtc/ws",
    ],
)
def test_rejects_urls_the_pages_cannot_use(url: str) -> None:
    with pytest.raises(runtime_config.RuntimeConfigError):
        runtime_config.check_relay_url(url)


# --------------------------------------------------------------------------- writing


def test_write_creates_the_file_and_its_folder(tmp_path: Path) -> None:
    out = tmp_path / "public" / "runtime-config.json"
    assert runtime_config.write(RELAY_URL, out) == out
    assert json.loads(out.read_text()) == {"relayUrl": RELAY_URL}
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert [p.name for p in out.parent.iterdir()] == ["runtime-config.json"]


def test_write_replaces_and_a_bad_url_leaves_the_old_file(tmp_path: Path) -> None:
    out = tmp_path / "runtime-config.json"
    runtime_config.write("wss://old.example.com/webrtc/ws", out)
    runtime_config.write(RELAY_URL, out)
    assert json.loads(out.read_text())["relayUrl"] == RELAY_URL
    with pytest.raises(runtime_config.RuntimeConfigError):
        runtime_config.write("http://nope/webrtc/ws", out)
    assert json.loads(out.read_text())["relayUrl"] == RELAY_URL
    assert [p.name for p in tmp_path.iterdir()] == ["runtime-config.json"], "temp file left"


def test_command_with_relay_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "runtime-config.json"
    assert runtime_config.main(["--relay-url", RELAY_URL, "--out", str(out)]) == 0
    assert json.loads(out.read_text()) == {"relayUrl": RELAY_URL}
    assert RELAY_URL in capsys.readouterr().out


def test_command_refuses_a_bad_url_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "runtime-config.json"
    assert runtime_config.main(["--relay-url", "https://x.run.app", "--out", str(out)]) == 1
    assert not out.exists()
    assert "wss://" in capsys.readouterr().err


def test_command_needs_exactly_one_source(tmp_path: Path) -> None:
    for argv in ([], ["--relay-url", RELAY_URL, "--terraform-dir", str(tmp_path)]):
        with pytest.raises(SystemExit) as exited:
            runtime_config.main([*argv, "--out", str(tmp_path / "x.json")])
        assert exited.value.code == 2


def test_command_reads_the_environment_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = _fake_terraform(tmp_path, RELAY_URL)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    out = tmp_path / "out" / "runtime-config.json"
    env_dir = TERRAFORM / "environments" / "prod"
    assert runtime_config.main(["--terraform-dir", str(env_dir), "--out", str(out)]) == 0
    assert json.loads(out.read_text()) == {"relayUrl": RELAY_URL}
    args = (tmp_path / "args").read_text().split()
    assert args == [f"-chdir={env_dir}", "output", "-raw", "relay_websocket_url"]
    assert fake.exists()


def test_command_reports_a_failing_terraform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _fake_terraform(tmp_path, "", code=1)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    out = tmp_path / "runtime-config.json"
    assert runtime_config.main(["--terraform-dir", str(tmp_path), "--out", str(out)]) == 1
    assert not out.exists()
    assert "relay_websocket_url" in capsys.readouterr().err


def test_command_without_terraform_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    monkeypatch.setattr(shutil, "which", lambda _name: None)
    with pytest.raises(runtime_config.RuntimeConfigError, match="--relay-url"):
        runtime_config.relay_url_from_terraform(tmp_path)


# --------------------------------------------------------------------------- deploy wiring


def test_relay_path_matches_the_relay_and_terraform() -> None:
    server = ast.parse((REPO / "websocket_relay" / "server.py").read_text())
    ws_path = next(
        node.value.value
        for node in server.body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "WS_PATH" for t in node.targets)
        and isinstance(node.value, ast.Constant)
    )
    assert ws_path == runtime_config.RELAY_WS_PATH
    outputs = (TERRAFORM / "modules" / "relay" / "outputs.tf").read_text()
    assert re.search(
        r'output "websocket_url" \{[^}]*"wss://"\)\}' + re.escape(ws_path) + '"', outputs
    ), "the relay module's websocket_url output no longer ends with the relay's path"
    for env in ("dev", "prod"):
        text = (TERRAFORM / "environments" / env / "outputs.tf").read_text()
        output = re.escape(runtime_config.TERRAFORM_OUTPUT)
        pattern = r'output "' + output + r'" \{[^}]*module\.relay\.websocket_url'
        assert re.search(pattern, text), env


def test_generated_file_is_ignored_and_not_committed() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "hosting/public/runtime-config.json"],
        cwd=REPO,
        check=False,
    )
    assert ignored.returncode == 0, "hosting/public/runtime-config.json is not gitignored"
    tracked = subprocess.run(
        ["git", "ls-files", "--error-unmatch", "hosting/public/runtime-config.json"],
        cwd=REPO,
        capture_output=True,
        check=False,
    )
    assert tracked.returncode != 0, "hosting/public/runtime-config.json is committed"


def test_firebase_deploys_the_file_uncached() -> None:
    hosting = json.loads((REPO / "hosting" / "firebase.json").read_text())["hosting"]
    assert (REPO / "hosting" / hosting["public"]) == PUBLIC
    assert runtime_config.DEFAULT_OUT.parent == PUBLIC
    assert runtime_config.DEFAULT_OUT.name == "runtime-config.json"
    app = HostingApp(REPO / "hosting" / "firebase.json", {})
    assert not any(p.match("runtime-config.json") for p in app.ignore), "firebase ignores it"
    headers = [h for h in hosting["headers"] if h["source"] == "/runtime-config.json"]
    assert {"key": "Cache-Control", "value": "no-store"} in headers[0]["headers"]


def test_deploy_docs_write_the_file_before_firebase_deploy() -> None:
    readme = (TERRAFORM / "README.md").read_text()
    command = readme.find("python -m local.runtime_config")
    deploy = readme.find("firebase deploy")
    assert command != -1, "terraform/README.md does not say how to write runtime-config.json"
    assert command < deploy, "runtime-config.json must be written before firebase deploy"
