"""The load benchmark's checks catch what they are for: a lost, duplicated or misplaced turn,
a reply that differs from the tracker, another citizen's dossier (no servers needed)."""

from __future__ import annotations

import pytest

from assistant.channels.rest import APOLOGY
from assistant.cluster.loadcheck import check, compare, exchanges, ownership, petition_problems
from assistant.cluster.loadgen import PETITION_EVERY, Turn, citizens, petition

PEOPLE = citizens(2, "t")
ME, OTHER = PEOPLE
OPENED = f"Hồ sơ {ME.code} của {ME.masked_name}: Đã tiếp nhận"


def turn(text, *replies, status=200):
    return Turn(text, status=status, replies=list(replies))


def events(*pairs):
    """Tracker events for (user text, [bot texts]) pairs, with the noise Rasa adds."""
    found = [{"event": "action", "name": "action_session_start"}]
    for text, bots in pairs:
        found.append({"event": "user", "text": text})
        found += [{"event": "bot", "text": b} for b in bots]
        found.append({"event": "bot", "text": None, "data": {"custom": {}}})
        found.append({"event": "action", "name": "action_listen"})
    return found


TURNS = [turn("lệ phí bao nhiêu", "50.000 đồng"), turn("số cuối là 1234", "Cảm ơn", "Xong")]
STORED = [("lệ phí bao nhiêu", ["50.000 đồng"]), ("số cuối là ***", ["Cảm ơn", "Xong"])]


def test_the_tracker_is_read_as_user_texts_and_the_bot_texts_after_them():
    assert exchanges(events(*STORED)) == STORED


@pytest.mark.parametrize(
    "stored, problems",
    [
        (STORED, []),
        (STORED[:1], ["turn 2 ('số cuối là 1234') not in the tracker in its place"]),
        (STORED[::-1], ["turn 1 ('lệ phí bao nhiêu') not in the tracker in its place",
                        "an extra user event in the tracker: 'lệ phí bao nhiêu'"]),
        ([*STORED, STORED[1]], ["an extra user event in the tracker: 'số cuối là ***'"]),
        ([STORED[0], ("số cuối là ***", ["Cảm ơn"])],
         ["turn 2: the tracker's bot texts differ from the reply"]),
        ([STORED[0], ("số cuối là ***", ["Cảm ơn", "Xong", "Xong"])],
         ["turn 2: the tracker's bot texts differ from the reply"]),
    ],
)  # fmt: skip
def test_lost_duplicated_misplaced_or_different_turns_are_problems(stored, problems):
    assert compare(TURNS, stored) == problems


def test_the_bot_texts_are_compared_as_the_tracker_store_masks_them():
    turns = [turn("gặp ai", "Anh/Chị gọi 1022 gặp Trần Văn Bình")]
    assert compare(turns, [("gặp ai", ["Anh/Chị gọi *** gặp ***"])]) == []
    assert compare(turns, [("gặp ai", ["Anh/Chị gọi 1022 gặp Trần Văn Bình"])]) == [
        "turn 1: the tracker's bot texts differ from the reply"
    ]


def test_an_apologized_turn_may_be_missing_or_present():
    turns = [TURNS[0], turn("mất bao lâu", APOLOGY), TURNS[1]]
    assert compare(turns, STORED) == []
    assert compare(turns, [STORED[0], ("mất bao lâu", ["15 ngày"]), STORED[1]]) == []


def test_a_dossier_opened_by_its_own_digits_only():
    lookup = turn(f"tra cứu hồ sơ {ME.code}", "Anh/Chị vui lòng nhập 4 số cuối")
    right = turn(f"số cuối là {ME.digits}", OPENED)
    wrong = turn(f"số cuối là {OTHER.digits}", "Tôi chưa xác minh được hồ sơ")
    codes = {ME.code, OTHER.code}
    assert ownership(ME, [lookup, wrong, lookup, right], "", codes) == []
    assert ownership(ME, [lookup, turn(right.text, "Tôi chưa xác minh")], "", codes) == [
        "the right digits did not open the dossier: 'Tôi chưa xác minh'"
    ]
    assert len(ownership(ME, [lookup, turn(wrong.text, OPENED)], "", codes)) == 1
    assert ownership(ME, [lookup, right], f'{{"text": "{OTHER.code}"}}', codes) == [
        "another citizen's dossier code appears in the conversation"
    ]


def test_the_verdict_counts_failures_and_apologies_by_mode():
    results = {
        ME.sender: [TURNS[0], turn("x", APOLOGY)],
        OTHER.sender: [turn("y", status=502), turn("z")],  # a 5xx, then silence
    }
    stored = {ME.sender: events(STORED[0])}
    strict = check(PEOPLE, results, stored)
    assert not strict["passed"] and strict["failed_turns"] == 2 and strict["apologies"] == 1
    assert strict["checks"]["no apology"]["problems"] == 1
    killed_at = results[ME.sender][1].sent + 0.5  # the apologised turn was in flight
    alone = check([ME], {ME.sender: results[ME.sender]}, stored, killed_at)
    assert alone["passed"] and "no apology" not in alone["checks"]
    assert alone["apologies"] == 1 and alone["apologies_after_kill"] == 0


def test_after_a_kill_an_apology_for_a_turn_sent_once_the_replica_was_gone_fails():
    before, after = turn("x", APOLOGY), turn("y", APOLOGY)
    before.sent, after.sent = 100.0, 103.0
    verdict = check([ME], {ME.sender: [TURNS[0], before, after]}, {ME.sender: events(STORED[0])},
                    killed_at=101.0)  # fmt: skip
    assert not verdict["passed"] and verdict["apologies_after_kill"] == 1
    assert verdict["checks"]["no apology for a turn sent after the killed replica was gone"][
        "examples"
    ] == [f"{ME.sender} turn 3, 2.0 s after the replica was gone"]


FILER = citizens(PETITION_EVERY, "t")[-1]
FILED = (
    "Tôi đã gửi phản ánh của Anh/Chị. Mã phản ánh: PA-2026-000007. … Anh/Chị tra cứu bằng cách "
    "nhắn “phản ánh PA-2026-000007 tới đâu rồi”"
)  # the code twice, as the assistant says it


def form(*, told: str = FILED, apology_at: int | None = None) -> list:
    """The petition script's turns, answered; the consent's reply is ``told``."""
    texts = petition(FILER)[:-1]
    turns = [turn(text, "Sự việc thuộc lĩnh vực nào ạ?") for text in texts]
    turns[-1] = turn(texts[-1], told)
    if apology_at is not None:
        turns[apology_at] = turn(texts[apology_at], APOLOGY)
    return turns


def row(code="PA-2026-000007", name=FILER.name, phone=FILER.phone) -> dict:
    return {"code": code, "reporter_name": name, "phone": phone}


@pytest.mark.parametrize(
    "turns, filed, problems",
    [
        (form(), [row()], []),
        (form(), [], ["told ['PA-2026-000007'], filed []",
                      "told PA-2026-000007, which is not this conversation's petition"]),
        (form(told="Xin lỗi, chưa gửi được"), [row()], ["told [], filed ['PA-2026-000007']"]),
        (form(), [row(), row("PA-2026-000008")],
         ["2 petitions filed: ['PA-2026-000007', 'PA-2026-000008']",
          "told ['PA-2026-000007'], filed ['PA-2026-000007', 'PA-2026-000008']"]),
        (form(), [row(phone="0912999999")],
         ["petition PA-2026-000007 holds someone else's name or phone"]),
        (form(), [row("PA-2026-000009")],
         ["told PA-2026-000007, which is not this conversation's petition"]),
        # A turn of the form lost with a killed replica: no petition, or its own one.
        (form(apology_at=2, told="Anh/Chị vui lòng chọn lĩnh vực"), [], []),
        (form(apology_at=2), [row()], []),
        (form(apology_at=2), [row("PA-2026-000009")],
         ["told PA-2026-000007, which is not this conversation's petition"]),
        (form()[:3], [], []),  # a script too short to send the form
    ],
)  # fmt: skip
def test_a_petition_is_filed_once_by_its_own_conversation(turns, filed, problems):
    assert petition_problems(FILER, turns, filed)[0] == problems


def test_a_petition_by_a_conversation_that_files_none_or_a_code_told_twice_fails():
    assert petition_problems(ME, TURNS, [row()])[0] == [
        "a petition filed by a conversation that filed none"
    ]
    twin = citizens(2 * PETITION_EVERY, "t")[-1]  # another filer, told the same code
    results = {FILER.sender: form(), twin.sender: form()}
    filed = {FILER.sender: [row()], twin.sender: [row()]}
    verdict = check([FILER], {FILER.sender: form()}, {}, petitions={FILER.sender: [row()]})
    assert verdict["checks"][
        "each petition filed once, by its own conversation, under its own code"
    ]["passed"]
    twice = check([FILER, twin], results, {}, petitions=filed)
    name = "each petition filed once, by its own conversation, under its own code"
    assert twice["checks"][name]["examples"][-1] == "PA-2026-000007 told to 2 conversations"
    assert twice["petitions_filed"] == 2


def test_a_petitions_name_and_phone_are_compared_as_stored_masked_whole():
    turns = form()
    stored = [(t.text, t.replies) for t in turns[:-1]] + [("***", turns[-1].replies)]
    assert compare(turns, stored, [FILER.consent]) == []
    assert compare(turns, stored) == [
        f"turn 7 ({FILER.consent!r}) not in the tracker in its place",
        "an extra user event in the tracker: '***'",
    ]
    late = [(t.text, t.replies) for t in turns[:-1]] + [("*** ***", turns[-1].replies)]
    assert compare(turns, late, [FILER.consent]) == []  # typed out of its place: by shape
    leaked = events(*[(t.text, t.replies) for t in turns])  # the name stored in clear
    verdict = check([FILER], {FILER.sender: turns}, {FILER.sender: leaked},
                    petitions={FILER.sender: [row()]})  # fmt: skip
    name = "each petition filed once, by its own conversation, under its own code"
    assert verdict["checks"][name]["examples"] == [
        f"{FILER.sender}: the name given for the petition is in the tracker store"
    ]
