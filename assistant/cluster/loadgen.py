"""Many citizens at once through nginx (issue 16): the scripted conversations of the load
benchmark (benchmarks/load.py) and of its reduced test (tests/cluster/test_load.py).

Each citizen has a dossier of their own (a distinct code and phone) and asks a scripted mix:
a procedure and its follow-ups, FAQ, a look-up of their dossier with the phone's last digits
(every other citizen first types another citizen's digits), thanks. Every fourth citizen
first files a petition (a broken street light: the field, the ward, the place, no photo,
send, their name and phone), then goes on with the mix. Conversations run
concurrently with aiohttp, each one turn after the other, as a chat does; what was sent and
answered is kept per turn for the checks (assistant/cluster/loadcheck.py).
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Dict, List

from assistant.channels.rest import APOLOGY
from assistant.privacy import mask_name

PROCEDURES = [
    "đăng ký kết hôn",
    "làm hộ chiếu",
    "cấp phiếu lý lịch tư pháp",
    "đăng ký khai sinh",
    "đăng ký thường trú",
    "đăng ký tạm trú",
    "đăng ký hộ kinh doanh",
    "cấp lại bằng lái xe bị mất",
]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ"]
MIDDLE = ["Văn", "Thị", "Quốc", "Minh", "Thanh", "Ngọc", "Hữu", "Gia"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Hà", "Khoa", "Lan", "Nam", "Phúc", "Tâm", "Vy"]
STATUS_TEXT = "Đã tiếp nhận"
PETITION_EVERY = 4  # every fourth citizen files a petition
REPORT = "đèn đường trong hẻm 12 đường Mậu Thân bị hư cả tuần nay, tối đi rất nguy hiểm"
WEBHOOK = "/webhooks/rest/webhook"


@dataclass(frozen=True)
class Citizen:
    index: int
    sender: str
    code: str
    phone: str
    name: str
    address: str  # X-Forwarded-For: each citizen their own, as on the internet

    @property
    def digits(self) -> str:
        return self.phone[-4:]

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def files_petition(self) -> bool:
        return self.index % PETITION_EVERY == PETITION_EVERY - 1

    @property
    def consent(self) -> str:
        """The petition form's last answer: who they are, to be told of its progress."""
        return f"{self.name} {self.phone}"


def citizens(count: int, run: str) -> List[Citizen]:
    if not 0 < count <= 10000:
        raise ValueError("between 1 and 10000 conversations")
    day = datetime.now().strftime("%y%m%d")
    return [
        Citizen(
            index=i,
            sender=f"load-{run}-{i:04d}",
            code=f"000.30.14.H13-{day}-{i:04d}",
            phone=f"0912{i:06d}",
            name=f"{FAMILY[i % 10]} {MIDDLE[i // 10 % 8]} {GIVEN[i // 80 % 11]}",
            address=f"10.16.{i // 250}.{i % 250 + 1}",
        )
        for i in range(count)
    ]


def records(people: List[Citizen]) -> list:
    """One received dossier per citizen (DossierRepository.upsert_many takes them)."""
    from assistant.dossiers.records import DossierRecord
    from assistant.dossiers.statuses import DossierStatus

    now = datetime.now()
    return [
        DossierRecord(
            code=c.code,
            procedure_name=PROCEDURES[c.index % len(PROCEDURES)].capitalize(),
            applicant_name=c.name,
            applicant_phone=c.phone,
            received_at=now - timedelta(days=1),
            due_at=now + timedelta(days=6),
            status=DossierStatus.RECEIVED,
            status_text=STATUS_TEXT,
        )
        for c in people
    ]


def petition(citizen: Citizen) -> List[str]:
    """A petition filed from the first message to the code, as the widget's buttons send it."""
    return [REPORT, "Chiếu sáng", "phường Ninh Kiều", "hẻm 12 đường Mậu Thân, gần chợ",
            "không có ảnh", "gửi", citizen.consent, "ok, mình cảm ơn trợ lý"]  # fmt: skip


def script(citizen: Citizen, turns: int, other: Citizen) -> List[str]:
    """``turns`` messages; the look-up comes early so that a short script has it too (after
    the petition, for a citizen who files one: a short script has the petition then)."""
    first, second, third = (PROCEDURES[(citizen.index + k) % len(PROCEDURES)] for k in (0, 3, 5))
    lookup, verify = f"tra cứu hồ sơ {citizen.code}", f"số cuối là {citizen.digits}"
    if citizen.index % 2:  # another citizen's digits first: must not open this dossier
        opening = [lookup, f"số cuối là {other.digits}"]
    else:
        opening = ["mất bao lâu", "nộp ở đâu"]
    lines = [
        f"{first} cần giấy tờ gì",
        "lệ phí bao nhiêu",
        *opening,
        lookup,
        verify,
        "thứ bảy có làm việc không ạ",
        "ok, mình cảm ơn trợ lý",
        "em chào trung tâm ạ, cho em hỏi",
        f"{second} mất bao lâu",
        "vậy còn khoản lệ phí phải đóng?",
        "nộp ở chỗ nào vậy ạ",
        "đăng ký tài khoản VNeID như thế nào",
        f"quy trình {third} ra sao ạ",
        "chi phí hết bao nhiêu",
        "thế bao lâu thì lấy được",
        "định danh mức 2 làm ở đâu",
        lookup,
        verify,
        "thôi mình out đây, bye nha",
    ]
    while len(lines) < turns:
        lines += lines[8:]
    if citizen.files_petition:
        lines = petition(citizen) + lines
    return lines[:turns]


@dataclass
class Turn:
    text: str
    status: int = 0  # HTTP status; 0 when no response came
    replies: List[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str = ""
    sent: float = 0.0  # time.monotonic() when it was sent

    @property
    def apologized(self) -> bool:
        return self.replies == [APOLOGY]

    @property
    def failed(self) -> bool:
        """An error, a 5xx or silence: what a citizen must never get."""
        return bool(self.error) or self.status != 200 or not self.replies


@dataclass
class Progress:
    total: int
    done: int = 0
    failed: int = 0
    apologized: int = 0
    started: float = field(default_factory=time.monotonic)

    def line(self) -> str:
        elapsed = time.monotonic() - self.started
        return (
            f"{self.done}/{self.total} turns in {elapsed:.0f} s ({self.done / elapsed:.1f}/s), "
            f"{self.failed} failed, {self.apologized} apologies"
        )


async def converse(session, front: str, citizen: Citizen, texts: List[str], think: float,
                   progress: Progress, on_turn: Callable[[], None]) -> List[Turn]:  # fmt: skip
    import aiohttp

    turns = []
    headers = {"X-Forwarded-For": citizen.address}
    for text in texts:
        turn = Turn(text, sent=time.monotonic())
        started = time.perf_counter()
        try:
            async with session.post(
                front + WEBHOOK, json={"sender": citizen.sender, "message": text}, headers=headers
            ) as response:
                turn.status = response.status
                body = await response.json(content_type=None)
                turn.replies = [m["text"] for m in body or [] if m.get("text")]
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            turn.error = f"{type(error).__name__}: {error}"[:200]
        turn.seconds = time.perf_counter() - started
        turns.append(turn)
        progress.done += 1
        progress.failed += turn.failed
        progress.apologized += turn.apologized
        on_turn()
        if think:
            await asyncio.sleep(random.uniform(0.5, 1.5) * think)
    return turns


async def drive(front: str, people: List[Citizen], turns: int, think: float = 0.0,
                kill_after: int = 0, kill: Callable[[], object] | None = None,
                say: Callable[[str], None] = print, every: float = 10.0,
                ) -> Dict[str, List[Turn]]:  # fmt: skip
    """All conversations at once. With ``kill_after``, ``kill`` is called once when as many
    turns are done as ``kill_after`` turns of every conversation (the middle of the load)."""
    import aiohttp

    progress = Progress(len(people) * turns)
    killed = []

    def on_turn() -> None:
        if kill and kill_after and not killed and progress.done >= kill_after * len(people):
            killed.append(kill())
            say(f"killed a Rasa replica (pid {killed[0]}) after {progress.done} turns")

    async def report() -> None:
        while True:
            await asyncio.sleep(every)
            say(progress.line())

    timeout = aiohttp.ClientTimeout(total=120)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        reporter = asyncio.ensure_future(report())
        try:
            results = await asyncio.gather(
                *(
                    converse(
                        session, front, c, script(c, turns, people[(c.index + 1) % len(people)]),
                        think, progress, on_turn,
                    )
                    for c in people
                )
            )  # fmt: skip
        finally:
            reporter.cancel()
    say(progress.line())
    if kill_after and kill and not killed:
        raise RuntimeError("the load ended before the replica was killed")
    return {c.sender: result for c, result in zip(people, results)}
