import uuid

from django.conf import settings
from django.db import models

from .local_time import local_text  # __str__ shows times as people read them (TIME_ZONE), not UTC


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


class NotificationChannel(models.TextChoices):
    INBOX = "inbox", "站内消息"
    SMS = "sms", "短信"


class Notification(models.Model):
    """The outbox: one row per message and recipient, written inside the transaction that
    caused it and sent after it commits (core/notify.py). A recipient without an account is
    kept by volunteer."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接收人", null=True, blank=True, on_delete=models.CASCADE,
        related_name="notifications",
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer", verbose_name="接收志愿者", null=True, blank=True, on_delete=models.CASCADE,
        related_name="notifications",
    )
    # A recipient known only by phone (a resident's one-time code): encrypted, masked copy.
    phone_enc = models.TextField("手机号（密文）", blank=True, default="", editable=False)
    phone_masked = models.CharField("手机号", max_length=20, blank=True, default="")
    channel = models.CharField("渠道", max_length=16, choices=NotificationChannel.choices,
                               default=NotificationChannel.INBOX)
    subject = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    link = models.CharField("链接", max_length=500, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    # Delivery bookkeeping of the sender (core/notify.py): tries so far, when the next may
    # start (also the end of a sender's lease), the lease token, the last error's class.
    attempts = models.PositiveSmallIntegerField("发送次数", default=0)
    next_attempt_at = models.DateTimeField("下次发送", null=True, blank=True)
    lease = models.CharField("发送批次", max_length=16, blank=True, default="")
    error = models.CharField("发送错误", max_length=100, blank=True, default="")

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "sent_at"], name="notification_recipient_idx"),
            models.Index(fields=["next_attempt_at", "id"], condition=models.Q(sent_at__isnull=True),
                         name="notification_pending_idx"),
            models.Index(fields=["lease"], condition=~models.Q(lease=""), name="notification_lease_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(recipient__isnull=False) | models.Q(volunteer__isnull=False)
                                   | ~models.Q(phone_enc=""), name="notification_has_recipient"),
        ]

    def __str__(self):
        return f"{local_text(self.created_at, '%Y-%m-%d %H:%M')} {self.subject}"


class StoredImage(models.Model):
    """An uploaded image after checking and re-encoding (core/uploads.py): the file lives in
    the uploads storage (UPLOAD_DIR on the local disk, or an S3 bucket; never under a URL) and
    is served only through `image_response`. The owning feature links to it and decides who
    may see it."""

    public_id = models.UUIDField("公开编号", default=uuid.uuid4, unique=True, editable=False)
    purpose = models.CharField("用途", max_length=40, db_index=True)
    path = models.CharField("存储路径", max_length=255, unique=True, editable=False)  # name in the uploads storage
    content_type = models.CharField("文件类型", max_length=32)
    width = models.PositiveIntegerField("宽度（像素）")
    height = models.PositiveIntegerField("高度（像素）")
    bytes = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="stored_images",
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "图片"
        verbose_name_plural = "图片"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(content_type__in=["image/jpeg", "image/png"]),
                                   name="stored_image_content_type"),
            models.CheckConstraint(condition=models.Q(width__gte=1, height__gte=1, bytes__gte=1),
                                   name="stored_image_not_empty"),
        ]

    def __str__(self):
        return f"{self.purpose}/{self.public_id}"


class PeriodicLatch(models.Model):
    """One row per periodic job: a run starts only by moving `next_run_at` forward with a
    conditional UPDATE, so however many schedulers and workers there are, a job runs at most
    once per interval across the fleet (core/periodic.py)."""

    name = models.CharField("任务", max_length=64, primary_key=True)
    next_run_at = models.DateTimeField("下次可运行")

    class Meta:
        verbose_name = "定时任务闩"
        verbose_name_plural = "定时任务闩"

    def __str__(self):
        return f"{self.name} → {local_text(self.next_run_at)}"


class PeriodicRunOutcome(models.TextChoices):
    RUNNING = "running", "运行中"
    OK = "ok", "完成"
    FAILED = "failed", "失败"


class PeriodicRun(models.Model):
    """One row per run of a periodic job: when, where, how it ended and what it did (counts
    only). Kept for a week by the housekeeping job."""

    name = models.CharField("任务", max_length=64)
    started_at = models.DateTimeField("开始", db_index=True)
    finished_at = models.DateTimeField("结束", null=True, blank=True)
    outcome = models.CharField("结果", max_length=10, choices=PeriodicRunOutcome.choices,
                               default=PeriodicRunOutcome.RUNNING)
    result = models.JSONField("处理数量", default=dict, blank=True)
    error = models.CharField("错误类型", max_length=100, blank=True)
    worker = models.CharField("执行进程", max_length=100, blank=True)

    class Meta:
        verbose_name = "定时任务运行记录"
        verbose_name_plural = "定时任务运行记录"
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["name", "started_at"], name="periodic_run_name_idx")]

    def __str__(self):
        return f"{self.name} {local_text(self.started_at)} {self.get_outcome_display()}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "进行中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class BackgroundJob(models.Model):
    """One heavy one-off (a city's export, a roster import, a certificate batch) run by a
    Celery worker; its page shows the progress and offers the result file (core/jobs.py).

    Seen only by the actor who started it, or by someone holding `perm` over `node_path`
    (empty: nobody else). The result lives in the uploads storage under jobs/<public_id>/."""

    public_id = models.UUIDField("公开编号", default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField("任务类型", max_length=64, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="background_jobs")
    node_path = models.CharField("所属阵地路径", max_length=255, blank=True, db_index=True)
    perm = models.CharField("查看所需权限", max_length=32, blank=True)
    status = models.CharField("状态", max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done = models.PositiveIntegerField("已处理", default=0)
    total = models.PositiveIntegerField("总数", null=True, blank=True)
    message = models.CharField("说明", max_length=500, blank=True)
    error_code = models.CharField("错误代码", max_length=64, blank=True)
    params = models.JSONField("参数", default=dict, blank=True)  # never raw personal data
    state = models.JSONField("断点", default=dict, blank=True)  # what a resumed run must not redo
    result_name = models.CharField("结果文件", max_length=255, blank=True)  # name in the uploads storage
    result_filename = models.CharField("下载文件名", max_length=200, blank=True)
    result_type = models.CharField("结果类型", max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField("运行次数", default=0)
    created_at = models.DateTimeField("创建时间", auto_now_add=True, db_index=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    # Written with each progress step: a run whose heartbeat stopped long ago died (a killed
    # worker), and a redelivered message may take the job over.
    heartbeat_at = models.DateTimeField("最近进展", null=True, blank=True)
    requeued_at = models.DateTimeField("最近重新派发", null=True, blank=True)  # by the watchdog

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["actor", "created_at"], name="job_actor_idx"),
                   models.Index(fields=["status", "finished_at"], name="job_status_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=JobStatus.values), name="job_status_valid"),
        ]

    def __str__(self):
        return f"{self.kind} {self.public_id} {self.get_status_display()}"

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def percent(self) -> int | None:
        if self.status == JobStatus.DONE:
            return 100
        if not self.total:
            return None
        return min(99, self.done * 100 // self.total)


class PhoneCode(models.Model):
    """A one-time text code proving a phone, for one purpose ("demand", "survey:12",
    "honour-vote:5"): written and checked only through core.phone_codes. Nothing here names
    the phone: its hash is keyed by the caller (per survey, per campaign), the code's by the
    phone hash."""

    purpose = models.CharField(max_length=40)
    phone_hash = models.CharField(max_length=64)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "手机验证码"
        verbose_name_plural = "手机验证码"
        indexes = [models.Index(fields=["purpose", "phone_hash", "created_at"], name="phone_code_lookup_idx"),
                   models.Index(fields=["expires_at"], name="phone_code_expiry_idx")]

    def __str__(self):
        return f"{self.purpose} #{self.pk}"
