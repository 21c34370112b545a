"""Reading a case-handling system's export: raw rows with their row numbers.

Formats, told apart by content rather than by file name (gzip-compressed or not):

- JSON as provincial systems export it: an array of dossiers (read in chunks, so a file of
  any size, and a broken element is skipped), an object holding the array under
  ``content``, ``data`` or ``items`` (an API page), or JSON Lines;
- CSV with the same column names, matched case-insensitively (UTF-8 with or without BOM; a
  file with no UTF-8 in it at all is read as Windows-1258, the legacy Vietnamese code page).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import re
from pathlib import Path
from typing import IO, Iterator, List, Mapping, Tuple, Union

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


def count_rows(path: Union[str, Path]) -> int | None:
    """Lines in the file: a progress-bar total (exact for JSON Lines and one-per-line arrays)."""
    try:
        with _open_binary(Path(path)) as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(CHUNK), b""))
    except OSError:
        return None
