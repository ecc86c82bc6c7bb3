from wenming.core.errors import ErrorCode


class SuppliesError(ErrorCode):
    NO_LINES = ("supplies.no_lines", "请至少填写一种物资及其数量", 422)
    TOO_MANY_LINES = ("supplies.too_many_lines", "一次最多登记 {limit} 种物资", 422)
    QUANTITY_INVALID = ("supplies.quantity_invalid", "“{item}”的数量须大于 0、最多 3 位小数，且不超过 {limit}", 422)
    ITEM_UNKNOWN = ("supplies.item_unknown", "物资品类不存在：{value}", 422)
    ITEM_INACTIVE = ("supplies.item_inactive", "物资品类“{item}”已停用，不能再登记入库", 409)
    INSUFFICIENT_STOCK = ("supplies.insufficient_stock",
                          "“{item}”库存不足：{node}现有 {left} {unit}，本次需要 {wanted} {unit}", 409)
    DONOR_REQUIRED = ("supplies.donor_required", "请填写捐赠方（单位或个人）名称", 422)
    PHONE_INVALID = ("supplies.phone_invalid", "联系电话格式不正确（手机号或带区号的固定电话）", 422)
    RECIPIENT_INVALID = ("supplies.recipient_invalid", "请选择发放对象：{detail}", 422)
    SAME_NODE = ("supplies.same_node", "调拨的接收阵地不能与发出阵地相同", 422)
    NODE_ARCHIVED = ("supplies.node_archived", "阵地“{node}”已归档，不能再收发物资", 409)
    TEAM_ARCHIVED = ("supplies.team_archived", "队伍“{team}”已归档，不能再接收物资", 409)
    TIME_FUTURE = ("supplies.time_future", "时间不能晚于当前时间", 422)
    REASON_REQUIRED = ("supplies.reason_required", "请填写原因或用途（如：盘点、居家隔离户生活保障）", 422)
    ADJUST_INVALID = ("supplies.adjust_invalid", "请填写调整数量（不为 0）或实盘数量，二者选一", 422)
    STOCK_CHANGED = ("supplies.stock_changed", "盘点期间库存已有变动（现有 {left} {unit}），请刷新后重新盘点", 409)
    REVEAL_FORBIDDEN = ("supplies.reveal_forbidden", "没有查看完整联系信息的权限", 403)
