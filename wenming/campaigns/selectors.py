"""Reads of 移风易俗 records, online activities and party check-ins, each through the actor's
scope (access.py). Counts over a subtree come from the dashboard figures (docs/dashboards.md);
one activity's own counts are an indexed aggregate over its engagement rows."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.core.errors import CoreError
from wenming.dashboards.metrics import STOCK_PERIOD
from wenming.dashboards.summary import figures_for, figures_for_children
from wenming.orgs.models import Node

from . import access
from .figures import ENGAGEMENT_METRIC, reform_metric
from .models import (
    ActivityEngagement,
    EngagementKind,
    OnlineActivity,
    PartyCheckin,
    ReformKind,
    ReformRecord,
    ReformTotal,
)


def campaign_node_get_for_actor(*, actor, node_id, perm: str = Perm.NODE_VIEW) -> Node:
    node = Node.objects.filter(access.node_q(actor, "path", perm)).filter(pk=node_id).first() if node_id else None
    if node is None:
        raise CoreError.NOT_FOUND.error("node_id")
    return node


def _sum(figures: dict, metric: str) -> int:
    return int(sum(v for (m, _p), v in figures.items() if m == metric))


# ---- 移风易俗 -----------------------------------------------------------------------------

def reform_totals_for_actor(*, actor, node_id: int | None = None) -> QuerySet:
    """The month totals entered in the actor's area (or under a node of it), newest first."""
    qs = ReformTotal.objects.filter(access.node_q(actor, "node__path")).select_related("node", "entered_by")
    if node_id:
        node = campaign_node_get_for_actor(actor=actor, node_id=node_id)
        qs = qs.filter(node__path__startswith=node.path)
    return qs.order_by("-period", "node__path", "kind")


def reform_list_for_actor(*, actor, node_id: int | None = None, kind: str = "", since: date | None = None,
                          until: date | None = None, include_voided: bool = False) -> QuerySet:
    qs = ReformRecord.objects.filter(access.node_q(actor, "node__path")).select_related("node", "recorded_by")
    if node_id:
        node = campaign_node_get_for_actor(actor=actor, node_id=node_id)
        qs = qs.filter(node__path__startswith=node.path)
    if kind:
        qs = qs.filter(kind=kind)
    if since:
        qs = qs.filter(occurred_on__gte=since)
    if until:
        qs = qs.filter(occurred_on__lte=until)
    if not include_voided:
        qs = qs.filter(voided_at__isnull=True)
    return qs.order_by("-occurred_on", "-id")


def reform_get_for_actor(*, actor, record_id: int) -> ReformRecord:
    record = reform_list_for_actor(actor=actor, include_voided=True).filter(pk=record_id).first()
    if record is None:
        raise CoreError.NOT_FOUND.error()
    return record


@dataclass
class KindCount:
    kind: str
    label: str
    count: int


def reform_counts_for_actor(*, actor, node: Node, since: date | None = None,
                            until: date | None = None) -> list[KindCount]:
    """Per kind, the records of `node`'s subtree in the months since..until (figures)."""
    campaign_node_get_for_actor(actor=actor, node_id=node.pk)
    figures = figures_for(node, [reform_metric(k) for k in ReformKind.values], since=_month(since),
                          until=_month(until))
    return [KindCount(k, label, _sum(figures, reform_metric(k))) for k, label in ReformKind.choices]


def _month(day: date | None) -> date | None:
    return day.replace(day=1) if day else None


# ---- online activities ---------------------------------------------------------------------

def activity_list_for_actor(*, actor, node_id: int | None = None, status: str = "") -> QuerySet:
    qs = OnlineActivity.objects.filter(access.node_q(actor, "node__path")).select_related("node")
    if node_id:
        node = campaign_node_get_for_actor(actor=actor, node_id=node_id)
        qs = qs.filter(node__path__startswith=node.path)
    now = timezone.now()
    if status == "upcoming":
        qs = qs.filter(starts_at__gt=now)
    elif status == "ongoing":
        qs = qs.filter(starts_at__lte=now, ends_at__gte=now)
    elif status == "ended":
        qs = qs.filter(ends_at__lt=now)
    return qs.order_by("-starts_at", "-id")


def activity_get_for_actor(*, actor, activity_id: int) -> OnlineActivity:
    activity = activity_list_for_actor(actor=actor).filter(pk=activity_id).first()
    if activity is None:
        raise CoreError.NOT_FOUND.error()
    return activity


def activity_public_get(*, activity_id) -> OnlineActivity:
    """Any activity, for the public page and the engagement endpoint (activities are public)."""
    activity = OnlineActivity.objects.select_related("node").filter(pk=activity_id).first() if activity_id else None
    if activity is None:
        raise CoreError.NOT_FOUND.error("activity_id")
    return activity


@dataclass
class ActivityStats:
    views: int = 0
    shares: int = 0
    participants: int = 0  # person-days, as the figures count them
    people: int = 0  # distinct people who took part on any day


def activity_stats(activity: OnlineActivity) -> ActivityStats:
    rows = dict(ActivityEngagement.objects.filter(activity=activity).values("kind").annotate(n=Count("pk"))
                .values_list("kind", "n"))
    people = (ActivityEngagement.objects.filter(activity=activity, kind=EngagementKind.PARTICIPATE)
              .values("person_key").distinct().count())
    return ActivityStats(views=rows.get(EngagementKind.VIEW, 0), shares=rows.get(EngagementKind.SHARE, 0),
                         participants=rows.get(EngagementKind.PARTICIPATE, 0), people=people)


def online_counts_for_actor(*, actor, node: Node, since: date | None = None,
                            until: date | None = None) -> dict[str, int]:
    """{metric: person-days} over `node`'s subtree in the months since..until (figures)."""
    campaign_node_get_for_actor(actor=actor, node_id=node.pk)
    metrics = list(ENGAGEMENT_METRIC.values())
    figures = figures_for(node, metrics, since=_month(since), until=_month(until))
    return {m: _sum(figures, m) for m in metrics}


# ---- party check-ins -----------------------------------------------------------------------

def _checkin_q(actor) -> Q:
    q = access.node_q(actor, "station__path", Perm.VOLUNTEER_VIEW)
    if getattr(actor, "is_authenticated", False):
        q |= Q(volunteer__user_id=actor.pk)
    return q


def checkin_list_for_actor(*, actor, node_id: int | None = None, active: bool | None = True) -> QuerySet:
    qs = PartyCheckin.objects.filter(_checkin_q(actor)).select_related("volunteer", "station")
    if node_id:
        node = campaign_node_get_for_actor(actor=actor, node_id=node_id, perm=Perm.VOLUNTEER_VIEW)
        qs = qs.filter(station__path__startswith=node.path)
    if active is True:
        qs = qs.filter(withdrawn_at__isnull=True)
    elif active is False:
        qs = qs.filter(withdrawn_at__isnull=False)
    return qs.order_by("-checked_in_at", "-id")


def checkin_get_for_actor(*, actor, checkin_id: int) -> PartyCheckin:
    checkin = checkin_list_for_actor(actor=actor, active=None).filter(pk=checkin_id).first()
    if checkin is None:
        raise CoreError.NOT_FOUND.error()
    return checkin


@dataclass
class NodeCount:
    node: Node
    count: int


def checkin_counts_for_actor(*, actor, node: Node) -> tuple[int, list[NodeCount]]:
    """Active check-ins in `node`'s subtree, and per live child (figures, a stock)."""
    campaign_node_get_for_actor(actor=actor, node_id=node.pk)
    total = _sum(figures_for(node, ["party_checkins"], since=STOCK_PERIOD, until=STOCK_PERIOD), "party_checkins")
    children = list(Node.objects.filter(parent=node, archived_at__isnull=True).order_by("path"))
    per = figures_for_children(children, ["party_checkins"], since=STOCK_PERIOD, until=STOCK_PERIOD)
    return total, [NodeCount(c, _sum(per[c.pk], "party_checkins")) for c in children]
