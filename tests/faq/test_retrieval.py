"""Live FAQ retrieval and its two thresholds, on small tables and on the real seed FAQ."""

from __future__ import annotations

import re

import pytest
import yaml

from assistant.db.session import session_scope
from assistant.faq.repository import FaqRepository
from assistant.faq.retrieval import STRONG, WEAK, FaqDoc, FaqIndex, terms
from assistant.faq.seed import import_seed, read_seed
from assistant.settings import PROJECT_ROOT
from assistant.text.normalize import strip_diacritics

SMALL = [
    FaqDoc(
        1, "hours", "Giờ làm việc của trung tâm hành chính công", ("thứ bảy có làm việc không",)
    ),
    FaqDoc(2, "parking", "Có chỗ gửi xe máy không", ("gửi xe ở đâu",)),
    FaqDoc(3, "password", "Quên mật khẩu VNeID thì làm sao", ("lấy lại mật khẩu định danh",)),
    FaqDoc(4, "lost_id", "Mất căn cước công dân thì báo ở đâu", ()),
]


@pytest.fixture(scope="module")
def small():
    return FaqIndex(SMALL)


@pytest.fixture(scope="module")
def seed_index():
    return FaqIndex(
        FaqDoc(i, key, examples[0], tuple(examples[1:]), answer)
        for i, (key, examples, answer) in enumerate(read_seed(), start=1)
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("cho em hỏi giờ làm việc ạ", ("gio", "lam", "viec")),
        ("Ad ơi, mình muốn biết giờ làm việc với nhé", ("gio", "lam", "viec")),
        ("cho e hoi gio lam viec a", ("gio", "lam", "viec")),
        ("tìm mã hồ sơ ở chỗ nào", ("tim", "ma", "ho", "so", "o", "cho", "nao")),
        ("tim ma ho so o cho nao", ("tim", "ma", "ho", "so", "o", "cho", "nao")),
        ("gui ket qua ve nha duoc khong", ("gui", "ket", "qua", "ve", "nha", "duoc", "khong")),
        ("da cho minh hoi lam cccd nha", ("lam", "can", "cuoc", "cong", "dan")),
        ("có hỗ trợ tiếng Anh không", ("co", "ho", "tro", "tieng", "anh", "khong")),
        ("", ()),
        ("ạ ạ ạ", ()),
    ],
)
def test_terms_drop_filler_but_keep_content(text, expected):
    assert terms(text) == expected


@pytest.mark.parametrize(
    "text, key",
    [
        ("Giờ làm việc của trung tâm hành chính công", "hours"),
        ("gio lam viec cua trung tam hanh chinh cong", "hours"),
        ("GIỜ LÀM VIỆC CỦA TRUNG TÂM HÀNH CHÍNH CÔNG?", "hours"),
        ("cho em hỏi giờ làm việc của trung tâm hành chính công ạ", "hours"),
        ("ad oi thu bay co lam viec ko", "hours"),
        ("có chỗ gửi xe máy k ad", "parking"),
        ("quen mat khau vneid thi lam sao", "password"),
        ("mình muốn biết quên mật khẩu VNeID thì làm sao nhé", "password"),
        ("mất cccd thì báo ở đâu", "lost_id"),
        ("mat can cuoc cong dan thi bao o dau vay", "lost_id"),
    ],
)
def test_near_paraphrases_match_strongly(small, text, key):
    hit = small.match(text)
    assert hit is not None and hit.key == key and hit.score >= STRONG
    assert hit.question == next(d.question for d in SMALL if d.key == key)


@pytest.mark.parametrize(
    "text, key",
    [
        ("lấy lại mật khẩu VNeID", "password"),
        ("gửi xe máy ở đâu", "parking"),
        ("mất căn cước báo ở đâu", "lost_id"),
    ],
)
def test_loose_rewordings_are_weak_matches(small, text, key):
    hit = small.match(text)
    assert hit.key == key and WEAK <= hit.score < STRONG


@pytest.mark.parametrize(
    "text",
    [
        "giá vàng hôm nay",
        "làm căn cước mất bao lâu",
        "thủ tục đăng ký kết hôn cần giấy tờ gì",
        "lệ phí làm hộ chiếu bao nhiêu",
        "hồ sơ 000.00.27.H13-240115-0001 đến đâu rồi",
        "xin chào",
        "",
        "   ",
        "😀🙏😀",
        "<script>alert('x')</script>",
        "'; DROP TABLE faq_entries; --",
        "a" * 5000,
        "giờ " * 2000,
    ],
)
def test_unrelated_or_odd_text_never_matches(small, seed_index, text):
    for index in (small, seed_index):
        hit = index.match(text)
        assert hit is None or hit.score < WEAK


def _variants(text):
    plain = strip_diacritics(text)
    return [
        plain,
        f"cho em hỏi {text} ạ",
        f"ad ơi {plain} vậy",
        re.sub(r"\bkhông\b", "ko", text),
        re.sub(r"\bđược\b", "dc", text),
        text.upper() + "?",
    ]


def test_every_seed_question_matches_its_entry_when_retyped(seed_index):
    misses = []
    for key, examples, _ in read_seed():
        for example in examples:
            for variant in _variants(example):
                hit = seed_index.match(variant)
                if hit is None or hit.key != key or hit.score < STRONG:
                    misses.append((variant, hit))
    assert misses == []


def _examples(path, skip_prefix="faq/"):
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for item in data.get("nlu") or []:
        intent = item.get("intent")
        if not intent or intent.startswith(skip_prefix):
            continue
        for line in str(item.get("examples") or "").splitlines():
            if line.startswith("- "):
                text = re.sub(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})", r"\1", line[2:])
                yield intent, text


OTHER_DATA = sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml")) + sorted(
    (PROJECT_ROOT / "tests" / "nlu_eval").glob("*.yml")
)


def test_no_procedure_dossier_or_small_talk_example_reaches_strong(seed_index):
    checked, strong = 0, []
    for path in OTHER_DATA:
        for intent, text in _examples(path):
            checked += 1
            hit = seed_index.match(text)
            if hit and hit.score >= STRONG:
                strong.append((intent, text, hit.key, hit.score))
    assert checked > 1000
    assert strong == []


def test_out_of_scope_examples_stay_below_weak(seed_index):
    over = [
        (text, hit.key, hit.score)
        for path in OTHER_DATA
        for intent, text in _examples(path)
        if intent == "out_of_scope" and (hit := seed_index.match(text)) and hit.score >= WEAK
    ]
    assert over == []


def test_index_from_the_database_follows_active_entries(database_url):
    with session_scope(database_url) as session:
        import_seed(session)
        repo = FaqRepository(session)
        index = FaqIndex(repo.active_entries())
        assert len(index) == 30
        hit = index.match("quen mat khau vneid thi lam the nao")
        assert hit.key == "forgot_password" and hit.score >= STRONG
        assert index.answer(hit.id) == repo.by_key("forgot_password").answer
        repo.set_active("lan", hit.id, False)
        index = FaqIndex(repo.active_entries())
    assert len(index) == 29
    hit = index.match("quen mat khau vneid thi lam the nao")
    assert hit is None or hit.key != "forgot_password"


def test_an_empty_index_matches_nothing():
    assert FaqIndex([]).match("giờ làm việc") is None
    assert FaqIndex([]).rank("giờ làm việc") == []


def test_rank_lists_best_entries_first(small):
    ranked = small.rank("gửi xe máy ở đâu", limit=3)
    assert ranked[0].key == "parking"
    assert [h.score for h in ranked] == sorted((h.score for h in ranked), reverse=True)
    assert len(ranked) <= 3


def test_a_short_message_is_grounded_when_all_it_says_belongs_to_one_entry(seed_index):
    """Its distinctive pairs may come from different wordings of the entry; a longer message
    that also says other things needs them in one wording."""
    short = "tài khoản của tôi muốn lên mức 2"
    assert seed_index.shared_terms(short, "vneid_level2") == ["len muc", "muc 2"]
    longer = (
        "Tôi đi công tác xa, muốn lên mức 2 cho tài khoản nhưng đang vướng thủ tục đất đai"
        " ở quê chưa có kết quả"
    )
    assert seed_index.shared_terms(longer, "vneid_level2") == []
    assert seed_index.shared_terms(short, "working_hours") == []
