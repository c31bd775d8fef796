"""Deployable archives: every bundle Terraform deploys is built, laid out as Cloud Functions
expects, and imports on its own, with shared/ inside and nothing from the repo.

agent_turn loads its tools from the tools server over MCP when an instance starts, so its archive
is imported against the tools archive served the way Cloud Functions serves it (the functions
framework's CLI, which runs an ``@functions_framework.aio`` function as ASGI). The crm and hanok
archives are served the same way: each answers its OpenAPI document and refuses callers without
the credential; hanok's carries the restaurant's rules (restaurant.json) it reads as it starts.
"""

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest

from local import bundle
from local.services import free_port
from shared.topics import FUNCTION_SUBSCRIPTIONS, HTTP_FUNCTIONS

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
PYTHON = REPO / ".venv" / "bin" / "python"
FIXED_DATE = (2020, 1, 1, 0, 0, 0)
FUNCTIONS = sorted(p.name for p in (REPO / "functions").iterdir() if (p / "main.py").is_file())
ENTRY_POINTS = {s.function: s.deployed_entry_point for s in FUNCTION_SUBSCRIPTIONS} | {
    h.function: h.entry_point for h in HTTP_FUNCTIONS
}
MIGRATIONS = sorted(p.name for p in (REPO / "shared" / "migrations").glob("*.sql"))
# Test mode: the tools server, the CRM, Hanok Table and their callers share a bearer credential
# instead of identity tokens.
TOOLS_TOKEN = "bundle-test-tools-credential"
CRM_TOKEN = "bundle-test-crm-credential"
HANOK_TOKEN = "bundle-test-hanok-credential"
_SKIP_PARTS = {"__pycache__", ".mypy_cache", ".ruff_cache"}


@cache
def terraform_functions() -> dict[str, str]:
    """Function name -> entry point, from terraform/modules/functions/locals.tf."""
    hcl2 = pytest.importorskip("hcl2", reason="python-hcl2 parses the Terraform functions table")
    options = hcl2.SerializationOptions(strip_string_quotes=True, explicit_blocks=False)
    with (REPO / "terraform" / "modules" / "functions" / "locals.tf").open() as handle:
        parsed = hcl2.load(handle, serialization_options=options)
    table = next(entry["functions"] for entry in parsed["locals"] if "functions" in entry)
    return {name: fn["entry_point"] for name, fn in table.items()}


def _source_files(base: Path) -> set[str]:
    return {
        p.relative_to(base).as_posix()
        for p in base.rglob("*")
        if p.is_file() and not _SKIP_PARTS.intersection(p.parts) and p.suffix != ".pyc"
    }


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("dist")
    bundle.build(target)
    return target


def _python() -> str:
    return str(PYTHON) if PYTHON.exists() else sys.executable


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONVONET_", "PYTHON"))}
    env.update(
        PUBSUB_EMULATOR_HOST="127.0.0.1:1",
        FIRESTORE_EMULATOR_HOST="127.0.0.1:1",
        GOOGLE_CLOUD_PROJECT="demo-bundle",
        CONVONET_ENV="test",
        CONVONET_TOOLS_TOKEN=TOOLS_TOKEN,
        CONVONET_HANOK_TOKEN=HANOK_TOKEN,
        CONVONET_AGENT_API_TOKEN="bundle-test-agent-credential",
        CONVONET_CRM_TOKEN=CRM_TOKEN,
    )
    env.update(extra)
    return env


@contextmanager
def _serve(function: str, dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The function's archive, unpacked and served by the functions framework's CLI: its URL."""
    [http] = [h for h in HTTP_FUNCTIONS if h.function == function]
    where = tmp_path_factory.mktemp("served") / function
    _unpack(dist / f"{function}.zip", where)
    port = free_port()
    log_path = where.parent / f"{function}.log"
    with log_path.open("wb") as log_file:
        command = [_python(), "-m", "functions_framework", "--target", http.entry_point]
        command += ["--source", "main.py", "--port", str(port), "--host", "127.0.0.1"]
        process = subprocess.Popen(
            command,
            cwd=where,
            env=_env(),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"the {function} archive did not serve:\n{log_path.read_text()[-4000:]}"
                )
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"the {function} archive did not listen:\n{log_path.read_text()[-4000:]}"
                    )
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


@pytest.fixture(scope="module")
def tools_server(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The served tools archive: its MCP URL."""
    with _serve("tools", dist, tmp_path_factory) as url:
        yield f"{url}/mcp"


@pytest.fixture(scope="module")
def crm_server(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The served crm archive: its URL (its routes hang off it)."""
    with _serve("crm", dist, tmp_path_factory) as url:
        yield url


@pytest.fixture(scope="module")
def hanok_server(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The served hanok archive: its URL (its API, status page, webhooks and /mcp hang off it)."""
    with _serve("hanok", dist, tmp_path_factory) as url:
        yield url


def _import_in(
    directory: Path, statements: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run code in a fresh interpreter whose only project code is the unpacked archive."""
    prelude = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        repo = Path({str(REPO)!r}).resolve()
        here = Path.cwd().resolve()
        assert all(Path(p or '.').resolve() != repo for p in sys.path), sys.path
        """
    )
    check = textwrap.dedent(
        """
        import shared
        assert Path(shared.__file__).resolve().is_relative_to(here), shared.__file__
        assert not Path(shared.__file__).resolve().is_relative_to(repo / "shared")
        print("ok")
        """
    )
    return subprocess.run(
        [_python(), "-c", prelude + textwrap.dedent(statements) + check],
        cwd=directory,
        env=env or _env(),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _unpack(archive: Path, into: Path) -> Path:
    into.mkdir(parents=True)
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(into)
    return into


def test_every_function_has_an_entry_point_and_a_folder() -> None:
    assert FUNCTIONS, "no functions found"
    assert set(ENTRY_POINTS) == set(FUNCTIONS)
    assert bundle.functions() == FUNCTIONS


def test_build_produces_one_archive_per_function_and_the_relay(dist: Path) -> None:
    expected = {f"{name}.zip" for name in FUNCTIONS} | {"websocket_relay.zip"}
    assert {p.name for p in dist.iterdir()} == expected


def test_every_bundle_terraform_names_is_built(dist: Path) -> None:
    # functions.tf deploys <source_release>/<function>.zip for every key of the table.
    functions_tf = (REPO / "terraform" / "modules" / "functions" / "functions.tf").read_text()
    assert '"${var.source_release}/${each.key}.zip"' in functions_tf
    named = terraform_functions()
    assert named, "Terraform deploys no function"
    built = {p.name for p in dist.iterdir()}
    missing = {f"{name}.zip" for name in named} - built
    assert not missing, f"Terraform deploys bundles local/bundle.py does not build: {missing}"
    assert named == {name: ENTRY_POINTS[name] for name in named}, "entry points differ"
    assert (dist / "websocket_relay.zip").is_file(), "no relay bundle"


@pytest.mark.parametrize("function", sorted(terraform_functions()))
def test_terraform_bundle_layout(dist: Path, function: str) -> None:
    """What Cloud Functions needs at the root, and the code where the imports expect it."""
    own = REPO / "functions" / function
    with zipfile.ZipFile(dist / f"{function}.zip") as zf:
        names = set(zf.namelist())
        assert zf.read("main.py") == (own / "main.py").read_bytes()
        assert zf.read("requirements.txt") == (own / "requirements.txt").read_bytes()
        assert zf.testzip() is None
    assert {"main.py", "requirements.txt", "functions/__init__.py"} <= names
    assert {f"functions/{function}/{n}" for n in _source_files(own)} <= names
    assert f"functions/{function}/main.py" in names
    assert {f"shared/{n}" for n in _source_files(REPO / "shared")} <= names
    others = {n.split("/")[1] for n in names if n.startswith("functions/") and n.count("/") > 1}
    assert others == {function}, f"other functions' code in {function}.zip: {others - {function}}"


def test_build_writes_into_the_given_directory_only(tmp_path: Path) -> None:
    target = tmp_path / "nested" / "out"
    built = bundle.build(target)
    assert built and all(p.parent == target for p in built)
    assert {p.name for p in built} == {p.name for p in target.iterdir()}


@pytest.mark.parametrize("function", FUNCTIONS)
def test_function_archive_layout(dist: Path, function: str) -> None:
    with zipfile.ZipFile(dist / f"{function}.zip") as zf:
        names = set(zf.namelist())
    assert {"main.py", "requirements.txt", "shared/__init__.py"} <= names
    assert {f"shared/migrations/{m}" for m in MIGRATIONS} <= names
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    assert not any(n.startswith(("tests/", "local/", "websocket_relay/")) for n in names)


def test_relay_archive_layout(dist: Path) -> None:
    with zipfile.ZipFile(dist / "websocket_relay.zip") as zf:
        names = set(zf.namelist())
    assert {
        "Dockerfile",
        "requirements.txt",
        "websocket_relay/__init__.py",
        "websocket_relay/main.py",
        "websocket_relay/server.py",
        "shared/__init__.py",
    } <= names
    assert {f"shared/migrations/{m}" for m in MIGRATIONS} <= names
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)


def test_archives_carry_the_migrations_verbatim(dist: Path) -> None:
    assert MIGRATIONS
    for archive in dist.iterdir():
        with zipfile.ZipFile(archive) as zf:
            for name in MIGRATIONS:
                data = zf.read(f"shared/migrations/{name}")
                assert data == (REPO / "shared" / "migrations" / name).read_bytes()


@pytest.mark.parametrize("function", FUNCTIONS)
def test_function_archive_imports_in_isolation(
    dist: Path, tmp_path: Path, function: str, request: pytest.FixtureRequest
) -> None:
    where = _unpack(dist / f"{function}.zip", tmp_path / function)
    entry = ENTRY_POINTS[function]
    env = _env()
    if function == "agent_turn":  # it loads its tools over MCP as it starts
        env["CONVONET_TOOLS_URL"] = request.getfixturevalue("tools_server")
    result = _import_in(
        where,
        f"""
        import main
        assert Path(main.__file__).resolve().parent == here, main.__file__
        assert callable(getattr(main, {entry!r}))
        """,
        env,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert result.stdout.strip().endswith("ok")


def test_served_tools_archive_refuses_callers_without_the_credential(tools_server: str) -> None:
    body = b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}'
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    for extra in ({}, {"Authorization": "Bearer wrong"}):
        call = urllib.request.Request(tools_server, body, {**headers, **extra}, method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(call, timeout=10)
        assert refused.value.code == 401


def test_served_crm_archive_answers_its_openapi_document(crm_server: str) -> None:
    with urllib.request.urlopen(f"{crm_server}/openapi.json", timeout=10) as response:
        document = json.load(response)
    assert response.status == 200
    assert "/patient/search" in document["paths"]


def test_served_crm_archive_refuses_callers_without_the_credential(crm_server: str) -> None:
    body = b'{"phone": "+15555550123"}'
    url = f"{crm_server}/patient/search"
    for extra in ({}, {"Authorization": "Bearer wrong"}):
        headers = {"Content-Type": "application/json", **extra}
        call = urllib.request.Request(url, body, headers, method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(call, timeout=10)
        assert refused.value.code == 401


def test_hanok_archive_carries_the_restaurant_s_rules(dist: Path) -> None:
    """Not only Python: the rules it loads as it starts are in its folder in the archive."""
    own = REPO / "functions" / "hanok"
    data = {n for n in _source_files(own) if not n.endswith(".py")}
    assert "restaurant.json" in data
    with zipfile.ZipFile(dist / "hanok.zip") as zf:
        for name in data:
            assert zf.read(f"functions/hanok/{name}") == (own / name).read_bytes(), name


def test_served_hanok_archive_answers_its_health_and_openapi_document(hanok_server: str) -> None:
    with urllib.request.urlopen(f"{hanok_server}/healthz", timeout=10) as response:
        assert response.status == 200
    with urllib.request.urlopen(f"{hanok_server}/openapi.json", timeout=10) as response:
        document = json.load(response)
    assert response.status == 200
    assert "/api/reservations" in document["paths"]
    assert "/reservation/status" in document["paths"]


# What only its allowed callers may call (agent_turn, the reminder scheduler): the app is the
# guard, since hanok is public at the IAM level (Twilio and Hosting cannot attach tokens).
HANOK_GUARDED = {
    "api": ("GET", "/api/reservations/menu", None, {}),
    "mcp": (
        "POST",
        "/mcp",
        b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}',
        {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"},
    ),
    "reminders": ("POST", "/webhooks/hanok_table/reminders", b"", {}),
}


@pytest.mark.parametrize("call", HANOK_GUARDED.values(), ids=HANOK_GUARDED.keys())
def test_served_hanok_archive_refuses_callers_without_the_credential(
    hanok_server: str, call: tuple[str, str, bytes | None, dict[str, str]]
) -> None:
    method, path, body, headers = call
    for extra in ({}, {"Authorization": "Bearer wrong"}):
        request = urllib.request.Request(
            f"{hanok_server}{path}", body, {**headers, **extra}, method=method
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 401, (path, extra)


def test_relay_archive_imports_in_isolation(dist: Path, tmp_path: Path) -> None:
    where = _unpack(dist / "websocket_relay.zip", tmp_path / "relay")
    result = _import_in(
        where,
        """
        import websocket_relay.server
        import websocket_relay.main
        assert Path(websocket_relay.server.__file__).resolve().is_relative_to(here)
        assert callable(websocket_relay.server.run_server)
        assert callable(websocket_relay.main.main)
        """,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert result.stdout.strip().endswith("ok")


def test_isolation_check_would_catch_the_repo_on_sys_path(dist: Path, tmp_path: Path) -> None:
    # The subprocess must fail when shared/ comes from the repository rather than the archive.
    where = tmp_path / "empty"
    where.mkdir()
    result = _import_in(where, "sys.path.insert(0, str(repo))\n")
    assert result.returncode != 0
    assert "shared" in result.stderr


def _digests(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in directory.iterdir()}


def test_building_twice_gives_identical_bytes(dist: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    bundle.build(again)
    assert _digests(again) == _digests(dist)


def test_source_entries_have_fixed_timestamps(dist: Path) -> None:
    for archive in dist.iterdir():
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                assert info.date_time == FIXED_DATE, (archive.name, info.filename)


def test_every_relay_entry_has_the_fixed_timestamp(dist: Path) -> None:
    with zipfile.ZipFile(dist / "websocket_relay.zip") as zf:
        stamps = {info.filename: info.date_time for info in zf.infolist()}
    assert {name for name, stamp in stamps.items() if stamp != FIXED_DATE} == set()
