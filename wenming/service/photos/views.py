"""Pages of project photos: the image itself (for whoever may see the project: the public once
it is published), and the staff page that adds and removes photos. Writes go through the
services, which check who and the state again."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from wenming.core.decorators import button_action, error_page, login_page, user_error
from wenming.core.errors import CoreError, DomainError
from wenming.core.params import parse_pk, pk_or_404
from wenming.core.uploads import image_response

from ..selectors import PUBLIC_STATUSES
from . import selectors, services
from .errors import ProjectPhotoError
from .models import CAPTION_MAX, MAX_PHOTOS, PhotoPhase

IMAGE_TYPES = "image/jpeg,image/png,image/webp"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos from one <input multiple> (each checked by core.uploads when stored)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": IMAGE_TYPES, "multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in data if f] if isinstance(data, list | tuple) else ([data] if data else [])
        if not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(f"一次最多上传 {MAX_PHOTOS} 张照片")
        return [super(PhotosField, self).clean(f, initial) for f in files]


class PhotoForm(forms.Form):
    images = PhotosField(label="照片", error_messages={"required": "请选择要上传的照片"},
                         help_text="可一次选择多张；支持 JPEG、PNG、WebP，每张不超过 10 MB")
    phase = forms.ChoiceField(label="类别", choices=PhotoPhase.choices, initial=PhotoPhase.DURING,
                              widget=forms.RadioSelect, error_messages={"required": "请选择照片类别",
                                                                        "invalid_choice": "请选择照片类别"})
    caption = forms.CharField(label="说明", required=False, max_length=CAPTION_MAX,
                              help_text=f"选填，最多 {CAPTION_MAX} 字，如“志愿者为老人测量血压”",
                              error_messages={"max_length": f"照片说明最多 {CAPTION_MAX} 个字"})


def _not_found(request):
    return error_page(request, CoreError.NOT_FOUND.error())


@require_GET
def photo_image(request, project_id: str, photo_id: str):
    """A photo of a project someone may see (anyone, once it is published); else the 404 page."""
    try:
        project = selectors.project_for_photos(actor=request.user, project_id=pk_or_404(project_id))
        found = selectors.photo_of(project, parse_pk(photo_id))
        return image_response(request, found.image if found else None, allowed=found is not None)
    except (DomainError, Http404):
        return _not_found(request)


def _managed_project(request, project_id: str):
    project = selectors.project_for_photos(actor=request.user, project_id=pk_or_404(project_id))
    if not selectors.may_manage_photos(request.user, project):
        raise ProjectPhotoError.FORBIDDEN.error()
    return project


@never_cache
@login_page
def manage(request, project_id: str):
    """Staff add photos (several at once, one category and caption for the batch) and remove them."""
    project = _managed_project(request, project_id)
    form = PhotoForm(request.POST or None, request.FILES or None, auto_id="photo_%s")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            saved = 0
            for n, upload in enumerate(d["images"], start=1):
                try:
                    services.project_photo_add(actor=request.user, project=project, upload=upload,
                                               phase=d["phase"], caption=d["caption"])
                    saved += 1
                except DomainError as exc:
                    user_error(request, DomainError(exc.code, f"第 {n} 张照片未保存：{exc.message}", exc.status))
            if saved:
                messages.success(request, f"已上传 {saved} 张活动照片")
            return redirect("project_photos:manage", project_id=project.pk)
        status = 422
    photos = list(selectors.photo_list(project))
    return render(request, "service/photos/manage.html", {
        "project": project, "photos": photos, "form": form, "limit": MAX_PHOTOS,
        "full": len(photos) >= MAX_PHOTOS, "public": project.status in PUBLIC_STATUSES,
        "cancelled": project.status == "cancelled",
    }, status=status)


@require_POST
@login_page
def delete(request, project_id: str, photo_id: str):
    project = _managed_project(request, project_id)
    found = selectors.photo_of(project, pk_or_404(photo_id))
    if found is None:  # already removed (a second tap): the page shows what is left
        messages.info(request, "该照片已删除")
    else:
        button_action(request, lambda: services.project_photo_remove(actor=request.user, project=project,
                                                                     photo=found), "已删除照片")
    return redirect("project_photos:manage", project_id=project.pk)
