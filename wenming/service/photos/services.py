"""Writes of project photos: add (checked and stored by core.uploads) and remove, each in one
transaction with an audit row. Order of refusals: who (403), state (409), input (422), the
limit (409), then the file itself (`upload.*`: 413, 415, 422)."""

import re

from django.db import IntegrityError, transaction

from wenming.core.audit import audit_record
from wenming.core.errors import CoreError
from wenming.core.files import file_delete
from wenming.core.models import StoredImage
from wenming.core.uploads import image_files_forget, image_store

from ..errors import ServiceError
from ..models import Project, ProjectStatus
from .errors import ProjectPhotoError as E
from .models import CAPTION_MAX, MAX_PHOTOS, PhotoPhase, ProjectPhoto
from .selectors import may_manage_photos

IMAGE_PURPOSE = "project_photo"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # PostgreSQL refuses NUL; the rest is noise in a caption
_SLOT_TRIES = MAX_PHOTOS  # each failed try means another upload took a slot: the limit bounds them


def check_manager(actor, project: Project) -> None:
    """403 unless the actor runs the project (the API asks before it reads the upload)."""
    if not may_manage_photos(actor, project):
        raise E.FORBIDDEN.error()


def clean_phase(value) -> str:
    phase = str(value or PhotoPhase.DURING).strip()
    if phase not in PhotoPhase.values:
        raise E.PHASE_INVALID.error("phase")
    return phase


def clean_caption(value) -> str:
    text = " ".join(_CONTROL.sub(" ", str(value or "")).split())
    if len(text) > CAPTION_MAX:
        raise E.CAPTION_TOO_LONG.error("caption", limit=CAPTION_MAX)
    return text


def _free_slot(project: Project) -> int | None:
    taken = set(ProjectPhoto.objects.filter(project=project).values_list("slot", flat=True))
    return next((s for s in range(MAX_PHOTOS) if s not in taken), None)


def project_photo_add(*, actor, project: Project, upload, phase=PhotoPhase.DURING, caption="") -> ProjectPhoto:
    """Attach a photo to a project (any state but cancelled: before it starts, while it runs,
    after it ended). The image is decoded, checked and re-encoded without metadata."""
    check_manager(actor, project)
    if project.status == ProjectStatus.CANCELLED:
        raise ServiceError.BAD_STATUS.error(status=project.get_status_display(), action="上传活动照片")
    phase, caption = clean_phase(phase), clean_caption(caption)
    if _free_slot(project) is None:
        raise E.LIMIT.error(limit=MAX_PHOTOS)
    with transaction.atomic():
        image = image_store(actor=actor, upload=upload, purpose=IMAGE_PURPOSE)
        try:
            photo = _insert(actor, project, image, phase, caption)
            audit_record(actor=actor, action="project.photo_add", obj=project, node_path=project.node.path,
                         changes={"photo": photo.pk, "image": str(image.public_id), "phase": phase,
                                  "caption": caption})
        except BaseException:
            file_delete(image.path)  # the row goes with the rollback; the file must not stay behind
            raise
    return photo


def _insert(actor, project: Project, image: StoredImage, phase: str, caption: str) -> ProjectPhoto:
    """Take the first free slot; a parallel upload that took it first makes the insert fail
    (UniqueConstraint), and the next free one is tried."""
    for _ in range(_SLOT_TRIES):
        slot = _free_slot(project)
        if slot is None:
            break
        try:
            with transaction.atomic():
                return ProjectPhoto.objects.create(project=project, image=image, slot=slot, phase=phase,
                                                   caption=caption, added_by=actor)
        except IntegrityError:
            continue
    raise E.LIMIT.error(limit=MAX_PHOTOS)


def project_photo_remove(*, actor, project: Project, photo: ProjectPhoto) -> None:
    """Remove a photo (its stored file goes once the transaction commits)."""
    check_manager(actor, project)
    with transaction.atomic():
        if not ProjectPhoto.objects.filter(pk=photo.pk, project=project).delete()[0]:
            raise CoreError.NOT_FOUND.error()  # removed meanwhile (a second tap)
        image = photo.image
        StoredImage.objects.filter(pk=image.pk).delete()
        image_files_forget([image])
        audit_record(actor=actor, action="project.photo_remove", obj=project, node_path=project.node.path,
                     changes={"photo": photo.pk, "image": str(image.public_id), "phase": photo.phase})
