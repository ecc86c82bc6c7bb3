"""A volunteer's own update of their insurance or skills, waiting for staff (issue 15).

The volunteer submits; nothing on the Volunteer row changes, so eligibility (service
sign-up checks read `insurance_valid_until` and `skills`) is untouched until a staff member
with volunteer.edit over the volunteer's home node confirms it (then the values are
copied onto the volunteer) or returns it with a reason. One pending change per volunteer
and kind: a new submission withdraws the one before it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class ChangeKind(models.TextChoices):
    INSURANCE = "insurance", "保险信息"
    SKILLS = "skills", "技能特长"


class ChangeStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    CONFIRMED = "confirmed", "已确认"
    REJECTED = "rejected", "已退回"
    WITHDRAWN = "withdrawn", "已撤回"


class ProfileChange(models.Model):
    volunteer = models.ForeignKey("volunteers.Volunteer", verbose_name="志愿者", on_delete=models.CASCADE,
                                  related_name="profile_changes")
    kind = models.CharField("类型", max_length=16, choices=ChangeKind.choices)
    status = models.CharField("状态", max_length=16, choices=ChangeStatus.choices, default=ChangeStatus.PENDING)
    # insurance
    insurer = models.CharField("保险公司", max_length=100, blank=True)
    policy_no = models.CharField("保单号", max_length=64, blank=True)
    insurance_valid_until = models.DateField("保险有效期至", null=True, blank=True)
    # skills: the whole set the volunteer says they hold
    skills = models.ManyToManyField("volunteers.Skill", verbose_name="技能特长", blank=True, related_name="+")
    note = models.CharField("说明", max_length=200, blank=True)
    evidence = models.OneToOneField("core.StoredImage", verbose_name="证明材料", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提交人", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    reject_reason = models.CharField("退回原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "志愿者资料变更"
        verbose_name_plural = "志愿者资料变更"
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["status", "kind"], name="profile_change_status_idx")]
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "kind"], condition=Q(status="pending"),
                                    name="profile_change_one_pending"),
            models.CheckConstraint(condition=~Q(kind="insurance") | Q(insurance_valid_until__isnull=False),
                                   name="profile_change_insurance_date"),
            models.CheckConstraint(condition=~Q(status="rejected") | ~Q(reject_reason=""),
                                   name="profile_change_rejected_has_reason"),
            models.CheckConstraint(condition=Q(status__in=["pending", "withdrawn"]) | Q(decided_at__isnull=False),
                                   name="profile_change_decided_at"),
        ]

    def __str__(self):
        return f"{self.volunteer_id} · {self.get_kind_display()} · {self.get_status_display()}"
