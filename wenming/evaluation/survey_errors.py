"""Error codes of questionnaires (问卷调查) and material review (材料审核), beside the shared
ones in errors.py (SURVEY_CLOSED, SURVEY_ANSWERED, CODE_WRONG, SCORE_INVALID …)."""

from wenming.core.errors import ErrorCode


class SurveyError(ErrorCode):
    NOT_SURVEY = ("evaluation.not_survey",
                  "指标“{name}”不是按问卷达标率计分的测评指标，不能为它出题", 422)
    SURVEY_NODE_INVALID = ("evaluation.survey_node_invalid", "调查范围须在测评范围“{name}”之内", 422)
    SURVEY_NOT_DRAFT = ("evaluation.survey_not_draft", "问卷“{title}”已发布，不能再{action}", 409)
    SURVEY_BAD_STATUS = ("evaluation.survey_bad_status", "问卷“{title}”当前为“{status}”，不能{action}", 409)
    TOO_MANY_QUESTIONS = ("evaluation.too_many_questions", "一份问卷最多 {limit} 道题", 422)
    ANSWER_INVALID = ("evaluation.answer_invalid", "第 {n} 题的答案无效，请重新选择", 422)
    MATERIAL_TEXT_REQUIRED = ("evaluation.material_text_required", "请填写材料说明", 422)
    NO_DUTY = ("evaluation.no_duty", "您的单位没有承担指标“{name}”，不能为它提交材料", 403)
    MATERIAL_PENDING = ("evaluation.material_pending", "指标“{name}”已有待审核的材料，请等审核后再提交", 409)
    FILE_TYPE = ("evaluation.file_type", "附件只能是 PDF、Word（.docx）、Excel（.xlsx）、JPG、PNG 或 ZIP 文件，"
                 "且内容须与扩展名相符", 415)
    FILE_TOO_LARGE = ("evaluation.file_too_large", "附件过大，上限为 {limit}", 413)
    FILE_EMPTY = ("evaluation.file_empty", "上传的附件是空的", 422)
    NOTE_REQUIRED = ("evaluation.note_required", "退回时请写明需要补充或修改的内容", 422)
