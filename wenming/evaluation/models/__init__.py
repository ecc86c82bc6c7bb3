from .campaigns import (  # noqa: F401
    LEVEL_RANK,
    Campaign,
    CampaignStatus,
    Indicator,
    Level,
    Method,
    Rule,
    Severity,
    SiteType,
    SubSystem,
)
from .duties import Duty, DutyRole, Site, SiteDuty  # noqa: F401
from .inspections import (  # noqa: F401
    LIVE,
    OWED,
    Accountability,
    AccountabilityKind,
    EventKind,
    Finding,
    FindingEvent,
    FindingPhoto,
    FindingStatus,
    FindingUnit,
    InspectionRound,
    RoundStatus,
)
from .materials import Material, MaterialStatus  # noqa: F401
from .scores import UnitTally  # noqa: F401
from .surveys import (  # noqa: F401
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    SurveyStatus,
)
from .units import Pairing, UnitCallAnswer, UnitMember, UnitTeam  # noqa: F401
