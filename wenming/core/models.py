from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """One row per write and per reveal of personal data. Never holds raw personal data."""

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField("操作人名称", max_length=150, blank=True)
    action = models.CharField("动作", max_length=64, db_index=True)
    object_type = models.CharField("对象类型", max_length=64, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    node_path = models.CharField("所属阵地路径", max_length=255, blank=True, db_index=True)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    ip = models.GenericIPAddressField("来源地址", null=True, blank=True)

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}#{self.object_id}"


class Counter(models.Model):
    """Named monotonic counters (volunteer numbers); advanced by a conditional UPDATE."""

    name = models.CharField(max_length=64, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "计数器"
        verbose_name_plural = "计数器"

    def __str__(self):
        return f"{self.name}={self.value}"
