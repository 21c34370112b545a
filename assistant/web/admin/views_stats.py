"""The "Thống kê" page: the statistics report for a period and a channel, each section as an
inline SVG chart with its table, a CSV per section and the whole report as XLSX.

Editors and admins see it (every staff member is one or the other). The figures are
aggregates only: the single texts shown are the unanswered questions, masked and grouped."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Dict, Mapping, Tuple
from urllib.parse import urlencode

from aiohttp import web
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError

from assistant.analytics import charts, export
from assistant.analytics.period import QueryError, period_query
from assistant.analytics.report import build_report
from assistant.channels.names import CHANNEL_NAMES
from assistant.localtime import local_today
from assistant.web.admin.render import local_time, render

routes = web.RouteTableDef()
PRESETS = {"today": ("Hôm nay", 1), "7": ("7 ngày", 7), "30": ("30 ngày", 30)}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def period(query: Mapping[str, str]) -> Tuple[date, date, str, str]:
    """(from, to, channel, preset) from the page's query: a preset range ending today, or a
    custom ``from``/``to`` (checked like the API's). Raises QueryError."""
    # A link with dates but no preset (an IOC bookmark, the API's parameters) means them.
    preset = query.get("range") or ("custom" if query.get("from") or query.get("to") else "7")
    channel = query.get("channel", "").strip()
    if preset in PRESETS:
        if channel and channel not in CHANNEL_NAMES:
            raise QueryError("Kênh không hợp lệ.")
        end = local_today()
        return end - timedelta(days=PRESETS[preset][1] - 1), end, channel, preset
    start, end, channel = period_query(query)
    return start, end, channel, "custom"


def _query(start: date, end: date, channel: str) -> str:
    values = {"range": "custom", "from": start.isoformat(), "to": end.isoformat()}
    if channel:
        values["channel"] = channel
    return urlencode(values)


async def _report(start: date, end: date, channel: str):
    return await asyncio.to_thread(build_report, start, end, channel)


def _unavailable() -> web.HTTPServiceUnavailable:
    return web.HTTPServiceUnavailable(text="Cơ sở dữ liệu tạm thời không truy cập được.")


@routes.get("/admin/stats")
async def stats_page(request: web.Request) -> web.Response:
    try:
        start, end, channel, preset = period(request.query)
    except QueryError as error:
        end = local_today()
        return render(
            request,
            "stats.html",
            http_status=400,
            error=str(error),
            report=None,
            preset="custom",
            start=end - timedelta(days=6),
            end=end,
            channel="",
            channels=CHANNEL_NAMES,
            presets=PRESETS,
        )
    try:
        report = await _report(start, end, channel)
    except SQLAlchemyError:
        raise _unavailable() from None
    charts_by_key: Dict[str, Markup] = {
        s.key: Markup(charts.svg(s)) for s in report.sections if s.chart is not None
    }
    return render(
        request,
        "stats.html",
        error="",
        report=report,
        charts=charts_by_key,
        number=charts.format_number,
        preset=preset,
        start=start,
        end=end,
        channel=channel,
        channels=CHANNEL_NAMES,
        presets=PRESETS,
        query=_query(start, end, channel),
        generated=local_time(report.generated_at),
    )


@routes.get("/admin/stats/{key:[a-z_]+}.csv")
async def stats_csv(request: web.Request) -> web.Response:
    start, end, channel = _checked(request.query)
    try:
        report = await _report(start, end, channel)
        section = report.section(request.match_info["key"])
    except KeyError:
        raise web.HTTPNotFound(text="Không có mục thống kê này.") from None
    except SQLAlchemyError:
        raise _unavailable() from None
    return _download(
        export.section_csv(section),
        "text/csv; charset=utf-8",
        export.report_csv_name(report, section.key),
    )


@routes.get("/admin/stats.xlsx")
async def stats_xlsx(request: web.Request) -> web.Response:
    start, end, channel = _checked(request.query)
    try:
        report = await _report(start, end, channel)
    except SQLAlchemyError:
        raise _unavailable() from None
    data = await asyncio.to_thread(export.report_xlsx, report)
    return _download(data, XLSX, export.report_xlsx_name(report))


def _checked(query: Mapping[str, str]) -> Tuple[date, date, str]:
    try:
        start, end, channel, _ = period(query)
    except QueryError as error:
        raise web.HTTPBadRequest(text=str(error)) from None
    return start, end, channel


def _download(data: bytes, content_type: str, name: str) -> web.Response:
    return web.Response(
        body=data,
        headers={
            "Content-Type": content_type,
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
