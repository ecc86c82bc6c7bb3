"""Inspection sites (点位) as a workbook: code, name, type, the node they belong to (by its
code), address, coordinates, check radius and responsible unit.

Import: a site code already in the actor's area updates that site; a code used elsewhere is
refused (without saying more about that site). Each row goes through `duties.site_save` in
its own savepoint. Sites are not per campaign: the office keeps one list for every year.
"""

from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Q

from wenming.accounts.scope import scope_for
from wenming.core.audit import audit_record
from wenming.core.errors import CoreError, DomainError
from wenming.orgs.models import Node

from ..access import EVAL_EDIT, has
from ..models import Site, SiteType
from ..services import duties as duty_services
from .common import (
    Book,
    Column,
    ImportResult,
    Sheet,
    UnitFinder,
    book_bytes,
    int_field,
    new_book,
    read_upload,
    short,
    text,
    text_field,
    unit_labels,
)
from .excel_errors import ExcelError as X

SHEET = "测评点位"
COLUMNS = [
    Column("code", "点位编码", "全系统唯一，最多 32 位；再次导入同一编码即更新该点位", required=True, width=12, text=True,
           aliases=("编码",)),
    Column("name", "点位名称", "最多 100 字；同一阵地下不重名", required=True, width=24, aliases=("名称",)),
    Column("site_type", "点位类型", "如 农贸市场、背街小巷（见下方可填写的值）", required=True, width=12,
           aliases=("类型",)),
    Column("node_code", "所属阵地编码", "点位所在阵地或区域的阵地编码，须在您的管理范围内", required=True, width=14,
           text=True, aliases=("阵地编码",)),
    Column("address", "地址", "最多 200 字", width=30),
    Column("lat", "纬度", "与经度同时填写，如 30.830000", width=12),
    Column("lon", "经度", "与纬度同时填写，如 111.000000", width=12),
    Column("radius_m", "核验半径", "督查员现场录入时的位置核验半径（米），10 到 5000；不填为 300", width=10),
    Column("unit", "责任单位", "点位的属地或管理单位（可不填）；同名单位写成“单位名称@阵地编码”", width=20,
           aliases=("点位责任单位",)),
]


def _edit_q(actor, field: str) -> Q:
    return scope_for(actor).q(EVAL_EDIT, field)


def require_office(actor) -> None:
    if not has(actor, EVAL_EDIT):
        raise CoreError.FORBIDDEN.error()


# ---- export --------------------------------------------------------------------------------

def site_workbook_export(*, actor) -> bytes:
    """The live sites of the actor's area (where they may edit), as a workbook (audited)."""
    require_office(actor)
    sites = (Site.objects.filter(_edit_q(actor, "node__path"), archived_at__isnull=True)
             .select_related("node", "site_type", "unit__node").order_by("node__path", "site_type__sort", "name"))
    book = new_book()
    sheet = Sheet(book, SHEET, COLUMNS)
    count = 0
    for batch in _batches(sites, 2000):
        labels = unit_labels(s.unit for s in batch if s.unit_id)
        for site in batch:
            sheet.append([site.code, site.name, site.site_type.name, site.node.code, site.address,
                          None if site.lat is None else float(site.lat), None if site.lon is None else float(site.lon),
                          site.radius_m, labels.get(site.unit_id, "")])
            count += 1
    data = book_bytes(book)
    audit_record(actor=actor, action="evaluation.site_export", changes={"sites": count})
    return data


def _batches(qs, size: int):
    batch = []
    for obj in qs.iterator(chunk_size=size):
        batch.append(obj)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# ---- import --------------------------------------------------------------------------------

def _coordinate(value, low: int, high: int) -> Decimal | None:
    raw = text(value)
    if not raw:
        return None
    try:
        number = Decimal(raw)
    except (InvalidOperation, ValueError):
        raise X.COORD_INVALID.error() from None
    if not number.is_finite() or not low <= number <= high:
        raise X.COORD_INVALID.error()
    return number.quantize(Decimal("0.000001"))


class _Row:
    def __init__(self, number: int, raw: dict, site_types: dict[str, SiteType], nodes: dict[str, Node]):
        self.number = number
        self.code = text_field(raw.get("code"), "点位编码", 32, required=True)
        self.name = text_field(raw.get("name"), "点位名称", 100, required=True)
        type_word = text_field(raw.get("site_type"), "点位类型", 100, required=True)
        self.site_type = site_types.get(type_word)
        if self.site_type is None:
            raise X.SITE_TYPE_UNKNOWN.error(value=short(type_word))
        node_code = text_field(raw.get("node_code"), "所属阵地编码", 100, required=True)
        self.node = nodes.get(node_code)
        if self.node is None:
            raise X.NODE_UNKNOWN.error(code=short(node_code))
        self.address = text_field(raw.get("address"), "地址", 200)
        self.lat, self.lon = _coordinate(raw.get("lat"), -90, 90), _coordinate(raw.get("lon"), -180, 180)
        if (self.lat is None) != (self.lon is None):
            raise X.COORD_PAIR.error()
        self.radius_m = int_field(raw.get("radius_m"), "核验半径", 300)
        self.unit_label = text_field(raw.get("unit"), "责任单位", 200)

    def same_as(self, site: Site, unit) -> bool:
        return (site.name == self.name and site.site_type_id == self.site_type.pk and site.node_id == self.node.pk
                and site.address == self.address and site.lat == self.lat and site.lon == self.lon
                and site.radius_m == self.radius_m and site.unit_id == getattr(unit, "pk", None))


def site_workbook_import(*, actor, upload, file_name: str = "") -> ImportResult:
    """Import sites into the actor's area: every good row lands, each bad row is reported."""
    require_office(actor)
    data = read_upload(upload)
    with Book(data) as book:
        rows = book.rows(SHEET, COLUMNS)
    result = ImportResult(rows=len(rows))
    site_types: dict[str, SiteType] = {}
    for site_type in SiteType.objects.all():
        site_types[site_type.code] = site_types[site_type.name] = site_type
    node_codes = {text(raw.get("node_code"))[:32] for _, raw in rows}
    nodes = {n.code: n for n in Node.objects.filter(_edit_q(actor, "path"), code__in=node_codes,
                                                    archived_at__isnull=True)}
    codes = {text(raw.get("code"))[:32] for _, raw in rows}
    stored = {s.code: s for s in Site.objects.filter(code__in=codes).select_related("node")}
    mine = set(Site.objects.filter(_edit_q(actor, "node__path"), code__in=codes).values_list("pk", flat=True))
    seen: dict[str, int] = {}
    with transaction.atomic():
        for number, raw in rows:
            try:
                row = _Row(number, raw, site_types, nodes)
                if row.code in seen:
                    raise X.ROW_DUPLICATE.error(first=seen[row.code], what="点位编码", value=short(row.code))
                seen[row.code] = number
                existing = stored.get(row.code)
                if existing is not None and existing.pk not in mine:
                    raise X.SITE_CODE_TAKEN.error(code=short(row.code))
                unit = _unit(row) if row.unit_label else None
                if existing is not None and row.same_as(existing, unit):
                    result.unchanged += 1
                    continue
                with transaction.atomic():  # one savepoint per row
                    site = duty_services.site_save(
                        actor=actor, node=row.node, site_type=row.site_type, name=row.name, code=row.code,
                        address=row.address, lat=row.lat, lon=row.lon, radius_m=row.radius_m, unit=unit,
                        site=existing)
            except DomainError as exc:
                result.fail(number, exc)
                continue
            except IntegrityError:  # someone else saved the same site in the meantime
                result.fail(number, X.ROW_CONFLICT.error())
                continue
            stored[site.code] = site
            mine.add(site.pk)
            if existing is None:
                result.created += 1
            else:
                result.updated += 1
        result.sort()
        audit_record(actor=actor, action="evaluation.site_import",
                     changes={**result.summary(), "file": short(text(file_name), 60)})
    return result


def _unit(row: _Row):
    """The responsible unit: attached at the site's node, inside it, or above it (a county
    bureau answers for a village market), as site_save allows."""
    path = row.node.path
    ancestors = [path[:i] for i in range(4, len(path), 4)]
    finder = UnitFinder(Q(node__path__startswith=path) | Q(node__path__in=ancestors), "点位所属阵地及其上下级",
                        names={UnitFinder.split(row.unit_label)[0]})
    return finder.find(row.unit_label)
