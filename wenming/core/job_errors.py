"""Error codes of background jobs (core/jobs.py, docs/jobs.md). Each message says what to
do next: the job page shows it as it is."""

from wenming.core.errors import ErrorCode


class JobError(ErrorCode):
    NOT_FINISHED = ("job.not_finished", "任务尚未完成，请稍候再下载", 409)
    NO_RESULT = ("job.no_result", "该任务没有可下载的文件", 404)
    RESULT_GONE = ("job.result_gone", "结果文件已过期或已被清理（保留 {days} 天），请重新发起", 404)
    CRASHED = ("job.crashed", "任务执行时出错，未能完成。请返回重新发起；如果仍然出错，请把错误代码告诉系统管理员", 500)
    TIMED_OUT = ("job.timed_out", "任务运行超时，未能完成。请缩小范围（例如按下级阵地分别处理）后重新发起", 500)
    INTERRUPTED = ("job.interrupted", "任务多次中断，已停止。请稍后重新发起；如果仍然中断，请联系系统管理员", 500)
    ACTOR_GONE = ("job.actor_gone", "发起任务的账号已停用，任务未执行", 403)
