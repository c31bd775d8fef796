"""Barge-in on the local stack: speech over a playing reply, through the real relay and stt.

The bench stands in for tts only (the reply's audio goes out through ``session-outbound`` in
0.4 s pieces); the caller's espeak-ng clips (tests/data/barge) are streamed hands-free over it
and the stack's stt answers each ``barge_check``. Figures: the false barge-in rate over the
backchannel clips (a reply cancelled by "uh-huh") and, over the interrupting clips, the time
from the start of the caller's speech to the last piece of the reply the relay sent.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bench.stats import summary
from shared.bus import Bus
from tests.barge_scenario import BACKCHANNEL_CLIPS, INTERRUPTION_CLIPS, speak_over_reply
from tests.e2e.conftest import DEMO_PIN, RunningStack


async def _drive(stack: RunningStack, repeats: int) -> dict[str, Any]:
    bus = Bus("demo-convonet")
    false_barge_ins, resumed, backchannel_runs = [], 0, 0
    for _ in range(repeats):
        for clip in BACKCHANNEL_CLIPS:
            out = await speak_over_reply(stack.relay_url, DEMO_PIN, bus, None, None, clip)
            backchannel_runs += 1
            resumed += "resume" in out.statuses
            if out.interrupted:
                false_barge_ins.append(clip)
    last_chunk_ms, missed = [], []
    for _ in range(repeats):
        for clip in INTERRUPTION_CLIPS:
            out = await speak_over_reply(stack.relay_url, DEMO_PIN, bus, None, None, clip)
            if out.interrupted:
                last_chunk_ms.append(out.last_chunk_after_speech_ms)
            else:
                missed.append(clip)
    return {
        "backchannel_runs": backchannel_runs,
        "false_barge_in_rate": round(len(false_barge_ins) / max(backchannel_runs, 1), 3),
        "false_barge_ins": false_barge_ins,
        "resumed": resumed,
        "interruption_runs": repeats * len(INTERRUPTION_CLIPS),
        "interruptions_missed": missed,
        "interruption_to_last_chunk_sent_ms": summary(last_chunk_ms) if last_chunk_ms else {},
    }


def run(stack: RunningStack, repeats: int = 3) -> dict[str, Any]:
    stack.use_its_emulators()
    return asyncio.run(_drive(stack, repeats))


def print_report(figures: dict[str, Any]) -> None:
    print("barge-in (espeak-ng clips over a playing reply, real relay and stt)")
    print(
        f"  false barge-in rate {figures['false_barge_in_rate']:.1%} over "
        f"{figures['backchannel_runs']} backchannels {figures['false_barge_ins'] or ''}"
    )
    timing = figures["interruption_to_last_chunk_sent_ms"]
    print(
        f"  interruption -> last chunk sent: median {timing.get('median')} ms, "
        f"p95 {timing.get('p95')} ms; missed {figures['interruptions_missed'] or 'none'}"
    )
