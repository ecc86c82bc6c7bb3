"""JSON API of project photos (活动照片): list, add (multipart), the image, delete.

Whoever may see the project (GET /projects/{id}) sees its photos; adding and removing is for
staff over its node or the leader of the team that claimed it. Out of scope = 404."""

from datetime import datetime

from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from wenming.core.errors import CoreError
from wenming.core.upload_errors import UploadError
from wenming.core.uploads import image_response

from . import selectors, services
from .models import MAX_PHOTOS, ProjectPhoto

router = Router(tags=["志愿服务"])
OPTIONAL_FILE = File(None)  # a missing file is refused after the scope check (404 before 422)


class PhotoOut(Schema):
    id: int
    phase: str
    phase_label: str
    caption: str
    width: int = Field(alias="image.width")
    height: int = Field(alias="image.height")
    url: str
    added_at: datetime

    @staticmethod
    def resolve_phase_label(obj: ProjectPhoto) -> str:
        return obj.get_phase_display()

    @staticmethod
    def resolve_url(obj: ProjectPhoto) -> str:
        return f"/api/v1/projects/{obj.project_id}/photos/{obj.pk}"


class PhotoListOut(Schema):
    items: list[PhotoOut]
    limit: int
    may_manage: bool


class PhotoIn(Schema):
    phase: str = "during"
    caption: str = ""


def _project(request, project_id: int):
    return selectors.project_for_photos(actor=request.auth, project_id=project_id)


@router.get("/projects/{project_id}/photos", response=PhotoListOut, summary="项目的活动照片")
def list_photos(request, project_id: int):
    project = _project(request, project_id)
    return {"items": list(selectors.photo_list(project)), "limit": MAX_PHOTOS,
            "may_manage": selectors.may_manage_photos(request.auth, project)}


@router.post("/projects/{project_id}/photos", response={201: PhotoOut},
             summary=f"上传活动照片（项目所在阵地工作人员或认领队长，最多 {MAX_PHOTOS} 张）")
def add_photo(request, project_id: int, meta: Form[PhotoIn], image: UploadedFile = OPTIONAL_FILE):
    project = _project(request, project_id)
    services.check_manager(request.auth, project)
    if image is None:
        raise UploadError.EMPTY.error("image")
    return Status(201, services.project_photo_add(actor=request.auth, project=project, upload=image,
                                                  phase=meta.phase, caption=meta.caption))


@router.get("/projects/{project_id}/photos/{photo_id}", response={200: None}, summary="查看活动照片")
def get_photo(request, project_id: int, photo_id: int):
    found = selectors.photo_of(_project(request, project_id), photo_id)
    return image_response(request, found.image if found else None, allowed=found is not None)


@router.delete("/projects/{project_id}/photos/{photo_id}", response={204: None}, summary="删除活动照片")
def remove_photo(request, project_id: int, photo_id: int):
    project = _project(request, project_id)
    found = selectors.photo_of(project, photo_id)
    if found is None:
        raise CoreError.NOT_FOUND.error()
    services.project_photo_remove(actor=request.auth, project=project, photo=found)
    return Status(204, None)
