"""Small checks every honours service uses."""

from ..errors import HonourError as E
from ..models import HonourCampaign, Stage


def text_of(value, limit: int, *, what: str, field: str, required: bool = False) -> str:
    """Trimmed text without NUL characters (PostgreSQL refuses them); longer than `limit` is
    refused, not cut (a story cut short would say something else)."""
    text = str(value if value is not None else "").replace("\x00", "").strip()
    if len(text) > limit:
        raise E.TEXT_TOO_LONG.error(field, what=what, limit=limit)
    if required and not text:
        raise E.NAME_REQUIRED.error(field, what=what)
    return text


def int_of(value, *, what: str, field: str, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise E.NUMBER_INVALID.error(field, what=what, low=low, high=high)
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except (TypeError, ValueError):
        raise E.NUMBER_INVALID.error(field, what=what, low=low, high=high) from None
    if not low <= number <= high:
        raise E.NUMBER_INVALID.error(field, what=what, low=low, high=high)
    return number


def require_stage(campaign: HonourCampaign, stages, action: str) -> None:
    if campaign.stage not in stages:
        raise E.STAGE_WRONG.error(name=campaign.name, stage=Stage(campaign.stage).label, action=action)
