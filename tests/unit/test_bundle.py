"""Deployable archives: each imports on its own, with shared/ inside and nothing from the repo."""

import hashlib
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from local import bundle
from shared.topics import FUNCTION_SUBSCRIPTIONS

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
PYTHON = REPO / ".venv" / "bin" / "python"
FIXED_DATE = (2020, 1, 1, 0, 0, 0)
FUNCTIONS = sorted(p.name for p in (REPO / "functions").iterdir() if (p / "main.py").is_file())
ENTRY_POINTS = {s.function: s.entry_point for s in FUNCTION_SUBSCRIPTIONS}
MIGRATIONS = sorted(p.name for p in (REPO / "shared" / "migrations").glob("*.sql"))


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("dist")
    bundle.build(target)
    return target


def _python() -> str:
    return str(PYTHON) if PYTHON.exists() else sys.executable


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONVONET_", "PYTHON"))}
    env.update(
        PUBSUB_EMULATOR_HOST="127.0.0.1:1",
        FIRESTORE_EMULATOR_HOST="127.0.0.1:1",
        GOOGLE_CLOUD_PROJECT="demo-bundle",
        CONVONET_ENV="test",
    )
    return env


def _import_in(directory: Path, statements: str) -> subprocess.CompletedProcess[str]:
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
        env=_env(),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _unpack(archive: Path, into: Path) -> Path:
    into.mkdir()
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
def test_function_archive_imports_in_isolation(dist: Path, tmp_path: Path, function: str) -> None:
    where = _unpack(dist / f"{function}.zip", tmp_path / function)
    entry = ENTRY_POINTS[function]
    result = _import_in(
        where,
        f"""
        import main
        assert Path(main.__file__).resolve().parent == here, main.__file__
        assert callable(getattr(main, {entry!r}))
        """,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert result.stdout.strip().endswith("ok")


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
