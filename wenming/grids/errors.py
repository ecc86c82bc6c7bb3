from wenming.core.errors import ErrorCode


class GridError(ErrorCode):
    NOT_A_GRID = ("grids.not_a_grid", "“{node}”不是网格：户数、认领和走访登记只针对网格", 422)
    GRID_ARCHIVED = ("grids.grid_archived", "网格“{grid}”已归档，不能再修改、认领或登记走访", 409)
    HOUSEHOLDS_INVALID = ("grids.households_invalid", "户数须为 0 到 {limit} 之间的整数", 422)
    BOUNDARY_INVALID = ("grids.boundary_invalid", "网格边界须为 GeoJSON 多边形（Polygon/MultiPolygon）：{detail}", 422)
    PERIOD_INVALID = ("grids.period_invalid", "认领期间不正确：{detail}", 422)
    CLAIM_OVERLAP = ("grids.claim_overlap",
                     "队伍“{team}”已认领该网格 {starts_on} 至 {ends_on}，同一队伍的认领期间不能重叠", 409)
    CLAIM_FORBIDDEN = ("grids.claim_forbidden", "只有该队伍的队长或网格所属阵地的工作人员可以认领或撤销", 403)
    TEAM_OUT_OF_AREA = ("grids.team_out_of_area", "网格不在队伍“{team}”所属阵地（{node}）的范围内，不能认领", 422)
    TEAM_ARCHIVED = ("grids.team_archived", "队伍“{team}”已归档，不能再认领网格", 409)
    CLAIM_WITHDRAWN = ("grids.claim_withdrawn", "该认领已撤销", 409)
    NOT_CLAIMED = ("grids.not_claimed", "{who}在 {day} 没有认领网格“{grid}”，不能登记走访", 403)
    TEAM_REQUIRED = ("grids.team_required", "您所在的多支队伍都认领了该网格，请选择以哪支队伍登记", 422)
    VOLUNTEER_INVALID = ("grids.volunteer_invalid", "走访志愿者须是登记队伍的队员（或由工作人员登记本人可见的志愿者）", 422)
    ADDRESS_REQUIRED = ("grids.address_required", "请填写住户地址（如：九里村三组 12 号），至少 {min} 个字", 422)
    TIME_FUTURE = ("grids.time_future", "走访时间不能晚于当前时间", 422)
    TIME_INVALID = ("grids.time_invalid", "走访时间不正确：不能早于 {earliest}", 422)
    RESIDENTS_INVALID = ("grids.residents_invalid", "在家人数须为 0 到 {limit} 之间的整数", 422)
    FLAG_UNKNOWN = ("grids.flag_unknown", "排查标记不存在或已停用：{value}", 422)
    VISIT_VOIDED = ("grids.visit_voided", "该走访记录已作废，不能再更正、转办或作废", 409)
    VISIT_FORBIDDEN = ("grids.visit_forbidden", "只有登记人、走访志愿者、该队伍队长或网格所属阵地的工作人员可以更正或作废", 403)
    REASON_REQUIRED = ("grids.reason_required", "请填写原因（如：地址写错、重复登记）", 422)
    FOLLOW_UP_EXISTS = ("grids.follow_up_exists", "该走访已转为群众点单 {tracking_no}，不能重复转办", 409)
    REVEAL_FORBIDDEN = ("grids.reveal_forbidden", "没有查看完整地址的权限", 403)
    # screening totals (排查总数)
    NODE_ARCHIVED = ("grids.node_archived", "阵地“{node}”已归档，不能再填报", 409)
    SCREENING_KIND_UNKNOWN = ("grids.screening_kind_unknown", "排查类型不正确：{value}", 422)
    SCREENING_MONTH_INVALID = ("grids.screening_month_invalid", "统计月份格式不正确：{value}（应为 2025-03 这样的年月）", 422)
    SCREENING_MONTH_FUTURE = ("grids.screening_month_future", "统计月份不能晚于本月", 422)
    SCREENING_TOTAL_INVALID = ("grids.screening_total_invalid", "排查总数须为 0 到 {limit} 之间的整数（填 0 撤销）", 422)
    SCREENING_TOTAL_NESTED = ("grids.screening_total_nested",
                              "{node}已填报{period}“{kind}”的排查总数，上下级不能重复填报同一月份的总数，请核对后在一处填写",
                              409)
    SCREENING_TOTAL_MOVE_NESTS = ("grids.screening_total_move_nests",
                                  "移动后{inner}{period}“{kind}”的排查总数将位于{outer}的同月总数之下，上下级不能重复填报"
                                  "同一月份的总数；请先撤销其中一个再移动", 409)
