"""Plain records shared by the importers, the repository and the answer formatter.

Both input formats (the national portal export and the project's seed YAML) are turned into
these before anything touches the database, so the database code knows one shape only.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as _field  # a record has a `field` (lĩnh vực) attribute
from typing import List


@dataclass
class Channel:
    """One way of submitting a dossier (Trực tiếp / Trực tuyến / Dịch vụ bưu chính)."""

    channel: str
    processing_time_text: str = ""
    processing_time_value: float | None = None  # parsed number, e.g. 3.0
    processing_time_unit: str | None = None  # "ngày làm việc", "ngày", "giờ", "tháng"…
    fee_text: str = ""
    fee_amount: int | None = None  # VND; 0 means free; None means not parseable
    description: str = ""


@dataclass
class Document:
    name: str
    originals: int = 0
    copies: int = 0
    form_template: str = ""
    group: str = ""  # e.g. "Giấy tờ phải nộp", "Giấy tờ phải xuất trình"


@dataclass
class LegalBasis:
    title: str
    number: str = ""


@dataclass
class ProcedureRecord:
    code: str
    name: str
    aliases: List[str] = _field(default_factory=list)
    field: str = ""
    level: str = ""
    agencies: List[str] = _field(default_factory=list)
    reception_address: str = ""
    steps: List[str] = _field(default_factory=list)
    channels: List[Channel] = _field(default_factory=list)
    documents: List[Document] = _field(default_factory=list)
    conditions: str = ""
    legal_basis: List[LegalBasis] = _field(default_factory=list)
    result: str = ""
    source_url: str = ""
    source: str = "national"  # "national" | "seed" | "staff"
