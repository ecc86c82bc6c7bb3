"""Publishing many projects at once (a county publishes hundreds: 滨海 700), from the API or
an Excel sheet. Each project lands in its own transaction; bad ones are reported with their
row (or index) and a Chinese reason while the good ones land."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from openpyxl import load_workbook

from wenming.core.errors import CoreError, DomainError
from wenming.orgs.selectors import node_list_for_actor
from wenming.volunteers.selectors import skill_list
from wenming.volunteers.validation import parse_bool

from . import project_services
from .errors import ServiceError as E
from .selectors import category_list

COLUMNS = {"项目名称": "title", "类别": "category", "发布阵地编码": "node_code", "地址": "address", "纬度": "lat",
           "经度": "lon", "签到范围（米）": "geofence_radius_m", "最低年龄": "min_age", "需保险": "requires_insurance",
           "所需技能": "skills", "项目内容": "description", "岗位名称": "shift_title", "开始时间": "starts_at",
           "结束时间": "ends_at", "名额": "capacity"}
REQUIRED = ["项目名称", "类别", "发布阵地编码", "岗位名称", "开始时间", "结束时间", "名额"]


@dataclass
class BulkResult:
    created: list[int] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row or index, code, message)


def projects_bulk_create(*, actor, items: list[dict], publish: bool = True) -> BulkResult:
    """`items`: dicts with node (a Node), title, category (code or name), shifts [{title,
    starts_at, ends_at, capacity}], optional fields; `row` says where an item came from."""
    result = BulkResult()
    categories = {c.code: c for c in category_list()} | {c.name: c for c in category_list()}
    skills = {s.code: s for s in skill_list()} | {s.name: s for s in skill_list()}
    for index, item in enumerate(items):
        row = item.get("row", index)
        try:
            with transaction.atomic():
                project = _create_one(actor, item, categories, skills, publish)
            result.created.append(project.pk)
        except DomainError as exc:
            result.errors.append((row, exc.code, exc.message))
        except IntegrityError:  # a CHECK of the tables (coordinates, radius) refused the row
            err = CoreError.INVALID_INPUT.error(detail="坐标或签到范围超出允许范围")
            result.errors.append((row, err.code, err.message))
    return result


def _create_one(actor, item: dict, categories: dict, skills: dict, publish: bool):
    category = categories.get(str(item.get("category", "")).strip())
    if category is None:
        raise E.CATEGORY_UNKNOWN.error("category", value=item.get("category", ""))
    if not item.get("shifts"):
        raise E.NO_SHIFTS.error()
    wanted = [s for s in str(item.get("skills") or "").replace("，", "、").replace(",", "、").split("、") if s]
    unknown = [s for s in wanted if s not in skills]
    if unknown:
        raise CoreError.INVALID_INPUT.error("skills", detail=f"技能“{unknown[0]}”不存在")
    fields = {k: item[k] for k in ("description", "address", "lat", "lon", "geofence_radius_m", "min_age",
                                   "requires_insurance") if item.get(k) not in (None, "")}
    project = project_services.project_create(actor=actor, node=item["node"], title=str(item["title"]),
                                              category=category, skills=[skills[s] for s in wanted], **fields)
    for shift in item["shifts"]:
        project_services.shift_add(actor=actor, project=project, title=str(shift["title"]),
                                   starts_at=shift["starts_at"], ends_at=shift["ends_at"],
                                   capacity=int(shift["capacity"]))
    if publish:
        project_services.project_publish(actor=actor, project=project)
    return project


def items_from_workbook(*, actor, path) -> tuple[list[dict], list[tuple[int, str, str]]]:
    """One row per shift; rows with the same title and node code make one project."""
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # any unreadable upload
        raise CoreError.BAD_FILE.error(detail="不是有效的 xlsx 文件") from None
    rows = book.worksheets[0].iter_rows(values_only=True)
    header = [str(h or "").strip().rstrip("*") for h in next(rows, ())]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        book.close()
        raise CoreError.BAD_FILE.error(detail=f"缺少列：{'、'.join(missing)}")
    index = {COLUMNS[h]: i for i, h in enumerate(header) if h in COLUMNS}
    nodes = {n.code: n for n in node_list_for_actor(actor=actor)}
    projects: dict[tuple, dict] = {}
    errors = []
    for number, raw in enumerate(rows, start=2):
        values = {k: raw[i] if i < len(raw) else None for k, i in index.items()}
        if not any(v not in (None, "") for v in values.values()):
            continue
        try:
            node = nodes.get(str(values["node_code"] or "").strip())
            if node is None:
                raise CoreError.INVALID_INPUT.error(detail=f"发布阵地编码“{values['node_code']}”不存在或不在您的范围内")
            shift = {"title": values["shift_title"], "starts_at": _when(values["starts_at"]),
                     "ends_at": _when(values["ends_at"]), "capacity": _count(values["capacity"])}
            key = (str(values["title"]).strip(), node.pk)
            item = projects.setdefault(key, {
                "row": number, "node": node, "title": key[0], "category": values["category"], "shifts": [],
                "description": values.get("description") or "", "address": values.get("address") or "",
                "lat": _decimal(values.get("lat")), "lon": _decimal(values.get("lon")),
                "geofence_radius_m": _count(values.get("geofence_radius_m")) if values.get("geofence_radius_m") else None,
                "min_age": _count(values.get("min_age")) if values.get("min_age") else None,
                "requires_insurance": parse_bool(values.get("requires_insurance"), "requires_insurance"),
                "skills": values.get("skills") or "",
            })
            item["shifts"].append(shift)
        except DomainError as exc:
            errors.append((number, exc.code, exc.message))
    book.close()
    return list(projects.values()), errors


def _when(value) -> datetime:
    if isinstance(value, datetime):
        return timezone.make_aware(value) if timezone.is_naive(value) else value
    try:
        parsed = datetime.fromisoformat(str(value).strip().replace("/", "-"))
    except ValueError:
        raise CoreError.INVALID_INPUT.error(detail=f"时间“{value}”格式不正确，应为 YYYY-MM-DD HH:MM") from None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _count(value) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise CoreError.INVALID_INPUT.error(detail=f"“{value}”应为整数") from None


def _decimal(value):
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise CoreError.INVALID_INPUT.error(detail=f"坐标“{value}”格式不正确") from None
