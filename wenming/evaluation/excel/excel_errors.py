"""Error codes of the evaluation's Excel import (the file as a whole, and each row)."""

from wenming.core.errors import ErrorCode


class ExcelError(ErrorCode):
    # the file as a whole: nothing is imported
    FILE_REQUIRED = ("evaluation.import_file_required", "请选择要导入的 Excel 文件", 422)
    NOT_XLSX = ("evaluation.import_not_xlsx", "无法读取文件：请上传 Excel 2007 及以上版本的 .xlsx 文件", 422)
    EMPTY = ("evaluation.import_empty", "表格中没有数据行", 422)
    TOO_MANY_ROWS = ("evaluation.import_too_many_rows", "一次最多导入 {limit} 行，请拆分后分批导入", 422)
    UNZIPPED_TOO_BIG = ("evaluation.import_unzipped_too_big",
                        "文件内容过大（解压后超过 {limit}），请删去多余的工作表和格式后重试", 413)
    # one row: the row is not imported, the others are
    ROW_REQUIRED = ("evaluation.row_required", "请填写“{column}”", 422)
    ROW_TOO_LONG = ("evaluation.row_too_long", "“{column}”过长（最多 {limit} 字）", 422)
    ROW_DUPLICATE = ("evaluation.row_duplicate", "与第 {first} 行的{what}“{value}”重复", 422)
    CODE_INVALID = ("evaluation.row_code_invalid", "编号“{value}”无效：须为 1 到 20 位的数字、字母、点或短横线，如 3.2.1", 422)
    LEVEL_UNKNOWN = ("evaluation.row_level_unknown", "不认识的层级“{value}”，请填写：测评项目、测评内容、测评指标或扣分项", 422)
    RULE_UNKNOWN = ("evaluation.row_rule_unknown", "不认识的计分规则“{value}”，请填写：按问题扣分、按问卷达标率或按材料审核", 422)
    SITE_TYPE_UNKNOWN = ("evaluation.row_site_type_unknown", "不认识的点位类型“{value}”", 422)
    SUBSYSTEM_UNKNOWN = ("evaluation.row_subsystem_unknown",
                         "单列体系“{value}”不存在：请在“单列体系”工作表中列出，或先在测评活动中添加", 422)
    SUBSYSTEM_DIFFERS = ("evaluation.row_subsystem_differs",
                         "单列体系“{value}”已存在，表中的门槛或占比与系统不同，未修改（请在测评活动中修改）", 409)
    FLAG_INVALID = ("evaluation.row_flag_invalid", "“{column}”请填写“是”或“否”", 422)
    SELF_PARENT = ("evaluation.row_self_parent", "上级编号不能是本行的编号", 422)
    PARENT_MISSING = ("evaluation.row_parent_missing", "上级编号“{code}”在本表和系统中都不存在", 422)
    PARENT_FAILED = ("evaluation.row_parent_failed", "上级编号“{code}”所在行有错误，本行未导入", 422)
    PARENT_LOOP = ("evaluation.row_parent_loop", "上级编号“{code}”与本行互为上下级，无法导入", 422)
    LEVEL_HAS_CHILDREN = ("evaluation.row_level_has_children", "指标 {code} 已有下级，不能改为“{level}”", 409)
    INDICATOR_UNKNOWN = ("evaluation.row_indicator_unknown", "指标编号“{code}”在本测评活动中不存在", 422)
    UNIT_UNKNOWN = ("evaluation.row_unit_unknown", "找不到单位“{name}”（须是{where}未归档的单位）", 422)
    UNIT_AMBIGUOUS = ("evaluation.row_unit_ambiguous",
                      "单位“{name}”有 {count} 个同名（所属阵地编码：{codes}），请写成“{name}@阵地编码”，如“{name}@{example}”",
                      422)
    ONE_LEAD = ("evaluation.row_one_lead", "牵头单位只能填一个（本行填了 {count} 个）；其他单位请填在“配合单位”", 422)
    UNIT_TWICE = ("evaluation.row_unit_twice", "单位“{name}”在本行出现了两次", 422)
    NO_UNIT = ("evaluation.row_no_unit", "请填写牵头单位或配合单位", 422)
    DATE_INVALID = ("evaluation.row_date_invalid", "“{column}”不是有效日期（如 2024-06-30）：{value}", 422)
    NUMBER_INVALID = ("evaluation.row_number_invalid", "“{column}”须为整数：{value}", 422)
    COORD_INVALID = ("evaluation.row_coord_invalid", "坐标无效：纬度须在 -90 到 90、经度须在 -180 到 180 之间", 422)
    COORD_PAIR = ("evaluation.row_coord_pair", "纬度和经度须同时填写（或同时不填）", 422)
    NODE_UNKNOWN = ("evaluation.row_node_unknown", "找不到所属阵地编码“{code}”（须是您管理范围内的阵地）", 422)
    ROW_CONFLICT = ("evaluation.row_conflict", "本行与他人同时提交的修改冲突，未导入；请稍后重新导入", 409)
    SITE_CODE_TAKEN = ("evaluation.row_site_code_taken", "点位编码“{code}”已被其他辖区的点位使用", 409)
