"""Importing both formats: idempotent upserts, merged aliases, bad records reported."""

from __future__ import annotations

import gzip
import json

from sqlalchemy import func, select

from assistant.catalog.importer import import_catalog
from assistant.catalog.repository import CatalogRepository
from assistant.db.models import Procedure, ProcedureAlias, RequiredDocument
from assistant.db.session import session_scope
from assistant.settings import PROJECT_ROOT

SEED = PROJECT_ROOT / "data" / "catalog" / "seed.yml"


def counts(url):
    with session_scope(url) as s:
        return tuple(
            s.execute(select(func.count(model.id))).scalar_one()
            for model in (Procedure, ProcedureAlias, RequiredDocument)
        )


def test_seed_import_is_idempotent(database_url):
    first = import_catalog(SEED, database_url)
    assert first.created >= 40 and not first.errors
    before = counts(database_url)
    second = import_catalog(SEED, database_url)
    assert second.created == 0 and second.updated == first.created
    assert counts(database_url) == before


def test_seed_covers_documents_times_and_sources(database_url):
    report = import_catalog(SEED, database_url)
    cov = report.coverage()
    assert cov["documents"] == 1.0
    assert cov["processing_time"] >= 0.9
    with session_scope(database_url) as s:
        repo = CatalogRepository(s)
        for code in repo.codes():
            record = repo.get(code)
            assert record.source_url.startswith("https://dichvucong.gov.vn/"), code
            assert record.aliases, code


def test_revision_moves_on_each_import(database_url):
    with session_scope(database_url) as s:
        before = CatalogRepository(s).revision()
    import_catalog(SEED, database_url)
    with session_scope(database_url) as s:
        assert CatalogRepository(s).revision() == before + 1


def write_jsonl(path, lines):
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for line in lines:
            handle.write(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False))
            handle.write("\n")


GOOD = {
    "ma_thu_tuc": "9.999001",
    "ten_thu_tuc": "Thủ tục thử nghiệm",
    "cap_thuc_hien": "Cấp xã",
    "linh_vuc": "Hộ tịch",
    "co_quan_thuc_hien": "Ủy ban nhân dân cấp xã",
    "cach_thuc_thuc_hien": "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếp3 Ngày làm việcMiễn phí",
    "thanh_phan_ho_so": "Tên giấy tờMẫu đơn, tờ khaiSố lượngTờ khai1 bản chính",
    "detail_url": "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/x",
}


def test_malformed_national_records_are_reported_and_skipped(database_url, tmp_path):
    path = tmp_path / "export.jsonl.gz"
    write_jsonl(
        path,
        [
            GOOD,
            "{not json",
            {"ten_thu_tuc": "no code"},
            {**GOOD, "ma_thu_tuc": "9.999002", "thanh_phan_ho_so": 12, "cach_thuc_thuc_hien": None},
            [1, 2, 3],
        ],
    )
    report = import_catalog(path, database_url)
    assert report.imported == 2
    assert len(report.errors) == 3
    with session_scope(database_url) as s:
        record = CatalogRepository(s).get("9.999001")
    assert record.channels[0].processing_time_value == 3
    assert record.documents[0].originals == 1


def test_staff_aliases_survive_a_reimport(database_url):
    import_catalog(SEED, database_url)
    with session_scope(database_url) as s:
        repo = CatalogRepository(s)
        code = next(iter(repo.codes()))
        assert repo.add_alias(code, "Tên Gọi  Riêng Của Cán Bộ")
        assert not repo.add_alias(code, "ten goi rieng cua can bo")  # same, folded
    import_catalog(SEED, database_url)
    with session_scope(database_url) as s:
        assert "tên gọi riêng của cán bộ" in CatalogRepository(s).get(code).aliases


def test_a_national_reimport_keeps_the_curated_seed_text(database_url, tmp_path):
    import_catalog(SEED, database_url)
    with session_scope(database_url) as s:
        repo = CatalogRepository(s)
        code = next(iter(repo.codes()))
        curated = repo.get(code)
    path = tmp_path / "export.jsonl.gz"
    write_jsonl(path, [{**GOOD, "ma_thu_tuc": code, "ten_thu_tuc": "Tên thô từ cổng quốc gia"}])
    report = import_catalog(path, database_url)
    assert report.updated == 1
    with session_scope(database_url) as s:
        after = CatalogRepository(s).get(code)
    assert after.name == curated.name and after.documents == curated.documents
