"""Public notice (公示): objections from anyone, named or anonymous, each answered before the
result can be announced."""

from django.conf import settings
from django.db import models

from .nominations import Nomination


class ObjectionStatus(models.TextChoices):
    OPEN = "open", "待答复"
    ANSWERED = "answered", "已答复"


class Objection(models.Model):
    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="objections")
    number = models.CharField("编号", max_length=24, unique=True)
    anonymous = models.BooleanField("匿名", default=True)
    name = models.CharField("姓名", max_length=50, blank=True)
    phone_enc = models.TextField(blank=True, editable=False)
    phone_masked = models.CharField("联系电话", max_length=20, blank=True, editable=False)
    text = models.TextField("异议内容", max_length=5000)
    image = models.OneToOneField("core.StoredImage", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    status = models.CharField("状态", max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN)
    answer = models.TextField("答复", max_length=5000, blank=True)
    upheld = models.BooleanField("异议成立", default=False)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField("提交时间")

    class Meta:
        verbose_name = "公示异议"
        verbose_name_plural = "公示异议"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["nomination", "status"], name="honour_objection_idx")]

    def __str__(self):
        return self.number
