"""Which models exist, with their scores, and which one is live.

Exactly one model is ``live`` once any is known: the one Rasa serves (or will serve at the
next start). Accepted models that are no longer live are ``archived`` and can be made live
again (rollback); candidates the gate refused are ``rejected``. Every switch is audited.

Only accepted models (live or archived) go live through ``activate``: a rejected one is
refused here, not only hidden in the staff app, so neither a hand-made POST nor the CLI can
put it live. An admin can still force one in an emergency with a written reason, which the
audit log keeps; a model whose file is gone is refused even then.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import List, Set

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.audit import record, utcnow
from assistant.db.models import ModelVersion

logger = logging.getLogger(__name__)

KEEP_ACCEPTED = 3  # newest accepted model files never deleted (besides the live one)
KEEP_REJECTED = 3  # newest rejected candidate files kept for a look; older ones deleted


ACCEPTED = ("live", "archived")
MIN_OVERRIDE_REASON = 15  # characters: a sentence someone can read back later, not "ok"


class ModelRefused(ValueError):
    """The model cannot be made live; the message says why, in Vietnamese."""


class ModelFileMissing(ModelRefused):
    """The model's file is gone: it cannot be made live."""


class ModelNotAccepted(ModelRefused):
    """The gate did not accept this model; only an audited admin override can use it."""


class OverrideReasonTooShort(ModelRefused):
    """An override needs a written reason."""


class ModelRegistry:
    def __init__(self, session: Session) -> None:
        self.session = session

    def live(self) -> ModelVersion | None:
        return self.session.scalars(
            select(ModelVersion)
            .where(ModelVersion.status == "live")
            .order_by(ModelVersion.activated_at.desc(), ModelVersion.id.desc())
        ).first()

    def history(self, limit: int = 50) -> List[ModelVersion]:
        return list(
            self.session.scalars(
                select(ModelVersion)
                .order_by(ModelVersion.created_at.desc(), ModelVersion.id.desc())
                .limit(limit)
            )
        )

    def get(self, version_id: int) -> ModelVersion | None:
        return self.session.get(ModelVersion, version_id)

    def by_name(self, name: str) -> ModelVersion | None:
        return self.session.scalars(select(ModelVersion).where(ModelVersion.name == name)).first()

    def register(
        self,
        path: Path | str,
        fingerprint: str,
        scores: dict | None,
        status: str,
        reason: str,
        actor: str,
    ) -> ModelVersion:
        """A new model file with its scores; ``status="live"`` also makes it live (audited),
        otherwise ``archived`` or ``rejected``."""
        if status not in ("live", "archived", "rejected"):
            raise ValueError(f"unknown model status {status!r}")
        path = Path(path).resolve()
        version = ModelVersion(
            name=path.name,
            path=str(path),
            fingerprint=fingerprint or "",
            status="archived" if status == "live" else status,
            scores=scores,
            reason=reason or "",
            created_by=actor or "system",
            created_at=utcnow(),
        )
        self.session.add(version)
        self.session.flush()
        if status == "live":
            self.activate(actor, version.id)
        return version

    def adopt(self, path: Path | str, actor: str = "system") -> ModelVersion:
        """Make a model file live when no usable live model is registered (``assistant run``
        starting Rasa with a model built from the repository); otherwise a no-op that
        returns the live one."""
        live = self.live()
        if live is not None and Path(live.path).exists():
            return live
        path = Path(path).resolve()
        version = self.by_name(path.name)
        if version is None:
            name = path.name.removesuffix(".tar.gz")
            fingerprint = name.split("-", 1)[1] if name.startswith("model-") else ""
            reason = "Mô hình dựng từ dữ liệu trong kho mã, dùng khi khởi động."
            version = self.register(path, fingerprint, None, "archived", reason, actor)
        elif version.path != str(path):
            version.path = str(path)
        return self.activate(actor, version.id)

    def activate(
        self, actor: str, version_id: int, override_reason: str | None = None
    ) -> ModelVersion:
        """Make an accepted version live (the previous live one becomes archived); a rollback
        is this with an archived version. A version the gate did not accept needs
        ``override_reason`` (the caller checks the actor is an admin); a missing file is
        refused always."""
        version = self.get(version_id)
        if version is None:
            raise KeyError(f"không có mô hình số {version_id}")
        if not Path(version.path).exists():
            raise ModelFileMissing(f"tệp mô hình {version.name} không còn trên máy chủ")
        overridden = version.status not in ACCEPTED
        if overridden:
            _check_override(version, override_reason)
        previous = self.live()
        if previous is not None and previous.id == version.id:
            return version
        if previous is not None:
            previous.status = "archived"
        after = {"name": version.name, "status": "live"}
        if overridden:
            after.update(previous_status=version.status, override_reason=override_reason.strip())
        version.status = "live"
        version.activated_at = utcnow()
        record(
            self.session,
            actor,
            "model.override" if overridden else "model.activate",
            "model",
            version.id,
            before={"name": previous.name, "status": "live"} if previous else None,
            after=after,
        )
        self.session.flush()
        if overridden:
            logger.warning("Model %s forced live by %s despite the gate", version.name, actor)
        logger.info("Model %s live (was %s)", version.name, previous.name if previous else None)
        return version

    def protected_paths(self) -> Set[Path]:
        """Files never deleted: the live model and the newest accepted ones."""
        accepted = self.session.scalars(
            select(ModelVersion)
            .where(ModelVersion.status.in_(("live", "archived")))
            .order_by(ModelVersion.created_at.desc(), ModelVersion.id.desc())
        )
        paths = set()
        for index, version in enumerate(accepted):
            if version.status == "live" or index < KEEP_ACCEPTED:
                paths.add(Path(version.path).resolve())
        return paths

    def prune_rejected(self, keep: int = KEEP_REJECTED) -> List[Path]:
        """Delete the files of all but the newest ``keep`` rejected candidates (their rows,
        scores and reasons stay). Returns the files deleted."""
        rejected = list(
            self.session.scalars(
                select(ModelVersion)
                .where(ModelVersion.status == "rejected")
                .order_by(ModelVersion.created_at.desc(), ModelVersion.id.desc())
            )
        )
        protected = self.protected_paths()
        deleted = []
        for version in rejected[keep:]:
            path = Path(version.path).resolve()
            if path in protected or not path.exists():
                continue
            path.unlink()
            deleted.append(path)
        return deleted


def _check_override(version: ModelVersion, reason: str | None) -> None:
    status = {"rejected": "đã bị cổng chất lượng loại"}.get(
        version.status, f"ở trạng thái “{version.status}”, chưa được chấp nhận"
    )
    if reason is None:
        raise ModelNotAccepted(
            f"mô hình {version.name} {status}; chỉ quản trị viên mới dùng được nó, "
            "bằng thao tác khẩn cấp có ghi rõ lý do"
        )
    if len(reason.strip()) < MIN_OVERRIDE_REASON:
        raise OverrideReasonTooShort(
            f"cần ghi lý do dùng khẩn cấp mô hình {version.name} "
            f"(ít nhất {MIN_OVERRIDE_REASON} ký tự)"
        )
