"""Error codes of the roster import/export (ARCHITECTURE rule 6).

File-level codes refuse the whole file before anything is written; row-level codes are
listed in the report and the error workbook. No message ever carries an ID number or phone.
"""

from wenming.core.errors import ErrorCode


class RosterError(ErrorCode):
    # The file as a whole: nothing is written.
    NOT_XLSX = ("roster.not_xlsx", "无法读取文件：请上传由模板填写的 .xlsx 格式 Excel 文件", 400)
    EMPTY_SHEET = ("roster.empty_sheet", "工作表“{sheet}”是空的，请使用下载的模板填写", 400)
    MISSING_HEADERS = ("roster.missing_headers",
                       "工作表“{sheet}”缺少必填列：{columns}。请使用下载的模板，并保留第一行表头", 400)
    NO_DATA = ("roster.no_data", "文件中没有志愿者数据行", 400)
    READ_FAILED = ("roster.read_failed", "第 {row} 行之后的内容无法读取，文件可能已损坏；此前的行已处理", 400)
    TOO_LARGE = ("roster.too_large", "文件过大，上限为 {limit}", 413)
    NO_EDIT_SCOPE = ("roster.no_edit_scope", "您没有管理志愿者的权限，不能导入名册", 403)
    # One row: the row is skipped and listed with its reason.
    ID_NOT_TEXT = ("roster.id_not_text",
                   "证件号码被 Excel 存成了数字，末几位可能已丢失；请把该列设为文本格式后重新填写", 422)
    ID_ELSEWHERE = ("roster.id_elsewhere", "该证件号码已在其他阵地登记", 409)
    ROW_UNREADABLE = ("roster.row_unreadable", "无法识别该行的数据，请按模板格式填写", 422)
    ROW_CONFLICT = ("roster.row_conflict", "该行与同时进行的其他操作冲突，请重新导入", 409)
    # Errors of the workbook as seen from the web.
    ERRORS_EXPIRED = ("roster.errors_expired", "错误清单不存在或已过期", 404)
