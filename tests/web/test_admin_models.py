"""The staff app's model switch over real HTTP: only accepted models, unless an admin forces a
rejected one with a written reason (audited); a missing file is refused even then."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assistant.db.models import AuditEntry
from assistant.db.session import session_scope
from assistant.training.registry import ModelRegistry
from tests.web.test_admin import accounts, client, csrf_of, login  # noqa: F401 (fixtures)

REASON = "Mô hình đang chạy trả lời sai hàng loạt, tạm dùng bản này."


@pytest.fixture
def models(accounts, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setattr("assistant.training.rasa_api.load_model", lambda path: False)
    live, bad = tmp_path / "model-live.tar.gz", tmp_path / "candidate-bad.tar.gz"
    live.write_bytes(b"x")
    bad.write_bytes(b"y")
    with session_scope() as session:
        registry = ModelRegistry(session)
        live_id = registry.adopt(live).id
        bad_id = registry.register(bad, "fp", None, "rejected", "Độ chính xác giảm.", "lan").id
    return {"live": live_id, "bad": bad_id, "bad_path": bad}


def live_id() -> int:
    with session_scope() as session:
        return ModelRegistry(session).live().id


def audit_actions() -> list:
    with session_scope() as session:
        query = select(AuditEntry.action).where(AuditEntry.entity == "model")
        return list(session.scalars(query.order_by(AuditEntry.id)))


async def test_a_rejected_model_cannot_be_activated_by_a_forged_post(client, models):  # noqa: F811
    await login(client, "admin1")
    token = await csrf_of(client, "/admin/models")
    response = await client.post(
        f"/admin/models/{models['bad']}/activate", data={"csrf_token": token}
    )
    assert response.status == 409
    page = await response.text()
    assert "Không chuyển được mô hình" in page and "cổng chất lượng loại" in page
    assert live_id() == models["live"]
    assert audit_actions() == ["model.activate"]  # only the adoption


async def test_an_unknown_model_is_404(client, models):  # noqa: F811
    await login(client, "admin1")
    token = await csrf_of(client, "/admin/models")
    response = await client.post("/admin/models/999/activate", data={"csrf_token": token})
    assert response.status == 404
    assert "không có mô hình số 999" in await response.text()


async def test_admins_see_the_override_form(client, models):  # noqa: F811
    await login(client, "admin1")
    page = await (await client.get("/admin/models")).text()
    assert f'action="/admin/models/{models["bad"]}/override"' in page and 'name="reason"' in page


async def test_an_editor_neither_sees_nor_can_post_an_override(client, models):  # noqa: F811
    await login(client)
    assert "/override" not in await (await client.get("/admin/models")).text()
    token = await csrf_of(client, "/admin/models")
    response = await client.post(
        f"/admin/models/{models['bad']}/override", data={"csrf_token": token, "reason": REASON}
    )
    assert response.status == 403
    assert live_id() == models["live"]


@pytest.mark.parametrize("reason", ["", "gấp"])
async def test_an_override_without_a_real_reason_is_refused(client, models, reason):  # noqa: F811
    await login(client, "admin1")
    token = await csrf_of(client, "/admin/models")
    response = await client.post(
        f"/admin/models/{models['bad']}/override", data={"csrf_token": token, "reason": reason}
    )
    assert response.status == 400
    assert "cần ghi lý do" in await response.text()
    assert live_id() == models["live"]


async def test_an_admin_override_with_a_reason_goes_live_and_is_audited(client, models):  # noqa: F811
    await login(client, "admin1")
    token = await csrf_of(client, "/admin/models")
    response = await client.post(
        f"/admin/models/{models['bad']}/override", data={"csrf_token": token, "reason": REASON}
    )
    assert response.status == 200  # the models page after the redirect
    assert "Đã chuyển sang mô hình candidate-bad.tar.gz (dùng khẩn cấp" in await response.text()
    assert live_id() == models["bad"]
    with session_scope() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (entry.actor, entry.action) == ("admin1", "model.override")
        assert entry.after["override_reason"] == REASON


async def test_an_override_still_refuses_a_missing_file(client, models):  # noqa: F811
    models["bad_path"].unlink()
    await login(client, "admin1")
    token = await csrf_of(client, "/admin/models")
    response = await client.post(
        f"/admin/models/{models['bad']}/override", data={"csrf_token": token, "reason": REASON}
    )
    assert response.status == 409
    assert "không còn trên máy chủ" in await response.text()
    assert live_id() == models["live"]
