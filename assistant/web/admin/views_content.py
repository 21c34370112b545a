"""Procedure aliases and the inbox: questions the assistant could not answer, and answers
citizens rated 👎."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from assistant.db.session import session_scope
from assistant.feedback.service import REASONS as FEEDBACK_REASONS
from assistant.web.admin.render import form_text, redirect, render

routes = web.RouteTableDef()


def _procedure_hits(query: str) -> list:
    from assistant.catalog.repository import CatalogRepository
    from assistant.catalog.service import get_service

    if not query.strip():
        return []
    hits = get_service().index().search(query[:300], limit=10)
    with session_scope() as session:
        repo = CatalogRepository(session)
        found = []
        for hit in hits:
            record = repo.get(hit.code)
            aliases = list(record.aliases) if record else []
            found.append(
                {"code": hit.code, "name": hit.name, "level": hit.level, "aliases": aliases}
            )
    return found


@routes.get("/admin/aliases")
async def aliases(request: web.Request) -> web.Response:
    query = request.query.get("q", "")[:300]
    return render(request, "aliases.html", q=query, hits=_procedure_hits(query), error="")


@routes.post("/admin/aliases")
async def add_alias(request: web.Request) -> web.Response:
    from assistant.catalog.repository import CatalogRepository

    form = await request.post()
    code = form_text(form, "code", 64).strip()
    alias = " ".join(form_text(form, "alias", 300).split())
    query = form_text(form, "q", 300)
    added, error = None, "Tên gọi cần ít nhất 2 ký tự."
    if len(alias) >= 2:
        error = "Không có thủ tục mang mã này."
        with session_scope() as session:
            try:
                repo = CatalogRepository(session)
                added = repo.add_alias(code, alias, actor=request["user"]["username"])
            except KeyError:
                pass
    if added is None:
        hits = _procedure_hits(query)
        return render(request, "aliases.html", http_status=400, q=query, hits=hits, error=error)
    message = (
        f"Đã thêm tên gọi “{alias}”: trợ lý nhận ra ngay, không cần huấn luyện lại."
        if added
        else f"Tên gọi “{alias}” đã có."
    )
    raise redirect(f"/admin/aliases?q={quote(alias, safe='')}", message)


@routes.get("/admin/inbox")
async def inbox(request: web.Request) -> web.Response:
    from assistant.inbox.repository import InboxRepository, trainable_intents

    status = request.query.get("status", "open")
    if status not in ("open", "paraphrase", "faq", "alias", "noise"):
        status = "open"
    with session_scope() as session:
        repo = InboxRepository(session)
        groups = repo.groups(status=status, limit=100)
        total = repo.count(status)
    suggestions = _suggestions(groups) if status == "open" else {}
    return render(
        request,
        "inbox.html",
        groups=groups,
        status=status,
        total=total,
        intents=trainable_intents(),
        suggestions=suggestions,
        answered=_answered(groups),
        reasons=FEEDBACK_REASONS,
    )


def _answered(groups) -> dict:
    """For the 👎 groups: each answer label's text and where staff fix it."""
    from assistant.answering.replies import ASPECT_LABELS
    from assistant.catalog.service import get_service
    from assistant.faq.repository import FaqRepository

    labels = {label for group in groups for label in group.answered}
    shown = {}
    with session_scope() as session:
        faq = FaqRepository(session)
        for label in labels:
            if label.startswith("faq:"):
                entry = faq.by_key(label[4:])
                link = f"/admin/faq/{entry.id}" if entry is not None else "/admin/faq"
                question = entry.question if entry is not None else label[4:]
                shown[label] = (f"câu hỏi thường gặp “{question}”", link)
                continue
            code, _, aspect = label.partition("/")
            try:
                record = get_service().get(code)
            except Exception:  # noqa: BLE001 - no catalog: the code is enough
                record = None
            name = record.name if record is not None else code
            what = ASPECT_LABELS.get(aspect, aspect).capitalize()
            shown[label] = (f"{what} của thủ tục “{name}” ({code})", "")
    return shown


def _suggestions(groups) -> dict:
    """Procedures a group's question may name, for the "alias" decision."""
    from assistant.catalog.service import get_service

    try:
        index = get_service().index()
    except Exception:  # noqa: BLE001 - no catalog yet: staff type the code
        return {}
    return {
        i: [(hit.code, hit.name) for hit in index.search(group.text[:300], limit=5)]
        for i, group in enumerate(groups[:50])
    }


@routes.post("/admin/inbox/resolve")
async def resolve(request: web.Request) -> web.Response:
    from assistant.faq.repository import FaqError
    from assistant.inbox.repository import InboxError, InboxRepository

    form = await request.post()
    try:
        ids = [int(x) for x in form_text(form, "ids", 20_000).split(",") if x.strip()][:2000]
    except ValueError:
        ids = []
    decision = form_text(form, "decision", 32)
    try:
        with session_scope() as session:
            InboxRepository(session).resolve(
                request["user"]["username"],
                ids,
                decision,
                intent=form_text(form, "intent", 64) or None,
                answer=form_text(form, "answer", 4000).strip() or None,
                question=form_text(form, "question", 500).strip() or None,
                code=form_text(form, "code", 64).strip() or None,
                alias=form_text(form, "alias", 300).strip() or None,
            )
    except (InboxError, FaqError) as error:
        raise redirect("/admin/inbox", f"Chưa lưu được: {error}") from None
    labels = {
        "paraphrase": "Đã thêm vào dữ liệu huấn luyện (có hiệu lực sau lần huấn luyện lại tới).",
        "faq": "Đã tạo câu hỏi thường gặp mới: trợ lý trả lời ngay.",
        "alias": "Đã thêm tên gọi cho thủ tục: trợ lý nhận ra ngay.",
        "noise": "Đã bỏ qua.",
    }
    raise redirect("/admin/inbox", labels.get(decision, "Đã lưu."))
