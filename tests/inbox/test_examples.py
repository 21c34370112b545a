"""Training examples staff teach: checks, masking, switching off, audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assistant.db.models import AuditEntry
from assistant.db.session import session_scope
from assistant.inbox.examples import InboxError, TrainingExampleRepository, trainable_intents


def test_trainable_intents_come_from_the_domain():
    intents = trainable_intents()
    assert {"ask_fee", "greet", "out_of_scope", "check_dossier_status"} <= set(intents)
    assert not {"faq", "nlu_fallback", "choose_procedure", "provide_verification"} & set(intents)


def test_training_examples_can_be_switched_off_before_a_retrain(database_url):
    with session_scope() as s:
        repo = TrainingExampleRepository(s)
        good = repo.add("lan", "ask_fee", "  phí làm   hộ chiếu  ")
        bad = repo.add("lan", "ask_fee", "gọi cho tôi 0912345678")
        with pytest.raises(InboxError):
            repo.add("lan", "faq", "giờ làm việc")
        with pytest.raises(InboxError):
            repo.add("lan", "ask_fee", "   ")
        assert good.text == "phí làm hộ chiếu" and good.source == "staff"
        assert "0912345678" not in bad.text
        bad_id = bad.id
    with session_scope() as s:
        repo = TrainingExampleRepository(s)
        repo.set_active("minh", bad_id, False)
        assert [e.text for e in repo.list()] == ["phí làm hộ chiếu"]
        assert repo.count() == 1 and repo.count(active=False) == 1 and repo.count(None) == 2
        assert len(repo.list(active=None)) == 2
        with pytest.raises(InboxError):
            repo.set_active("minh", 9999, False)
    with session_scope() as s:
        TrainingExampleRepository(s).set_active("minh", bad_id, True)
        actions = [
            (e.action, e.entity, e.entity_id, e.actor)
            for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]
    assert actions[-2:] == [
        ("example.deactivate", "example", str(bad_id), "minh"),
        ("example.activate", "example", str(bad_id), "minh"),
    ]
