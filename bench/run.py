"""``make bench``: start the local stack on free ports, run the benchmarks, write the figures.

``python -m bench.run [typed|tools|hanok|voice|operator|sign_in|llm|turn_taking|all]``
(default all); ``turn_taking`` needs no stack. ``python -m bench.run wer`` (or ``-m bench.wer``):
the offline STT's word error rate by clip set, no stack.
Results go to bench/results/*.json. The sign-in benchmark runs last on the shared stack: its
sprays lock addresses and pause sign-in by PIN alone on that stack. The cloud-model benchmark
(``llm``) needs the agent on another provider, so it gets a stack of its own, started after
the shared one has stopped.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import (
    barge_in,
    hanok_booking,
    llm_stream,
    operator_feed,
    sign_in,
    tools_mcp,
    turn_taking,
    typed_turn,
    voice,
)

RESULTS = Path(__file__).resolve().parent / "results"


def _machine() -> dict[str, Any]:
    return {
        "cpus": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": os.getloadavg(),
    }


def _write(name: str, figures: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    report = {
        "machine": _machine(),
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        name: figures,
    }
    out = RESULTS / f"{name}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    return out


SHARED = ("typed", "tools", "hanok", "voice", "barge_in", "operator", "sign_in")


def _stack_env() -> dict[str, str]:
    from tests.e2e.conftest import stack_env

    env = stack_env(Path(tempfile.mkdtemp(prefix="convonet-bench-")))
    # The benchmarks drive turns back to back on one connection, far faster than anyone talks.
    env["CONVONET_MAX_TURNS_PER_MINUTE"] = "10000"
    # The sprays come "from" many addresses through X-Forwarded-For, as behind Cloud Run, and
    # open hundreds of connections at once: the budgets, not the connection cap, are measured.
    env["CONVONET_FORWARDED_FOR_TRUSTED_HOPS"] = "1"
    env["CONVONET_MAX_CONNECTIONS_PER_SOURCE"] = "500"
    return env


def main() -> int:
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    if which == "wer":  # no stack: the offline STT on the fixture clips, in process
        from bench import wer

        figures = wer.run()
        wer.print_report(figures)
        print(f"written to {_write('wer', figures).relative_to(RESULTS.parents[1])}")
        return 0
    if which not in (*SHARED, "llm", "turn_taking", "all"):
        print(
            f"usage: python -m bench.run [{'|'.join(SHARED)}|llm|turn_taking|all]", file=sys.stderr
        )
        return 2
    written = []
    if which in ("turn_taking", "all"):  # no stack: the capture and the model, in process
        figures = turn_taking.run()
        turn_taking.print_report(figures)
        written.append(_write("turn_taking", figures))
    if which not in ("llm", "turn_taking"):
        written += _on_shared_stack(which)
    if which in ("llm", "all"):
        written.append(_llm_stream())
    for path in written:
        print(f"written to {path.relative_to(RESULTS.parents[1])}")
    return 0


def _llm_stream() -> Path:
    from tests.e2e.conftest import start_stack, stop_stack

    fake = llm_stream.fake_model()
    with fake.serve() as base_url:
        stack = start_stack({**_stack_env(), **llm_stream.provider_env(fake, base_url)})
        try:
            figures = llm_stream.run(stack, fake)
        finally:
            stop_stack(stack)
    llm_stream.print_report(figures)
    return _write("llm_stream", figures)


def _on_shared_stack(which: str) -> list[Path]:
    from tests.e2e.conftest import start_stack, stop_stack

    stack = start_stack(_stack_env())
    written = []
    try:
        if which in ("typed", "all"):
            figures = typed_turn.run(stack, turns=60)
            typed_turn.print_report(figures)
            written.append(_write("typed_turn", figures))
        if which in ("tools", "all"):
            figures = tools_mcp.run(stack)
            tools_mcp.print_report(figures)
            written.append(_write("tools_mcp", figures))
        if which in ("hanok", "all"):
            figures = hanok_booking.run(stack)
            hanok_booking.print_report(figures)
            written.append(_write("hanok_booking", figures))
        if which in ("voice", "all"):
            figures = voice.run(stack, repeats=3)
            voice.print_report(figures)
            written.append(_write("voice", figures))
        if which in ("barge_in", "all"):
            figures = barge_in.run(stack)
            barge_in.print_report(figures)
            written.append(_write("barge_in", figures))
        if which in ("operator", "all"):
            figures = operator_feed.run(stack)
            operator_feed.print_report(figures)
            written.append(_write("operator_feed", figures))
        if which in ("sign_in", "all"):
            figures = sign_in.run(stack)
            sign_in.print_report(figures)
            written.append(_write("sign_in", figures))
    finally:
        stop_stack(stack)
    return written


if __name__ == "__main__":
    sys.exit(main())
