"""The migrations build exactly the schema the models describe, and go back down."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from assistant.db.migrate import downgrade, upgrade
from assistant.db.models import Base


def test_head_matches_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'schema.db'}"
    upgrade(url)
    engine = create_engine(url, future=True)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_answer_feedback_comes_and_goes_with_its_migration(tmp_path):
    url = f"sqlite:///{tmp_path / 'schema.db'}"
    upgrade(url, "0007")
    engine = create_engine(url, future=True)
    assert "answer_feedback" in inspect(engine).get_table_names()
    downgrade(url, "0006")
    assert "answer_feedback" not in inspect(create_engine(url, future=True)).get_table_names()


def test_handoffs_and_holidays_come_and_go_with_their_migration(tmp_path):
    url = f"sqlite:///{tmp_path / 'schema.db'}"
    upgrade(url, "0008")
    assert {"handoffs", "holidays"} <= set(inspect(create_engine(url)).get_table_names())
    downgrade(url, "0007")
    assert not {"handoffs", "holidays"} & set(inspect(create_engine(url)).get_table_names())
