"""Append-only ledgers: service hours, points; star levels reached; maintained totals.

A ledger row is never updated or deleted: a correction is a new row with a reason. The
totals in VolunteerStats move in the same transaction as each new row, and tests check
that they always equal the sums of the ledgers (ARCHITECTURE rule 5).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class HoursKind(models.TextChoices):
    AUTO = "auto", "签到计时"
    MAKEUP = "makeup", "补录时长"
    CORRECTION = "correction", "更正"


class ServiceRecord(models.Model):
    volunteer = models.ForeignKey("volunteers.Volunteer", on_delete=models.PROTECT, related_name="service_records")
    kind = models.CharField("类型", max_length=16, choices=HoursKind.choices)
    # The bucket a correction corrects (auto or makeup), so both totals stay right.
    bucket = models.CharField("计入", max_length=16, choices=HoursKind.choices[:2])
    hours = models.DecimalField("时长（小时）", max_digits=7, decimal_places=2)
    service_date = models.DateField("服务日期")
    project = models.ForeignKey("service.Project", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="service_records")
    attendance = models.ForeignKey("service.Attendance", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="service_records")
    node = models.ForeignKey("orgs.Node", verbose_name="服务阵地", on_delete=models.PROTECT, related_name="+")
    corrects = models.ForeignKey("self", verbose_name="更正的记录", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="corrections")
    reason = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="核定人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "服务时长记录"
        verbose_name_plural = "服务时长记录"
        ordering = ["service_date", "id"]
        indexes = [models.Index(fields=["volunteer", "service_date"], name="service_record_vol_date_idx")]
        constraints = [
            # An attendance is verified once; further changes are corrections.
            models.UniqueConstraint(fields=["attendance"], condition=Q(kind="auto"),
                                    name="service_record_one_auto_per_attendance"),
            models.CheckConstraint(condition=~Q(kind="correction") | Q(corrects__isnull=False),
                                   name="service_record_correction_has_target"),
            models.CheckConstraint(condition=Q(kind="correction") | Q(hours__gt=0),
                                   name="service_record_positive_unless_correction"),
            models.CheckConstraint(condition=~Q(bucket="correction"), name="service_record_bucket"),
        ]

    def __str__(self):
        return f"{self.volunteer} {self.hours}h {self.get_kind_display()}"


class PointsEntry(models.Model):
    volunteer = models.ForeignKey("volunteers.Volunteer", on_delete=models.PROTECT, related_name="points_entries")
    points = models.IntegerField("积分")
    reason = models.CharField("说明", max_length=200)
    service_record = models.ForeignKey(ServiceRecord, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="points_entries")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "积分记录"
        verbose_name_plural = "积分记录"
        ordering = ["id"]

    def __str__(self):
        return f"{self.volunteer} {self.points:+d}"


class VolunteerStats(models.Model):
    """Maintained totals, moved with F() in the writing transaction; never below zero."""

    volunteer = models.OneToOneField("volunteers.Volunteer", on_delete=models.CASCADE, related_name="stats",
                                     primary_key=True)
    auto_hours = models.DecimalField("签到计时时长", max_digits=9, decimal_places=2, default=0)
    makeup_hours = models.DecimalField("补录时长", max_digits=9, decimal_places=2, default=0)
    points = models.IntegerField("积分余额", default=0)
    star_level = models.PositiveSmallIntegerField("星级", default=0)

    class Meta:
        verbose_name = "志愿者累计"
        verbose_name_plural = "志愿者累计"
        constraints = [
            models.CheckConstraint(condition=Q(auto_hours__gte=0) & Q(makeup_hours__gte=0),
                                   name="stats_hours_not_negative"),
            models.CheckConstraint(condition=Q(points__gte=0), name="stats_points_not_negative"),
        ]

    def __str__(self):
        return f"{self.volunteer} {self.total_hours}h"

    @property
    def total_hours(self):
        return self.auto_hours + self.makeup_hours


class StarAward(models.Model):
    """The date each star level was first reached (星级志愿者)."""

    volunteer = models.ForeignKey("volunteers.Volunteer", on_delete=models.CASCADE, related_name="star_awards")
    level = models.PositiveSmallIntegerField("星级")
    threshold_hours = models.PositiveIntegerField("门槛时长")
    reached_on = models.DateField("达到日期")

    class Meta:
        verbose_name = "星级记录"
        verbose_name_plural = "星级记录"
        ordering = ["volunteer", "level"]
        constraints = [models.UniqueConstraint(fields=["volunteer", "level"], name="star_award_once_per_level")]

    def __str__(self):
        return f"{self.volunteer} {self.level}星"
