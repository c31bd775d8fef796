"""The latency histogram's fixed buckets, and percentiles summed over hours."""

from __future__ import annotations

import pytest

from functions.monitor.aggregates import stage_key
from shared.monitoring.histogram import LATENCY_BOUNDS_MS, bucket_index, percentile
from shared.monitoring.layout import bucket_of

pytestmark = pytest.mark.unit


def test_bounds_rise_and_bucket_a_duration_under_its_bound() -> None:
    assert list(LATENCY_BOUNDS_MS) == sorted(LATENCY_BOUNDS_MS)
    assert LATENCY_BOUNDS_MS[bucket_index(120)] == 150
    assert LATENCY_BOUNDS_MS[bucket_index(150)] == 150
    assert bucket_index(10**6) == len(LATENCY_BOUNDS_MS)


def test_percentiles_sum_the_buckets_of_several_hours() -> None:
    b100, b1000 = f"b{bucket_index(100):02d}", f"b{bucket_index(1000):02d}"
    hours = [
        {"latency": {"agent": {"buckets": {b100: 90}}}},
        {"latency": {"agent": {"buckets": {b100: 4, b1000: 6}}}},
    ]
    assert percentile(hours, "agent", 0.5) == 100
    assert percentile(hours, "agent", 0.95) == 1000
    assert percentile(hours, "stt", 0.5) is None


def test_hour_buckets_are_utc_and_numbered_stages_share_one_histogram() -> None:
    assert bucket_of(0) == "1970010100"
    assert stage_key("tts_sentence_3") == "tts_sentence"
    assert stage_key("tool:add_todo") == "tool_add_todo"
