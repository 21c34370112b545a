"""``assistant dossiers generate --count N``: realistic synthetic dossiers for tests and demos.

Real dossiers hold citizens' names, phone numbers and ID numbers, so nothing real may go into
the repository, a benchmark or a demo. These look like what a provincial case-handling system
(here Cần Thơ, province code H13) exports: southern Vietnamese names, mobile numbers on real
network prefixes, 12-digit citizen ID numbers, codes in the national format issued per
agency and day, due dates from the procedure's processing time in working days, a status
mix like a live system's (most returned or in progress, about a tenth overdue) and a status
history consistent with the dates.

The same ``seed`` and ``today`` give the same dossiers. The tables they are drawn from are in
:mod:`assistant.dossiers.synthetic_data`; :mod:`assistant.dossiers.export` writes them in the
export format the importer reads.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, time, timedelta
from typing import Dict, Iterator, List, Sequence, Tuple, Union

from assistant.dossiers.records import DossierRecord, HistoryEntry
from assistant.dossiers.statuses import DossierStatus
from assistant.dossiers.synthetic_data import (
    AGENCIES,
    DEFAULT_PROCEDURES,
    FAMILY_NAMES,
    GIVEN_NAMES,
    ID_PROVINCES,
    MIDDLE_NAMES,
    MOBILE_PREFIXES,
    OVERDUE_SHARE,
    SECTOR_KINDS,
    STATUS_TEXTS,
    STATUS_WEIGHTS,
)
from assistant.localtime import local_now
from assistant.text.normalize import fold

S = DossierStatus

WINDOW_DAYS = 120
ONLINE_SHARE = 0.4  # submitted online first (history starts "Chờ tiếp nhận")
ID_SHARE = 0.5
MAX_SEQUENCE = 9999

Procedure = Tuple  # (code, name, sector[, working days])


def add_working_days(start: datetime, days: int) -> datetime:
    """``start`` plus ``days`` working days (Monday–Friday; public holidays not modelled)."""
    weekday = start.weekday()
    if weekday >= 5:
        start += timedelta(days=7 - weekday)
        weekday = 0
    weeks, rest = divmod(days, 5)
    total = weeks * 7 + rest + (2 if weekday + rest >= 5 else 0)
    return start + timedelta(days=total)


def _zipf(count: int, exponent: float = 0.9) -> List[float]:
    return [1 / (rank + 1) ** exponent for rank in range(count)]


class _Generator:
    def __init__(self, rng: random.Random, procedures, now: datetime) -> None:
        self.rng = rng
        self.now = now
        if procedures is None:
            self.procedures = [p[:4] for p in DEFAULT_PROCEDURES]
            self.procedure_weights = [p[4] for p in DEFAULT_PROCEDURES]
        else:
            self.procedures = [tuple(p) + (None,) * (4 - len(p)) for p in procedures]
            if not self.procedures:
                raise ValueError("procedures is empty")
            # A few procedures make most dossiers: weight a seeded shuffle Zipf-like.
            rng.shuffle(self.procedures)
            self.procedure_weights = _zipf(len(self.procedures))
        self.by_kind: Dict[str, List[int]] = {}
        for index, (_, _, kind) in enumerate(AGENCIES):
            self.by_kind.setdefault(kind, []).append(index)
        self.statuses = list(STATUS_WEIGHTS)
        self.status_weights = list(STATUS_WEIGHTS.values())
        self.families = [name for name, _ in FAMILY_NAMES]
        self.family_weights = [weight for _, weight in FAMILY_NAMES]
        self.sequences: Dict[Tuple[int, str], int] = {}
        self.sector_kinds: Dict[str, str | None] = {}

    # --- people ----------------------------------------------------------------------

    def person(self) -> Tuple[str, str, str | None]:
        rng = self.rng
        gender = rng.choice("mf")
        parts = [rng.choices(self.families, self.family_weights)[0]]
        parts.append(rng.choice(MIDDLE_NAMES[gender]))
        if rng.random() < 0.25:  # four-part names: Nguyễn Thị Ngọc Hân
            parts.append(rng.choice(MIDDLE_NAMES[gender][3:]))
        parts.append(rng.choice(GIVEN_NAMES[gender]))
        phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**7):07d}"
        id_number = None
        if rng.random() < ID_SHARE:
            province = rng.choices(*zip(*ID_PROVINCES))[0]
            year = rng.randint(self.now.year - 75, self.now.year - 18)
            century = (0 if year < 2000 else 2) + (gender == "f")
            id_number = f"{province}{century}{year % 100:02d}{rng.randrange(10**6):06d}"
        return " ".join(parts), phone, id_number

    # --- where and when --------------------------------------------------------------

    def agency(self, sector: str) -> int:
        if sector not in self.sector_kinds:
            folded = fold(sector or "")
            self.sector_kinds[sector] = next((k for key, k in SECTOR_KINDS if key in folded), None)
        kind = self.sector_kinds[sector]
        if kind is None:
            kind = "commune" if self.rng.random() < 0.5 else "province"
        if kind == "land" and self.rng.random() < 0.6:
            kind = "commune"
        return self.rng.choice(self.by_kind[kind])

    def office_time(self, day: datetime, low: datetime | None = None) -> datetime:
        """A time in office hours on ``day`` (moved off weekends), kept in (low, now]."""
        rng = self.rng
        day = day - timedelta(days=max(0, day.weekday() - 4))  # Saturday/Sunday → Friday
        if rng.random() < 0.55:
            minutes = rng.randint(7 * 60 + 30, 11 * 60 + 30)
        else:
            minutes = rng.randint(13 * 60 + 30, 17 * 60)
        result = datetime.combine(day.date(), time()) + timedelta(
            minutes=minutes, seconds=rng.randrange(60)
        )
        if result > self.now:
            result = self.now - timedelta(minutes=rng.randint(1, 90))
        if low is not None and result <= low:
            result = low + timedelta(minutes=rng.randint(5, 120))
            result = min(result, self.now)
        return result

    def code(self, agency: int, day: datetime) -> str:
        stamp = day.strftime("%y%m%d")
        sequence = self.sequences.get((agency, stamp), 0) + 1
        if sequence > MAX_SEQUENCE:
            raise OverflowError
        self.sequences[(agency, stamp)] = sequence
        return f"{AGENCIES[agency][0]}-{stamp}-{sequence:04d}"

    def received(self, days: int, overdue: bool | None) -> datetime:
        """When the dossier was received so that its due date falls where its status needs.

        ``overdue`` True: due date already passed; False: due date still ahead; None: any
        time in the window (finished dossiers).
        """
        rng, now = self.rng, self.now
        span = days * 7 / 5  # working days as calendar days
        for _ in range(8):
            if overdue is True:
                back = rng.uniform(min(span + 1.5, WINDOW_DAYS - 1), WINDOW_DAYS)
            elif overdue is False:
                back = rng.uniform(0, span)
            else:
                back = rng.uniform(0, WINDOW_DAYS)
            at = self.office_time(now - timedelta(days=back))
            due = self.due(at, days)
            if overdue is None or (due < now) is overdue:
                return at
        if overdue:
            return self.office_time(now - timedelta(days=WINDOW_DAYS - 1))
        return self.office_time(now)

    @staticmethod
    def due(received: datetime, days: int) -> datetime:
        return datetime.combine(add_working_days(received, days).date(), time(17, 0))

    def between(self, low: datetime, high: datetime) -> datetime:
        """A time in (low, high], whole seconds."""
        if high <= low:
            return high
        seconds = (high - low).total_seconds()
        return low + timedelta(seconds=max(1, int(self.rng.uniform(0, seconds))))

    # --- one dossier -----------------------------------------------------------------

    def dossier(self) -> DossierRecord:
        rng, now = self.rng, self.now
        code_, name, sector, days = rng.choices(self.procedures, self.procedure_weights)[0]
        days = max(1, math.ceil(days)) if days else rng.randint(3, 30)
        status = rng.choices(self.statuses, self.status_weights)[0]
        overdue = rng.random() < OVERDUE_SHARE.get(status, 0.0)
        agency = self.agency(sector)
        agency_name = AGENCIES[agency][1]
        desk = f"Bộ phận Tiếp nhận và Trả kết quả - {agency_name}"
        wording = 0 if agency % 3 else 1
        applicant, phone, id_number = self.person()

        def text(s: DossierStatus) -> str:
            return STATUS_TEXTS[s][wording]

        history: List[HistoryEntry] = []
        received = due = completed = returned = None
        online = rng.random() < ONLINE_SHARE
        if status is S.WAITING:
            submitted = self.between(now - timedelta(days=2), now)
            history.append(HistoryEntry(S.WAITING, text(S.WAITING), desk, submitted))
            day = submitted
        else:
            open_ = status in (S.RECEIVED, S.PROCESSING, S.SUPPLEMENT)
            received = self.received(days, overdue if open_ or overdue else None)
            due = self.due(received, days)
            if online:
                submitted = received - timedelta(minutes=rng.randint(30, 2 * 24 * 60))
                history.append(HistoryEntry(S.WAITING, text(S.WAITING), desk, submitted))
            history.append(HistoryEntry(S.RECEIVED, text(S.RECEIVED), desk, received))
            day = received
            if status is not S.RECEIVED:
                finished = not open_
                if finished:
                    if overdue:  # late: after the due date, before now
                        completed = self.between(due, min(due + timedelta(days=10), now))
                    elif status in (S.CANCELLED, S.REJECTED):
                        completed = self.between(received, min(due, now))
                    else:
                        completed = self.between(received, min(due, now))
                end = completed or now
                processing = self.between(received, min(received + timedelta(hours=3), end))
                if processing >= end:
                    processing = received + (end - received) / 3
                processing = processing.replace(microsecond=0)
                history.append(
                    HistoryEntry(S.PROCESSING, text(S.PROCESSING), agency_name, processing)
                )
                supplement = status is S.SUPPLEMENT or (finished and rng.random() < 0.1)
                if supplement:
                    asked = self.between(processing, end - (end - processing) / 2)
                    history.append(
                        HistoryEntry(S.SUPPLEMENT, text(S.SUPPLEMENT), agency_name, asked)
                    )
                    if finished:
                        back = self.between(asked, end - (end - asked) / 3)
                        history.append(
                            HistoryEntry(S.PROCESSING, text(S.PROCESSING), agency_name, back)
                        )
                if status in (S.READY, S.RETURNED):
                    history.append(HistoryEntry(S.READY, text(S.READY), desk, completed))
                if status is S.RETURNED:
                    returned = self.between(completed, min(completed + timedelta(days=5), now))
                    history.append(HistoryEntry(S.RETURNED, text(S.RETURNED), desk, returned))
                if status in (S.CANCELLED, S.REJECTED):
                    unit = desk if status is S.CANCELLED else agency_name
                    history.append(HistoryEntry(status, text(status), unit, completed))
        try:
            code = self.code(agency, day)
        except OverflowError:
            code = self._spare_code(day)
        last = history[-1]
        return DossierRecord(
            code=code,
            external_id=f"{rng.getrandbits(96):024x}",
            procedure_name=name,
            sector=sector or "",
            applicant_name=applicant,
            applicant_phone=phone,
            applicant_id_number=id_number,
            received_at=received,
            due_at=due,
            completed_at=completed,
            returned_at=returned,
            status=status,
            status_text=last.status_text,
            handling_unit=last.handling_unit,
            history=history,
        )

    def _spare_code(self, day: datetime) -> str:
        """A free sequence number at any agency that day; past this the window is full."""
        for agency in range(len(AGENCIES)):
            try:
                return self.code(agency, day)
            except OverflowError:
                continue
        raise OverflowError(f"more than {MAX_SEQUENCE * len(AGENCIES)} dossiers on {day:%d/%m/%Y}")


def generate_dossiers(
    count: int,
    seed: int | None = None,
    procedures: Sequence[Procedure] | None = None,
    today: Union[date, datetime, None] = None,
) -> Iterator[DossierRecord]:
    """``count`` synthetic dossiers received in the 120 days up to ``today``.

    ``procedures``: (code, name, sector) or (code, name, sector, working days) tuples to draw
    from, e.g. ``CatalogRepository.catalog_procedures()``; without working days a due date
    is 3–30 working days out. Default: common procedures with their statutory times.
    ``today`` (a date means 17:00 that day) defaults to the current local time: pass it with
    ``seed`` for output that does not change from one day to the next.
    """
    rng = random.Random(seed)
    if today is None:
        now = local_now().replace(microsecond=0)
    elif isinstance(today, datetime):
        now = today.replace(microsecond=0, tzinfo=None)
    else:
        now = datetime.combine(today, time(17, 0))
    generator = _Generator(rng, procedures, now)
    for _ in range(count):
        yield generator.dossier()
