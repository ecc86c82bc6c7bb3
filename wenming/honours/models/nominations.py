"""Nominations (推荐) and what comes with them: evidence files, recommenders of a
self-nomination, and the reviews of each stage."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .campaigns import HonourCampaign, NomineeKind


class NominationStatus(models.TextChoices):
    SUBMITTED = "submitted", "待初审"
    RETURNED = "returned", "退回修改"
    WITHDRAWN = "withdrawn", "已撤回"
    REJECTED = "rejected", "未通过"
    SHORTLISTED = "shortlisted", "入围"
    SELECTED = "selected", "拟表彰"
    HONOURED = "honoured", "已表彰"
    DROPPED = "dropped", "公示后撤销"


class NominatedBy(models.TextChoices):
    UNIT = "unit", "文明单位推荐"
    NODE = "node", "文明办/阵地推荐"
    SELF = "self", "个人自荐"


class Nomination(models.Model):
    campaign = models.ForeignKey(HonourCampaign, on_delete=models.PROTECT, related_name="nominations")
    number = models.CharField("推荐编号", max_length=24, unique=True)
    kind = models.CharField("推荐对象", max_length=10, choices=NomineeKind.choices)
    # the nominee: one of these, by kind (a resident or a family has only the fields below)
    volunteer = models.ForeignKey("volunteers.Volunteer", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="nominations")
    unit = models.ForeignKey("orgs.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="nominations")
    team = models.ForeignKey("volunteers.Team", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="nominations")
    name = models.CharField("姓名/名称", max_length=100)
    # a person's ID number (resident, family head): encrypted, masked, and a keyed hash for
    # duplicates; a volunteer's comes from the registry
    id_number_enc = models.TextField(blank=True, editable=False)
    id_number_masked = models.CharField("证件号码", max_length=32, blank=True, editable=False)
    phone_enc = models.TextField(blank=True, editable=False)
    phone_masked = models.CharField("联系电话", max_length=20, blank=True, editable=False)
    # who the nominee is, once per campaign: v:<volunteer>, u:<unit>, t:<team>, or the ID hash
    person_key = models.CharField(max_length=80, editable=False)
    node = models.ForeignKey("orgs.Node", verbose_name="所在地", on_delete=models.PROTECT, related_name="+")
    work_unit = models.ForeignKey("orgs.Unit", verbose_name="工作单位", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    title = models.CharField("事迹标题", max_length=100)
    story = models.TextField("主要事迹", max_length=20000)
    priority = models.BooleanField("优先推荐", default=False)  # e.g. 抗疫一线: the campaign's label
    priority_note = models.CharField("优先推荐说明", max_length=200, blank=True)
    # from the registry at nomination (a volunteer): star level and hours
    star_level = models.PositiveSmallIntegerField("星级", null=True, blank=True)
    service_hours = models.DecimalField("服务时长", max_digits=9, decimal_places=1, null=True, blank=True)
    nominated_by = models.CharField("推荐方式", max_length=8, choices=NominatedBy.choices)
    nominating_unit = models.ForeignKey("orgs.Unit", verbose_name="推荐单位", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    nominating_node = models.ForeignKey("orgs.Node", verbose_name="推荐文明办/阵地", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    consent_at = models.DateTimeField("本人同意推荐时间")  # the nominator confirms it: required
    status = models.CharField("状态", max_length=12, choices=NominationStatus.choices,
                              default=NominationStatus.SUBMITTED)
    status_reason = models.CharField("退回/未通过原因", max_length=500, blank=True)
    votes = models.PositiveIntegerField("有效票数", default=0)  # live votes: cast − undone − voided
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField("推荐时间", default=timezone.now)  # the service passes its clock
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "推荐"
        verbose_name_plural = "推荐"
        ordering = ["campaign", "-priority", "number"]
        constraints = [
            # one person once per campaign (a withdrawn nomination frees the place for another)
            models.UniqueConstraint(fields=["campaign", "person_key"], condition=~Q(status="withdrawn"),
                                    name="honour_nominee_once"),
        ]
        indexes = [models.Index(fields=["campaign", "status"], name="honour_nom_status_idx")]

    def __str__(self):
        return f"{self.number} {self.name}"


class NominationFile(models.Model):
    """Evidence: photos (core.uploads, re-encoded) and documents (checked files)."""

    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="files")
    image = models.OneToOneField("core.StoredImage", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    file = models.CharField(max_length=200, blank=True)
    file_name = models.CharField("文件名", max_length=120, blank=True)
    caption = models.CharField("说明", max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["nomination", "id"]

    def __str__(self):
        return f"{self.nomination_id} · {self.file_name or self.image_id}"


class Recommender(models.Model):
    """A co-signer of a self-nomination (联名推荐人): name and phone, encrypted."""

    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="recommenders")
    name = models.CharField("姓名", max_length=50)
    phone_enc = models.TextField(editable=False)
    phone_masked = models.CharField("电话", max_length=20, editable=False)
    phone_hash = models.CharField(max_length=64, editable=False)

    class Meta:
        verbose_name = "联名推荐人"
        verbose_name_plural = "联名推荐人"
        constraints = [models.UniqueConstraint(fields=["nomination", "phone_hash"], name="honour_recommender_once")]

    def __str__(self):
        return f"{self.nomination_id} · {self.name}"


class ReviewStage(models.TextChoices):
    INITIAL = "initial", "初审"
    FINAL = "final", "复审"


class Decision(models.TextChoices):
    PASS = "pass", "通过"
    RETURN = "return", "退回修改"
    REJECT = "reject", "不通过"


class Review(models.Model):
    """One reviewer's opinion at one stage: the decision, the reason and the scores per
    criterion. At the initial review the first decision moves the nomination; at the final
    review the office selects from the reviewers' scores and the votes."""

    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="reviews")
    stage = models.CharField("评审阶段", max_length=8, choices=ReviewStage.choices)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField("意见", max_length=8, choices=Decision.choices)
    reason = models.CharField("理由", max_length=500, blank=True)
    scores = models.JSONField("各项得分", default=dict)  # {criterion id: points}
    total = models.DecimalField("总分", max_digits=6, decimal_places=1, null=True, blank=True)
    created_at = models.DateTimeField("评审时间", default=timezone.now)  # the service passes its clock

    class Meta:
        verbose_name = "评审意见"
        verbose_name_plural = "评审意见"
        ordering = ["nomination", "stage", "created_at"]
        constraints = [models.UniqueConstraint(fields=["nomination", "stage", "reviewer"],
                                               name="honour_review_once")]

    def __str__(self):
        return f"{self.nomination_id} · {self.get_stage_display()} · {self.get_decision_display()}"
