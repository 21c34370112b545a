"""Masking citizens' personal data in answers, logs and the conversation store.

Phone numbers, ID numbers and other long digit runs are masked; dossier codes, dates and
amounts are not personal and stay readable. Names a citizen types are masked by their shape
(``assistant.text.names``: "Nguyễn Văn An", "tên tran thi b"); names the assistant shows
are shown only as "Nguyễn V*** A".
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from assistant.text.names import mask_names
from assistant.text.normalize import PROTECTED_RE, nfc

MASK = "***"
# A bare run of 4+ digits is a phone tail, a verification answer or an ID number.
_DIGITS_RE = re.compile(r"\d[\d .-]{2,}\d")


def mask_name(name: str) -> str:
    """'Nguyễn Văn An' → 'Nguyễn V*** A': the family name, then initials."""
    words = nfc(name or "").split()
    if not words:
        return ""
    if len(words) == 1:
        return words[0][0] + MASK
    middle = [w[0] + MASK for w in words[1:-1]]
    return " ".join([words[0], *middle, words[-1][0]])


def _mask_digits(text: str) -> str:
    return _DIGITS_RE.sub(
        lambda m: MASK if sum(c.isdigit() for c in m.group(0)) >= 4 else m.group(0), text
    )


def mask_personal_numbers(text: str) -> str:
    """Mask phones, ID numbers and other runs of four or more digits in free text."""
    if not text:
        return text
    out, cursor = [], 0
    for match in PROTECTED_RE.finditer(text):
        out.append(_mask_digits(text[cursor : match.start()]))
        kind, piece = match.lastgroup, match.group(0)
        if kind in ("phone", "email") or (
            kind in ("number", "quantity") and sum(c.isdigit() for c in piece) >= 4
        ):
            piece = MASK
        out.append(piece)
        cursor = match.end()
    out.append(_mask_digits(text[cursor:]))
    return "".join(out)


@lru_cache(maxsize=20_000)
def mask_personal_data(text: str) -> str:
    """:func:`mask_personal_numbers`, and personal names masked as well (``***``).

    Cached: the tracker store masks every message of a conversation at each of its saves."""
    if not text:
        return text
    return mask_names(mask_personal_numbers(text), MASK)


# Rasa 3.6 logs structured events as JSON with non-ASCII letters escaped ("\\u0111" is "đ"):
# masked as they are, their hex digits read as numbers and the Vietnamese text is mangled.
_ESCAPE_RE = re.compile(r"\\u([0-9a-fA-F]{4})")


def _unescape(match: re.Match) -> str:
    code = int(match.group(1), 16)
    # Only letters beyond ASCII, never surrogates: the line stays valid JSON.
    return chr(code) if code >= 0x80 and not 0xD800 <= code <= 0xDFFF else match.group(0)


def mask_log_text(text: str) -> str:
    """:func:`mask_personal_data` for a log line, JSON escapes of letters read as letters."""
    if "\\u" in text:
        text = _ESCAPE_RE.sub(_unescape, text)
    return mask_names(mask_personal_numbers(text), MASK)


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """The record with personal numbers masked in its message, traceback and stack."""
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a broken record is still logged, as is
        return record
    masked = mask_log_text(message)
    if masked != message:
        record.msg, record.args = masked, None
    if record.exc_info and not record.exc_text:
        # Formatters reuse exc_text when it is set: an exception's text (a SQL error with
        # its parameters, say) is masked once here rather than printed raw later.
        record.exc_text = mask_log_text(_FORMATTER.formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = mask_log_text(record.stack_info)
    return record


_FORMATTER = logging.Formatter()


class PersonalDataFilter(logging.Filter):
    """A logging filter that masks personal numbers in every record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


def install_log_masking() -> None:
    """Mask personal numbers in everything this process logs (idempotent).

    Done where records are made (``logging.setLogRecordFactory``), not with a filter on the
    handlers: Rasa, Sanic and rasa-sdk configure logging after our modules are imported,
    add their own handlers, and child loggers with handlers of their own never pass the
    root's filters. Every record of every logger is made by the factory, whenever and
    wherever it is handled. Only enabled records are made, so the cost is paid for what is
    actually logged.
    """
    previous = logging.getLogRecordFactory()
    if getattr(previous, "masks_personal_data", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        return mask_record(previous(*args, **kwargs))

    factory.masks_personal_data = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


# Secrets that travel in query strings: Messenger's webhook handshake (hub.verify_token) and
# Rasa's HTTP API (?token=…, also sent by the staff app). Sanic's access log prints the whole URL.
_QUERY_SECRET_RE = re.compile(
    r"([?&](?:hub\.verify_token|hub%2Everify_token|verify_token|access_token|token)=)[^&#\s]*",
    re.IGNORECASE,
)


def redact_query_secrets(url: str) -> str:
    """The URL with the values of secret query parameters replaced by ``***``."""
    return _QUERY_SECRET_RE.sub(lambda m: m.group(1) + MASK, url)


class AccessLogFilter(logging.Filter):
    """Redacts secret query parameters in Sanic's access log (its ``request`` field)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if isinstance(request, str):
            record.request = redact_query_secrets(request)
        return True


def install_access_log_redaction() -> None:
    """Redact secrets in the access log of the Sanic server in this process (idempotent)."""
    access = logging.getLogger("sanic.access")
    if not any(isinstance(f, AccessLogFilter) for f in access.filters):
        access.addFilter(AccessLogFilter())
