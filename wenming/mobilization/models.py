"""Training courses (岗前培训) that can gate projects, and calls to the reserve (招募令)."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Course(models.Model):
    title = models.CharField("课程名称", max_length=100)
    node = models.ForeignKey("orgs.Node", verbose_name="发布阵地", on_delete=models.PROTECT, related_name="courses")
    material = models.TextField("培训内容", blank=True)
    # [{"question": str, "options": [str, ...], "answer": index}]; empty: reading completes it.
    quiz = models.JSONField("测验题", default=list, blank=True)
    pass_score = models.PositiveSmallIntegerField("及格分（百分制）", default=60)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "岗前培训课程"
        verbose_name_plural = "岗前培训课程"
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=Q(pass_score__lte=100), name="course_pass_score_range")]

    def __str__(self):
        return self.title


class CourseCompletion(models.Model):
    """A passed course. Failed attempts leave no row."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="completions")
    volunteer = models.ForeignKey("volunteers.Volunteer", on_delete=models.CASCADE, related_name="course_completions")
    score = models.PositiveSmallIntegerField("得分")
    completed_at = models.DateTimeField("完成时间")

    class Meta:
        verbose_name = "培训完成记录"
        verbose_name_plural = "培训完成记录"
        constraints = [models.UniqueConstraint(fields=["course", "volunteer"], name="course_completion_once")]

    def __str__(self):
        return f"{self.course} · {self.volunteer_id}"


class ProjectCourse(models.Model):
    """A course a project requires before sign-up (kept here so the service app needs no migration)."""

    project = models.ForeignKey("service.Project", on_delete=models.CASCADE, related_name="required_courses")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="project_links")

    class Meta:
        verbose_name = "项目所需培训"
        verbose_name_plural = "项目所需培训"
        constraints = [models.UniqueConstraint(fields=["project", "course"], name="project_course_once")]

    def __str__(self):
        return f"{self.project_id} ← {self.course}"


class CallStatus(models.TextChoices):
    OPEN = "open", "招募中"
    CLOSED = "closed", "已结束"


class Call(models.Model):
    """A call to the reserve. Targets: reserve volunteers homed in the node's subtree, holding
    every skill, available when the mask says (any common bit), within the radius if given."""

    title = models.CharField("标题", max_length=100)
    description = models.TextField("说明", blank=True)
    node = models.ForeignKey("orgs.Node", verbose_name="发起阵地", on_delete=models.PROTECT, related_name="calls")
    shift = models.ForeignKey("service.Shift", verbose_name="集结班次", on_delete=models.PROTECT,
                              related_name="calls")
    skills = models.ManyToManyField("volunteers.Skill", verbose_name="所需技能", blank=True, related_name="+")
    center_lat = models.DecimalField("中心纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    center_lon = models.DecimalField("中心经度", max_digits=9, decimal_places=6, null=True, blank=True)
    radius_km = models.DecimalField("半径（公里）", max_digits=6, decimal_places=2, null=True, blank=True)
    availability_mask = models.PositiveSmallIntegerField("可服务时间", default=0)
    needed = models.PositiveIntegerField("需要人数")
    deadline = models.DateTimeField("响应截止")
    status = models.CharField("状态", max_length=16, choices=CallStatus.choices, default=CallStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "招募令"
        verbose_name_plural = "招募令"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(needed__gt=0), name="call_needed_positive"),
            models.CheckConstraint(condition=Q(availability_mask__lte=15), name="call_availability_flags"),
            models.CheckConstraint(
                condition=(Q(radius_km__isnull=True) & Q(center_lat__isnull=True) & Q(center_lon__isnull=True))
                | (Q(radius_km__gt=0) & Q(center_lat__isnull=False) & Q(center_lon__isnull=False)),
                name="call_area_complete",
            ),
        ]

    def __str__(self):
        return self.title


class Answer(models.TextChoices):
    PENDING = "none", "未响应"
    YES = "yes", "愿意参加"
    NO = "no", "不能参加"


class CallResponse(models.Model):
    """One targeted volunteer of a call and their answer; the first answer stands."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="responses")
    volunteer = models.ForeignKey("volunteers.Volunteer", on_delete=models.CASCADE, related_name="call_responses")
    answer = models.CharField("响应", max_length=8, choices=Answer.choices, default=Answer.PENDING)
    answered_at = models.DateTimeField("响应时间", null=True, blank=True)
    enrollment = models.ForeignKey("service.Enrollment", verbose_name="报名", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("召集时间", auto_now_add=True)

    class Meta:
        verbose_name = "招募令响应"
        verbose_name_plural = "招募令响应"
        ordering = ["id"]
        indexes = [models.Index(fields=["call", "answer"], name="call_response_answer_idx")]
        constraints = [
            models.UniqueConstraint(fields=["call", "volunteer"], name="call_response_once"),
            models.CheckConstraint(condition=Q(answer="none") | Q(answered_at__isnull=False),
                                   name="call_response_answered_at"),
        ]

    def __str__(self):
        return f"{self.call_id} · {self.volunteer_id} · {self.answer}"


# The answer-link alias kept for readability in services.
CallTarget = CallResponse
