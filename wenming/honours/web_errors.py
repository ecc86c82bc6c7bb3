"""Error codes of the honours back-office pages (the domain's own are in errors.py)."""

from wenming.core.errors import ErrorCode


class HonourWebError(ErrorCode):
    VOLUNTEER_NOT_FOUND = ("honours.volunteer_not_found", "没有找到志愿者“{text}”：请填写志愿者编号，或先用上方的查找；单位推荐名单以外的志愿者须同时填编号和姓名", 422)
    VOLUNTEER_AMBIGUOUS = ("honours.volunteer_ambiguous", "“{text}”有 {n} 位志愿者：{names}。请填写志愿者编号", 422)
    CLUSTER_CHANGED = ("honours.cluster_changed", "这组可疑投票已处理或已变化，请查看刷新后的列表", 409)
    NOTHING_CHANGED = ("honours.nothing_changed", "没有修改任何内容", 422)
