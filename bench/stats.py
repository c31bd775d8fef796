"""Percentiles and per-process peak memory, shared by the benchmarks."""

from __future__ import annotations

import statistics
from pathlib import Path


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "median": round(statistics.median(values), 1),
        "p95": round(percentile(values, 95), 1),
        "min": round(min(values), 1),
        "max": round(max(values), 1),
    }


def peak_rss_by_process(marker: str) -> dict[str, float]:
    """Peak resident memory (VmHWM, MiB) of every process whose environment holds `marker`."""
    return memory_by_process(marker, "VmHWM")


def memory_by_process(marker: str, field: str = "VmRSS") -> dict[str, float]:
    """A /proc status field in MiB (VmRSS: now; VmHWM: the peak) per process whose environment
    holds `marker` (a stack's state dir), the largest per label."""
    found: dict[str, float] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if marker.encode() not in (proc / "environ").read_bytes():
                continue
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            status = (proc / "status").read_text()
        except OSError:
            continue
        kib = next((line.split()[1] for line in status.splitlines() if line.startswith(field)), "0")
        name = _label(cmd)
        found[name] = max(found.get(name, 0.0), round(int(kib) / 1024, 1))
    return dict(sorted(found.items()))


def _label(cmd: str) -> str:
    if "local.http_function" in cmd:
        return "fn " + cmd.split("local.http_function", 1)[1].split()[0]
    if "local.function_worker" in cmd:
        return "fn " + cmd.split("local.function_worker", 1)[1].split()[0]
    for key, label in (
        ("pubsub", "pubsub-emulator"),
        ("firestore", "firestore-emulator"),
        ("gcp-storage-emulator", "storage-emulator"),
        ("local.function_worker agent_turn", "fn agent_turn"),
        ("local.function_worker monitor", "fn monitor"),
        ("websocket_relay.main", "relay"),
        ("local.hosting_server", "hosting"),
        ("local.stack", "stack supervisor"),
        ("postgres", "postgres"),
    ):
        if key in cmd:
            return label
    return cmd[:40]
