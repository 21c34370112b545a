"""``assistant dossiers import PATH``: load a case-handling system's export into the database.

Formats, told apart by content rather than by file name:

- JSON as provincial systems export it: an array of dossiers, an object holding the array
  under ``content``, ``data`` or ``items`` (an API page), or JSON Lines;
- CSV with the same column names (UTF-8 with or without BOM; a file with no UTF-8 in it at
  all is read as Windows-1258, the legacy Vietnamese code page).

Fields: ``dossierNo`` (the code, required), ``dossierId``, ``procedureName``, ``sectorName``,
``dossierStatusName``, ``acceptedDate``, ``appointmentDate``, ``completedDate``,
``returnedDate``, ``lastModifiedDate``, ``applicantName``, ``applicantPhone``,
``applicantIdNumber``, ``agencyName``; ``overDueByUser`` is read by nobody, overdue is
derived from the dates. An optional ``history`` list of ``{dossierStatusName, agencyName,
date}`` (what :mod:`assistant.dossiers.generate` writes) fills the status history; without it
the history starts with the current status at ``lastModifiedDate``.

Dates may be ISO 8601 (with or without time and zone), ``dd/MM/yyyy``, ``dd/MM/yyyy
HH:mm[:ss]`` or epoch milliseconds. They are stored as naive local time (Asia/Ho_Chi_Minh,
UTC+7): zoned and epoch values are converted, zone-less ones are taken as already local. A
date that cannot be read becomes None and is counted as a warning; it never rejects a row.

Upserts by code in batches (one commit each), so importing twice changes nothing and an
interrupted import can simply be run again. A row without a valid code, with a broken JSON
line or with the wrong type in a text field is reported with its row number and skipped.
Dossiers are linked to catalog procedures of exactly the same (folded) name on the way in.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import re
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import IO, Callable, Iterator, List, Mapping, Tuple, Union

from assistant.db.batches import store_batch
from assistant.db.session import session_scope
from assistant.dossiers.records import (
    DossierRecord,
    HistoryEntry,
    is_mobile,
    is_valid_code,
    normalize_code,
)
from assistant.dossiers.repository import DossierRepository, procedure_name_key
from assistant.dossiers.statuses import DossierStatus, parse_status
from assistant.localtime import LOCAL, LOCAL_OFFSET

BATCH = 1000
CHUNK = 1 << 20  # characters read at a time from a JSON array
MAX_ITEM = 16 << 20  # a single dossier bigger than this is treated as broken JSON
WRAPPER_KEYS = ("content", "data", "items")
FIELDS = (
    "dossierNo",
    "dossierId",
    "procedureName",
    "sectorName",
    "dossierStatusName",
    "acceptedDate",
    "appointmentDate",
    "lastModifiedDate",
    "overDueByUser",
    "applicantName",
    "applicantPhone",
    "applicantIdNumber",
    "completedDate",
    "returnedDate",
    "agencyName",
)

Row = Tuple[int, Union[Mapping, Exception]]  # (row number, the raw row or why it is unreadable)


@dataclass
class DossierImportReport:
    path: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    linked: int = 0  # imported dossiers whose procedure name matched a catalog procedure
    errors: List[Tuple[object, str]] = field(default_factory=list)  # (row, why skipped)
    warnings: Counter = field(default_factory=Counter)  # what was read as empty, by kind
    encoding: str = ""
    seconds: float = 0.0

    @property
    def imported(self) -> int:
        return self.created + self.updated

    @property
    def rate(self) -> float:
        """Rows read per second."""
        return self.rows / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        lines = [
            f"{self.path}: {self.imported} dossiers ({self.created} new, {self.updated} updated),"
            f" {len(self.errors)} skipped, {self.seconds:.1f} s ({self.rate:,.0f} rows/s),"
            f" {self.linked} linked to catalog procedures"
        ]
        if self.encoding and self.encoding not in ("utf-8", "utf-8-sig"):
            lines.append(f"read as {self.encoding}")
        for kind, count in self.warnings.most_common():
            lines.append(f"  warning: {kind} × {count}")
        lines += [f"  row {row}: {reason}" for row, reason in self.errors[:20]]
        if len(self.errors) > 20:
            lines.append(f"  … and {len(self.errors) - 20} more")
        return "\n".join(lines)


# --- reading files ------------------------------------------------------------------------


class UnreadableFile(ValueError):
    """The file (or the rest of it) cannot be read: encoding, no list of dossiers."""


def _open_binary(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def _first_char(path: Path) -> str:
    with _open_binary(path) as handle:
        head = handle.read(4096)
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8) :]
    stripped = head.lstrip()
    return chr(stripped[0]) if stripped else ""


def read_rows(path: Union[str, Path], encoding_out: List[str] | None = None) -> Iterator[Row]:
    """Raw rows of any supported format, each with its row number, or the reason it is bad.

    Row numbers are line numbers for JSON Lines and CSV (the header is line 1) and 1-based
    positions for a JSON array. Raises :class:`UnreadableFile` before yielding anything
    when the file as a whole cannot be read.
    """
    path = Path(path)
    first = _first_char(path)
    if first == "[":
        yield from _read_array(path)
    elif first == "{":
        yield from _read_json_object_or_lines(path)
    elif first == "":
        return
    else:
        yield from _read_csv(path, encoding_out)


def _read_json_object_or_lines(path: Path) -> Iterator[Row]:
    with _open_binary(path) as handle:
        first_line = handle.readline().decode("utf-8-sig", errors="replace")
        second = handle.readline().strip()
    try:
        head = json.loads(first_line)
    except ValueError:
        head = None  # a pretty-printed object: an API page
    wrapped = isinstance(head, dict) and any(
        isinstance(head.get(k), (list, dict)) for k in WRAPPER_KEYS
    )
    # One object per line, the first possibly broken; a pretty-printed page opens with "{".
    one_per_line = head is not None or (
        first_line.rstrip().endswith("}") and second.startswith(b"{")
    )
    if one_per_line and not wrapped and (not second or second.startswith(b"{")):
        yield from _read_lines(path)
        return
    try:
        with _open_binary(path) as handle:
            document = json.loads(handle.read().decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise UnreadableFile(f"not UTF-8 (byte offset {error.start})") from None
    except ValueError as error:
        raise UnreadableFile(f"broken JSON: {error}") from None
    items = _unwrap(document)
    if items is None:
        raise UnreadableFile(f"no list of dossiers under {', '.join(WRAPPER_KEYS)}")
    yield from enumerate(items, start=1)


def _unwrap(document) -> list | None:
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for key in WRAPPER_KEYS:
            if key in document:
                found = _unwrap(document[key])
                if found is not None:
                    return found
    return None


def _read_lines(path: Path) -> Iterator[Row]:
    with _open_binary(path) as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            if not raw.strip():
                continue
            try:
                yield number, json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as error:
                yield number, ValueError(f"not UTF-8 (byte {error.start} of the line)")
            except ValueError as error:
                yield number, ValueError(f"broken JSON: {error}")


_WS = re.compile(r"[\s,]*")
_SPACE = re.compile(r"\s*")
# Where the next element starts after a broken one, when elements do not start lines.
_ANY_ELEMENT = re.compile(r"\}\s*,\s*(?=\{)")


def _read_array(path: Path) -> Iterator[Row]:
    """Elements of a top-level JSON array, streamed: a million dossiers never sit in memory."""
    decoder = json.JSONDecoder()
    with _open_binary(path) as raw:
        handle = io.TextIOWrapper(raw, encoding="utf-8-sig")
        buffer, eof, position, index = "", False, 0, 0

        def more() -> bool:
            nonlocal buffer, position, eof
            if eof:
                return False
            try:
                chunk = handle.read(CHUNK)
            except UnicodeDecodeError as error:
                raise UnreadableFile(f"not UTF-8 after element {index}: {error.reason}") from None
            eof = not chunk
            # Keep the current line's indentation: it tells where elements start.
            start = buffer.rfind("\n", max(0, position - 256), position)
            start = position if start < 0 else start
            buffer, position = buffer[start:] + chunk, position - start
            return bool(chunk)

        more()
        position = buffer.index("[") + 1
        while True:
            position = _WS.match(buffer, position).end()
            if position >= len(buffer):
                if more():
                    continue
                yield index + 1, ValueError("the array is not closed: file cut short?")
                return
            if buffer[position] == "]":
                after = position + 1
                while True:  # only white space may follow the closing bracket
                    after = _SPACE.match(buffer, after).end()
                    if after < len(buffer):
                        break
                    position = after
                    if not more():
                        return
                    after = 0
                yield index + 1, ValueError("data after the array's end (lost track?); skipped")
                return
            try:
                value, end = decoder.raw_decode(buffer, position)
            except json.JSONDecodeError as error:
                # Cut by the chunk boundary: the error sits at the very end (a literal, number
                # or escape cut short) or is a string left open.
                cut_short = error.pos >= len(buffer) - 64 or error.msg.startswith("Unterminated")
                if cut_short and len(buffer) - position < MAX_ITEM and more():
                    continue
                index += 1
                yield index, ValueError(f"broken JSON: {error.msg}")
                # Exports put each element on its own line(s): the next one opens a line
                # indented like this one did. Failing that, any "}, {" (maybe nested).
                line = buffer[buffer.rfind("\n", 0, position) + 1 : position]
                patterns = [_ANY_ELEMENT]
                if "\n" in buffer[:position] and not line.strip():
                    head = r"\}[ \t]*,?[ \t]*\r?\n" + re.escape(line) + r"(?:,[ \t]*)?(?=\{)"
                    patterns.insert(0, re.compile(head))
                offset = max(error.pos - position, 1)  # survives more() moving the buffer
                found = None
                for pattern in patterns:
                    while True:
                        found = pattern.search(buffer, position + offset)
                        if found or len(buffer) - position >= MAX_ITEM or not more():
                            break
                    if found:
                        break
                if not found:
                    yield index + 1, ValueError("cannot find the next element; rest skipped")
                    return
                position = found.end()
                continue
            index += 1
            position = end
            yield index, value


_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _detect_encoding(path: Path) -> str:
    """utf-8-sig when the file is valid UTF-8 (with or without BOM), else maybe windows-1258.

    Windows-1258 only when the file does not look like UTF-8 at all (fewer well-formed UTF-8
    sequences than bad bytes; Vietnamese UTF-8 is full of them): a UTF-8 file with a few
    corrupt bytes must be reported, not silently turned into mojibake.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with _open_binary(path) as handle:
        head = handle.read(2)
        if head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return "utf-16"
        handle.seek(0)
        try:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                decoder.decode(chunk)
                offset += len(chunk)
            decoder.decode(b"", final=True)
            return "utf-8-sig"
        except UnicodeDecodeError as error:
            bad = offset + error.start
        handle.seek(0)
        well_formed = malformed = 0
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            well_formed += len(_UTF8_SEQUENCE.findall(chunk))
            malformed += chunk.decode("utf-8", errors="replace").count("\ufffd")
    if well_formed >= malformed:
        raise UnreadableFile(f"not valid UTF-8 (byte offset {bad}): re-export the file as UTF-8")
    try:
        with _open_binary(path) as handle:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                chunk.decode("cp1258")
    except UnicodeDecodeError as error:
        raise UnreadableFile(
            f"neither UTF-8 nor Windows-1258 (byte 0x{error.object[error.start]:02x}):"
            " re-export the file as UTF-8"
        ) from None
    return "cp1258"


def _read_csv(path: Path, encoding_out: List[str] | None) -> Iterator[Row]:
    encoding = _detect_encoding(path)
    if encoding_out is not None:
        encoding_out.append(encoding)
    canonical = {name.lower(): name for name in FIELDS}
    with _open_binary(path) as raw:
        handle = io.TextIOWrapper(raw, encoding=encoding, newline="")
        header_line = handle.readline()
        delimiter = max(",;\t", key=header_line.count)
        reader = csv.reader(
            _chain_first(header_line, handle), delimiter=delimiter, skipinitialspace=False
        )
        header = next(reader, None)
        if not header:
            return
        names = [canonical.get(h.strip().lstrip("\ufeff").lower(), h.strip()) for h in header]
        if "dossierNo" not in names:
            raise UnreadableFile("no dossierNo column in the CSV header")
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield reader.line_num, ValueError(f"unreadable CSV: {error}")
                continue
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(names):
                yield (
                    reader.line_num,
                    ValueError(
                        f"{len(cells)} cells for {len(names)} columns (unquoted delimiter?)"
                    ),
                )
                continue
            yield reader.line_num, {n: c for n, c in zip(names, cells) if c != ""}


def _chain_first(first: str, rest: IO[str]) -> Iterator[str]:
    yield first
    yield from rest


# --- turning rows into records ------------------------------------------------------------

_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?"
)
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_TIME_FIRST = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?[ ,]+(\d{1,2})/(\d{1,2})/(\d{4})")
_DIGITS = re.compile(r"-?\d{9,14}")
_MIN_YEAR, _MAX_YEAR = 1990, 2100


def _from_epoch(number: float) -> datetime:
    seconds = number / 1000 if abs(number) >= 1e11 else number
    try:
        return datetime.fromtimestamp(seconds, LOCAL).replace(tzinfo=None)
    except (OverflowError, OSError) as error:
        raise ValueError(f"epoch {number} out of range") from error


def parse_datetime(value: object) -> datetime | None:
    """Naive local time from any supported date spelling; None when empty or unreadable.

    Raises ValueError for a non-empty value it cannot read, so the caller can count it.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("a boolean is not a date")
    if isinstance(value, (int, float)):
        result = _from_epoch(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        result = _parse_text(text)
    else:
        raise ValueError(f"a {type(value).__name__} is not a date")
    if not _MIN_YEAR <= result.year <= _MAX_YEAR:
        raise ValueError(f"year {result.year} out of range")
    return result


def _parse_text(text: str) -> datetime:
    try:  # the C parser takes most ISO spellings, and is several times faster than the regex
        result = datetime.fromisoformat(text)
    except ValueError:
        pass
    else:
        offset = result.utcoffset()
        if offset is not None:  # to UTC, then to Viet Nam's UTC+7
            result = result.replace(tzinfo=None) - offset + LOCAL_OFFSET
        return result
    match = _ISO.fullmatch(text)
    if match:
        year, month, day, hour, minute, second, fraction, zone = match.groups()
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        result = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0))
        result = result.replace(second=int(second or 0), microsecond=micro)
        if zone:
            result = result - _offset(zone) + LOCAL_OFFSET
        return result
    match = _DMY.fullmatch(text)
    if match:
        day, month, year, hour, minute, second = match.groups()
        return datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
        )
    match = _TIME_FIRST.fullmatch(text)
    if match:
        hour, minute, second, day, month, year = match.groups()
        return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
    if _DIGITS.fullmatch(text):
        return _from_epoch(int(text))
    raise ValueError(f"unreadable date {text[:40]!r}")


def _offset(zone: str) -> timedelta:
    if zone == "Z":
        return timedelta(0)
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return sign * timedelta(hours=hours, minutes=minutes)


@lru_cache(maxsize=4096)
def _status(text: str) -> DossierStatus:
    """parse_status, remembered: a file has a handful of distinct status names."""
    return parse_status(text)


def _nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _text(raw: Mapping, key: str) -> str:
    """A text field, NFC and trimmed; numbers become text; anything else is a wrong type."""
    value = raw.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return _nfc(value.strip())
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    raise ValueError(f"{key}: expected text, got {type(value).__name__}")


def _date(raw: Mapping, key: str, warnings: Counter) -> datetime | None:
    try:
        return parse_datetime(raw.get(key))
    except ValueError:
        warnings[f"{key}: unreadable date"] += 1
        return None


def to_record(raw: object, warnings: Counter) -> DossierRecord:
    """One source row as a record; ValueError (with the reason) when the row must be skipped."""
    if not isinstance(raw, dict):
        raise ValueError(f"expected an object, got {type(raw).__name__}")
    code = raw.get("dossierNo")
    if code is None or (isinstance(code, str) and not code.strip()):
        raise ValueError("no dossierNo")
    if not isinstance(code, str):
        raise ValueError(f"dossierNo: expected text, got {type(code).__name__}")
    code = normalize_code(code)
    if not is_valid_code(code):
        raise ValueError(f"invalid dossier code {code[:80]!r}")
    status_text = _text(raw, "dossierStatusName")
    unit = _text(raw, "agencyName")
    record = DossierRecord(
        code=code,
        external_id=_text(raw, "dossierId") or None,
        procedure_name=_text(raw, "procedureName"),
        sector=_text(raw, "sectorName"),
        applicant_name=_text(raw, "applicantName"),
        applicant_phone=_text(raw, "applicantPhone"),
        applicant_id_number=_text(raw, "applicantIdNumber").replace(" ", "").upper() or None,
        received_at=_date(raw, "acceptedDate", warnings),
        due_at=_date(raw, "appointmentDate", warnings),
        completed_at=_date(raw, "completedDate", warnings),
        returned_at=_date(raw, "returnedDate", warnings),
        status=_status(status_text),
        status_text=status_text,
        handling_unit=unit,
    )
    if record.applicant_phone and not (
        is_mobile(record.applicant_phone)
        or (record.applicant_phone.startswith("02") and len(record.applicant_phone) == 11)
    ):
        warnings["applicantPhone: not a Vietnamese phone number"] += 1
    if status_text and record.status is DossierStatus.UNKNOWN:
        warnings["dossierStatusName: unknown status, kept as text"] += 1
    history = raw.get("history")
    if isinstance(history, list) and history:
        record.history = _history(history, warnings)
    else:
        modified = _date(raw, "lastModifiedDate", warnings)
        if modified is not None:
            record.history = [HistoryEntry(record.status, status_text, unit, modified)]
    return record


def _history(entries: list, warnings: Counter) -> List[HistoryEntry]:
    history = []
    for entry in entries:
        try:
            if not isinstance(entry, dict):
                raise ValueError("not an object")
            at = parse_datetime(entry.get("date"))
            if at is None:
                raise ValueError("no date")
            text = _text(entry, "dossierStatusName")
            history.append(HistoryEntry(_status(text), text, _text(entry, "agencyName"), at))
        except ValueError:
            warnings["history: unreadable entry skipped"] += 1
    return history


# --- importing ----------------------------------------------------------------------------


def import_dossiers(
    path: Union[str, Path],
    database_url: str | None = None,
    progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH,
) -> DossierImportReport:
    """Import one export file; never raises for bad content, see the report's errors.

    ``progress`` is called with the number of rows read since its last call, once a batch.
    """
    report = DossierImportReport(path=str(path))
    started = time.perf_counter()
    with session_scope(database_url) as session:
        procedure_codes = DossierRepository(session).procedure_codes()
    batch: List[Tuple[int, DossierRecord]] = []
    unreported = 0

    def store(items: List[Tuple[int, DossierRecord]]) -> None:
        with session_scope(database_url) as session:
            created, updated = DossierRepository(session).upsert_many(
                [record for _, record in items], procedure_codes
            )
        report.created += created  # counted only once committed
        report.updated += updated
        report.linked += sum(
            procedure_name_key(record.procedure_name) in procedure_codes for _, record in items
        )

    def flush() -> None:
        nonlocal unreported
        if batch:
            store_batch(batch, store, lambda item: item[0], report.errors)
        batch.clear()
        if progress and unreported:
            progress(unreported)
        unreported = 0

    encoding: List[str] = []
    try:
        for row, raw in read_rows(path, encoding):
            report.rows += 1
            unreported += 1
            if isinstance(raw, Exception):
                report.errors.append((row, str(raw) or type(raw).__name__))
                continue
            try:
                batch.append((row, to_record(raw, report.warnings)))
            except ValueError as error:
                report.errors.append((row, str(error)))
                continue
            if len(batch) >= batch_size:
                flush()
    except UnreadableFile as error:
        report.errors.append((0, f"file not imported: {error}"))
    except OSError as error:
        report.errors.append((0, f"cannot read the file: {error}"))
    flush()
    report.encoding = encoding[0] if encoding else "utf-8"
    report.seconds = time.perf_counter() - started
    return report


def count_rows(path: Union[str, Path]) -> int | None:
    """Lines in the file: a progress-bar total (exact for JSON Lines and one-per-line arrays)."""
    try:
        with _open_binary(Path(path)) as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(CHUNK), b""))
    except OSError:
        return None
