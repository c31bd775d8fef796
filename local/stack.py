"""``make run``: the whole Convonet stack on loopback, stopped cleanly on Ctrl-C or SIGTERM.

Starts the Pub/Sub and Firestore emulators, a throwaway PostgreSQL cluster and the Cloud
Storage emulator; creates topics and subscriptions; applies migrations; seeds the demo user;
then runs every function (fed by pull), the relay and the pages, and restarts any of those that
exits (local/supervision.py).
"""

from __future__ import annotations

import fcntl
import os
import secrets
import signal
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from functions.hanok.settings import LOCAL_TWILIO_AUTH_TOKEN
from local import pubsub_setup, services
from local.services import Service, StackError
from local.supervision import Supervisor
from shared.topics import FUNCTION_SUBSCRIPTIONS, HTTP_FUNCTIONS

ROOT = services.ROOT
READY_LINE = "Convonet is running."
WATCH_INTERVAL_SECONDS = 0.2


@dataclass(frozen=True)
class Ports:
    http: int
    relay: int
    pubsub: int
    firestore: int
    storage: int
    postgres: int
    tools: int
    crm: int
    hanok: int
    agent: int  # agent_turn's HTTP API, served by its worker
    operator: int

    @classmethod
    def from_env(cls) -> Ports:
        def port(name: str, default: int) -> int:
            raw = os.environ.get(name, str(default))
            if not raw.isdigit() or not 0 < int(raw) < 65536:
                raise StackError(f"{name}={raw!r} is not a port number")
            return int(raw)

        return cls(
            http=port("CONVONET_HTTP_PORT", 8080),
            relay=port("CONVONET_RELAY_PORT", 8765),
            pubsub=port("CONVONET_PUBSUB_PORT", 8085),
            firestore=port("CONVONET_FIRESTORE_PORT", 8686),
            storage=port("CONVONET_STORAGE_PORT", 9023),
            postgres=port("CONVONET_PG_PORT", 54329),
            tools=port("CONVONET_TOOLS_PORT", 8091),
            crm=port("CONVONET_CRM_PORT", 8092),
            hanok=port("CONVONET_HANOK_PORT", 8093),
            agent=port("CONVONET_AGENT_TURN_PORT", 8094),
            operator=port("CONVONET_OPERATOR_PORT", 8095),
        )

    def check_free(self) -> None:
        names = {
            "CONVONET_HTTP_PORT": self.http,
            "CONVONET_RELAY_PORT": self.relay,
            "CONVONET_PUBSUB_PORT": self.pubsub,
            "CONVONET_FIRESTORE_PORT": self.firestore,
            "CONVONET_STORAGE_PORT": self.storage,
            "CONVONET_PG_PORT": self.postgres,
            "CONVONET_TOOLS_PORT": self.tools,
            "CONVONET_CRM_PORT": self.crm,
            "CONVONET_HANOK_PORT": self.hanok,
            "CONVONET_AGENT_TURN_PORT": self.agent,
            "CONVONET_OPERATOR_PORT": self.operator,
        }
        if len(set(names.values())) != len(names):
            raise StackError(f"two services were given the same port: {names}")
        for name, port in names.items():
            if not services.port_is_free(port):
                raise StackError(f"port {port} is already in use; set {name} to a free port")


class Stack:
    def __init__(self, ports: Ports, state_dir: Path, project: str, demo_pin: str):
        self.ports = ports
        self.state_dir = state_dir
        self.log_dir = state_dir / "logs"
        self.project = project
        self.demo_pin = demo_pin
        self.started: list[Service] = []
        self.backing: list[Service] = []  # emulators and PostgreSQL: the stack's state
        self.own: list[Service] = []  # functions, relay, pages: stateless, restarted on exit
        self._lock_file: TextIO | None = None
        # Fresh for each run unless configured: the credential callers present to the tools
        # server, and the key that signs whom a tool call acts for (in production: Secret
        # Manager).
        self.tools_token = os.environ.get("CONVONET_TOOLS_TOKEN") or secrets.token_urlsafe(24)
        self.crm_token = os.environ.get("CONVONET_CRM_TOKEN") or secrets.token_urlsafe(24)
        self.hanok_token = os.environ.get("CONVONET_HANOK_TOKEN") or secrets.token_urlsafe(24)
        self.agent_api_token = os.environ.get("CONVONET_AGENT_API_TOKEN") or secrets.token_urlsafe(
            24
        )
        self.tools_caller_key = os.environ.get(
            "CONVONET_TOOLS_CALLER_KEY"
        ) or secrets.token_urlsafe(32)
        # The operator pages' sign-in (in production: Firebase Authentication).
        self.operator_username = os.environ.get("CONVONET_OPERATOR_USERNAME") or "operator"
        self.operator_password = os.environ.get(
            "CONVONET_OPERATOR_PASSWORD"
        ) or secrets.token_urlsafe(12)
        self.operator_session_key = os.environ.get(
            "CONVONET_OPERATOR_SESSION_KEY"
        ) or secrets.token_urlsafe(32)

    def acquire_lock(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        lock_path = self.state_dir / "stack.lock"
        self._lock_file = open(lock_path, "a+")  # noqa: SIM115 - held for the stack's lifetime
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.seek(0)
            pid = self._lock_file.read().strip() or "?"
            raise StackError(
                f"the local stack is already running (pid {pid}, state in {self.state_dir}); "
                "stop it first, or set CONVONET_STATE_DIR and other ports to run a second one"
            ) from None
        self._lock_file.seek(0)
        self._lock_file.truncate()
        self._lock_file.write(str(os.getpid()))
        self._lock_file.flush()

    def env(self) -> dict[str, str]:
        p = self.ports
        return {
            **services.emulator_env(p.pubsub, p.firestore, p.storage, self.project),
            "CONVONET_ENV": "local",
            "CONVONET_DB_HOST": "127.0.0.1",
            "CONVONET_DB_PORT": str(p.postgres),
            "CONVONET_DB_NAME": "convonet",
            "CONVONET_DB_USER": "convonet",
            "CONVONET_RELAY_PORT": str(p.relay),
            "CONVONET_HTTP_PORT": str(p.http),
            "CONVONET_TOOLS_PORT": str(p.tools),
            "CONVONET_TOOLS_URL": f"http://127.0.0.1:{p.tools}/mcp",
            "CONVONET_TOOLS_TOKEN": self.tools_token,
            "CONVONET_TOOLS_CALLER_KEY": self.tools_caller_key,
            "CONVONET_CRM_PORT": str(p.crm),
            "CONVONET_CRM_URL": f"http://127.0.0.1:{p.crm}",
            "CONVONET_CRM_TOKEN": self.crm_token,
            "CONVONET_HANOK_PORT": str(p.hanok),
            "CONVONET_HANOK_URL": f"http://127.0.0.1:{p.hanok}/mcp",
            "CONVONET_HANOK_TOKEN": self.hanok_token,
            "CONVONET_AGENT_TURN_PORT": str(p.agent),
            "CONVONET_AGENT_API_TOKEN": self.agent_api_token,
            # The agent's provider lists say whether the speech functions have Deepgram.
            "CONVONET_DEEPGRAM_AVAILABLE": "true"
            if os.environ.get("DEEPGRAM_API_KEY")
            else "false",
            # Twilio signs its webhooks over the URL it was given, which is Hosting's: locally
            # the pages server, which forwards /webhooks/hanok_table/* to hanok.
            "CONVONET_HANOK_PUBLIC_URL": os.environ.get(
                "CONVONET_HANOK_PUBLIC_URL", f"http://127.0.0.1:{p.http}"
            ),
            "CONVONET_OPERATOR_PORT": str(p.operator),
            "CONVONET_OPERATOR_USERNAME": self.operator_username,
            "CONVONET_OPERATOR_PASSWORD": self.operator_password,
            "CONVONET_OPERATOR_SESSION_KEY": self.operator_session_key,
            # As in production, the pages open the live feed at the function's own address.
            "CONVONET_OPERATOR_LIVE_URL": f"http://127.0.0.1:{p.operator}",
            "CONVONET_OPERATOR_ALLOWED_ORIGINS": f"http://127.0.0.1:{p.http},"
            f"http://localhost:{p.http}",
            "CONVONET_PUBLIC_RELAY_URL": os.environ.get(
                "CONVONET_PUBLIC_RELAY_URL", f"ws://127.0.0.1:{p.relay}/webrtc/ws"
            ),
            "PYTHONUNBUFFERED": "1",
        }

    def start(self) -> None:
        p = self.ports
        t0 = time.monotonic()
        # Backing services first, in parallel: each takes about a second.
        starters = {
            "pubsub": lambda: services.start_pubsub(p.pubsub, self.log_dir),
            "firestore": lambda: services.start_firestore(p.firestore, self.log_dir),
            "postgres": lambda: services.start_postgres(p.postgres, self.state_dir, self.log_dir),
            "storage": lambda: services.start_storage(p.storage, self.log_dir),
        }
        errors: list[BaseException] = []

        def run(fn: object) -> None:
            try:
                svc = fn()  # type: ignore[operator]
                self.started.append(svc)
                self.backing.append(svc)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(fn,)) for fn in starters.values()]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        os.environ.update(self.env())
        pubsub_setup.create_all(self.project)
        self._prepare_database()
        py = sys.executable
        # HTTP functions first: agent_turn loads its tools from the tools server as it starts.
        for fn in HTTP_FUNCTIONS:
            port = getattr(p, fn.function)  # each HTTP function has its own port setting
            http_fn = self._spawn_own(
                f"fn-{fn.function}", [py, "-m", "local.http_function", fn.function], port
            )
            services.wait_for_port(http_fn)
            self._wait_http(f"http://127.0.0.1:{port}/healthz")
        for sub in FUNCTION_SUBSCRIPTIONS:
            self._spawn_own(f"fn-{sub.function}", [py, "-m", "local.function_worker", sub.function])
        relay = self._spawn_own("relay", [py, "-m", "websocket_relay.main"], p.relay)
        hosting = self._spawn_own("hosting", [py, "-m", "local.hosting_server"], p.http)
        services.wait_for_port(relay)
        services.wait_for_port(hosting)
        self._wait_http(f"http://127.0.0.1:{p.relay}/healthz")
        self._wait_workers()
        self.startup_seconds = time.monotonic() - t0

    def _spawn_own(self, name: str, argv: list[str], port: int = 0) -> Service:
        svc = services.spawn(name, argv, port, self.log_dir, self.env())
        self.started.append(svc)
        self.own.append(svc)
        return svc

    def _prepare_database(self) -> None:
        from local.seed import seed_demo_data, seed_demo_user
        from shared.db import Database
        from shared.migrate import apply_migrations
        from shared.settings import RelaySettings

        settings = RelaySettings()
        db = Database(settings, pool_size=1)
        try:
            apply_migrations(db)
            user = seed_demo_user(db, settings, self.demo_pin)
            seed_demo_data(db, settings, user, os.environ.get("CONVONET_DEFAULT_TIMEZONE", "UTC"))
        finally:
            db.close()

    def _wait_http(self, url: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(url, timeout=1) as r:  # noqa: S310 - loopback URL
                    if r.status == 200:
                        return
            except OSError:
                if time.monotonic() > deadline:
                    raise StackError(f"{url} did not answer in {timeout:.0f}s") from None
                time.sleep(0.1)

    def _wait_workers(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        pulled = {f"fn-{sub.function}" for sub in FUNCTION_SUBSCRIPTIONS}
        for svc in self.started:
            if svc.name not in pulled:
                continue
            while "receiving" not in svc.log_path.read_text(errors="replace"):
                if svc.process.poll() is not None:
                    raise StackError(f"{svc.name} exited; see {svc.log_path}")
                if time.monotonic() > deadline:
                    raise StackError(
                        f"{svc.name} did not start in {timeout:.0f}s; see {svc.log_path}"
                    )
                time.sleep(0.1)

    def stop(self) -> None:
        for svc in reversed(self.started):
            svc.stop()
        self.started.clear()

    def watch(self, stop: threading.Event) -> None:
        """Until a signal: restart our own processes when they exit. Raises StackError when a
        backing service exits or a process keeps crashing."""
        supervisor = Supervisor(self.backing, self.own)
        while not stop.wait(WATCH_INTERVAL_SECONDS):
            supervisor.check()

    def _twilio_token_line(self) -> str:
        if os.environ.get("TWILIO_AUTH_TOKEN"):
            return "signed with your TWILIO_AUTH_TOKEN"
        return f"auth token {LOCAL_TWILIO_AUTH_TOKEN}, local mode only"

    def banner(self) -> str:
        p = self.ports
        return "\n".join(
            [
                READY_LINE + f" (started in {self.startup_seconds:.1f}s)",
                f"  Pages and APIs   http://127.0.0.1:{p.http}/",
                f"  Relay            ws://127.0.0.1:{p.relay}/webrtc/ws   (health: http://127.0.0.1:{p.relay}/healthz)",
                f"  Tools (MCP)      http://127.0.0.1:{p.tools}/mcp   (bearer credential required)",
                f"  CRM (HTTP API)   http://127.0.0.1:{p.crm}/   (OpenAPI: /openapi.json)",
                f"  Hanok Table      http://127.0.0.1:{p.hanok}/   (OpenAPI: /openapi.json; "
                "/api/reservations and /mcp: bearer credential required)",
                f"  Agent (HTTP API) http://127.0.0.1:{p.agent}/   (OpenAPI: /openapi.json; "
                f"bearer {self.agent_api_token}, local mode only)",
                f"  Operator pages   http://127.0.0.1:{p.http}/agent-monitor   (sign in as "
                f"{self.operator_username} / {self.operator_password}, local mode only)",
                f"  Operator API     http://127.0.0.1:{p.operator}/   (OpenAPI: /openapi.json)",
                f"  Hanok status     http://127.0.0.1:{p.http}/reservation/status?code=<code>",
                f"  Twilio webhooks  http://127.0.0.1:{p.http}/webhooks/hanok_table/…   "
                f"({self._twilio_token_line()})",
                f"  Pub/Sub emulator 127.0.0.1:{p.pubsub}",
                f"  Firestore        127.0.0.1:{p.firestore}",
                f"  Cloud Storage    http://127.0.0.1:{p.storage}",
                f"  PostgreSQL       127.0.0.1:{p.postgres} (database convonet)",
                f"  Demo sign-in PIN {self.demo_pin}   (local mode only)",
                f"  Logs             {self.log_dir}",
                "Press Ctrl-C to stop.",
            ]
        )


def main() -> int:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())
    state_dir = Path(os.environ.get("CONVONET_STATE_DIR", str(ROOT / ".run"))).resolve()
    pin = os.environ.get("CONVONET_DEMO_PIN", "246810")
    stack: Stack | None = None
    try:
        ports = Ports.from_env()
        stack = Stack(
            ports, state_dir, os.environ.get("GOOGLE_CLOUD_PROJECT", "demo-convonet"), pin
        )
        stack.acquire_lock()
        ports.check_free()
        print("Starting Convonet's local stack…", flush=True)
        stack.start()
        print(stack.banner(), flush=True)
        stack.watch(stop)
        return 0
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        if stack is not None:
            print("Stopping…", flush=True)
            stack.stop()
            print("Stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
