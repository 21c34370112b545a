"""The petitions' repositories against a throw-away database: codes under concurrency,
photos, the staff search, followers and due notifications; the migration."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy import create_engine, inspect

from assistant.db.migrate import downgrade, upgrade
from assistant.db.models import Petition
from assistant.db.session import session_scope
from assistant.petitions.followers import FollowerRepository
from assistant.petitions.repository import PetitionRepository, like_pattern

NOW = datetime(2026, 12, 7, 3, 0)
TABLES = {
    "petitions",
    "petition_counters",
    "petition_photos",
    "petition_followers",
    "petition_notifications",
}


def add(repo: PetitionRepository, code: str, **fields) -> Petition:
    values = dict(
        code=code,
        category="chieu_sang",
        commune_code="31135",
        commune_name="Phường Ninh Kiều",
        location="",
        description="đèn hỏng",
        search_key=code.lower(),
        sender_hash="s" * 64,
        conversation_id="zalo-1",
        channel="zalo",
        status="moi",
        status_reason="",
        public_reply="",
        unit="chieu_sang_cong_cong",
        due_at=NOW + timedelta(days=5),
        created_at=NOW,
        updated_at=NOW,
    )
    values.update(fields)
    return repo.add(**values)


def test_the_petition_tables_come_and_go_with_their_migration(tmp_path):
    url = f"sqlite:///{tmp_path / 'schema.db'}"
    upgrade(url, "0010")
    assert TABLES <= set(inspect(create_engine(url)).get_table_names())
    downgrade(url, "0009")
    assert not TABLES & set(inspect(create_engine(url)).get_table_names())


def test_codes_count_up_per_year(database_url):
    with session_scope() as session:
        repo = PetitionRepository(session)
        assert [repo.next_code(2026) for _ in range(3)] == [
            "PA-2026-000001",
            "PA-2026-000002",
            "PA-2026-000003",
        ]
        assert repo.next_code(2027) == "PA-2027-000001"
    with session_scope() as session:
        assert PetitionRepository(session).next_code(2026) == "PA-2026-000004"


def test_a_rolled_back_submission_gives_its_number_back(database_url):
    try:
        with session_scope() as session:
            PetitionRepository(session).next_code(2026)
            raise RuntimeError("the submission failed")
    except RuntimeError:
        pass
    with session_scope() as session:
        assert PetitionRepository(session).next_code(2026) == "PA-2026-000001"


def test_concurrent_submissions_never_share_a_code(database_url):
    codes, errors = [], []

    def worker() -> None:
        try:
            for _ in range(5):
                with session_scope() as session:
                    codes.append(PetitionRepository(session).next_code(2026))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(codes) == [f"PA-2026-{n:06d}" for n in range(1, 41)]


def test_photos_attach_only_to_their_senders_petition(database_url):
    with session_scope() as session:
        repo = PetitionRepository(session)
        for token, owner in (("mine-1", "a" * 64), ("mine-2", "a" * 64), ("theirs", "b" * 64)):
            repo.add_photo(
                token=token, data=b"x", width=1, height=1, size=1, sender_hash=owner, created_at=NOW
            )
        first = add(repo, "PA-2026-000001")
        second = add(repo, "PA-2026-000002")
        assert repo.attach_photos(["mine-1", "theirs"], "a" * 64, first.id) == 1
        assert repo.attach_photos(["mine-1", "mine-2"], "a" * 64, second.id) == 1  # 1 was used
        assert [p.token for p in repo.photos_of(first.id)] == ["mine-1"]
        assert repo.photo_counts([first.id, second.id]) == {first.id: 1, second.id: 1}
        assert repo.attached_photo("mine-1").data == b"x"
        assert repo.attached_photo("theirs") is None  # not submitted: nobody's yet
        assert repo.pending_photos_since("b" * 64, NOW) == 1
        assert repo.prune_photos(NOW + timedelta(seconds=1)) == 1
        assert repo.pending_photos_since("b" * 64, NOW) == 0


def test_the_staff_search_filters_and_pages(database_url):
    with session_scope() as session:
        repo = PetitionRepository(session)
        yesterday, hour = NOW - timedelta(days=1), timedelta(hours=1)
        add(repo, "PA-2026-000001", search_key="pa-2026-000001 den duong le loi", due_at=yesterday)
        add(
            repo,
            "PA-2026-000002",
            category="giao_thong",
            unit="so_xay_dung",
            search_key="pa-2026-000002 o ga 100% hong",
            created_at=NOW + hour,
        )
        add(
            repo,
            "PA-2026-000003",
            status="da_xu_ly",
            commune_code="31150",
            commune_name="Phường Cái Khế",
            due_at=yesterday,
            created_at=NOW + 2 * hour,
        )

        def codes(**filters):
            rows, total = repo.search(now=NOW, **filters)
            assert total == len(rows)
            return [row.code for row in rows]

        assert codes() == ["PA-2026-000003", "PA-2026-000002", "PA-2026-000001"]
        assert codes(status="moi") == ["PA-2026-000002", "PA-2026-000001"]
        assert codes(category="giao_thong") == codes(unit="so_xay_dung") == ["PA-2026-000002"]
        assert codes(commune="31150") == ["PA-2026-000003"]
        assert codes(text="le loi") == ["PA-2026-000001"]
        assert codes(text="100%") == ["PA-2026-000002"]  # the % is a character, not a wildcard
        assert codes(text="1_0") == []
        assert codes(overdue=True) == ["PA-2026-000001"]  # the closed one is not overdue
        assert codes(overdue=False) == ["PA-2026-000003", "PA-2026-000002"]
        rows, total = repo.search(now=NOW, offset=1, limit=1)
        assert [r.code for r in rows] == ["PA-2026-000002"] and total == 3
        assert repo.communes() == [("31150", "Phường Cái Khế"), ("31135", "Phường Ninh Kiều")]


def test_like_patterns_escape_wildcards():
    assert like_pattern("50%_a\\b") == "%50\\%\\_a\\\\b%"


def test_followers_are_unique_and_due_notifications_follow_the_last_visit(database_url):
    with session_scope() as session:
        petition = add(PetitionRepository(session), "PA-2026-000001")
        repo = FollowerRepository(session)
        assert repo.follow(petition.id, "fb-1", "facebook", NOW) is True
        assert repo.follow(petition.id, "fb-1", "facebook", NOW) is False
        assert repo.follow(petition.id, "zalo-1", "zalo", NOW - timedelta(days=3)) is True
        assert repo.count(petition.id) == 2 and repo.follows("fb-1") == 1
        repo.queue(petition.id, repo.followers(petition.id), "cập nhật", NOW)
        since = {"facebook": NOW - timedelta(hours=24), "zalo": NOW - timedelta(hours=48)}
        assert [n.conversation_id for n in repo.due(since, 10)] == ["fb-1"]
        assert repo.seen("zalo-1", NOW) == 1
        assert [n.conversation_id for n in repo.due(since, 10)] == ["fb-1", "zalo-1"]
        assert repo.due({}, 10) == []
        assert repo.expire(NOW + timedelta(seconds=1)) == 2
        assert repo.pending_for("fb-1") == []


def test_a_conversations_petitions_are_found_oldest_first(database_url):
    from tests.petitions.factory import submit

    first = submit(sender_id="web-1")["code"]
    submit(sender_id="web-2")
    second = submit(sender_id="web-1")["code"]
    with session_scope() as session:
        repo = PetitionRepository(session)
        assert [p.code for p in repo.of_conversations(["web-1", "web-3"])] == [first, second]
        assert {p.conversation_id for p in repo.of_conversations(["web-1", "web-2"])} == {
            "web-1",
            "web-2",
        }
        assert repo.of_conversations([]) == []
