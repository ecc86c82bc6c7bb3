from wenming.core.errors import ErrorCode


class CertificateError(ErrorCode):
    NO_HOURS = ("service.certificate_no_hours", "志愿者 {volunteer_no} 没有可出具证明的服务时长", 422)
    TOTAL_MISMATCH = ("service.certificate_total_mismatch",
                      "志愿者 {volunteer_no} 的服务明细合计与累计时长不一致，请先核对更正记录", 409)
    REVOKED = ("service.certificate_revoked", "该证明已作废", 409)
    FONT_MISSING = ("service.certificate_font_missing",
                    "服务器未安装证书所需的中文字体，暂时无法生成 PDF；请联系管理员安装 fonts-wqy-microhei"
                    "（或设置 WENMING_CJK_FONT），证明本身已保存", 503)
    BATCH_SIZE = ("service.certificate_batch_size", "一次最多为 {limit} 名志愿者出具证明", 422)
    BATCH_EMPTY = ("service.certificate_batch_empty", "请至少选择一名有服务时长的志愿者", 422)
    BATCH_OUT_OF_SCOPE = ("service.certificate_batch_out_of_scope",
                          "部分志愿者已不在您的管理范围内，未出具任何证明。请返回重新选择后再提交", 404)
