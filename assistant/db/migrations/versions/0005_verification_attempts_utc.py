"""verification attempts in UTC

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 20:15:00

Attempts used to be stored in local time (UTC+7, no daylight saving in Viet Nam) while the
pruning compared them with UTC: existing rows are moved to UTC, so that a lock set before the
upgrade still ends an hour after the last failure and not seven hours later. Data only: the
schema is unchanged (a web client's address is one more ``scope`` of the same table).
"""

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

LOCAL_OFFSET = timedelta(hours=7)
_attempts = sa.table(
    "verification_attempts", sa.column("id", sa.Integer), sa.column("at", sa.DateTime)
)


def _shift(by: timedelta) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(_attempts.c.id, _attempts.c.at)).all()
    if rows:
        bind.execute(
            _attempts.update()
            .where(_attempts.c.id == sa.bindparam("_id"))
            .values(at=sa.bindparam("_at")),
            [{"_id": row.id, "_at": row.at + by} for row in rows],
        )


def upgrade() -> None:
    _shift(-LOCAL_OFFSET)


def downgrade() -> None:
    _shift(LOCAL_OFFSET)
