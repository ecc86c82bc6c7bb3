"""Excel export of a volunteer list, streamed, with ID number and phone masked (never raw).

The rows come from volunteer_list_for_actor, so an export shows exactly what the actor's
list page shows; skills are fetched once per chunk (no N+1).
"""

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from wenming.core.audit import audit_record
from wenming.core.excel import safe_row

from ..models import Availability, IdType, PoliticalStatus, Sex, Skill, Source, Volunteer, VolunteerStatus
from ..selectors import volunteer_list_for_actor
from ..validation import age_on

CHUNK = 2000
SHEET_TITLE = "志愿者名单"
HEADERS = [
    ("志愿者编号", 16), ("姓名", 10), ("证件类型", 12), ("证件号码（脱敏）", 22), ("性别", 6), ("年龄", 6),
    ("手机号码（脱敏）", 14), ("所属阵地", 28), ("阵地编码", 12), ("所在网格", 16), ("政治面貌", 12),
    ("技能特长", 24), ("可服务时间", 24), ("应急储备", 8), ("保险有效期至", 12), ("状态", 8), ("来源", 12),
    ("注册时间", 18),
]
FIELDS = ["id", "volunteer_no", "name", "id_type", "id_number_masked", "birth_date", "sex", "phone_masked",
          "political_status", "availability", "is_reserve", "insurance_valid_until", "status", "source",
          "registered_at", "home_node__name", "home_node__code", "grid__name"]
_LABELS = {
    "id_type": dict(IdType.choices), "sex": dict(Sex.choices), "political_status": dict(PoliticalStatus.choices),
    "status": dict(VolunteerStatus.choices), "source": dict(Source.choices),
}


def export_roster(*, actor, out, **filters) -> int:
    """Write the actor's volunteer list (the list page's filters) to `out`, a path or a binary file."""
    qs = volunteer_list_for_actor(actor=actor, **filters)
    return export_volunteers(actor=actor, queryset=qs, out=out, filters=filters)


def export_volunteers(*, actor, queryset, out, filters: dict | None = None, audit: bool = True,
                      progress: Callable[[int], None] | None = None) -> int:
    """Stream `queryset` (from volunteer_list_for_actor) to an xlsx; returns the row count.
    `progress(rows written)` is called after each chunk (a background job's progress bar)."""
    qs = queryset.select_related("home_node", "grid").only(*FIELDS)
    skill_names = dict(Skill.objects.values_list("pk", "name"))
    book = Workbook(write_only=True)
    ws = book.create_sheet(SHEET_TITLE)
    for index, (_, width) in enumerate(HEADERS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    ws.append([_bold(ws, title, bold) for title, _ in HEADERS])
    today = timezone.localdate()
    count = 0
    chunk: list[Volunteer] = []
    for vol in qs.iterator(chunk_size=CHUNK):
        chunk.append(vol)
        if len(chunk) >= CHUNK:
            count += _write_chunk(ws, chunk, skill_names, today)
            chunk = []
            if progress:
                progress(count)
    if chunk:
        count += _write_chunk(ws, chunk, skill_names, today)
    if isinstance(out, (str, Path)):
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        out = str(out)
    book.save(out)
    if audit:
        audit_record(actor=actor, action="volunteer.export", changes={"rows": count, "filters": _audited(filters)})
    return count


def _audited(filters: dict | None) -> dict:
    """Filters for the audit log; a search text may be a phone number, so only its presence is kept."""
    out = {k: str(v) for k, v in (filters or {}).items() if v not in (None, "")}
    if "search" in out:
        out["search"] = "（已填写）"
    return out


def _bold(ws, value, font):
    cell = WriteOnlyCell(ws, value=value)
    cell.font = font
    return cell


def _write_chunk(ws, chunk: list[Volunteer], skill_names: dict[int, str], today) -> int:
    links: dict[int, list[str]] = {}
    rows = Volunteer.skills.through.objects.filter(volunteer_id__in=[v.pk for v in chunk]).order_by(
        "volunteer_id", "skill_id").values_list("volunteer_id", "skill_id")
    for vol_id, skill_id in rows:
        links.setdefault(vol_id, []).append(skill_names.get(skill_id, ""))
    for vol in chunk:
        ws.append(safe_row([  # names are typed by people (self-registration): no formulas
            vol.volunteer_no, vol.name, _LABELS["id_type"].get(vol.id_type, vol.id_type), vol.id_number_masked,
            _LABELS["sex"].get(vol.sex, ""), age_on(vol.birth_date, today), vol.phone_masked,
            vol.home_node.name, vol.home_node.code, vol.grid.name if vol.grid_id else "",
            _LABELS["political_status"].get(vol.political_status, ""), "、".join(links.get(vol.pk, [])),
            "、".join(label for value, label in Availability.choices if vol.availability & value),
            "是" if vol.is_reserve else "否", vol.insurance_valid_until,
            _LABELS["status"].get(vol.status, ""), _LABELS["source"].get(vol.source, ""), _local(vol.registered_at),
        ]))
    return len(chunk)


def _local(moment: datetime | None):
    if moment is None:
        return None
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0)
