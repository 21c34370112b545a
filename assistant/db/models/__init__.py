"""The database schema, one module per domain. Changes go through Alembic migrations in
``assistant/db/migrations``. Importing this package registers every table on ``Base``."""

from assistant.db.models.base import Base
from assistant.db.models.catalog import (
    CatalogState,
    LegalDocument,
    Procedure,
    ProcedureAlias,
    RequiredDocument,
    SubmissionChannel,
)
from assistant.db.models.channels import (
    ChannelToken,
    ReplyOutbox,
    ZaloSeenMessage,
)
from assistant.db.models.desk import (
    AnswerFeedback,
    DeskPresence,
    Handoff,
    HandoffMessage,
    Holiday,
)
from assistant.db.models.dossiers import (
    Dossier,
    DossierEvent,
    VerificationAttempt,
)
from assistant.db.models.petitions import (
    Petition,
    PetitionCounter,
    PetitionFollower,
    PetitionNotification,
    PetitionPhoto,
)
from assistant.db.models.staff import (
    AuditEntry,
    ContentState,
    FaqEntry,
    LoginAttempt,
    ModelVersion,
    StaffSession,
    StaffUser,
    TrainingExample,
    TrainingRun,
    UnansweredMessage,
)
from assistant.db.models.stats import (
    IocToken,
    StatsDaily,
    StatsSeen,
    StatsState,
)

__all__ = [
    "Base",
    "Procedure",
    "ProcedureAlias",
    "SubmissionChannel",
    "RequiredDocument",
    "LegalDocument",
    "CatalogState",
    "Dossier",
    "DossierEvent",
    "VerificationAttempt",
    "ChannelToken",
    "ZaloSeenMessage",
    "ReplyOutbox",
    "ContentState",
    "StaffUser",
    "StaffSession",
    "LoginAttempt",
    "FaqEntry",
    "TrainingExample",
    "UnansweredMessage",
    "AuditEntry",
    "ModelVersion",
    "TrainingRun",
    "AnswerFeedback",
    "Holiday",
    "Handoff",
    "HandoffMessage",
    "DeskPresence",
    "Petition",
    "PetitionCounter",
    "PetitionPhoto",
    "PetitionFollower",
    "PetitionNotification",
    "StatsDaily",
    "StatsSeen",
    "StatsState",
    "IocToken",
]
