from wenming.core.errors import ErrorCode


class MobilizationError(ErrorCode):
    COURSE_REQUIRED = ("mobilization.course_required", "须先完成岗前培训：{courses}", 422)
    QUIZ_INVALID = ("mobilization.quiz_invalid", "测验题目格式不正确：{detail}", 422)
    ANSWERS_INVALID = ("mobilization.answers_invalid", "请回答全部 {count} 道题目", 422)
    PASS_SCORE = ("mobilization.pass_score", "及格分须在 0 到 100 之间", 422)
    CALL_FIELDS = ("mobilization.call_fields", "招募令设置不正确：{detail}", 422)
    CALL_CLOSED = ("mobilization.call_closed", "该招募令已结束，不能再响应", 409)
    DEADLINE_PASSED = ("mobilization.deadline_passed", "已过响应截止时间", 409)
    BAD_ANSWER = ("mobilization.bad_answer", "响应只能是“愿意”（yes）或“不能参加”（no）", 422)
    BAD_TOKEN = ("mobilization.bad_token", "链接无效或已过期", 404)
    NOT_TARGETED = ("mobilization.not_targeted", "您不在该招募令的召集名单中", 404)
