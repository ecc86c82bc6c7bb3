"""Import a node tree from Excel. Rows may come in any order; parents are resolved by code,
from the same file or from the database. Good rows land; each bad row is reported."""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from openpyxl import load_workbook

from wenming.core.errors import DomainError

from . import services
from .errors import OrgError as E
from .models import Node, NodeKind, NodeStatus
from .selectors import node_list_for_actor

COLUMNS = {
    "阵地编码": "code", "名称": "name", "类型": "kind", "上级编码": "parent_code", "行政区划代码": "admin_code",
    "地址": "address", "经度": "lon", "纬度": "lat", "联系人": "contact_name", "联系电话": "contact_phone",
    "开放状态": "status",
}
REQUIRED = ["阵地编码", "名称", "类型"]
KIND_WORDS = {label: value for value, label in NodeKind.choices} | {
    "省": "province", "市": "city", "县": "county", "中心": "center", "分中心": "subcenter", "所": "institute",
    "站": "station", "点": "point", "网格": "grid", "实践中心": "center", "实践所": "institute",
    "实践站": "station", "实践点": "point",
}
STATUS_WORDS = {label: value for value, label in NodeStatus.choices}


@dataclass
class NodeImportResult:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def _cell(value) -> str:
    return "" if value is None else str(value).strip()


def _decimal(value: str, name: str) -> Decimal | None:
    if not value:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        raise E.BAD_COORDINATES.error(name) from None


def read_rows(path) -> list[tuple[int, dict]]:
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not xlsx
        raise E.IMPORT_LAYOUT.error(detail=f"无法作为 xlsx 打开（{type(exc).__name__}）") from None
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        header = [_cell(h).rstrip("*") for h in next(rows, ())]
        missing = [name for name in REQUIRED if name not in header]
        if missing:
            raise E.IMPORT_LAYOUT.error(detail=f"缺少列：{'、'.join(missing)}")
        index = {COLUMNS[h]: i for i, h in enumerate(header) if h in COLUMNS}
        out = []
        for number, row in enumerate(rows, start=2):
            values = {key: _cell(row[i]) if i < len(row) else "" for key, i in index.items()}
            if any(values.values()):
                out.append((number, values))
        if not out:
            raise E.IMPORT_LAYOUT.error(detail="表格中没有数据行")
        return out
    finally:
        wb.close()


def import_nodes(*, actor, path) -> NodeImportResult:
    result = NodeImportResult()
    pending = read_rows(path)
    visible = node_list_for_actor(actor=actor, include_archived=True)  # parents only from the actor's scope
    seen_codes: dict[str, int] = {}
    failed_codes: set[str] = set()
    for number, values in pending:
        if values["code"] in seen_codes:
            result.errors.append((number, f"与第 {seen_codes[values['code']]} 行阵地编码重复"))
            failed_codes.add(values["code"])
        seen_codes.setdefault(values["code"], number)
    pending = [(n, v) for n, v in pending if seen_codes[v["code"]] == n]
    # Repeatedly place the rows whose parent exists; what is left has no parent anywhere.
    while pending:
        waiting = []
        for number, values in pending:
            parent_code = values["parent_code"]
            if parent_code in failed_codes:
                result.errors.append((number, f"上级编码“{parent_code}”所在行有错误"))
                failed_codes.add(values["code"])
                continue
            parent = visible.filter(code=parent_code).first() if parent_code else None
            if parent_code and parent is None:
                waiting.append((number, values))
                continue
            try:
                with transaction.atomic():  # an update and a move of one row land together or not at all
                    _apply_row(actor, visible, values, parent, result)
            except DomainError as exc:
                result.errors.append((number, exc.message))
                failed_codes.add(values["code"])
        if len(waiting) == len(pending):
            for number, values in waiting:
                result.errors.append((number, f"上级编码“{values['parent_code']}”不存在"))
            break
        pending = waiting
    result.errors.sort()
    return result


def _apply_row(actor, visible, values: dict, parent: Node | None, result: NodeImportResult) -> None:
    kind = KIND_WORDS.get(values["kind"], values["kind"])
    if kind not in NodeKind.values:
        raise E.KIND_INVALID.error("kind", value=values["kind"])
    fields = {
        "admin_code": values.get("admin_code", ""), "address": values.get("address", ""),
        "lat": _decimal(values.get("lat", ""), "lat"), "lon": _decimal(values.get("lon", ""), "lon"),
        "contact_name": values.get("contact_name", ""), "contact_phone": values.get("contact_phone", ""),
        "status": STATUS_WORDS.get(values.get("status", ""), values.get("status") or NodeStatus.OPEN),
    }
    if fields["status"] not in NodeStatus.values:
        raise E.STATUS_INVALID.error("status", value=values["status"])
    existing = visible.filter(code=values["code"]).first()
    if existing is None and Node.objects.filter(code=values["code"]).exists():
        # Taken outside the actor's scope: say only that, never compare its fields.
        raise E.CODE_TAKEN.error("code", code=values["code"])
    if existing is None:
        services.node_create(actor=actor, parent=parent, name=values["name"], kind=kind, code=values["code"],
                             **fields)
        result.created += 1
        return
    changes = {k: v for k, v in {"name": values["name"], "kind": kind, **fields}.items()
               if getattr(existing, k) != v}
    moved = parent is not None and existing.parent_id != parent.pk
    if changes:
        services.node_update(actor=actor, node=existing, **changes)
    if moved:
        services.node_move(actor=actor, node=existing, new_parent=parent)
    if changes or moved:
        result.updated += 1
