"""What the load benchmark asserts once the conversations are over, from the replies
received and Rasa's events in PostgreSQL (the tracker store, table ``events``).

- No turn failed: every one got HTTP 200 with a reply (an apology counts apart).
- No apology; with a replica killed, none for a turn sent once it was gone (only the turns
  the dying replica had taken are lost: their conversation's lock frees itself and nginx
  sends the next turns to the living replica).
- Each conversation's ``user`` events are the texts sent, in order, each once (compared as
  the tracker store masks them: a petition's name and phone whole), and the bot texts after
  each are the replies received (masked the same way): no reply lost or duplicated. A
  contact answer typed out of its place (the form a turn behind after a lost turn) is
  masked by the name's shape instead. A turn answered with the apology (a replica killed
  under it) may be missing from the tracker, or there with whatever the bot got to say.
- A dossier is opened only by its own conversation: the reply to the right digits shows its
  code and status, the reply to another citizen's digits does not, and no other citizen's
  code appears in a conversation's replies or events.
- A petition is filed once, by its own conversation: a citizen whose form went through
  without an apology is told one code, and the database holds one petition of that
  conversation under that code, with the citizen's name and phone (they consented); nobody
  else is told that code; no conversation has two petitions (a retried turn filing twice),
  a citizen who files none has none, and the name given is nowhere in the tracker store.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Dict, Iterable, List, Tuple

from assistant.cluster.loadgen import STATUS_TEXT, Citizen, Turn, petition
from assistant.petitions.codes import find_codes
from assistant.privacy import MASK, mask_personal_data

# How late the moment a killed replica was gone may be noted: a thread polls its process
# every 10 ms, behind the load's event loop for the GIL (CI saw a turn sent "0.0 s after").
GONE_GRACE = 0.5
Exchange = Tuple[str, List[str]]  # a user text and the bot texts after it


def exchanges(events: Iterable[dict]) -> List[Exchange]:
    """The tracker's conversation as (user text, [bot texts]) in order."""
    found: List[Exchange] = []
    for event in events:
        if event.get("event") == "user":
            found.append((event.get("text") or "", []))
        elif event.get("event") == "bot" and event.get("text") and found:
            found[-1][1].append(event["text"])
    return found


def compare(turns: List[Turn], stored: List[Exchange], whole: Iterable[str] = ()) -> List[str]:
    """Problems between what one conversation sent and got, and what the tracker holds;
    ``whole``: texts the tracker store masks whole (a petition's name and phone)."""
    problems = []
    position = 0
    whole = set(whole)
    for number, turn in enumerate(turns, 1):
        # A contact answer typed a turn late (the form behind after a lost turn) is masked
        # by its shape instead of whole.
        expected = {mask_personal_data(turn.text)} | ({MASK} if turn.text in whole else set())
        here = stored[position] if position < len(stored) else None
        if here is not None and here[0] in expected:
            position += 1
            if not turn.apologized and here[1] != [mask_personal_data(r) for r in turn.replies]:
                problems.append(f"turn {number}: the tracker's bot texts differ from the reply")
        elif not turn.apologized:
            problems.append(f"turn {number} ({turn.text!r}) not in the tracker in its place")
    for text, _ in stored[position:]:
        problems.append(f"an extra user event in the tracker: {text!r}")
    return problems


def ownership(citizen: Citizen, turns: List[Turn], stored_text: str, codes: set) -> List[str]:
    """Problems with who saw which dossier, for one conversation."""
    problems = []
    strangers = codes - {citizen.code}
    said = "\n".join(r for t in turns for r in t.replies)
    if any(code in said or code in stored_text for code in strangers):
        problems.append("another citizen's dossier code appears in the conversation")
    for previous, turn in zip(turns, turns[1:]):
        if not previous.text.startswith("tra cứu hồ sơ") or turn.apologized:
            continue
        if not turn.text.startswith("số cuối là") or previous.apologized:
            continue
        answer = "\n".join(turn.replies)
        opened = citizen.code in answer and STATUS_TEXT in answer
        if turn.text.endswith(citizen.digits):
            if not (opened and citizen.masked_name in answer):
                problems.append(f"the right digits did not open the dossier: {answer[:160]!r}")
        elif STATUS_TEXT in answer or citizen.masked_name in answer:
            problems.append(f"another citizen's digits opened the dossier: {answer[:160]!r}")
    return problems


def petition_problems(
    citizen: Citizen, turns: List[Turn], filed: List[dict]
) -> Tuple[List[str], List[str]]:
    """Problems with one conversation's petition, and the codes it was told it filed.
    ``filed``: the conversation's petitions in the database (code, reporter_name, phone)."""
    if not citizen.files_petition:
        return (["a petition filed by a conversation that filed none"] if filed else []), []
    size = len(petition(citizen)) - 1  # up to the consent, whose reply has the code
    form = turns[:size]
    if len(form) < size:
        return [], []  # a script too short to send the form
    said = "\n".join(form[-1].replies) if not form[-1].apologized else ""
    told = list(dict.fromkeys(find_codes(said)))  # "Mã phản ánh: X … nhắn “phản ánh X …”"
    problems = []
    if len(filed) > 1:
        problems.append(f"{len(filed)} petitions filed: {[row['code'] for row in filed]}")
    if not any(t.apologized for t in form):
        if len(told) != 1 or len(filed) != 1:
            problems.append(f"told {told}, filed {[row['code'] for row in filed]}")
        elif (filed[0]["reporter_name"], filed[0]["phone"]) != (citizen.name, citizen.phone):
            problems.append(f"petition {told[0]} holds someone else's name or phone")
    if told and told[0] not in {row["code"] for row in filed}:
        problems.append(f"told {told[0]}, which is not this conversation's petition")
    return problems, told


def tracker_events(database_url: str, senders: List[str]) -> Dict[str, List[dict]]:
    """Each sender's events from Rasa's SQL tracker store, in the order they were saved."""
    from sqlalchemy import bindparam, create_engine, text

    engine = create_engine(database_url, future=True)
    query = text(
        "SELECT sender_id, data FROM events WHERE sender_id IN :senders ORDER BY id"
    ).bindparams(bindparam("senders", expanding=True))
    found: Dict[str, List[dict]] = defaultdict(list)
    try:
        with engine.connect() as connection:
            for sender, data in connection.execute(query, {"senders": senders}):
                found[sender].append(json.loads(data))
    finally:
        engine.dispose()
    return found


def check(people: List[Citizen], results: Dict[str, List[Turn]], events: Dict[str, List[dict]],
          killed_at: float | None = None, petitions: Dict[str, List[dict]] | None = None,
          ) -> Dict[str, object]:  # fmt: skip
    """The checks' figures and their problems (at most a few examples of each); ``killed_at``
    is the time.monotonic() a killed replica was gone, if one was killed; ``petitions`` each
    conversation's petitions in the database."""
    codes = {c.code for c in people}
    petitions = petitions or {}
    failed, apologized, late, order, owners, filing = [], [], [], [], [], []
    told_to: Dict[str, List[str]] = defaultdict(list)
    for citizen in people:
        turns = results[citizen.sender]
        for number, turn in enumerate(turns, 1):
            if turn.failed:
                failed.append(f"{citizen.sender} turn {number}: {turn.status} {turn.error}")
            elif turn.apologized:
                apologized.append(f"{citizen.sender} turn {number}")
                if killed_at is not None and turn.sent > killed_at + GONE_GRACE:
                    late.append(f"{citizen.sender} turn {number}, {turn.sent - killed_at:.1f} s "
                                "after the replica was gone")  # fmt: skip
        stored = events.get(citizen.sender, [])
        mismatches = compare(turns, exchanges(stored), [citizen.consent])
        order += [f"{citizen.sender}: {p}" for p in mismatches]
        stored_text = "\n".join(json.dumps(e, ensure_ascii=False) for e in stored)
        owners += [f"{citizen.sender}: {p}" for p in ownership(citizen, turns, stored_text, codes)]
        problems, told = petition_problems(citizen, turns, petitions.get(citizen.sender, []))
        if citizen.files_petition and citizen.name in stored_text:
            problems.append("the name given for the petition is in the tracker store")
        filing += [f"{citizen.sender}: {p}" for p in problems]
        for code in told:
            told_to[code].append(citizen.sender)
    filing += [f"{code} told to {len(senders)} conversations" for code, senders in told_to.items()
               if len(senders) > 1]  # fmt: skip
    checks = {
        "no failed turn (error, 5xx, silence)": failed,
        "events complete and in order, replies neither lost nor duplicated": order,
        "each dossier opened only by its own conversation": owners,
        "each petition filed once, by its own conversation, under its own code": filing,
    }
    if killed_at is None:
        checks["no apology"] = apologized
    else:
        checks["no apology for a turn sent after the killed replica was gone"] = late
    return {
        "passed": not any(checks.values()),
        "failed_turns": len(failed),
        "apologies": len(apologized),
        "apologies_after_kill": len(late),
        "petitions_filed": sum(len(rows) for rows in petitions.values()),
        "checks": {
            name: {"passed": not problems, "problems": len(problems), "examples": problems[:5]}
            for name, problems in checks.items()
        },
    }
