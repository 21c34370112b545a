"""The repository's FAQ file as the first rows of the table, without overriding staff."""

from __future__ import annotations

import yaml

from assistant import audit
from assistant.db.session import session_scope
from assistant.faq.repository import FaqRepository
from assistant.faq.seed import SEED_FAQ, import_seed, read_seed


def test_read_seed_takes_every_faq_intent_with_its_first_answer():
    seed = read_seed()
    data = yaml.safe_load(SEED_FAQ.read_text(encoding="utf-8"))
    keys = [i["intent"][4:] for i in data["nlu"] if i["intent"].startswith("faq/")]
    assert [k for k, _, _ in seed] == keys and len(keys) == 30
    key, examples, answer = seed[0]
    assert key == "working_hours"
    assert examples[0] == "trung tâm hành chính công làm việc giờ nào"
    assert not any(e.startswith("-") for _, ex, _ in seed for e in ex)
    assert answer == data["responses"]["utter_faq/working_hours"][0]["text"]


def test_import_seed_creates_each_entry_once(database_url):
    with session_scope(database_url) as session:
        assert import_seed(session) == 30
    with session_scope(database_url) as session:
        repo = FaqRepository(session)
        entry = repo.by_key("working_hours")
        assert entry.question == "trung tâm hành chính công làm việc giờ nào"
        assert "sang thu 7 co lam ko ad" in entry.paraphrases
        assert len(entry.paraphrases) == 13
        assert entry.answer.startswith("Giờ làm việc của Trung tâm Phục vụ hành chính công")
        assert (entry.source, entry.created_by) == ("seed", "system")
        assert repo.count(active=True) == 30
        assert repo.revision() == 30
        assert audit.entries(session, limit=1)[0].actor == "system"
        assert import_seed(session) == 0
        assert repo.count() == 30


def test_staff_edits_survive_a_new_seed_run(database_url):
    with session_scope(database_url) as session:
        import_seed(session)
        repo = FaqRepository(session)
        repo.update("lan", repo.by_key("hotline").id, answer="Gọi 1900 0000.")
        repo.set_active("lan", repo.by_key("privacy").id, False)
    with session_scope(database_url) as session:
        assert import_seed(session) == 0
        repo = FaqRepository(session)
        assert repo.by_key("hotline").answer == "Gọi 1900 0000."
        assert repo.by_key("privacy").active is False


def test_a_seed_entry_clashing_with_a_staff_question_is_skipped(database_url, tmp_path):
    path = tmp_path / "faq.yml"
    path.write_text(
        """
version: "3.1"
nlu:
- intent: faq/opening
  examples: |
    - giờ mở cửa
    - mấy giờ mở cửa
- intent: faq/no_answer
  examples: |
    - câu không có trả lời
- intent: greet
  examples: |
    - xin chào
- intent: faq/parking
  examples: |
    - có chỗ gửi xe không
responses:
  utter_faq/opening:
  - text: "7h30."
  utter_faq/parking:
  - text: "Có, miễn phí."
""",
        encoding="utf-8",
    )
    with session_scope(database_url) as session:
        FaqRepository(session).create("lan", "Mấy giờ mở cửa?", "Staff: 7h.")
        assert import_seed(session, path) == 1
        repo = FaqRepository(session)
        assert repo.by_key("opening") is None and repo.by_key("no_answer") is None
        assert repo.by_key("parking").answer == "Có, miễn phí."
