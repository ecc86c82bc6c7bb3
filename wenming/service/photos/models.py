"""The photo table of projects. Imported by service/models.py, so it belongs to the service app."""

from django.conf import settings
from django.db import models
from django.db.models import Q

MAX_PHOTOS = 20  # per project: a few before, during and after the activity
CAPTION_MAX = 60


class PhotoPhase(models.TextChoices):
    BEFORE = "before", "活动前"
    DURING = "during", "活动中"
    AFTER = "after", "活动后"


class ProjectPhoto(models.Model):
    """A photo of a project (checked, EXIF-stripped and stored outside the web root by
    core.uploads). `slot` is the photo's place among the project's MAX_PHOTOS: unique per
    project and below the limit, so two uploads at once can never pass it (a second insert
    into the same slot fails in the database and takes the next free one)."""

    project = models.ForeignKey("service.Project", verbose_name="项目", on_delete=models.CASCADE,
                                related_name="photos")
    image = models.OneToOneField("core.StoredImage", on_delete=models.PROTECT, related_name="+")
    slot = models.PositiveSmallIntegerField("序位", editable=False)
    phase = models.CharField("类别", max_length=8, choices=PhotoPhase.choices, default=PhotoPhase.DURING)
    caption = models.CharField("说明", max_length=CAPTION_MAX, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "活动照片"
        verbose_name_plural = "活动照片"
        ordering = ["project_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "slot"], name="project_photo_slot_unique"),
            models.CheckConstraint(condition=Q(slot__lt=MAX_PHOTOS), name="project_photo_slot_max"),
            models.CheckConstraint(condition=Q(phase__in=PhotoPhase.values), name="project_photo_phase_known"),
        ]

    def __str__(self):
        return f"{self.project_id} · {self.get_phase_display()} · {self.image_id}"
