"""The downloadable roster template: the 志愿者名册 sheet to fill in and a 填写说明 sheet."""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..models import Availability, IdType, PoliticalStatus, Skill
from .columns import COLUMNS
from .reader import SHEET_NAME

NOTES_SHEET = "填写说明"
TEXT_FORMAT = "@"
TEXT_COLUMNS = {"id_number", "phone", "guardian_phone", "home_node", "grid"}
_REQUIRED_FILL = PatternFill("solid", fgColor="F4CCCC")
_HEADER_FILL = PatternFill("solid", fgColor="EDEDED")


def allowed_values() -> dict[str, str]:
    return {
        "political": "、".join(label for _, label in PoliticalStatus.choices),
        "skills": "、".join(Skill.objects.order_by("sort", "id").values_list("name", flat=True)),
        "availability": "、".join(label for _, label in Availability.choices),
        "id_types": "、".join(label for _, label in IdType.choices),
    }


def column_help() -> list[tuple[str, str, str]]:
    """(header, required, explanation) for each column, with the catalogues filled in."""
    allowed = allowed_values()
    return [(c.header.rstrip("*"), "是" if c.required else "否", c.help.format(**allowed)) for c in COLUMNS]


def build_template() -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = SHEET_NAME
    bold = Font(bold=True)
    for index, (col, (_, _, explanation)) in enumerate(zip(COLUMNS, column_help(), strict=True), start=1):
        cell = ws.cell(row=1, column=index, value=col.header)
        cell.font = bold
        cell.fill = _REQUIRED_FILL if col.required else _HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        cell.comment = Comment(explanation, "文明实践云")
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = col.width
        if col.key in TEXT_COLUMNS:  # the whole column as text, so Excel keeps 18-digit numbers intact
            ws.column_dimensions[letter].number_format = TEXT_FORMAT
    ws.freeze_panes = "A2"
    _notes(book.create_sheet(NOTES_SHEET))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _notes(ws) -> None:
    bold = Font(bold=True)
    allowed = allowed_values()
    lines = [
        ("志愿者名册填写说明", "", ""),
        ("1. 在“志愿者名册”工作表中从第 2 行起每行填写一名志愿者，不要修改第 1 行表头。", "", ""),
        ("2. 表头带 * 的列必须填写；证件号码、手机号码请以文本格式填写（模板已设置）。", "", ""),
        ("3. 同一证件号码再次导入时更新原记录，内容未变化的不做修改，可放心重复导入。", "", ""),
        ("4. 未满 14 周岁不能登记；14–17 周岁须填写监护人姓名、电话并由监护人同意。", "", ""),
        ("5. 有误的行不会导入，系统会生成错误清单（证件号码、手机号码已脱敏），改正后重新导入即可。", "", ""),
        ("", "", ""),
        ("列名", "必填", "说明"),
        *column_help(),
        ("", "", ""),
        ("可填写的值", "", ""),
        ("证件类型", "", allowed["id_types"]),
        ("政治面貌", "", allowed["political"] + "（也可填：党员、预备党员、团员）"),
        ("技能特长", "", allowed["skills"]),
        ("可服务时间", "", allowed["availability"]),
        ("是/否 列", "", "是 / 否（也可填 √、同意、不同意），不填视为否"),
    ]
    for row in lines:
        ws.append(list(row))
    for row in (1, 8, len(lines) - 5):
        for cell in ws[row]:
            cell.font = bold
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 6
    ws.column_dimensions["C"].width = 90
