"""Retraining behind a gate, model history and rollback; training examples staff added."""

from __future__ import annotations

import asyncio

from aiohttp import web

from assistant.db.session import session_scope
from assistant.training.rasa_api import NOT_LOADED_YET
from assistant.web.admin.render import form_text, redirect, render
from assistant.web.admin.security import require_admin

routes = web.RouteTableDef()


def _run_json(run) -> dict | None:
    if run is None:
        return None
    return {
        "id": run.id,
        "status": run.status,
        "stage": run.stage,
        "progress": round(run.progress or 0.0, 3),
        "reason": run.reason,
        "finished": run.finished_at is not None,
    }


@routes.get("/admin/models")
async def models(request: web.Request) -> web.Response:
    return _page(request)


def _page(request: web.Request, http_status: int = 200) -> web.Response:
    from assistant.inbox.examples import TrainingExampleRepository
    from assistant.training.registry import ModelRegistry
    from assistant.training.runner import mark_interrupted, runs

    with session_scope() as session:
        mark_interrupted(session)
        registry = ModelRegistry(session)
        examples = TrainingExampleRepository(session)
        return render(
            request,
            "models.html",
            http_status,
            live=registry.live(),
            history=registry.history(limit=30),
            runs=runs(session, limit=10),
            examples=examples.list(active=True, limit=500),
            examples_count=examples.count(active=True),
        )


@routes.post("/admin/models/train")
async def train(request: web.Request) -> web.Response:
    from assistant.training.runner import TrainingBusy, start_training

    try:
        run_id = start_training(request["user"]["username"])
    except TrainingBusy:
        raise redirect("/admin/models", "Đang có một lần huấn luyện chạy, vui lòng chờ.") from None
    raise redirect(
        "/admin/models",
        f"Đã bắt đầu huấn luyện lại (lần #{run_id}). Mô hình đang chạy vẫn trả lời công dân.",
    )


@routes.post(r"/admin/models/{version_id:\d+}/activate")
async def activate(request: web.Request) -> web.Response:
    require_admin(request)
    return await _switch(request, None)


@routes.post(r"/admin/models/{version_id:\d+}/override")
async def override(request: web.Request) -> web.Response:
    """The emergency use of a model the gate did not accept: admins only, with a reason that
    the audit log keeps."""
    require_admin(request)
    form = await request.post()
    return await _switch(request, form_text(form, "reason", limit=1000))


async def _switch(request: web.Request, override_reason: str | None) -> web.Response:
    """Refusals answer the models page with the reason (404 unknown, 409 not allowed). The
    replicas load the model one after the other in a thread: the portal keeps serving."""
    from assistant.training.registry import ModelRefused, OverrideReasonTooShort
    from assistant.training.runner import rollback

    try:
        version, loaded = await asyncio.to_thread(
            rollback,
            request["user"]["username"],
            int(request.match_info["version_id"]),
            override_reason,
        )
    except KeyError as error:
        request["flash"] = f"Không chuyển được mô hình: {error.args[0]}."
        return _page(request, 404)
    except ModelRefused as error:
        request["flash"] = f"Không chuyển được mô hình: {error.args[0]}."
        return _page(request, 400 if isinstance(error, OverrideReasonTooShort) else 409)
    note = "" if loaded else NOT_LOADED_YET
    forced = " (dùng khẩn cấp, đã ghi nhật ký)" if override_reason is not None else ""
    raise redirect("/admin/models", f"Đã chuyển sang mô hình {version.name}{forced}.{note}")


@routes.post(r"/admin/examples/{example_id:\d+}/active")
async def example_toggle(request: web.Request) -> web.Response:
    from assistant.inbox.examples import TrainingExampleRepository

    form = await request.post()
    with session_scope() as session:
        try:
            TrainingExampleRepository(session).set_active(
                request["user"]["username"],
                int(request.match_info["example_id"]),
                form.get("active") == "1",
            )
        except KeyError:
            raise web.HTTPNotFound(text="Không tìm thấy câu ví dụ này.") from None
    raise redirect("/admin/models", "Đã cập nhật dữ liệu huấn luyện.")


@routes.get("/admin/api/training")
async def training_status(request: web.Request) -> web.Response:
    from assistant.training.registry import ModelRegistry
    from assistant.training.runner import latest_run, mark_interrupted

    with session_scope() as session:
        mark_interrupted(session)
        live = ModelRegistry(session).live()
        return web.json_response(
            {
                "run": _run_json(latest_run(session)),
                "live": {"id": live.id, "name": live.name} if live else None,
            }
        )
