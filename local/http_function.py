"""Serve one HTTP function on loopback as Cloud Functions would: the functions framework's ASGI
app around the function's own ``main.py``, under uvicorn. ``python -m local.http_function tools``.
"""

from __future__ import annotations

import os
import sys

import uvicorn
from functions_framework.aio import create_asgi_app

from local.services import ROOT
from shared.topics import HTTP_FUNCTIONS


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m local.http_function <function>", file=sys.stderr)
        return 2
    [fn] = [f for f in HTTP_FUNCTIONS if f.function == argv[0]] or [None]
    if fn is None:
        print(f"no HTTP function named {argv[0]!r}", file=sys.stderr)
        return 2
    port = int(os.environ.get(f"CONVONET_{fn.function.upper()}_PORT", fn.local_port))
    source = ROOT / "functions" / fn.function / "main.py"
    app = create_asgi_app(target=fn.entry_point, source=str(source), signature_type="http")
    print(f"{fn.function} listening on http://127.0.0.1:{port}/", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
