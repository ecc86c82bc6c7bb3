"""Helpers that go through the services, so tests see the rows the product makes."""

import io
from datetime import date, timedelta

from django.db.models import Sum
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from wenming.accounts.roles import Role
from wenming.accounts.services import role_grant
from wenming.campaigns import online_services, party_services, reform_services, sheet, tally_services
from wenming.campaigns.models import Indicator, TallyEntry, TallyTotal
from wenming.campaigns.tally_selectors import tally_current_for_actor
from wenming.core.back_entry import is_late, month_last_day
from wenming.core.errors import DomainError
from wenming.orgs.services import unit_create
from wenming.volunteers.tests.factories import user, volunteer


def indicator(code: str = "banner") -> Indicator:
    return Indicator.objects.get(code=code)  # seeded by the data migration


def this_month() -> date:
    return timezone.localdate().replace(day=1)


def last_month() -> date:
    return (this_month() - timedelta(days=1)).replace(day=1)


PAPER = "据纸质台账补录"  # the 补录说明 the helpers give a back-entry unless told otherwise


def paper_reason(day: date, late_reason: str | None) -> str:
    """`late_reason` as given, or (None) PAPER when entering something dated `day` now is a
    back-entry (core/back_entry.py) — tests of other behaviours may use any past month."""
    return late_reason if late_reason is not None else (PAPER if is_late(day) else "")


def add(actor, subject, value, code: str = "banner", period: date | None = None, note: str = "",
        late_reason: str | None = None):
    """A tally entry for a node or a unit (whichever `subject` is)."""
    from wenming.campaigns.periods import parse_period
    from wenming.orgs.models import Unit

    kwargs = {"unit": subject} if isinstance(subject, Unit) else {"node": subject}
    period = period or this_month()
    try:
        last = month_last_day(parse_period(period, allow_future=True))
    except DomainError:  # a malformed month: the service says what is wrong with it
        last = timezone.localdate()
    return tally_services.tally_add(actor=actor, indicator=indicator(code), period=period, value=value, note=note,
                                    late_reason=paper_reason(last, late_reason), **kwargs)


def unit(world, node=None, name: str = "九里村委会"):
    return unit_create(actor=world.root, node=node or world.station_a, name=name, unit_type="village",
                       level="county")


def liaison(world, the_unit, username: str = "liaison"):
    u = user(username)
    role_grant(actor=world.root, user=u, role=Role.UNIT_LIAISON, node=the_unit.node, unit=the_unit)
    return u


def party_member(world, node=None, **kwargs):
    return volunteer(world.root, node or world.station_a, political_status="party_member", **kwargs)


def reform(actor, node, kind: str = "funeral_simplified", household: str = "三组 12 号", occurred_on=None,
           late_reason: str | None = None):
    day = occurred_on or timezone.localdate()
    return reform_services.reform_record_create(actor=actor, node=node, kind=kind, household=household,
                                                occurred_on=day, late_reason=paper_reason(day, late_reason))


def activity(actor, node, title: str = "网上祭英烈", days: int = 30):
    now = timezone.now()
    return online_services.activity_create(actor=actor, node=node, title=title, starts_at=now - timedelta(days=1),
                                           ends_at=now + timedelta(days=days), link="https://example.org/a")


def campaign_differences() -> list:
    """rebuild.differences() restricted to this app's metrics."""
    from wenming.dashboards import rebuild

    prefixes = ("tally:", "reform:", "online_", "party_checkins")
    return [d for d in rebuild.differences() if d[0][1].startswith(prefixes)]


def assert_totals_balance() -> None:
    """Every maintained total equals the sum of its bucket's entries, none is negative, and
    no entry exists without its total row (ARCHITECTURE rule 5)."""
    sums = {(r["node"], r["unit"], r["indicator"], r["period"]): r["total"] for r in
            TallyEntry.objects.values("node", "unit", "indicator", "period").annotate(total=Sum("delta"))}
    rows = {(t.node_id, t.unit_id, t.indicator_id, t.period): t.value for t in TallyTotal.objects.all()}
    assert set(sums) <= set(rows)
    for key, value in rows.items():
        assert value >= 0, key
        assert value == (sums.get(key) or 0), key


# ---- Excel ----------------------------------------------------------------------------------

def template(actor, node, the_unit=None, period: date | None = None) -> bytes:
    period = period or this_month()
    values = tally_current_for_actor(actor=actor, node=node, unit=the_unit, period=period)
    return sheet.build_sheet(node=node, unit=the_unit, period=period, values=values)


def fill(data: bytes, values: dict, *, edit=None) -> bytes:
    """The template with 本期数值 set per indicator code (raw cell values: ugly ones welcome);
    `edit(ws)` may mangle the sheet further."""
    book = load_workbook(io.BytesIO(data))
    ws = book.active
    for row in ws.iter_rows(min_row=7):
        code = row[0].value
        if code in values:
            row[4].value = values[code]
    if edit is not None:
        edit(ws)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def workbook(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---- the cross-app scope sweep (volunteers/tests/test_api_scope.py) ------------------------

def sibling_campaigns(world) -> dict:
    """A tally entry, a 移风易俗 record, an online activity and a party check-in of station B,
    which manager_a must never reach."""
    entry = add(world.manager_b, world.station_b, 5)
    record = reform(world.manager_b, world.station_b)
    online = activity(world.manager_b, world.station_b)
    member = party_member(world, world.station_b, name="赵党员", phone="13900000077")
    checkin, _ = party_services.party_checkin(actor=world.root, volunteer=member)
    from wenming.campaigns.tally_indicators import indicator_create

    own = indicator_create(actor=world.root, node=world.station_b, name="杨贵店村专项", unit="次")
    return {"tally_entry_id": entry.pk, "reform_record_id": record.pk, "online_activity_id": online.pk,
            "party_checkin_id": checkin.pk, "tally_indicator_id": own.pk}


# A body that passes validation for each write endpoint, so the answer is about scope, not input.
CAMPAIGNS_BODIES = {
    ("post", "/tallies/{tally_entry_id}/corrections"): lambda w: {"delta": 1, "reason": "更正"},
    ("patch", "/reform-records/{reform_record_id}"): lambda w: {"note": "改"},
    ("post", "/reform-records/{reform_record_id}/void"): lambda w: {"reason": "录入有误"},
    ("patch", "/online-activities/{online_activity_id}"): lambda w: {"title": "改名"},
    ("post", "/party-checkins/{party_checkin_id}/withdraw"): lambda w: {"reason": "迁出"},
    ("patch", "/indicators/{tally_indicator_id}"): lambda w: {"name": "改名"},
}
