from wenming.core.errors import ErrorCode


class OrgError(ErrorCode):
    KIND_NOT_ALLOWED = ("orgs.kind_not_allowed", "“{parent}”（{parent_kind}）下不能设立{kind}", 422)
    CODE_TAKEN = ("orgs.code_taken", "阵地编码“{code}”已被使用", 409)
    BAD_ADMIN_CODE = ("orgs.bad_admin_code", "行政区划代码应为 12 位数字", 422)
    MOVE_INTO_SELF = ("orgs.move_into_self", "不能把阵地移动到它自己或它的下级之下", 422)
    ARCHIVED_PARENT = ("orgs.archived_parent", "上级阵地“{parent}”已归档，不能在其下新增或移入", 422)
    ROOT_NEEDS_ADMIN = ("orgs.root_needs_admin", "只有系统管理员可以创建顶级阵地", 403)
    NOT_ARCHIVED = ("orgs.not_archived", "该阵地未归档", 422)
    BAD_COORDINATES = ("orgs.bad_coordinates", "经纬度超出范围", 422)
    UNIT_NAME_TAKEN = ("orgs.unit_name_taken", "该阵地下已有同名单位“{name}”", 409)
    KIND_INVALID = ("orgs.kind_invalid", "类型“{value}”无效", 422)
    STATUS_INVALID = ("orgs.status_invalid", "开放状态“{value}”无效", 422)
    IMPORT_LAYOUT = ("orgs.import_layout", "表格格式不正确：{detail}", 422)
    PERIOD_CLOSED = ("orgs.period_closed", "{period}的数据已由“{office}”关账（{closed_on}），补录或修改须先由该办重新开放", 409)
    PERIOD_INVALID = ("orgs.period_invalid", "关账期间应为 2000 年以后、已经结束的整月（如 2020-02 至 2020-03）", 422)
    PERIOD_OVERLAP = ("orgs.period_overlap", "“{office}”已关账的{period}与此期间重叠", 409)
    REOPEN_REASON = ("orgs.reopen_reason", "请填写重新开放的原因", 422)
    NOT_CLOSED = ("orgs.not_closed", "该期间未关账或已重新开放", 409)
