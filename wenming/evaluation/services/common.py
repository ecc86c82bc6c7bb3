"""Small helpers shared by the evaluation services."""

from decimal import Decimal

from wenming.accounts.models import RoleAssignment
from wenming.accounts.roles import Role
from wenming.core.params import parse_money
from wenming.core.uploads import image_discard, image_store

from ..errors import EvaluationError as E
from ..models import Campaign, CampaignStatus

MAX_PHOTOS = 6
MAX_POINTS = Decimal(1000)


def points_of(value, what: str = "分值") -> Decimal:
    try:
        amount = parse_money(value)
    except ValueError:
        amount = None
    if amount is None or amount < 0 or amount > MAX_POINTS:
        raise E.POINTS_INVALID.error("points", what=what)
    return amount


def text_of(value, limit: int) -> str:
    """Trimmed text with NUL characters removed (PostgreSQL refuses them), cut to `limit`."""
    return str(value or "").replace("\x00", "").strip()[:limit]


def text_checked(value, limit: int, *, what: str, field: str) -> str:
    """Like text_of, but a text longer than `limit` is refused, not cut (a code or a name cut
    short would be another one)."""
    text = str(value or "").replace("\x00", "").strip()
    if len(text) > limit:
        raise E.TEXT_TOO_LONG.error(field, what=what, limit=limit)
    return text


def require_active(campaign: Campaign, action: str) -> None:
    if campaign.status == CampaignStatus.CLOSED:
        raise E.CAMPAIGN_CLOSED.error(name=campaign.name, action=action)
    if campaign.status != CampaignStatus.ACTIVE:
        raise E.CAMPAIGN_NOT_ACTIVE.error(name=campaign.name, action=action)


def require_open(campaign: Campaign, action: str) -> None:
    if campaign.status == CampaignStatus.CLOSED:
        raise E.CAMPAIGN_CLOSED.error(name=campaign.name, action=action)


def store_photos(*, actor, uploads, purpose: str, what: str, required: bool = True) -> list:
    """Check and store the photos before any lock is taken (it can take a while)."""
    uploads = [u for u in (uploads or []) if u]
    if required and not uploads:
        raise E.PHOTO_REQUIRED.error("photos", what=what)
    if len(uploads) > MAX_PHOTOS:
        raise E.TOO_MANY_PHOTOS.error("photos", limit=MAX_PHOTOS)
    images = []
    try:
        for upload in uploads:
            images.append(image_store(actor=actor, upload=upload, purpose=purpose))
    except Exception:
        discard_photos(images)
        raise
    return images


def discard_photos(images) -> None:
    for image in images:
        image_discard(image)


def liaison_users(unit_ids) -> list:
    """The accounts that speak for these units (their liaisons)."""
    rows = RoleAssignment.objects.filter(role=Role.UNIT_LIAISON, unit_id__in=list(unit_ids)).select_related("user")
    return [r.user for r in rows if r.user.is_active]


def office_users(path: str) -> list:
    """Office staff in charge of a place: assignments at the node or any ancestor."""
    ancestors = [path[:i] for i in range(4, len(path) + 1, 4)]
    rows = RoleAssignment.objects.filter(role=Role.OFFICE_STAFF, node__path__in=ancestors).select_related("user")
    return [r.user for r in rows if r.user.is_active]
