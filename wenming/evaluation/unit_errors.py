"""Error codes of civilized units as participants (members, teams, pairings, call answers)."""

from wenming.core.errors import ErrorCode


class UnitError(ErrorCode):
    UNIT_ARCHIVED = ("evaluation.unit_archived", "单位“{name}”已撤销，不能再{action}", 409)
    MEMBER_WHO = ("evaluation.member_who", "请填写志愿者编号，或志愿者的姓名和手机号", 422)
    # The one answer for every miss, so a typed phone never tells whether it is registered.
    VOLUNTEER_NOT_FOUND = ("evaluation.volunteer_not_found", "未找到该志愿者", 422)
    DATE_INVALID = ("evaluation.date_invalid", "{what}须在 {low} 到 {high} 之间", 422)
    TEAM_ARCHIVED = ("evaluation.team_archived", "队伍“{name}”已归档", 409)
    TEAM_TAKEN = ("evaluation.team_taken", "队伍“{team}”已是“{unit}”的志愿服务队", 409)
    TEAM_NOT_ELIGIBLE = ("evaluation.team_not_eligible",
                         "只能关联本单位志愿者担任队长的队伍，或本单位所在阵地及以下、由您管理的队伍", 422)
    TEAM_NOT_LINKED = ("evaluation.team_not_linked", "队伍“{name}”不是本单位的志愿服务队", 422)
    TEAM_EMPTY = ("evaluation.team_empty", "队伍“{name}”还没有在册队员", 422)
    PAIRING_KIND = ("evaluation.pairing_kind", "联点共建的对象须是村（社区）的新时代文明实践站、实践点或网格", 422)
    PAIRING_AREA = ("evaluation.pairing_area", "“{node}”不在本单位所在的“{area}”范围内", 422)
    NODE_ARCHIVED = ("evaluation.node_archived", "“{node}”已归档，不能结对", 409)
    PAIRING_EXISTS = ("evaluation.pairing_exists", "本单位已与“{node}”结对共建", 409)
    PAIRING_ENDED = ("evaluation.pairing_ended", "与“{node}”的结对共建已于 {date} 结束", 409)
    CALL_CLOSED = ("evaluation.call_closed", "招募令“{title}”已结束，不能再响应", 409)
    CALL_DEADLINE = ("evaluation.call_deadline", "招募令“{title}”已过响应截止时间", 409)
    CALL_ANSWERED = ("evaluation.call_answered", "本单位已响应过招募令“{title}”", 409)
    HEADCOUNT_INVALID = ("evaluation.headcount_invalid", "可出动人数须在 1 到 {limit} 之间（队伍在册队员数）", 422)
