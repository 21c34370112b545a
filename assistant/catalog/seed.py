"""The project's own seed catalog format (``data/catalog/seed.yml``) → records."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, List, Tuple, Union

import yaml

from assistant.catalog.records import Channel, Document, LegalBasis, ProcedureRecord
from assistant.catalog.textparse import parse_fee_amount, parse_processing_time


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def _texts(value: Any) -> List[str]:
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    return [_text(v) for v in value or [] if _text(v)]


def _int(value: Any) -> int:
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0


def parse_seed_entry(item: dict) -> ProcedureRecord:
    if not isinstance(item, dict) or not _text(item.get("code")) or not _text(item.get("name")):
        raise ValueError("a seed procedure needs at least 'code' and 'name'")
    channels = []
    for c in item.get("channels") or []:
        time_text, fee_text = _text(c.get("processing_time")), _text(c.get("fee"))
        value, unit = parse_processing_time(time_text)
        channels.append(
            Channel(
                channel=_text(c.get("channel")),
                processing_time_text=time_text,
                processing_time_value=value,
                processing_time_unit=unit,
                fee_text=fee_text,
                fee_amount=parse_fee_amount(fee_text),
                description=_text(c.get("description")),
            )
        )
    return ProcedureRecord(
        code=_text(item["code"]),
        name=_text(item["name"]),
        aliases=_texts(item.get("aliases")),
        field=_text(item.get("field")),
        level=_text(item.get("level")),
        agencies=_texts(item.get("agencies")),
        reception_address=_text(item.get("reception_address")),
        steps=_texts(item.get("steps")),
        channels=channels,
        documents=[
            Document(
                name=_text(d.get("name")),
                originals=_int(d.get("originals")),
                copies=_int(d.get("copies")),
                form_template=_text(d.get("form")),
                group=_text(d.get("group")),
            )
            for d in item.get("documents") or []
            if isinstance(d, dict) and _text(d.get("name"))
        ],
        conditions=_text(item.get("conditions")),
        legal_basis=[
            LegalBasis(_text(b.get("title")), _text(b.get("number")))
            for b in item.get("legal_basis") or []
            if isinstance(b, dict)
        ],
        result=_text(item.get("result")),
        source_url=_text(item.get("source_url")),
        source="seed",
    )


def iter_seed(path: Union[str, Path]) -> Iterator[Tuple[int, Union[ProcedureRecord, Exception]]]:
    """(position, record or the error that made the entry unusable), never raising per entry."""
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    for position, item in enumerate(data.get("procedures") or [], start=1):
        try:
            yield position, parse_seed_entry(item)
        except Exception as error:  # noqa: BLE001 - reported by the importer, not fatal
            yield position, error
