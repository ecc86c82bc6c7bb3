"""The reviewer's pages: the queue (to review, to publish), all reports of the subtree,
the decisions (approve / return with a comment, publish, withdraw) and the counts per unit
(raw rows) and per node (dashboard summaries)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from wenming.core.decorators import button_action, form_submit, login_page, user_error
from wenming.core.errors import DomainError
from wenming.core.pagination import paginate
from wenming.core.params import parse_pk
from wenming.orgs.page_selectors import node_choices_for_actor

from . import access, selectors, services
from .forms import AdoptionForm, CommentForm, CountsForm, FilterForm, ReviewForm
from .models import InfoReport, Outlet, ReportStatus
from .views import PAGE_SIZE, category_choices, detail_page, filter_values, report_for


@never_cache
@login_page
def queue(request):
    """Submitted reports waiting for my decision, and approved ones I may publish."""
    actor = request.user
    form = FilterForm(request.GET or None, category_choices=category_choices(False), with_status=False)
    values = filter_values(form)
    to_review = to_publish = InfoReport.objects.none()
    if values is not None:
        values.pop("status", None)
        to_review = selectors.review_queue_for_actor(actor=actor, status=ReportStatus.SUBMITTED, **values)
        to_publish = selectors.review_queue_for_actor(actor=actor, status=ReportStatus.APPROVED, **values)
    return render(request, "reporting/queue.html", {
        "filters": form, "page": paginate(to_review, request.GET.get("page", 1), PAGE_SIZE),
        "to_publish": to_publish[:PAGE_SIZE], "publish_count": to_publish.count()})


@never_cache
@login_page
def all_reports(request):
    """Every report the actor may read (their subtree's submitted ones and their own)."""
    form = FilterForm(request.GET or None, category_choices=category_choices(False))
    values = filter_values(form)
    qs = (selectors.report_list_for_actor(actor=request.user, **values) if values is not None
          else InfoReport.objects.none())
    return render(request, "reporting/all.html", {
        "filters": form, "page": paginate(qs, request.GET.get("page", 1), PAGE_SIZE)})


@require_POST
@login_page
def review(request, report_id: str):
    report = report_for(request, report_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return detail_page(request, report, review_form=form, status=422)
    d = form.cleaned_data
    try:
        if d["decision"] == "approve":
            services.report_approve(actor=request.user, report=report, comment=d["comment"])
        else:
            services.report_return(actor=request.user, report=report, comment=d["comment"])
    except DomainError as exc:
        if exc.status == 422 and exc.field == "comment":
            form.add_error("comment", exc.message)
            return detail_page(request, report, review_form=form, status=422)
        user_error(request, exc)
    else:
        messages.success(request, "已审核通过" if d["decision"] == "approve" else "已退回修改，意见已告知报送单位")
    return redirect("reporting:detail", report_id=report.pk)


@require_POST
@login_page
def publish(request, report_id: str):
    report = report_for(request, report_id)
    button_action(request, lambda: services.report_publish(actor=request.user, report=report), "已公开发布到门户网站")
    return redirect("reporting:detail", report_id=report.pk)


@require_POST
@login_page
def unpublish(request, report_id: str):
    report = report_for(request, report_id)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return detail_page(request, report, comment_form=form, status=422)
    button_action(request, lambda: services.report_unpublish(
        actor=request.user, report=report, comment=form.cleaned_data["comment"]), "已撤回发布，门户网站不再显示")
    return redirect("reporting:detail", report_id=report.pk)


@never_cache
@login_page
def counts(request):
    """Counts per unit and month (raw rows) and, for staff, per node and child (summaries)."""
    actor = request.user
    roots = selectors.count_roots_for_actor(actor=actor)
    node_choices = node_choices_for_actor(actor=actor, perm=access.REPORT_VIEW, exclude_kinds=["grid"],
                                          selected_id=parse_pk(request.GET.get("node")))
    form = CountsForm(request.GET or None, node_choices=node_choices)
    values = filter_values(form) if form.is_bound else {}
    context = {"filters": form, "node_counts": None, "unit_counts": []}
    if values is not None:
        node_id = form.cleaned_data.get("node") if form.is_bound else None
        node_id = node_id or (roots[0].pk if roots else None)
        periods = {k: values[k] for k in ("period_from", "period_to") if k in values}
        context["unit_counts"] = selectors.unit_counts_for_actor(actor=actor, node_id=node_id, **periods)
        if node_id:
            try:
                context["node_counts"] = selectors.node_counts_for_actor(actor=actor, node_id=node_id, **periods)
            except DomainError:
                context["node_counts"] = None
    return render(request, "reporting/counts.html", context)


@require_POST
@login_page
def adoption_add(request, report_id: str):
    """登记刊播采用; the form comes back with its errors next to the fields."""
    report = report_for(request, report_id)
    form = AdoptionForm(request.POST, outlets=Outlet.objects.filter(active=True))

    def add(d):
        return services.report_adoption_add(actor=request.user, report=report, outlet=services.outlet_get(
            int(d["outlet"])), adopted_on=d["adopted_on"], link=d["link"])

    sent = form_submit(request, form, add, success=lambda a: f"已登记：{a.outlet.name}采用（{a.adopted_on:%Y-%m-%d}）")
    if sent.done:
        return redirect(reverse("reporting:detail", args=[report.pk]) + "#adoptions")
    return detail_page(request, report, adoption_form=form, status=sent.status)


@require_POST
@login_page
def adoption_remove(request, report_id: str, adoption_id: str):
    report = report_for(request, report_id)
    pk = parse_pk(adoption_id)
    button_action(request, lambda: services.report_adoption_remove(actor=request.user, report=report,
                                                                   adoption_id=pk if pk is not None else -1),
                  "已撤销这条刊播采用")
    return redirect(reverse("reporting:detail", args=[report.pk]) + "#adoptions")
