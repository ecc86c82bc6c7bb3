"""Excel export of household visits, streamed (write-only), addresses masked, never in clear.

The rows come from visit_list_for_actor with the list's filters, so an export holds exactly
what the actor's list shows. A back-entry (补录) is marked in the last column with when, by
whom and why it was typed in. Each export writes an audit row (how many rows, which filters).
"""

from io import BytesIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from wenming.core.audit import audit_record

CHUNK = 2000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = [("走访时间", 18), ("网格", 20), ("网格编码", 12), ("地址（脱敏）", 24), ("队伍", 20), ("走访志愿者", 10),
           ("在家人数", 8), ("排查标记", 30), ("情况说明", 40), ("转办点单", 16), ("登记人", 12), ("状态", 8),
           ("补录", 36)]


def visits_workbook(*, actor, queryset, filters: dict | None = None) -> tuple[bytes, int]:
    """The visits of `queryset` as an xlsx; returns (bytes, row count)."""
    book = Workbook(write_only=True)
    ws = book.create_sheet("入户走访")
    for index, (_, width) in enumerate(HEADERS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    ws.append([title for title, _ in HEADERS])
    count = 0
    for visit in queryset.iterator(chunk_size=CHUNK):
        ws.append([
            timezone.localtime(visit.visited_at).strftime("%Y-%m-%d %H:%M"), visit.grid.name, visit.grid.code,
            visit.address_masked, visit.team.name if visit.team_id else "",
            visit.volunteer.name if visit.volunteer_id else "", visit.residents_count,
            "、".join(f.name for f in visit.flags.all()), visit.note,
            visit.demand.tracking_no if visit.demand_id else "",
            visit.recorded_by.get_username() if visit.recorded_by_id else "",
            "已作废" if visit.voided_at else "有效",
            visit.late_note,  # "补录 <recorded on> <by>：<reason>" for a back-entry (core/back_entry.py)
        ])
        count += 1
    out = BytesIO()
    book.save(out)
    audit_record(actor=actor, action="grids.visit_export",
                 changes={"rows": count, "filters": {k: str(v) for k, v in (filters or {}).items() if v}})
    return out.getvalue(), count


def export_filename() -> str:
    return f"入户走访-{timezone.localdate():%Y%m%d}.xlsx"
