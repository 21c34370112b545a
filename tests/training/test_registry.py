"""The model registry: adopt at start-up, activate, roll back, audit, files kept and pruned."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from assistant.db.models import AuditEntry, ModelVersion
from assistant.db.session import session_scope
from assistant.training.registry import (
    ModelFileMissing,
    ModelNotAccepted,
    ModelRegistry,
    OverrideReasonTooShort,
)


def model_file(directory: Path, name: str) -> Path:
    path = directory / f"{name}.tar.gz"
    path.write_bytes(b"not really a model")
    return path


def audit_rows(url: str):
    with session_scope(url) as session:
        return [
            (a.actor, a.action, a.entity, a.entity_id, a.before, a.after)
            for a in session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


def test_adopt_registers_the_start_up_model_once(database_url, tmp_path):
    first = model_file(tmp_path, "model-0123456789abcdef")
    other = model_file(tmp_path, "model-fedcba9876543210")
    with session_scope() as session:
        registry = ModelRegistry(session)
        assert registry.live() is None
        adopted = registry.adopt(first)
        assert adopted.status == "live" and adopted.fingerprint == "0123456789abcdef"
        assert adopted.path == str(first.resolve()) and adopted.activated_at is not None
    with session_scope() as session:
        # A second start with another build: the registered live model wins.
        assert ModelRegistry(session).adopt(other).name == first.name
        assert len(ModelRegistry(session).history()) == 1
    assert audit_rows(database_url) == [
        ("system", "model.activate", "model", str(adopted.id), None,
         {"name": first.name, "status": "live"}),
    ]  # fmt: skip


def test_adopt_replaces_a_live_model_whose_file_is_gone(database_url, tmp_path):
    gone = model_file(tmp_path, "model-aaaa")
    with session_scope() as session:
        ModelRegistry(session).adopt(gone)
    gone.unlink()
    fresh = model_file(tmp_path, "model-bbbb")
    with session_scope() as session:
        registry = ModelRegistry(session)
        assert registry.adopt(fresh).name == fresh.name
        assert {v.name: v.status for v in registry.history()} == {
            gone.name: "archived",
            fresh.name: "live",
        }


def test_activate_archives_the_previous_live_and_rollback_brings_it_back(database_url, tmp_path):
    old = model_file(tmp_path, "model-old")
    new = model_file(tmp_path, "candidate-20261128-100000")
    scores = {"heldout": {"as_written": {"n": 1, "correct": 1, "accuracy": 1.0}}}
    with session_scope() as session:
        registry = ModelRegistry(session)
        old_id = registry.adopt(old).id
        new_version = registry.register(new, "fp", scores, "live", "tốt hơn", "lan")
        new_id = new_version.id
        assert new_version.scores == scores and new_version.created_by == "lan"
    with session_scope() as session:
        registry = ModelRegistry(session)
        assert registry.live().id == new_id
        assert registry.get(old_id).status == "archived"
        # Rollback: the archived model is made live again.
        registry.activate("hoa", old_id)
    with session_scope() as session:
        registry = ModelRegistry(session)
        assert registry.live().id == old_id
        assert registry.get(new_id).status == "archived"
        live_count = session.scalars(
            select(ModelVersion).where(ModelVersion.status == "live")
        ).all()
        assert len(live_count) == 1
    rows = audit_rows(database_url)
    assert [(r[0], r[1], r[3]) for r in rows] == [
        ("system", "model.activate", str(old_id)),
        ("lan", "model.activate", str(new_id)),
        ("hoa", "model.activate", str(old_id)),
    ]
    assert rows[2][4] == {"name": new.name, "status": "live"}
    assert rows[2][5] == {"name": old.name, "status": "live"}


def test_activating_the_live_model_again_changes_nothing(database_url, tmp_path):
    with session_scope() as session:
        version_id = ModelRegistry(session).adopt(model_file(tmp_path, "model-x")).id
    with session_scope() as session:
        ModelRegistry(session).activate("lan", version_id)
    assert len(audit_rows(database_url)) == 1


def test_a_model_whose_file_is_missing_is_refused(database_url, tmp_path):
    live = model_file(tmp_path, "model-live")
    gone = model_file(tmp_path, "candidate-gone")
    with session_scope() as session:
        registry = ModelRegistry(session)
        registry.adopt(live)
        gone_id = registry.register(gone, "", None, "archived", "", "lan").id
    gone.unlink()
    with session_scope() as session:
        with pytest.raises(ModelFileMissing, match="không còn"):
            ModelRegistry(session).activate("lan", gone_id)
        with pytest.raises(KeyError):
            ModelRegistry(session).activate("lan", 999)
    with session_scope() as session:
        assert ModelRegistry(session).live().name == live.name
    assert len(audit_rows(database_url)) == 1


def test_rejected_candidates_are_pruned_but_accepted_and_live_files_kept(database_url, tmp_path):
    live = model_file(tmp_path, "model-live")
    accepted = [model_file(tmp_path, f"candidate-accepted-{i}") for i in range(5)]
    rejected = [model_file(tmp_path, f"candidate-rejected-{i}") for i in range(5)]
    with session_scope() as session:
        registry = ModelRegistry(session)
        registry.adopt(live)
        for path in accepted:
            registry.register(path, "", None, "archived", "", "lan")
        for path in rejected:
            registry.register(path, "", None, "rejected", "kém hơn", "lan")
        # The live model is protected even though it is the oldest; so are the newest 3
        # accepted ones.
        protected = registry.protected_paths()
        assert live.resolve() in protected
        assert {p.name for p in protected} >= {p.name for p in accepted[-3:]}
        assert accepted[0].resolve() not in protected
    with session_scope() as session:
        deleted = ModelRegistry(session).prune_rejected(keep=3)
    assert sorted(p.name for p in deleted) == sorted(p.name for p in rejected[:2])
    assert all(p.exists() for p in rejected[2:] + accepted + [live])
    with session_scope() as session:
        # The rows (scores and reasons) stay for the history.
        assert len(ModelRegistry(session).history()) == 11


def test_register_refuses_an_unknown_status(database_url, tmp_path):
    with session_scope() as session:
        with pytest.raises(ValueError):
            ModelRegistry(session).register(model_file(tmp_path, "m"), "", None, "great", "", "")


def _live_and_rejected(tmp_path):
    live, bad = model_file(tmp_path, "model-live"), model_file(tmp_path, "candidate-bad")
    with session_scope() as session:
        registry = ModelRegistry(session)
        registry.adopt(live)
        bad_id = registry.register(bad, "", None, "rejected", "kém hơn", "lan").id
    return live, bad, bad_id


@pytest.mark.parametrize("status", ["rejected", "failed"])
def test_a_model_the_gate_did_not_accept_is_refused(database_url, tmp_path, status):
    live, _, bad_id = _live_and_rejected(tmp_path)
    with session_scope() as session:
        session.get(ModelVersion, bad_id).status = status
    with session_scope() as session:
        with pytest.raises(ModelNotAccepted, match="khẩn cấp"):
            ModelRegistry(session).activate("lan", bad_id)
    with session_scope() as session:
        assert ModelRegistry(session).live().name == live.name
        assert session.get(ModelVersion, bad_id).status == status
    assert len(audit_rows(database_url)) == 1  # only the adoption


@pytest.mark.parametrize("reason", ["", "   ", "gấp quá"])
def test_an_override_needs_a_written_reason(database_url, tmp_path, reason):
    live, _, bad_id = _live_and_rejected(tmp_path)
    with session_scope() as session:
        with pytest.raises(OverrideReasonTooShort, match="lý do"):
            ModelRegistry(session).activate("an", bad_id, override_reason=reason)
    with session_scope() as session:
        assert ModelRegistry(session).live().name == live.name


def test_an_override_with_a_reason_goes_live_and_is_audited(database_url, tmp_path):
    live, bad, bad_id = _live_and_rejected(tmp_path)
    reason = "Mô hình đang chạy trả lời sai hàng loạt, tạm dùng bản này."
    with session_scope() as session:
        ModelRegistry(session).activate("an", bad_id, override_reason=f"  {reason} ")
    with session_scope() as session:
        assert ModelRegistry(session).live().name == bad.name
    actor, action, entity, entity_id, before, after = audit_rows(database_url)[-1]
    assert (actor, action, entity, entity_id) == ("an", "model.override", "model", str(bad_id))
    assert before == {"name": live.name, "status": "live"}
    assert after == {
        "name": bad.name, "status": "live", "previous_status": "rejected", "override_reason": reason
    }  # fmt: skip


def test_an_override_still_refuses_a_missing_file(database_url, tmp_path):
    live, bad, bad_id = _live_and_rejected(tmp_path)
    bad.unlink()
    with session_scope() as session:
        with pytest.raises(ModelFileMissing):
            ModelRegistry(session).activate("an", bad_id, "Cần gấp vì mô hình đang chạy hỏng.")
    with session_scope() as session:
        assert ModelRegistry(session).live().name == live.name
