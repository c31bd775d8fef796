"""Start and stop the backing services on loopback: Pub/Sub and Firestore emulators, a throwaway
PostgreSQL cluster and a Cloud Storage emulator. Used by ``make run`` and by the test session.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pg8000.native

ROOT = Path(__file__).resolve().parents[1]


class StackError(RuntimeError):
    """A clear, user-facing reason the stack cannot start."""


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    stop_signal: int = signal.SIGTERM
    cleanup: list[Path] = field(default_factory=list)
    argv: list[str] = field(default_factory=list)
    env: dict[str, str] | None = None

    def respawn(self) -> None:
        """Run the same command again, appending to the same log, after the process exited."""
        try:  # what it started dies with it, as an instance's processes would
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process = _popen(self.argv, self.log_path, self.env)

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, self.stop_signal)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait(5)
        for path in self.cleanup:
            shutil.rmtree(path, ignore_errors=True)


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def free_ports(count: int) -> list[int]:
    """``count`` distinct free ports: each is held while the next is found, so that two calls
    of ``free_port`` cannot hand the same port to two services."""
    with contextlib.ExitStack() as held:
        sockets = [held.enter_context(socket.socket()) for _ in range(count)]
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in sockets]


def wait_for_port(service: Service, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise StackError(
                f"{service.name} exited with code {service.process.returncode};"
                f" see {service.log_path}"
            )
        try:
            with socket.create_connection(("127.0.0.1", service.port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise StackError(
        f"{service.name} did not open port {service.port} in {timeout:.0f}s; see {service.log_path}"
    )


def spawn(
    name: str,
    argv: list[str],
    port: int,
    log_dir: Path,
    env: dict[str, str] | None = None,
    **kw: object,
) -> Service:
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    process = _popen(argv, log_path, env)
    return Service(name, process, port, log_path, argv=argv, env=env, **kw)  # type: ignore[arg-type]


def _popen(argv: list[str], log_path: Path, env: dict[str, str] | None) -> subprocess.Popen[bytes]:
    out = open(log_path, "ab")  # noqa: SIM115 - the child owns the file for its lifetime
    try:
        return subprocess.Popen(
            argv,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            start_new_session=True,  # its own process group: stopping it stops its children too
            cwd=str(ROOT),
        )
    finally:
        out.close()


def sdk_root() -> Path:
    for candidate in (
        os.environ.get("CLOUDSDK_ROOT"),
        "/usr/lib/google-cloud-sdk",
        "/usr/share/google-cloud-sdk",
    ):
        if candidate and (Path(candidate) / "platform").is_dir():
            return Path(candidate)
    gcloud = shutil.which("gcloud")
    if gcloud:
        out = subprocess.run(
            [gcloud, "info", "--format=value(installation.sdk_root)"],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.stdout.strip():
            return Path(out.stdout.strip())
    raise StackError("the Google Cloud SDK is not installed (run `make setup`)")


def start_pubsub(port: int, log_dir: Path) -> Service:
    script = sdk_root() / "platform/pubsub-emulator/bin/cloud-pubsub-emulator"
    if not script.exists():
        raise StackError(f"Pub/Sub emulator missing at {script} (run `make setup`)")
    svc = spawn(
        "pubsub-emulator", [str(script), "--host=127.0.0.1", f"--port={port}"], port, log_dir
    )
    wait_for_port(svc)
    return svc


def start_firestore(port: int, log_dir: Path) -> Service:
    script = sdk_root() / "platform/cloud-firestore-emulator/cloud_firestore_emulator"
    if not script.exists():
        raise StackError(f"Firestore emulator missing at {script} (run `make setup`)")
    svc = spawn(
        "firestore-emulator",
        [str(script), "start", "--host=127.0.0.1", f"--port={port}"],
        port,
        log_dir,
    )
    wait_for_port(svc)
    return svc


def start_storage(port: int, log_dir: Path) -> Service:
    exe = Path(sys.executable).with_name("gcp-storage-emulator")
    svc = spawn(
        "storage-emulator",
        [
            str(exe),
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--in-memory",
            "--default-bucket",
            "convonet-audio",
        ],
        port,
        log_dir,
    )
    wait_for_port(svc)
    return svc


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if path:
        return path
    raise StackError(f"PostgreSQL's {name} is not installed (run `make setup`)")


def start_postgres(
    port: int, state_dir: Path, log_dir: Path, db_name: str = "convonet", db_user: str = "convonet"
) -> Service:
    """A throwaway cluster in state_dir, trusting loopback, removed when stopped."""
    data = state_dir / f"pg-{port}"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the cluster as the postgres user
        as_postgres = ["runuser", "-u", "postgres", "--"]
        shutil.chown(data, "postgres", "postgres")
        os.chmod(state_dir, 0o755)  # noqa: S103 - postgres must traverse it; holds no secrets
    init = subprocess.run(
        [
            *as_postgres,
            _pg_bin("initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if init.returncode != 0:
        raise StackError(f"initdb failed: {init.stderr.strip()[-500:]}")
    svc = spawn(
        "postgres",
        [
            *as_postgres,
            _pg_bin("postgres"),
            "-D",
            str(data),
            "-k",
            str(data),
            "-p",
            str(port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "max_connections=200",
        ],
        port,
        log_dir,
        stop_signal=signal.SIGINT,  # PostgreSQL's fast shutdown
        cleanup=[data],
    )
    wait_for_port(svc)
    admin = _connect_when_ready(port)
    try:
        admin.run(f'CREATE ROLE "{db_user}" LOGIN CREATEDB')
        admin.run(f'CREATE DATABASE "{db_name}" OWNER "{db_user}"')
    finally:
        admin.close()
    return svc


def _connect_when_ready(port: int, timeout: float = 30.0) -> pg8000.native.Connection:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return pg8000.native.Connection(
                "postgres", host="127.0.0.1", port=port, database="postgres"
            )
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def emulator_env(
    pubsub_port: int, firestore_port: int, storage_port: int, project: str
) -> dict[str, str]:
    return {
        "PUBSUB_EMULATOR_HOST": f"127.0.0.1:{pubsub_port}",
        "FIRESTORE_EMULATOR_HOST": f"127.0.0.1:{firestore_port}",
        "STORAGE_EMULATOR_HOST": f"http://127.0.0.1:{storage_port}",
        "GOOGLE_CLOUD_PROJECT": project,
    }
