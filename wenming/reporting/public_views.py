"""The public portal of information reports (no login): published reports and their images.
Anything not published — a draft, a report waiting for review, a withdrawn one — is the
same 404 page as a report that does not exist."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from wenming.core.decorators import error_page
from wenming.core.errors import CoreError, DomainError
from wenming.core.pagination import paginate
from wenming.core.params import pk_or_404
from wenming.core.uploads import image_response

from . import selectors
from .forms import FilterForm
from .models import InfoReport
from .views import PAGE_SIZE, category_choices, filter_values


def _not_found(request):
    return error_page(request, CoreError.NOT_FOUND.error())


@require_GET
def public_list(request):
    form = FilterForm(request.GET or None, category_choices=category_choices(False), with_status=False)
    values = filter_values(form)
    if values is not None:
        values.pop("status", None)
    qs = selectors.report_public_list(**values) if values is not None else InfoReport.objects.none()
    return render(request, "reporting/public_list.html", {
        "filters": form, "page": paginate(qs, request.GET.get("page", 1), PAGE_SIZE)})


@require_GET
def public_detail(request, report_id: str):
    try:
        report = selectors.report_public_get(report_id=pk_or_404(report_id))
    except DomainError:
        return _not_found(request)
    return render(request, "reporting/public_detail.html", {
        "report": report, "images": list(report.images.select_related("image"))})


@require_GET
def public_image(request, report_id: str, image_id: str):
    """An image of a published report; of anything else, a 404."""
    try:
        report = selectors.report_public_get(report_id=pk_or_404(report_id))
        found = selectors.report_image_of(report, pk_or_404(image_id))
        return image_response(request, found.image if found else None, allowed=found is not None)
    except (DomainError, Http404):
        return _not_found(request)
