"""``make bench``: start the local stack on free ports, run each benchmark, write the figures."""

from __future__ import annotations

import json
import platform
import sys
import tempfile
import time
from pathlib import Path

from bench import typed_turn

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> int:
    from tests.e2e.conftest import stack_env, start_stack, stop_stack

    state = Path(tempfile.mkdtemp(prefix="convonet-bench-"))
    env = stack_env(state)
    stack = start_stack(env)
    try:
        report = {
            "machine": {
                "cpus": _cpus(),
                "python": platform.python_version(),
                "platform": platform.platform(),
            },
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "typed_turn": typed_turn.run(
                stack, turns=int(sys.argv[1]) if len(sys.argv) > 1 else 60
            ),
        }
    finally:
        stop_stack(stack)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "typed_turn.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    typed_turn.print_report(report["typed_turn"])
    print(f"\nwritten to {out.relative_to(RESULTS.parents[1])}")
    return 0


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    sys.exit(main())
