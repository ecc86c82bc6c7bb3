"""`{% project_gallery project %}`: the photos of a project (thumbnails, full view on tap) and,
for those who run it, the link to add or remove them. Used on the project pages."""

from django import template

from wenming.service.photos.models import PhotoPhase
from wenming.service.photos.selectors import may_manage_photos, photo_list

register = template.Library()
_ORDER = {phase: n for n, phase in enumerate(PhotoPhase.values)}


@register.inclusion_tag("service/photos/_gallery.html", takes_context=True)
def project_gallery(context, project):
    request = context.get("request")
    user = getattr(request, "user", None)
    photos = sorted(photo_list(project), key=lambda p: (_ORDER.get(p.phase, 9), p.pk))
    return {"project": project, "photos": photos, "may_manage": may_manage_photos(user, project)}
