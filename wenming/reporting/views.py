"""The author's pages of information reports: my reports, new and edit (with images), the
report page with its history and the actions the viewer may take, submit, delete, images.

Reads go through the scoped selectors (another unit's report is a 404 page, like a missing
one); writes through the services, which check the author side and the state again.
Reviewer pages: review_views.py; the public portal: public_views.py.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from wenming.core.decorators import add_domain_error, button_action, form_submit, login_page, user_error
from wenming.core.errors import DomainError
from wenming.core.pagination import paginate
from wenming.core.params import pk_or_404
from wenming.core.uploads import image_response

from . import selectors, services
from .forms import AdoptionForm, CommentForm, FilterForm, ImageForm, ReportForm, ReviewForm
from .models import MAX_IMAGES, InfoReport, Outlet

PAGE_SIZE = 20
# The service's field names → the form's fields, for errors shown next to a field.
ALIASES = {"category_id": "category", "unit_id": "author", "node_id": "author"}


def category_choices(active_only: bool = True) -> list[tuple[int, str]]:
    return [(c.pk, c.name) for c in selectors.category_list(active_only=active_only)]


def filter_values(form: FilterForm) -> dict | None:
    """Selector filters from a valid filter form; None (show nothing) when it is invalid."""
    if not form.is_bound:
        return {}
    if not form.is_valid():
        return None
    d, out = form.cleaned_data, {}
    for name in ("period_from", "period_to"):
        if d.get(name):
            try:
                out[name] = services.parse_period(d[name], field=name, allow_future=True)
            except DomainError as exc:
                form.add_error(name, exc.message)
                return None
    return out | {"status": d.get("status") or "", "category_id": d.get("category"), "search": d.get("search", "")}


def report_for(request, report_id: str) -> InfoReport:
    return selectors.report_get_for_actor(actor=request.user, report_id=pk_or_404(report_id))


def _add_images(request, report: InfoReport, files) -> None:
    """Store each image; a refused one is named in a message and the others are kept."""
    for n, upload in enumerate(files, start=1):
        try:
            services.report_image_add(actor=request.user, report=report, upload=upload)
        except DomainError as exc:
            user_error(request, DomainError(exc.code, f"第 {n} 张图片未保存：{exc.message}", exc.status))


# ---- lists ---------------------------------------------------------------------------------

@never_cache
@login_page
def mine(request):
    """Reports of my unit(s) or node(s), every state."""
    form = FilterForm(request.GET or None, category_choices=category_choices(False))
    values = filter_values(form)
    qs = (selectors.report_list_for_actor(actor=request.user, mine=True, **values) if values is not None
          else InfoReport.objects.none())
    return render(request, "reporting/mine.html", {
        "filters": form, "page": paginate(qs, request.GET.get("page", 1), PAGE_SIZE),
        "can_write": bool(selectors.author_options_for_actor(actor=request.user))})


# ---- writing -------------------------------------------------------------------------------

@never_cache
@login_page
def new(request):
    actor = request.user
    options = selectors.author_options_for_actor(actor=actor)
    if not options:
        messages.error(request, "您不是文明单位联络员，也没有阵地的报送权限，不能新建报送")
        return redirect("reporting:mine")
    post = request.POST if request.method == "POST" else None
    form = ReportForm(post, request.FILES or None, author_choices=[(o.key, o.name) for o in options],
                      category_choices=category_choices(), initial={"author": options[0].key} if post is None else None)
    def create(d):
        unit, node = selectors.author_unit_or_node(**{"unit_id": None, "node_id": None, **form.author_ids()})
        return services.report_create(actor=actor, unit=unit, node=node, title=d["title"], body=d["body"],
                                      period=d["period"], category=selectors.category_get(category_id=d["category"]))

    sent = form_submit(request, form, create, aliases=ALIASES)
    if sent.done:
        _add_images(request, sent.value, form.cleaned_data["images"])
        messages.success(request, "草稿已保存。检查无误后请点击“提交审核”")
        return redirect("reporting:detail", report_id=sent.value.pk)
    return render(request, "reporting/form.html", {"form": form, "report": None}, status=sent.status)


@never_cache
@login_page
def edit(request, report_id: str):
    actor = request.user
    report = report_for(request, report_id)
    post = request.POST if request.method == "POST" else None
    initial = {"title": report.title, "category": report.category_id, "period": f"{report.period:%Y-%m}",
               "body": report.body}
    choices = category_choices()
    if report.category_id not in {pk for pk, _ in choices}:  # a retired category stays selectable here
        choices.append((report.category_id, report.category.name))
    form = ReportForm(post, request.FILES or None, category_choices=choices, editing=True,
                      initial=initial if post is None else None)
    status = 200
    if post is not None:
        status = 422
        if form.is_valid():
            d = form.cleaned_data
            try:
                report = services.report_update(actor=actor, report=report, title=d["title"], body=d["body"],
                                                period=d["period"],
                                                category=selectors.category_get(category_id=d["category"]))
            except DomainError as exc:
                if exc.status in (403, 404):
                    raise
                add_domain_error(form, exc, ALIASES)
                status = exc.status
            else:
                _add_images(request, report, d["images"])
                messages.success(request, "已保存修改")
                return redirect("reporting:detail", report_id=report.pk)
    elif "edit" not in selectors.actions_for(actor, report):
        messages.error(request, f"报送当前为“{report.get_status_display()}”，不能修改")
        return redirect("reporting:detail", report_id=report.pk)
    return render(request, "reporting/form.html", {"form": form, "report": report}, status=status)


# ---- the report page -----------------------------------------------------------------------

def detail_page(request, report: InfoReport, *, review_form=None, comment_form=None, adoption_form=None,
                status=200):
    actions = selectors.actions_for(request.user, report)
    return render(request, "reporting/detail.html", {
        "report": report, "images": list(report.images.select_related("image")),
        "history": selectors.history_of(report), "actions": actions, "max_images": MAX_IMAGES,
        "image_form": ImageForm(auto_id="img_%s"), "review_form": review_form or ReviewForm(),
        "comment_form": comment_form or CommentForm(),
        "adoptions": list(report.adoptions.select_related("outlet")),
        "adoption_form": adoption_form or AdoptionForm(outlets=Outlet.objects.filter(active=True)),
    }, status=status)


@never_cache
@login_page
def detail(request, report_id: str):
    return detail_page(request, report_for(request, report_id))


@require_POST
@login_page
def submit(request, report_id: str):
    report = report_for(request, report_id)
    button_action(request, lambda: services.report_submit(actor=request.user, report=report), "已提交，等待上级审核")
    return redirect("reporting:detail", report_id=report.pk)


@require_POST
@login_page
def delete(request, report_id: str):
    report = report_for(request, report_id)
    try:
        services.report_delete(actor=request.user, report=report)
    except DomainError as exc:
        user_error(request, exc)
        return redirect("reporting:detail", report_id=report.pk)
    messages.success(request, f"已删除草稿“{report.title}”")
    return redirect("reporting:mine")


@require_POST
@login_page
def image_add(request, report_id: str):
    report = report_for(request, report_id)
    form = ImageForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
    else:
        _add_images(request, report, form.cleaned_data["images"])
    return redirect("reporting:detail", report_id=report.pk)


@require_POST
@login_page
def image_remove(request, report_id: str, image_id: str):
    report = report_for(request, report_id)
    found = selectors.report_image_of(report, pk_or_404(image_id))
    if found is None:
        return redirect("reporting:detail", report_id=report.pk)
    button_action(request, lambda: services.report_image_remove(actor=request.user, report=report, report_image=found),
                  "已删除图片")
    return redirect("reporting:detail", report_id=report.pk)


@require_GET
@login_page
def image(request, report_id: str, image_id: str):
    """An image of a report, for whoever may read the report."""
    found = selectors.report_image_of(report_for(request, report_id), pk_or_404(image_id))
    return image_response(request, found.image if found else None, allowed=found is not None)
