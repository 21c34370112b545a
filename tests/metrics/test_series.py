"""The process series: zero-valued series from the start, a timer that also times failures."""

from __future__ import annotations

import time

import pytest
from prometheus_client import REGISTRY

from assistant.metrics import series


def value(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


def test_prepare_makes_the_series_exist_at_zero_before_anything_happened():
    assert value("assistant_messages_total", channel="test-prepare") is None
    series.prepare("test-prepare", ("test_prepare_failed",))
    assert value("assistant_messages_total", channel="test-prepare") == 0
    assert value("assistant_reply_seconds_count", channel="test-prepare") == 0
    assert value("assistant_errors_total", where="test_prepare_failed") == 0


def test_counters_move_by_one_per_call():
    series.message_received("test-count")
    series.message_received("test-count")
    series.error("test_count_failed")
    assert value("assistant_messages_total", channel="test-count") == 2
    assert value("assistant_errors_total", where="test_count_failed") == 1


def test_the_reply_timer_observes_a_turn_that_raised_too():
    with pytest.raises(RuntimeError):
        with series.reply_timer("test-timer"):
            time.sleep(0.05)
            raise RuntimeError("turn failed")
    assert value("assistant_reply_seconds_count", channel="test-timer") == 1
    assert value("assistant_reply_seconds_sum", channel="test-timer") >= 0.05
    # 0.05 s lands in the 0.1 s bucket, not in the ones below it
    assert value("assistant_reply_seconds_bucket", channel="test-timer", le="0.1") == 1


def test_a_negative_duration_is_observed_as_zero():
    series.observe_reply("test-negative", -3.0)
    assert value("assistant_reply_seconds_sum", channel="test-negative") == 0
    assert value("assistant_reply_seconds_count", channel="test-negative") == 1
