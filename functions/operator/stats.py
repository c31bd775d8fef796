"""``/agent-monitor/api/stats`` and ``/tool-execution/api/stats``: sums of the hourly counters
of ``monitor_stats`` over a window (never a scan of the turns)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from functions.operator.windows import Window, iso
from shared.monitoring.histogram import quantile_of, summed_buckets
from shared.monitoring.layout import hour_start

STATUSES = ("answered", "failed", "timed_out", "cancelled")
OUTCOMES = ("ok", "failed", "timeout")
StatsDoc = Mapping[str, Any]


def _counts(docs: Sequence[StatsDoc], *path: str) -> dict[str, int]:
    total: Counter[str] = Counter()
    for doc in docs:
        node: Any = doc
        for key in path:
            node = node.get(key, {}) if isinstance(node, Mapping) else {}
        for name, n in node.items():
            total[name] += int(n)
    return dict(sorted(total.items()))


def _number(docs: Sequence[StatsDoc], *path: str) -> float:
    total = 0.0
    for doc in docs:
        node: Any = doc
        for key in path:
            node = node.get(key, 0) if isinstance(node, Mapping) else 0
        total += float(node or 0)
    return total


def _stages(docs: Sequence[StatsDoc]) -> list[str]:
    return sorted({stage for doc in docs for stage in (doc.get("latency") or {})})


def _latency(docs: Sequence[StatsDoc], stage: str, with_mean: bool = True) -> dict[str, Any]:
    totals = summed_buckets(docs, stage)
    out: dict[str, Any] = {"p50_ms": quantile_of(totals, 0.5), "p95_ms": quantile_of(totals, 0.95)}
    if with_mean:
        count = int(_number(docs, "latency", stage, "count"))
        mean = _number(docs, "latency", stage, "sum_ms") / count if count else None
        out = {"count": count, "mean_ms": round(mean, 2) if mean is not None else None, **out}
    return out


def agent_stats(window: Window, docs: Sequence[StatsDoc]) -> dict[str, Any]:
    total = int(_number(docs, "turns", "total"))
    status = {s: 0 for s in STATUSES} | _counts(docs, "turns", "status")
    tools = tool_totals(docs)
    return {
        "window": window.described(),
        "turns": {
            "total": total,
            "status": status,
            "success_rate": round(status["answered"] / total, 4) if total else None,
            "by_provider": _counts(docs, "turns", "provider"),
            "by_domain": _counts(docs, "turns", "domain"),
            "by_channel": _counts(docs, "turns", "channel"),
        },
        "tool_calls": {"total": tools["total"], **{o: tools[o] for o in OUTCOMES}},
        "fallbacks": _counts(docs, "fallbacks"),
        "latency": {stage: _latency(docs, stage) for stage in _stages(docs)},
        "series": [_hour(doc) for doc in docs],
    }


def _hour(doc: StatsDoc) -> dict[str, Any]:
    return {
        "hour": iso(hour_start(str(doc["bucket"])).timestamp()),
        "turns": int(_number([doc], "turns", "total")),
        "latency": {stage: _latency([doc], stage, with_mean=False) for stage in _stages([doc])},
    }


def tool_totals(docs: Sequence[StatsDoc]) -> dict[str, int]:
    by_outcome: Counter[str] = Counter()
    for per_tool in _tools(docs).values():
        by_outcome.update(per_tool)
    return {"total": sum(by_outcome.values()), **{o: by_outcome[o] for o in OUTCOMES}}


def _tools(docs: Sequence[StatsDoc]) -> dict[str, Counter[str]]:
    tools: dict[str, Counter[str]] = {}
    for doc in docs:
        for name, outcomes in ((doc.get("tool_calls") or {}).get("tool") or {}).items():
            tools.setdefault(name, Counter()).update(
                {o: int(n) for o, n in outcomes.items() if o in OUTCOMES}
            )
    return tools


def tool_stats(window: Window, docs: Sequence[StatsDoc]) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    for name, outcomes in _tools(docs).items():
        total = sum(outcomes.values())
        rows.append(
            {
                "name": name,
                "total": total,
                **{o: outcomes[o] for o in OUTCOMES},
                "success_rate": round(outcomes["ok"] / total, 4) if total else None,
            }
        )
    rows.sort(key=lambda row: (-int(row["total"] or 0), str(row["name"])))
    return {"window": window.described(), **tool_totals(docs), "tools": rows}
