from wenming.core.errors import ErrorCode


class DemandError(ErrorCode):
    CATEGORY_UNKNOWN = ("demands.category_unknown", "点单类别“{value}”不存在", 422)
    FIELD_REQUIRED = ("demands.field_required", "请填写{label}", 422)
    CODE_WRONG = ("demands.code_wrong", "验证码不正确或已过期，请重新获取", 422)
    CODE_TOO_SOON = ("demands.code_too_soon", "验证码已发送，请 {seconds} 秒后再试", 429)
    ITEMS_INVALID = ("demands.items_invalid", "物品清单有误：{detail}", 422)
    BAD_STATUS = ("demands.bad_status", "点单当前为“{status}”，不能{action}", 409)
    NOT_YOURS = ("demands.not_yours", "只有{who}可以{action}", 403)
    REASON_REQUIRED = ("demands.reason_required", "请填写原因", 422)
    NO_CANDIDATES = ("demands.no_candidates", "请至少选择一名志愿者或一支队伍", 422)
    ALREADY_OFFERED = ("demands.already_offered", "{who}已派过此单（婉拒过的志愿者不再重复派单）", 409)
    OFFER_CLOSED = ("demands.offer_closed", "该派单已失效（已被他人接单、已婉拒或已超时）", 409)
    RATING_INVALID = ("demands.rating_invalid", "评分须为 1 到 5 的整数", 422)
    TRACKING_WRONG = ("demands.tracking_wrong", "点单编号或查询码不正确", 404)
    TOO_MANY_PHOTOS = ("demands.too_many_photos", "每单最多上传 {limit} 张照片", 409)
    NO_ACCOUNT = ("demands.no_account", "{name}没有可登录的账号或不在册，无法接单", 422)
    POSITION_INVALID = ("demands.position_invalid", "位置坐标超出范围", 422)
    RECEIPT_INVALID = ("demands.receipt_invalid", "小票金额须为不小于 0 的数字", 422)
