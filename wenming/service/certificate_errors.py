from wenming.core.errors import ErrorCode


class CertificateError(ErrorCode):
    NO_HOURS = ("service.certificate_no_hours", "志愿者 {volunteer_no} 没有可出具证明的服务时长", 422)
    TOTAL_MISMATCH = ("service.certificate_total_mismatch",
                      "志愿者 {volunteer_no} 的服务明细合计与累计时长不一致，请先核对更正记录", 409)
    REVOKED = ("service.certificate_revoked", "该证明已作废", 409)
    BATCH_SIZE = ("service.certificate_batch_size", "一次最多为 {limit} 名志愿者出具证明", 422)
