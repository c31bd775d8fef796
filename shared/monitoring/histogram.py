"""The fixed-bucket latency histogram of ``monitor_stats``: the monitor counts each stage's
durations into these buckets; the operator API sums hours and reads percentiles from them.

Bucket ``bNN`` counts durations up to ``LATENCY_BOUNDS_MS[NN]`` (and above the previous bound);
the last bucket counts the rest. The bounds are the same for every hour, so the percentiles of
several hours come from summing their buckets. Changing the bounds would break that sum: add a
new field instead.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from typing import Any

# A 1-1.5-2-3-5-7 series per decade from 1 ms to 70 s: about 20% resolution around any value,
# which p50/p95 of stage latencies need; 31 counters per stage keep the document small.
LATENCY_BOUNDS_MS: tuple[float, ...] = tuple(
    step * 10**decade for decade in range(5) for step in (1, 1.5, 2, 3, 5, 7)
)
OVERFLOW_BUCKET = len(LATENCY_BOUNDS_MS)


def bucket_index(ms: float) -> int:
    return bisect_left(LATENCY_BOUNDS_MS, ms)


def bucket_name(ms: float) -> str:
    return f"b{bucket_index(ms):02d}"


def summed_buckets(stats_docs: Iterable[Mapping[str, Any]], stage: str) -> list[int]:
    """``stage``'s bucket counts over the given hours' documents, index by index."""
    totals = [0] * (OVERFLOW_BUCKET + 1)
    for doc in stats_docs:
        buckets = (doc.get("latency") or {}).get(stage, {}).get("buckets", {})
        for name, n in buckets.items():
            totals[int(name[1:])] += int(n)
    return totals


def quantile_of(totals: list[int], q: float) -> float | None:
    """The ``q``-quantile (0 < q <= 1) of a histogram: the upper bound of the bucket where it
    falls (None: no samples; inf: beyond the last bound)."""
    count = sum(totals)
    if not count:
        return None
    running = 0
    for index, n in enumerate(totals):
        running += n
        if running >= q * count:
            return LATENCY_BOUNDS_MS[index] if index < OVERFLOW_BUCKET else float("inf")
    return float("inf")


def percentile(stats_docs: Iterable[Mapping[str, Any]], stage: str, q: float) -> float | None:
    """The ``q``-quantile of ``stage``'s durations over the given hours."""
    return quantile_of(summed_buckets(stats_docs, stage), q)
