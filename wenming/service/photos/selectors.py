"""Reads of project photos: whoever may see the project sees its photos (the public once it
is published; staff of its node in every state). Out of scope answers like missing."""

from django.db.models import QuerySet

from wenming.core.errors import CoreError
from wenming.core.params import MAX_PK

from ..models import Project
from ..permissions import may_run_project
from ..selectors import project_get_for_actor
from .models import ProjectPhoto


def project_for_photos(*, actor, project_id: int) -> Project:
    """The project if the actor may see it (CoreError.NOT_FOUND otherwise, also for an id no
    database column could hold)."""
    if isinstance(project_id, bool) or not isinstance(project_id, int) or not 0 < project_id <= MAX_PK:
        raise CoreError.NOT_FOUND.error()
    return project_get_for_actor(actor=actor, project_id=project_id)


def photo_list(project: Project) -> QuerySet:
    return ProjectPhoto.objects.filter(project=project).select_related("image").order_by("id")


def photo_of(project: Project, photo_id) -> ProjectPhoto | None:
    """A photo of this project, or None (another project's photo is not found either)."""
    if isinstance(photo_id, bool) or not isinstance(photo_id, int) or not 0 < photo_id <= MAX_PK:
        return None
    return photo_list(project).filter(pk=photo_id).first()


def may_manage_photos(actor, project: Project) -> bool:
    """Staff over the project's node, or the leader of the team that claimed it."""
    return bool(getattr(actor, "is_authenticated", False)) and may_run_project(actor, project)
