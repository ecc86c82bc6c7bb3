"""Error codes of campaign tallies, 移风易俗, online activities and party check-ins."""

from wenming.core.errors import ErrorCode


class CampaignError(ErrorCode):
    # tallies
    INDICATOR_UNKNOWN = ("campaigns.indicator_unknown", "宣传统计指标不存在：{value}", 422)
    INDICATOR_INACTIVE = ("campaigns.indicator_inactive", "指标“{indicator}”已停用，不能再填报", 409)
    INDICATOR_NOT_HERE = ("campaigns.indicator_not_here", "指标“{indicator}”是{office}自定的指标，只能在其辖区内填报", 422)
    INDICATOR_NAME_REQUIRED = ("campaigns.indicator_name_required", "请填写指标名称（不超过 32 个字）", 422)
    INDICATOR_UNIT_REQUIRED = ("campaigns.indicator_unit_required", "请填写计量单位（不超过 8 个字，如 条、平方米、吨）", 422)
    INDICATOR_NAME_TAKEN = ("campaigns.indicator_name_taken", "本辖区已有名为“{name}”的指标，请换一个名称", 409)
    INDICATOR_CHOICE = ("campaigns.indicator_choice", "{what}不正确：{value}", 422)
    INDICATOR_SORT = ("campaigns.indicator_sort", "排序须为 0 到 32767 之间的整数", 422)
    INDICATOR_NOT_YOURS = ("campaigns.indicator_not_yours", "全平台通用指标由系统管理员维护，文明办可以新增本辖区的指标", 403)
    SUBJECT_INVALID = ("campaigns.subject_invalid", "请选择填报的阵地或文明单位（二者选一）", 422)
    PERIOD_INVALID = ("campaigns.period_invalid", "统计月份格式不正确：{value}（应为 2025-03 这样的年月）", 422)
    PERIOD_FUTURE = ("campaigns.period_future", "统计月份不能晚于本月", 422)
    VALUE_INVALID = ("campaigns.value_invalid", "数量须为 1 到 {limit} 之间的整数", 422)
    DELTA_INVALID = ("campaigns.delta_invalid", "更正数量须为不为 0 的整数（增加填正数，减少填负数），绝对值不超过 {limit}", 422)
    REASON_REQUIRED = ("campaigns.reason_required", "请填写原因（如：录入有误、重复登记）", 422)
    TOTAL_NEGATIVE = ("campaigns.total_negative",
                      "更正后“{indicator}”{period}的数值将为负数（现为 {current} {unit}），请核对", 409)
    NODE_ARCHIVED = ("campaigns.node_archived", "阵地“{node}”已归档，不能再登记", 409)
    UNIT_ARCHIVED = ("campaigns.unit_archived", "文明单位“{unit}”已撤销，不能再填报", 409)
    # the Excel entry sheet
    SHEET_UNREADABLE = ("campaigns.sheet_unreadable", "无法读取文件：请上传由系统下载的填报模板（.xlsx）", 400)
    SHEET_HEADER = ("campaigns.sheet_header", "表头信息缺失或被修改：{detail}。请重新下载模板填写", 400)
    SHEET_SUBJECT_UNKNOWN = ("campaigns.sheet_subject_unknown", "表头中的阵地或文明单位不存在，或您无权为其填报", 404)
    SHEET_EMPTY = ("campaigns.sheet_empty", "表中没有填写任何数值", 400)
    SHEET_TOO_MANY_ROWS = ("campaigns.sheet_too_many_rows", "表中数据行过多（上限 {limit} 行）", 400)
    SHEET_ROWS_INVALID = ("campaigns.sheet_rows_invalid", "共有 {count} 行有误，整张表未导入，请改正后重新上传", 422)
    ROW_INDICATOR_UNKNOWN = ("campaigns.row_indicator_unknown", "指标“{value}”不存在", 422)
    ROW_INDICATOR_INACTIVE = ("campaigns.row_indicator_inactive", "指标“{value}”已停用，不能再填报", 422)
    ROW_DUPLICATE = ("campaigns.row_duplicate", "指标“{value}”在第 {first} 行已填写过", 422)
    ROW_VALUE_INVALID = ("campaigns.row_value_invalid", "本期数值“{value}”不是 0 到 {limit} 之间的整数", 422)
    ROW_BASE_INVALID = ("campaigns.row_base_invalid", "“下载时数值”一列被修改（应为整数），请重新下载模板", 422)
    ROW_STALE = ("campaigns.row_stale", "下载模板后该指标已有变动（现为 {current}，模板中为 {base}），请重新下载模板", 409)
    SHEET_STALE = ("campaigns.sheet_stale", "导入期间数据已被他人修改，整张表未导入，请重新下载模板", 409)
    # 移风易俗
    REFORM_KIND_UNKNOWN = ("campaigns.reform_kind_unknown", "移风易俗类型不正确：{value}", 422)
    HOUSEHOLD_REQUIRED = ("campaigns.household_required", "请填写户的标识（如“三组 12 号”），不要填写完整姓名", 422)
    DATE_INVALID = ("campaigns.date_invalid", "日期格式不正确：{value}（应为 2025-03-15 这样的日期）", 422)
    DATE_FUTURE = ("campaigns.date_future", "日期不能晚于今天", 422)
    REFORM_VOIDED = ("campaigns.reform_voided", "该记录已作废，不能再修改", 409)
    REFORM_TOTAL_INVALID = ("campaigns.reform_total_invalid", "合计户数须为 0 到 {limit} 之间的整数（填 0 撤销合计）", 422)
    REFORM_TOTAL_NESTED = ("campaigns.reform_total_nested",
                           "{node}已填报{period}“{kind}”的合计，上下级不能重复填报同一月份的合计，请核对后在一处填写", 409)
    REFORM_TOTAL_MOVE_NESTS = ("campaigns.reform_total_move_nests",
                               "移动后{inner}{period}“{kind}”的合计将位于{outer}的同月合计之下，上下级不能重复填报同一月份的合计；"
                               "请先撤销其中一个再移动", 409)
    # online activities
    TITLE_REQUIRED = ("campaigns.title_required", "请填写活动名称", 422)
    LINK_INVALID = ("campaigns.link_invalid", "活动链接须以 http:// 或 https:// 开头", 422)
    TIME_ORDER = ("campaigns.time_order", "结束时间须晚于开始时间", 422)
    ENGAGEMENT_KIND = ("campaigns.engagement_kind", "参与类型不正确：{value}（view、share 或 participate）", 422)
    PERSON_INVALID = ("campaigns.person_invalid", "缺少参与者标识（手机号、openid 或访客标识，8–128 个字符）", 422)
    ACTIVITY_NOT_OPEN = ("campaigns.activity_not_open", "活动{state}，暂不计入浏览、分享或参与", 409)
    # party-member check-in
    NOT_PARTY_MEMBER = ("campaigns.not_party_member", "只有中共党员或预备党员志愿者可以报到", 409)
    VOLUNTEER_INACTIVE = ("campaigns.volunteer_inactive", "志愿者当前状态为“{status}”，不能报到", 409)
    NO_HOME_STATION = ("campaigns.no_home_station", "志愿者的所属阵地不在任何新时代文明实践站之下，无法确定报到的社区", 409)
    NOT_A_VOLUNTEER = ("campaigns.not_a_volunteer", "您的账号未关联志愿者信息，不能报到", 403)
