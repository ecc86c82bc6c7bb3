from wenming.core.errors import ErrorCode


class DeliveryError(ErrorCode):
    BAD_STATUS = ("deliveries.bad_status", "配送批次当前为“{status}”，不能{action}", 409)
    NOT_PURCHASE = ("deliveries.not_purchase", "点单 {no} 不是代购类点单，不能纳入代购配送", 422)
    DEMAND_UNAVAILABLE = ("deliveries.demand_unavailable",
                          "点单 {no} 当前为“{status}”，只有已受理、未派单的代购点单可以纳入批次", 409)
    OUT_OF_AREA = ("deliveries.out_of_area", "点单 {no} 不在“{node}”的服务范围内", 422)
    NO_DEMANDS = ("deliveries.no_demands", "请至少选择一个代购点单", 422)
    TOO_MANY = ("deliveries.too_many", "一个批次最多 {limit} 户", 422)
    EMPTY_RUN = ("deliveries.empty_run", "批次中还没有住户，不能开始采购", 409)
    NO_VOLUNTEERS = ("deliveries.no_volunteers", "请先为批次安排至少一名志愿者", 409)
    NOT_MEMBER = ("deliveries.not_member", "只有本批次的志愿者或负责的工作人员可以{action}", 403)
    ALREADY_MEMBER = ("deliveries.already_member", "{name}已在本批次中", 409)
    REASON_REQUIRED = ("deliveries.reason_required", "请填写原因", 422)
    AMOUNT_INVALID = ("deliveries.amount_invalid", "金额须为 0 到 99999999 之间的数字（最多两位小数）", 422)
    SHOP_REQUIRED = ("deliveries.shop_required", "请填写购买地点", 422)
    TOO_MANY_RECEIPTS = ("deliveries.too_many_receipts", "每个批次最多登记 {limit} 张小票", 409)
    STOP_DONE = ("deliveries.stop_done", "该户已{status}，不能再更改", 409)
    CODE_WRONG = ("deliveries.code_wrong", "收货码不正确，请向住户核对（还可输入 {left} 次）", 422)
    CODE_FORMAT = ("deliveries.code_format", "收货码是 6 位数字，请核对后重新输入", 422)
    CODE_LOCKED = ("deliveries.code_locked",
                   "该户收货码已输错 {limit} 次，不能再上门核对；请住户在进度页确认收货，或由工作人员电话回访确认", 429)
    CODE_NOT_SENT = ("deliveries.code_not_sent", "批次开始配送后才有收货码", 409)
    NOT_DELIVERING = ("deliveries.not_delivering", "您的点单目前没有正在配送的物资", 409)
    OUTCOME_INVALID = ("deliveries.outcome_invalid", "请选择点单去向：退回待派单，或住户不再需要（仅工作人员）", 422)
    NO_ACCOUNT = ("deliveries.no_account", "{name}没有可登录的账号或不在册，不能参加配送", 422)
    NODE_INVALID = ("deliveries.node_invalid", "请选择新时代文明实践中心、分中心、所或站组织配送", 422)
    TITLE_REQUIRED = ("deliveries.title_required", "请填写批次名称", 422)
