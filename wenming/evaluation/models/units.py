"""Civilized units as participants: members who volunteer, 联点共建 pairings."""

from django.conf import settings
from django.db import models


class UnitMember(models.Model):
    """A registered volunteer who belongs to (works at) a unit."""

    unit = models.ForeignKey("orgs.Unit", on_delete=models.CASCADE, related_name="members")
    volunteer = models.ForeignKey("volunteers.Volunteer", on_delete=models.CASCADE, related_name="unit_memberships")
    joined_on = models.DateField("加入日期")

    class Meta:
        verbose_name = "单位志愿者"
        verbose_name_plural = "单位志愿者"
        constraints = [models.UniqueConstraint(fields=["unit", "volunteer"], name="eval_unit_member_once")]

    def __str__(self):
        return f"{self.unit_id} · {self.volunteer_id}"



class Pairing(models.Model):
    """联点共建: a unit paired with a community, village, grid or station it helps."""

    unit = models.ForeignKey("orgs.Unit", on_delete=models.CASCADE, related_name="pairings")
    node = models.ForeignKey("orgs.Node", verbose_name="共建阵地/网格", on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField("开始日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    note = models.CharField("共建内容", max_length=200, blank=True)

    class Meta:
        verbose_name = "联点共建"
        verbose_name_plural = "联点共建"
        constraints = [models.UniqueConstraint(fields=["unit", "node"], name="eval_pairing_once")]

    def __str__(self):
        return f"{self.unit_id} ↔ {self.node_id}"



class UnitTeam(models.Model):
    """A volunteer team that belongs to a unit (its own 志愿服务队)."""

    unit = models.ForeignKey("orgs.Unit", on_delete=models.CASCADE, related_name="unit_teams")
    team = models.OneToOneField("volunteers.Team", on_delete=models.CASCADE, related_name="unit_link")

    class Meta:
        verbose_name = "单位志愿服务队"
        verbose_name_plural = "单位志愿服务队"

    def __str__(self):
        return f"{self.unit_id} · {self.team_id}"



class UnitCallAnswer(models.Model):
    """A unit answering a 招募令 with one of its teams: the team's members are told and
    sign up themselves (the call's capacity and rules still hold for each)."""

    call = models.ForeignKey("mobilization.Call", on_delete=models.CASCADE, related_name="unit_answers")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.CASCADE, related_name="call_answers")
    team = models.ForeignKey("volunteers.Team", on_delete=models.PROTECT, related_name="+")
    headcount = models.PositiveIntegerField("可出动人数")
    note = models.CharField("说明", max_length=200, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField("响应时间")

    class Meta:
        verbose_name = "单位响应招募令"
        verbose_name_plural = "单位响应招募令"
        constraints = [models.UniqueConstraint(fields=["call", "unit"], name="eval_unit_call_once")]

    def __str__(self):
        return f"{self.unit_id} → {self.call_id}"
