"""FAQ that staff own: list, search, add, edit, (de)activate, import and export."""

from __future__ import annotations

from aiohttp import web

from assistant.db.session import session_scope
from assistant.web.admin.render import form_text, page_number, redirect, render

routes = web.RouteTableDef()
PAGE_SIZE = 50
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _lines(text: str) -> list:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _tags(text: str) -> list:
    return [tag.strip() for tag in text.split(",") if tag.strip()]


def _active_filter(value: str):
    return {"active": True, "inactive": False}.get(value)


@routes.get("/admin/faq")
async def faq_list(request: web.Request) -> web.Response:
    from assistant.faq.repository import FaqRepository

    query = request.query.get("q", "")[:200]
    status = request.query.get("status", "")
    page = page_number(request)
    with session_scope() as session:
        repo = FaqRepository(session)
        active = _active_filter(status)
        entries = repo.list(
            search=query or None, active=active, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
        total = repo.count(search=query or None, active=active)
        return render(
            request,
            "faq_list.html",
            entries=entries,
            total=total,
            q=query,
            status=status,
            page=page,
            pages=max(1, -(-total // PAGE_SIZE)),
        )


@routes.get("/admin/faq/new")
async def faq_new(request: web.Request) -> web.Response:
    return render(request, "faq_form.html", entry=None, values={}, error="")


@routes.get(r"/admin/faq/{entry_id:\d+}")
async def faq_edit(request: web.Request) -> web.Response:
    from assistant.faq.repository import FaqRepository

    with session_scope() as session:
        entry = FaqRepository(session).get(int(request.match_info["entry_id"]))
        if entry is None:
            raise web.HTTPNotFound(text="Không tìm thấy câu hỏi này.")
        values = {
            "question": entry.question,
            "paraphrases": "\n".join(entry.paraphrases or []),
            "answer": entry.answer,
            "tags": ", ".join(entry.tags or []),
            "active": entry.active,
        }
        return render(request, "faq_form.html", entry=entry, values=values, error="")


@routes.post("/admin/faq/new")
@routes.post(r"/admin/faq/{entry_id:\d+}")
async def faq_save(request: web.Request) -> web.Response:
    from assistant.faq.repository import FaqError, FaqRepository

    form = await request.post()
    values = {
        "question": form_text(form, "question", 2000),
        "paraphrases": form_text(form, "paraphrases", 60_000),
        "answer": form_text(form, "answer", 20_000),
        "tags": form_text(form, "tags", 2000),
        "active": form.get("active") == "1",
    }
    actor = request["user"]["username"]
    entry_id = request.match_info.get("entry_id")
    try:
        with session_scope() as session:
            repo = FaqRepository(session)
            fields = dict(
                question=values["question"],
                answer=values["answer"],
                paraphrases=_lines(values["paraphrases"]),
                tags=_tags(values["tags"]),
                active=values["active"],
            )
            if entry_id is None:
                entry = repo.create(actor, **fields)
            else:
                entry = repo.update(actor, int(entry_id), **fields)
            saved_id = entry.id
    except KeyError:
        raise web.HTTPNotFound(text="Không tìm thấy câu hỏi này.") from None
    except FaqError as error:
        entry = None
        if entry_id is not None:
            with session_scope() as session:
                entry = FaqRepository(session).get(int(entry_id))
        return render(
            request, "faq_form.html", http_status=400, entry=entry, values=values, error=str(error)
        )
    raise redirect(
        f"/admin/faq/{saved_id}",
        "Đã lưu. Trợ lý trả lời theo nội dung mới trong vài giây, không cần huấn luyện lại.",
    )


@routes.post(r"/admin/faq/{entry_id:\d+}/active")
async def faq_toggle(request: web.Request) -> web.Response:
    from assistant.faq.repository import FaqRepository

    form = await request.post()
    active = form.get("active") == "1"
    with session_scope() as session:
        try:
            FaqRepository(session).set_active(
                request["user"]["username"], int(request.match_info["entry_id"]), active
            )
        except KeyError:
            raise web.HTTPNotFound(text="Không tìm thấy câu hỏi này.") from None
    raise redirect("/admin/faq", "Đã bật câu hỏi." if active else "Đã tắt câu hỏi.")


@routes.post("/admin/faq/import")
async def faq_import(request: web.Request) -> web.Response:
    from assistant.faq.io import import_faq
    from assistant.faq.repository import FaqError

    form = await request.post()
    upload = form.get("file")
    if not hasattr(upload, "file"):
        return render(
            request, "faq_import.html", http_status=400, report=None, error="Chưa chọn tệp."
        )
    data = upload.file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return render(
            request, "faq_import.html", http_status=413, report=None, error="Tệp lớn hơn 5 MB."
        )
    try:
        with session_scope() as session:
            report = import_faq(session, request["user"]["username"], data, upload.filename or "")
    except FaqError as error:
        return render(request, "faq_import.html", http_status=400, report=None, error=str(error))
    return render(request, "faq_import.html", report=report, error="")


@routes.get(r"/admin/faq/export.{fmt:(csv|xlsx)}")
async def faq_export(request: web.Request) -> web.Response:
    from assistant.faq.io import export_faq

    fmt = request.match_info["fmt"]
    with session_scope() as session:
        body = export_faq(session, fmt)
    content_type = {
        "csv": "text/csv",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }[fmt]
    return web.Response(
        body=body,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="faq.{fmt}"'},
    )
