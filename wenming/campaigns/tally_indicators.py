"""Writes of the tally indicators: an office defines its own (名称, 计量单位, how its months add
up, its work-report section, its order) for its subtree, and may rename, reorder or retire
them; the platform's own (no node) stay with the platform admin.

An office's indicator is entered like any other (tally_services), counts in the figures as
`tally:<code>` (the code is generated: offices name indicators in Chinese) and reaches the
work report, its workbook and the dashboards of the nodes it concerns. Names are unique
among the indicators a node can use (the platform's, its own and its ancestors'), so an
entry form never offers two 消杀面积. Each write is audited.
"""

import secrets

from django.db import IntegrityError, transaction

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.audit import audit_record
from wenming.core.errors import CoreError
from wenming.core.locks import xact_lock
from wenming.orgs.models import Node
from wenming.orgs.tree import ancestor_paths

from .errors import CampaignError as E
from .models import Aggregation, Indicator, ReportSection

FIELDS = ("name", "unit", "section", "aggregation", "sort", "active")


def _text(raw, limit: int, error, field: str) -> str:
    text = str(raw if raw is not None else "").replace("\x00", "").strip()
    if not text or len(text) > limit:
        raise error.error(field)
    return text


def _choice(raw, choices, what: str, field: str) -> str:
    value = str(raw or "").strip()
    if value not in choices.values:
        raise E.INDICATOR_CHOICE.error(field, what=what, value=value[:20])
    return value


def _sort(raw) -> int:
    if isinstance(raw, bool) or not (isinstance(raw, int) or (isinstance(raw, str) and raw.strip().isdigit())):
        raise E.INDICATOR_SORT.error("sort")
    value = int(raw)
    if not 0 <= value <= 32767:
        raise E.INDICATOR_SORT.error("sort")
    return value


def _require_definer(actor, node: Node | None) -> None:
    """An office defines indicators for its own subtree; the platform's are the admin's."""
    scope = scope_for(actor)
    if node is None:
        if not scope.is_global:
            raise E.INDICATOR_NOT_YOURS.error()
        return
    if not scope.allows(Perm.STATS_DEFINE, node.path):
        raise (CoreError.FORBIDDEN if scope.allows(Perm.NODE_VIEW, node.path) else CoreError.NOT_FOUND).error()


def _name_free(name: str, node: Node | None, exclude: int | None = None) -> None:
    """No other indicator usable where this one is (the platform's, the node's ancestors',
    the node's own and its descendants') carries the name."""
    clash = Indicator.objects.filter(name=name).exclude(pk=exclude)
    if node is not None:
        clash = clash.filter(node__isnull=True) | clash.filter(node__path__in=ancestor_paths(node.path)) | \
            clash.filter(node__path__startswith=node.path)
    if clash.exists():
        raise E.INDICATOR_NAME_TAKEN.error("name", name=name)


def indicator_create(*, actor, node: Node | None, name, unit, section=ReportSection.OTHER,
                     aggregation=Aggregation.SUM, sort=500) -> Indicator:
    _require_definer(actor, node)
    values = {"name": _text(name, 32, E.INDICATOR_NAME_REQUIRED, "name"), "unit": _text(unit, 8, E.INDICATOR_UNIT_REQUIRED, "unit"),
              "section": _choice(section, ReportSection, "工作报告栏目", "section"),
              "aggregation": _choice(aggregation, Aggregation, "汇总方式", "aggregation"), "sort": _sort(sort)}
    if node is not None and node.archived_at is not None:
        raise E.NODE_ARCHIVED.error("node_id", node=node.name)
    with transaction.atomic():
        xact_lock(f"indicator-name:{values['name']}")  # two offices on one path: one of them wins
        _name_free(values["name"], node)
        try:
            with transaction.atomic():
                indicator = Indicator.objects.create(code=f"x{secrets.token_hex(6)}", node=node, **values)
        except IntegrityError:  # the same name a moment ago, by a second tap
            raise E.INDICATOR_NAME_TAKEN.error("name", name=values["name"]) from None
        audit_record(actor=actor, action="campaigns.indicator_create", obj=indicator,
                     node_path=node.path if node else "", changes={**values, "code": indicator.code})
    return indicator


def indicator_update(*, actor, indicator: Indicator, **changes) -> Indicator:
    """Rename, change the unit, section, how months add up, the order, or retire / restore."""
    _require_definer(actor, indicator.node)
    values = {}
    for field, raw in changes.items():
        if field not in FIELDS or raw is None:
            continue
        if field == "name":
            values["name"] = _text(raw, 32, E.INDICATOR_NAME_REQUIRED, "name")
        elif field == "unit":
            values["unit"] = _text(raw, 8, E.INDICATOR_UNIT_REQUIRED, "unit")
        elif field == "section":
            values["section"] = _choice(raw, ReportSection, "工作报告栏目", "section")
        elif field == "aggregation":
            values["aggregation"] = _choice(raw, Aggregation, "汇总方式", "aggregation")
        elif field == "sort":
            values["sort"] = _sort(raw)
        elif field == "active":
            values["active"] = bool(raw)
    with transaction.atomic():
        if "name" in values and values["name"] != indicator.name:
            xact_lock(f"indicator-name:{values['name']}")
            _name_free(values["name"], indicator.node, exclude=indicator.pk)
        for field, value in values.items():
            setattr(indicator, field, value)
        try:
            with transaction.atomic():
                indicator.save()  # a save (not an UPDATE) so the dashboards' member list is refreshed
        except IntegrityError:
            raise E.INDICATOR_NAME_TAKEN.error("name", name=values.get("name", indicator.name)) from None
        audit_record(actor=actor, action="campaigns.indicator_update", obj=indicator,
                     node_path=indicator.node.path if indicator.node_id else "", changes=values)
    return indicator
