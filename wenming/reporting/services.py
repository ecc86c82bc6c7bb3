"""Writes of information reports: create and edit drafts, images, submit, review, publish.

Every status change is a conditional UPDATE from the state that was checked
(`… SET status = 'approved' WHERE id = %s AND status = 'submitted'`): of two reviewers
deciding at once, one wins and the other is told the report changed. Each change writes a
ReportReview row, an audit row and its figure deltas in the same transaction.
Who may do what is decided in access.py (docs/reporting.md).
"""

import re
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from wenming.accounts.scope import scope_for
from wenming.core.audit import audit_record
from wenming.core.errors import CoreError
from wenming.core.models import StoredImage
from wenming.core.params import MAX_PK
from wenming.core.uploads import image_files_forget, image_store
from wenming.orgs.models import Node, Unit
from wenming.orgs.selectors import node_list_for_actor, unit_list_for_actor

from . import figures
from .access import is_own, may_author, may_review
from .errors import ReportingError as E
from .models import (
    EDITABLE,
    MAX_IMAGES,
    InfoReport,
    Outlet,
    ReportAdoption,
    ReportCategory,
    ReportImage,
    ReportReview,
    ReviewDecision,
)
from .models import ReportStatus as S

TITLE_MAX, BODY_MAX, COMMENT_MAX = 100, 20_000, 500
EARLIEST_PERIOD = date(2010, 1, 1)
IMAGE_PURPOSE = "report_image"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # PostgreSQL refuses NUL; the rest is noise
_LABELS = {"title": "标题", "body": "正文", "comment": "意见"}
_MONTH = re.compile(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?")


# ---- input ---------------------------------------------------------------------------------

def clean_text(value, *, field: str, limit: int, multiline: bool = False) -> str:
    text = _CONTROL.sub("", str(value or "").replace("\r\n", "\n").replace("\r", "\n"))
    text = text.strip() if multiline else " ".join(text.split())
    if len(text) > limit:
        raise E.TOO_LONG.error(field, label=_LABELS.get(field, field), limit=limit)
    return text


def parse_period(value, *, field: str = "period", allow_future: bool = False) -> date:
    """A month: a date (any day of it) or "YYYY-MM"; from 2010-01 up to this month (any
    later month too with `allow_future`, for the end of a filter's range)."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        month = value.replace(day=1)
    else:
        m = _MONTH.fullmatch(str(value or "").strip())
        try:
            month = date(int(m.group(1)), int(m.group(2)), 1) if m else None
        except ValueError:
            month = None
        if month is None:
            raise E.PERIOD_INVALID.error(field, earliest=f"{EARLIEST_PERIOD:%Y-%m}")
    if not EARLIEST_PERIOD <= month <= date(2999, 12, 1):
        raise E.PERIOD_INVALID.error(field, earliest=f"{EARLIEST_PERIOD:%Y-%m}")
    if not allow_future and month > timezone.localdate().replace(day=1):
        raise E.PERIOD_FUTURE.error(field)
    return month


def _title(value) -> str:
    title = clean_text(value, field="title", limit=TITLE_MAX)
    if not title:
        raise E.TITLE_REQUIRED.error("title")
    return title


def _category(category: ReportCategory) -> ReportCategory:
    if not category.active:
        raise E.CATEGORY_INACTIVE.error("category_id", name=category.name)
    return category


def _comment(value, what: str | None = None) -> str:
    comment = clean_text(value, field="comment", limit=COMMENT_MAX, multiline=True)
    if what and not comment:
        raise E.COMMENT_REQUIRED.error("comment", what=what)
    return comment


# ---- checks --------------------------------------------------------------------------------

def _check_author(actor, report: InfoReport, action: str) -> None:
    if not may_author(scope_for(actor), report):
        raise E.NOT_AUTHOR.error(action=action)


def _check_status(report: InfoReport, allowed, action: str) -> None:
    if report.status not in allowed:
        raise E.BAD_STATUS.error(status=report.get_status_display(), action=action)


def _check_reviewer(actor, report: InfoReport, action: str) -> None:
    if not may_review(scope_for(actor), report):
        raise E.NOT_REVIEWER.error(action=action)
    if is_own(actor, report):
        raise E.OWN_REPORT.error(action=action)


def _author_of(actor, unit: Unit | None, node: Node | None) -> tuple[Node, Unit | None]:
    """The node (and unit) a new report is written for; the actor must be on its author side."""
    if (unit is None) == (node is None):
        raise E.AUTHOR_REQUIRED.error("unit_id")
    probe = InfoReport(unit=unit, node=unit.node if unit else node)
    if not may_author(scope_for(actor), probe):
        seen = (unit_list_for_actor(actor=actor, include_archived=True).filter(pk=unit.pk) if unit
                else node_list_for_actor(actor=actor, include_archived=True).filter(pk=node.pk)).exists()
        if not seen:
            raise CoreError.NOT_FOUND.error("unit_id" if unit else "node_id")
        raise E.NOT_AUTHOR.error("unit_id" if unit else "node_id", action="以其名义报送")
    if unit is not None and unit.archived_at is not None:
        raise E.UNIT_ARCHIVED.error("unit_id", unit=unit.name)
    target = unit.node if unit else node
    if target.archived_at is not None:
        raise E.NODE_ARCHIVED.error("node_id", node=target.name)
    return target, unit


# ---- the conditional update ----------------------------------------------------------------

def _move(report: InfoReport, from_statuses, action: str, **changes) -> None:
    """UPDATE the report WHERE it is still in one of `from_statuses` (and, for the keys of
    `expect`, still has the values read); raise bad_status or changed when it is not."""
    expect = changes.pop("expect", {})
    done = (InfoReport.objects.filter(pk=report.pk, status__in=list(from_statuses), **expect)
            .update(**changes, updated_at=timezone.now()))
    if done:
        return
    current = InfoReport.objects.filter(pk=report.pk).values_list("status", flat=True).first()
    if current is None:
        raise CoreError.NOT_FOUND.error()
    if current not in from_statuses:
        raise E.BAD_STATUS.error(status=S(current).label, action=action)
    raise E.CHANGED.error()


def _history(actor, report: InfoReport, decision: str, before: str, after: str, comment: str = "") -> None:
    ReportReview.objects.create(report=report, actor=actor if getattr(actor, "is_authenticated", False) else None,
                                actor_label=actor.get_username() if actor is not None else "",
                                decision=decision, from_status=before, to_status=after, comment=comment)
    audit_record(actor=actor, action=f"report.{decision}", obj=report, node_path=report.node.path,
                 changes={"title": report.title, "from": before, "to": after,
                          **({"comment": comment} if comment else {})})


# ---- drafts --------------------------------------------------------------------------------

def report_create(*, actor, title: str, category: ReportCategory, period, body: str = "",
                  unit: Unit | None = None, node: Node | None = None) -> InfoReport:
    """A draft in the name of `unit` (its liaison writes) or of `node` (its staff write)."""
    target, unit = _author_of(actor, unit, node)
    values = {"title": _title(title), "body": clean_text(body, field="body", limit=BODY_MAX, multiline=True),
              "category": _category(category), "period": parse_period(period)}
    with transaction.atomic():
        report = InfoReport.objects.create(node=target, unit=unit, author=actor, status=S.DRAFT, **values)
        audit_record(actor=actor, action="report.create", obj=report, node_path=target.path,
                     changes={"title": report.title, "unit": unit.name if unit else "",
                              "period": f"{report.period:%Y-%m}"})
    return report


def report_update(*, actor, report: InfoReport, title=None, body=None, category: ReportCategory | None = None,
                  period=None) -> InfoReport:
    """Edit a draft or a returned report. A returned report's new period moves its count."""
    _check_author(actor, report, "修改报送")
    _check_status(report, EDITABLE, "修改")
    changes: dict = {}
    if title is not None:
        changes["title"] = _title(title)
    if body is not None:
        changes["body"] = clean_text(body, field="body", limit=BODY_MAX, multiline=True)
    if category is not None and category.pk != report.category_id:
        changes["category"] = _category(category)
    new_period = parse_period(period) if period is not None else report.period
    if new_period != report.period:
        changes["period"] = new_period
    diff = {k: str(v) for k, v in changes.items() if k not in ("body",)}
    if "body" in changes and changes["body"] != report.body:
        diff["body"] = f"{len(changes['body'])} 字"
    if not changes:
        return report
    with transaction.atomic():
        # The period read is part of the condition: two edits of the period cannot both move the count.
        _move(report, EDITABLE, "修改", expect={"period": report.period}, **changes)
        if "period" in changes and report.first_submitted_at is not None:
            figures.counted(report, figures.SUBMITTED, -1, period=report.period)
            figures.counted(report, figures.SUBMITTED, +1, period=new_period)
        audit_record(actor=actor, action="report.update", obj=report, node_path=report.node.path, changes=diff)
    report.refresh_from_db()
    return report


def _forget_images(images: list[StoredImage]) -> None:
    """Delete the stored images' rows now and their files once the transaction commits."""
    StoredImage.objects.filter(pk__in=[i.pk for i in images]).delete()
    image_files_forget(images)


def report_delete(*, actor, report: InfoReport) -> None:
    """Delete a draft that was never submitted (with its images)."""
    _check_author(actor, report, "删除报送")
    _check_status(report, [S.DRAFT], "删除")
    with transaction.atomic():
        images = list(StoredImage.objects.filter(pk__in=report.images.values("image_id")))
        ReportImage.objects.filter(report=report).delete()
        if not InfoReport.objects.filter(pk=report.pk, status=S.DRAFT).delete()[0]:
            _move(report, [S.DRAFT], "删除")  # raises: it changed in between
        _forget_images(images)
        audit_record(actor=actor, action="report.delete", obj=report, node_path=report.node.path,
                     changes={"title": report.title})


def report_image_add(*, actor, report: InfoReport, upload) -> ReportImage:
    """Check, strip and store an image (core.uploads) and attach it to a draft or returned report."""
    _check_author(actor, report, "上传图片")
    _check_status(report, EDITABLE, "上传图片")
    if report.image_count >= MAX_IMAGES:
        raise E.TOO_MANY_IMAGES.error("image", limit=MAX_IMAGES)
    with transaction.atomic():
        # The count is the guard: a conditional UPDATE, so parallel uploads cannot pass the limit.
        if not InfoReport.objects.filter(pk=report.pk, status__in=EDITABLE, image_count__lt=MAX_IMAGES).update(
                image_count=F("image_count") + 1, updated_at=timezone.now()):
            current = InfoReport.objects.filter(pk=report.pk).values_list("status", flat=True).first()
            if current in EDITABLE:
                raise E.TOO_MANY_IMAGES.error("image", limit=MAX_IMAGES)
            _move(report, EDITABLE, "上传图片")
        image = image_store(actor=actor, upload=upload, purpose=IMAGE_PURPOSE)
        added = ReportImage.objects.create(report=report, image=image, added_by=actor)
        audit_record(actor=actor, action="report.image_add", obj=report, node_path=report.node.path,
                     changes={"image": str(image.public_id)})
    report.refresh_from_db()
    return added


def report_image_remove(*, actor, report: InfoReport, report_image: ReportImage) -> None:
    _check_author(actor, report, "删除图片")
    _check_status(report, EDITABLE, "删除图片")
    with transaction.atomic():
        _move(report, EDITABLE, "删除图片", expect={"image_count__gt": 0}, image_count=F("image_count") - 1)
        if not ReportImage.objects.filter(pk=report_image.pk, report=report).delete()[0]:
            raise CoreError.NOT_FOUND.error()  # removed meanwhile: roll the count back too
        _forget_images([report_image.image])
        audit_record(actor=actor, action="report.image_remove", obj=report, node_path=report.node.path,
                     changes={"image": str(report_image.image.public_id)})
    report.refresh_from_db()


# ---- workflow ------------------------------------------------------------------------------

def report_submit(*, actor, report: InfoReport) -> InfoReport:
    """Draft → submitted (counted), or returned → submitted again (not counted twice)."""
    _check_author(actor, report, "提交报送")
    _check_status(report, EDITABLE, "提交")
    if not report.body.strip():
        raise E.BODY_REQUIRED.error("body")
    now = timezone.now()
    with transaction.atomic():
        if InfoReport.objects.filter(pk=report.pk, status=S.DRAFT).update(
                status=S.SUBMITTED, first_submitted_at=now, submitted_at=now, updated_at=now):
            report.refresh_from_db()
            figures.counted(report, figures.SUBMITTED)
            _history(actor, report, ReviewDecision.SUBMIT, S.DRAFT, S.SUBMITTED)
        else:
            _move(report, [S.RETURNED], "提交", status=S.SUBMITTED, submitted_at=now)
            report.refresh_from_db()
            _history(actor, report, ReviewDecision.RESUBMIT, S.RETURNED, S.SUBMITTED)
    return report


def _decide(actor, report: InfoReport, *, decision: str, before: str, after: str, action: str,
            comment: str = "", comment_needed: str | None = None, **changes) -> InfoReport:
    """A reviewer's decision: who (403), then state (409), then input (422), then the move."""
    _check_reviewer(actor, report, action)
    _check_status(report, [before], action)
    comment = _comment(comment, comment_needed)
    with transaction.atomic():
        _move(report, [before], action, status=after, **changes)
        report.refresh_from_db()
        if decision == ReviewDecision.APPROVE:
            figures.counted(report, figures.APPROVED)
        elif decision == ReviewDecision.PUBLISH:
            figures.counted(report, figures.PUBLISHED)
        elif decision == ReviewDecision.UNPUBLISH:
            figures.counted(report, figures.PUBLISHED, -1)
        _history(actor, report, decision, before, after, comment)
    return report


def report_approve(*, actor, report: InfoReport, comment: str = "") -> InfoReport:
    return _decide(actor, report, decision=ReviewDecision.APPROVE, before=S.SUBMITTED, after=S.APPROVED,
                   action="审核", comment=comment, approved_at=timezone.now(), reviewed_by=actor)


def report_return(*, actor, report: InfoReport, comment: str) -> InfoReport:
    return _decide(actor, report, decision=ReviewDecision.RETURN, before=S.SUBMITTED, after=S.RETURNED,
                   action="退回", comment=comment, comment_needed="退回意见", reviewed_by=actor)


def report_publish(*, actor, report: InfoReport) -> InfoReport:
    return _decide(actor, report, decision=ReviewDecision.PUBLISH, before=S.APPROVED, after=S.PUBLISHED,
                   action="公开发布", published_at=timezone.now())


def report_unpublish(*, actor, report: InfoReport, comment: str) -> InfoReport:
    return _decide(actor, report, decision=ReviewDecision.UNPUBLISH, before=S.PUBLISHED, after=S.APPROVED,
                   action="撤回发布", comment=comment, comment_needed="撤回原因", published_at=None)


# ---- adoptions by outlets (刊播采用) ---------------------------------------------------------

ADOPTABLE = (S.SUBMITTED, S.APPROVED, S.PUBLISHED)


def outlet_get(key) -> Outlet:
    """An active outlet by id or code ("xuexi")."""
    qs = Outlet.objects.filter(active=True)
    found = None
    if isinstance(key, int) and not isinstance(key, bool):
        found = qs.filter(pk=key).first()
    elif isinstance(key, str) and key.strip():
        text = key.strip().replace("\x00", "")[:40]
        found = qs.filter(code=text.lower()).first() or qs.filter(name=text).first()
    if found is None:
        raise E.OUTLET_UNKNOWN.error("outlet", value=str(key)[:40])
    return found


def _adopted_on(value) -> date:
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value or "").strip()[:10])
        except ValueError:
            raise E.ADOPTED_ON_INVALID.error("adopted_on") from None
    if not date(2000, 1, 1) <= value <= timezone.localdate():
        raise E.ADOPTED_ON_INVALID.error("adopted_on")
    return value


def _link(value) -> str:
    text = str(value or "").strip()
    if text and (len(text) > 500 or not re.fullmatch(r"https?://[^\s\x00-\x1f\x7f]+", text)):
        raise E.LINK_INVALID.error("link")
    return text


def report_adoption_add(*, actor, report: InfoReport, outlet: Outlet, adopted_on, link: str = "") -> ReportAdoption:
    """Record that an outlet adopted (刊播) the report: by a reviewer over the report (not its
    author), once
    per outlet, for a report that went up for review. Counted in `reports_adopted:<outlet>`."""
    _check_reviewer(actor, report, "登记刊播采用")  # a reviewer over it, not its author
    if report.status not in ADOPTABLE:
        raise E.NOT_ADOPTABLE.error(status=report.get_status_display())
    day, link = _adopted_on(adopted_on), _link(link)
    with transaction.atomic():
        if ReportAdoption.objects.filter(report=report, outlet=outlet).exists():
            raise E.ADOPTED_ALREADY.error("outlet", outlet=outlet.name)
        try:
            with transaction.atomic():
                adoption = ReportAdoption.objects.create(report=report, outlet=outlet, adopted_on=day, link=link,
                                                         recorded_by=actor)
        except IntegrityError:  # a second tap
            raise E.ADOPTED_ALREADY.error("outlet", outlet=outlet.name) from None
        figures.adoption_counted(adoption, 1)
        audit_record(actor=actor, action="reporting.adoption_add", obj=report, node_path=report.node.path,
                     changes={"outlet": outlet.code, "adopted_on": day.isoformat(), "link": link})
    return adoption


def report_adoption_remove(*, actor, report: InfoReport, adoption_id) -> None:
    """Take back an adoption recorded by mistake (it leaves the count). Idempotent."""
    _check_reviewer(actor, report, "撤销刊播采用")
    with transaction.atomic():
        adoption = (ReportAdoption.objects.select_for_update().select_related("outlet", "report")
                    .filter(report=report, pk=adoption_id).first()) \
            if isinstance(adoption_id, int) and 0 < adoption_id <= MAX_PK else None
        if adoption is None:
            return
        figures.adoption_counted(adoption, -1)
        adoption.delete()
        audit_record(actor=actor, action="reporting.adoption_remove", obj=report, node_path=report.node.path,
                     changes={"outlet": adoption.outlet.code, "adopted_on": adoption.adopted_on.isoformat()})
