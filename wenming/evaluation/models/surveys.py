"""Residents' questionnaires (问卷调查): one answer per verified phone per survey."""

import uuid

from django.conf import settings
from django.db import models

from .campaigns import Campaign, Indicator


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", "未发布"
    OPEN = "open", "进行中"
    CLOSED = "closed", "已结束"


class Survey(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="surveys")
    node = models.ForeignKey("orgs.Node", verbose_name="调查范围", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("标题", max_length=100)
    intro = models.TextField("说明", blank=True, max_length=2000)
    status = models.CharField("状态", max_length=8, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT)
    public_id = models.UUIDField("公开编号", default=uuid.uuid4, unique=True, editable=False)
    responses_count = models.PositiveIntegerField("答卷数", default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "问卷"
        verbose_name_plural = "问卷"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class QuestionKind(models.TextChoices):
    AWARENESS = "awareness", "知晓率（知道/不知道）"
    SATISFACTION = "satisfaction", "满意率（五级）"


class SurveyQuestion(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    indicator = models.ForeignKey(Indicator, verbose_name="对应指标", on_delete=models.PROTECT, related_name="+")
    text = models.CharField("题目", max_length=300)
    kind = models.CharField("类型", max_length=16, choices=QuestionKind.choices)
    sort = models.PositiveSmallIntegerField("排序", default=0)
    answers = models.PositiveIntegerField("作答数", default=0)
    positives = models.PositiveIntegerField("知道/满意数", default=0)

    class Meta:
        verbose_name = "问卷题目"
        verbose_name_plural = "问卷题目"
        ordering = ["survey", "sort", "id"]

    def __str__(self):
        return self.text



class SurveyResponse(models.Model):
    """One phone's answer sheet. The phone is kept only as a keyed hash: enough to refuse a
    second answer, not enough to know who answered."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    phone_hash = models.CharField(max_length=64)
    submitted_at = models.DateTimeField("提交时间")

    class Meta:
        verbose_name = "答卷"
        verbose_name_plural = "答卷"
        constraints = [models.UniqueConstraint(fields=["survey", "phone_hash"], name="eval_survey_one_per_phone")]

    def __str__(self):
        return f"{self.survey_id} #{self.pk}"



class SurveyAnswer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.CASCADE, related_name="+")
    value = models.PositiveSmallIntegerField("答案")  # awareness: 1 知道 / 0 不知道; satisfaction: 1–5
    positive = models.BooleanField("知道/满意")

    class Meta:
        verbose_name = "答案"
        verbose_name_plural = "答案"
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="eval_answer_once")]

    def __str__(self):
        return f"{self.response_id}/{self.question_id}"

