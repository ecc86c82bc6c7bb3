from wenming.core.errors import ErrorCode


class ReportingError(ErrorCode):
    TITLE_REQUIRED = ("reporting.title_required", "请填写报送标题", 422)
    BODY_REQUIRED = ("reporting.body_required", "请填写正文后再提交", 422)
    TOO_LONG = ("reporting.too_long", "“{label}”最多 {limit} 字", 422)
    CATEGORY_UNKNOWN = ("reporting.category_unknown", "报送类别不存在：{value}", 422)
    CATEGORY_INACTIVE = ("reporting.category_inactive", "报送类别“{name}”已停用，请另选类别", 422)
    PERIOD_INVALID = ("reporting.period_invalid", "报送期间应为年月（如 2026-05），且不早于 {earliest}", 422)
    PERIOD_FUTURE = ("reporting.period_future", "报送期间不能晚于本月", 422)
    AUTHOR_REQUIRED = ("reporting.author_required", "请选择以哪个文明单位或阵地的名义报送（二者选一）", 422)
    NOT_AUTHOR = ("reporting.not_author", "只有本单位联络员或本阵地工作人员可以{action}", 403)
    NOT_REVIEWER = ("reporting.not_reviewer", "本报送须由上级阵地有审核权限的工作人员{action}", 403)
    OWN_REPORT = ("reporting.own_report", "不能{action}自己撰写的报送", 403)
    BAD_STATUS = ("reporting.bad_status", "报送当前为“{status}”，不能{action}", 409)
    CHANGED = ("reporting.changed", "报送已被他人修改，请刷新后重试", 409)
    COMMENT_REQUIRED = ("reporting.comment_required", "请填写{what}", 422)
    TOO_MANY_IMAGES = ("reporting.too_many_images", "每篇报送最多 {limit} 张图片", 409)
    NODE_ARCHIVED = ("reporting.node_archived", "阵地“{node}”已归档，不能再以其名义报送", 409)
    UNIT_ARCHIVED = ("reporting.unit_archived", "文明单位“{unit}”已归档，不能再以其名义报送", 409)
