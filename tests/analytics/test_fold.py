"""Turns are counted once, when they close, under their local day, channel and outcome."""

from __future__ import annotations

from types import SimpleNamespace

from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from assistant.analytics.fold import Fold, latency_bucket, local_day, percentile
from assistant.analytics.outcomes import turn
from tests.analytics.events import at


def stored(sender, event):
    data = event.as_dict()
    return SimpleNamespace(
        sender_id=sender,
        type_name=event.type_name,
        timestamp=event.timestamp,
        action_name=data.get("name"),
        data=data,
    )


def conversation(sender, t, channel="zalo", outcome="answer", **tag):
    return [
        stored(sender, UserUttered("hỏi", timestamp=t, input_channel=channel)),
        stored(sender, BotUttered("đáp", metadata=turn(outcome, **tag), timestamp=t + 0.12)),
        stored(sender, BotUttered("đánh giá?", timestamp=t + 0.19)),
        stored(sender, ActionExecuted("action_listen", timestamp=t + 0.2)),
    ]


def test_a_turn_is_counted_with_its_outcome_procedure_and_latency():
    fold = Fold()
    fold.feed(conversation("a", at("2026-11-30", 9), procedure="1.1", aspect="fee"), str)
    day = local_day(at("2026-11-30", 9))
    assert fold.counts[(day, "zalo", "turns", "answer")] == 1
    assert fold.counts[(day, "zalo", "procedure", "1.1|fee")] == 1
    assert fold.counts[(day, "zalo", "messages", "")] == 1
    # From the message to the bot's last reply: 190 ms
    assert fold.counts[(day, "zalo", "latency", "200")] == 1
    assert fold.open == {}


def test_the_local_day_not_utc_decides():
    # 06:30 in Vietnam is 23:30 UTC the day before.
    assert local_day(at("2026-12-01", 6, 30)).isoformat() == "2026-12-01"


def test_an_untagged_turn_is_other_and_only_the_first_tag_counts():
    t = at("2026-11-30", 10)
    evts = [
        stored("b", UserUttered("chào", timestamp=t, input_channel="rest")),
        stored("b", BotUttered("Xin chào", timestamp=t + 0.01)),
        stored("b", ActionExecuted("action_listen", timestamp=t + 0.01)),
        stored("b", UserUttered("hồ sơ", timestamp=t + 5, input_channel="rest")),
        stored("b", BotUttered("x", metadata=turn("dossier", lookup="failed"), timestamp=t + 5.1)),
        stored("b", BotUttered("y", metadata=turn("handoff"), timestamp=t + 5.1)),
        stored("b", ActionExecuted("action_listen", timestamp=t + 5.1)),
    ]
    fold = Fold()
    fold.feed(evts, str)
    day = local_day(t)
    assert fold.counts[(day, "rest", "turns", "other")] == 1
    assert fold.counts[(day, "rest", "turns", "dossier")] == 1
    assert fold.counts[(day, "rest", "dossier", "failed")] == 1
    assert fold.counts[(day, "rest", "turns", "handoff")] == 0
    assert fold.handoffs == set()


def test_a_turn_split_across_batches_is_resumed_from_the_open_state():
    evts = conversation("c", at("2026-11-30", 11), outcome="handoff")
    first = Fold()
    first.feed(evts[:2], str)
    assert sum(first.counts[k] for k in first.counts if k[2] == "turns") == 0
    second = Fold(open=first.open)
    second.feed(evts[2:], str)
    day = local_day(at("2026-11-30", 11))
    assert second.counts[(day, "zalo", "turns", "handoff")] == 1
    assert (day, "c") in second.handoffs


def test_a_silent_turn_closes_at_the_next_message_and_stale_ones_on_demand():
    t = at("2026-11-30", 12)
    fold = Fold()
    fold.feed([stored("d", UserUttered("đang chờ cán bộ", timestamp=t, input_channel="rest"))], str)
    fold.feed(conversation("d", t + 60, channel="rest", outcome="faq"), str)
    day = local_day(t)
    assert fold.counts[(day, "rest", "turns", "other")] == 1
    assert fold.counts[(day, "rest", "turns", "faq")] == 1
    fold.feed([stored("e", UserUttered("...", timestamp=t, input_channel="rest"))], str)
    fold.close_older_than(t + 1)
    assert fold.open == {}
    assert fold.counts[(day, "rest", "turns", "other")] == 2


def test_latency_buckets_and_percentiles():
    assert latency_bucket(0) == "25"
    assert latency_bucket(101) == "150"
    assert latency_bucket(60_000) == "inf"
    buckets = {"50": 50, "100": 45, "2000": 5}
    assert percentile(buckets, 0.5) == 50
    assert percentile(buckets, 0.95) == 100
    assert percentile(buckets, 0.96) == 2000
    assert percentile({}, 0.5) is None


def test_the_warm_up_is_not_a_citizen():
    fold = Fold()
    fold.feed(conversation("__warmup__", at("2026-11-30", 9)), str)
    assert not fold.counts and not fold.open


def test_a_staff_message_or_a_pushed_notice_is_not_the_assistant_replying():
    t = at("2026-11-30", 14)
    fold = Fold()
    fold.feed(
        [
            stored("f", UserUttered("cho tôi hỏi cán bộ", timestamp=t, input_channel="zalo")),
            stored(
                "f", BotUttered("Chào anh", metadata={"staff": "lan", "desk": 3}, timestamp=t + 90)
            ),
            stored("f", BotUttered("Thông báo", metadata={"petition_notice": 7}, timestamp=t + 95)),
            stored("f", UserUttered("cảm ơn", timestamp=t + 120, input_channel="zalo")),
        ],
        str,
    )
    day = local_day(t)
    assert fold.counts[(day, "zalo", "turns", "other")] == 1
    assert not any(key[2] == "latency" for key in fold.counts)
