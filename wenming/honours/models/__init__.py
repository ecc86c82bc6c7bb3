from .campaigns import (  # noqa: F401
    STAGE_ORDER,
    Criterion,
    HonourCampaign,
    HonourCategory,
    HonourLevel,
    NomineeKind,
    Stage,
)
from .nominations import (  # noqa: F401
    Decision,
    NominatedBy,
    Nomination,
    NominationFile,
    NominationStatus,
    Recommender,
    Review,
    ReviewStage,
)
from .notice import Objection, ObjectionStatus  # noqa: F401
from .votes import LIVE_VOTE, Vote, VoterDay, VoterPass  # noqa: F401
