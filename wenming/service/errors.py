from wenming.core.errors import ErrorCode


class ServiceError(ErrorCode):
    CATEGORY_UNKNOWN = ("service.category_unknown", "项目类别“{value}”不存在", 422)
    BAD_STATUS = ("service.bad_status", "项目当前为“{status}”，不能{action}", 409)
    NO_SHIFTS = ("service.no_shifts", "项目至少需要一个岗位班次才能发布", 422)
    SHIFT_TIMES = ("service.shift_times", "班次结束时间必须晚于开始时间", 422)
    CAPACITY = ("service.capacity", "名额必须为正整数，且不少于已报名人数（{taken}）", 422)
    CLAIM_SCOPE = ("service.claim_scope", "只有队伍的队长或阵地管理员可以代表队伍认领", 403)
    NOT_RECRUITING = ("service.not_recruiting", "该项目当前不在招募中", 409)
    SHIFT_STARTED = ("service.shift_started", "该班次已开始，不能报名", 409)
    ALREADY_ENROLLED = ("service.already_enrolled", "您已报名该班次", 409)
    FULL = ("service.full", "该班次名额已满", 409)
    TOO_YOUNG = ("service.too_young", "该项目要求年满 {age} 周岁", 422)
    SKILLS_MISSING = ("service.skills_missing", "该项目要求具备技能：{skills}", 422)
    INSURANCE_REQUIRED = ("service.insurance_required", "该项目要求保险在服务期内有效，请先更新保险信息", 422)
    TIME_CLASH = ("service.time_clash", "与您已报名的“{other}”时间冲突", 409)
    VOLUNTEER_INACTIVE = ("service.volunteer_inactive", "志愿者状态不是“在册”，不能报名", 422)
    CANCEL_TOO_LATE = ("service.cancel_too_late", "活动开始前 {minutes} 分钟内不能自行取消，请联系队长", 409)
    NOT_CANCELLABLE = ("service.not_cancellable", "该报名已取消或已结束", 409)
    NOT_A_VOLUNTEER = ("service.not_a_volunteer", "当前账号尚未登记为志愿者", 422)
    NO_SHOW_TOO_EARLY = ("service.no_show_too_early", "班次开始后才能标记未到岗", 409)
