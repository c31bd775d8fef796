"""Entry point: ``python -m websocket_relay.main`` (Cloud Run runs the same)."""

from __future__ import annotations

import asyncio

from shared import log
from shared.settings import RelaySettings
from websocket_relay.server import run_server


def main() -> None:
    settings = RelaySettings()
    log.configure("websocket_relay", settings.project_id, settings.log_level)
    asyncio.run(run_server(settings))


if __name__ == "__main__":
    main()
