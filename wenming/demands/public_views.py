"""The resident's pages (no account): the request form with its SMS code, the result with
the tracking number and query code (shown once), and tracking with the rating.

The query code is a secret: it travels only in POST bodies and these never-cached pages,
never in a URL, a cookie or a flash message. The tracking page shows the status, the
responsible station, a reject reason and the history without any volunteer's personal data.
"""

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from wenming.core.decorators import form_submit
from wenming.core.errors import DomainError
from wenming.core.middleware import client_ip
from wenming.core.params import parse_pk
from wenming.orgs.selectors import node_public_list

from . import workflow
from .forms import PublicDemandForm, RateForm, TrackForm
from .intake import demand_submit, phone_check_send
from .models import Demand, DemandStatus
from .selectors import demand_get_by_tracking, public_history

CODE_SENT = "验证码已发送，请查收短信（10 分钟内有效）"
# The history a resident sees: what happened, never who of the volunteers did it or why
# they declined. Events not listed here (a decline, an offer timing out) are left out.
def _public_node(raw):
    """The node the form was opened for (?node=<id>), if it is an open one; else None."""
    pk = parse_pk(raw)
    return node_public_list().filter(pk=pk).first() if pk is not None else None


def _own_contact(user) -> dict:
    """A logged-in resident's form starts with their own phone (they may change it: a
    neighbour's request is still linked to the account that filed it)."""
    if not user.is_authenticated or not user.phone_enc:
        return {}
    return {"phone": user.reveal_phone()}


def _form_page(request, form, *, status=200, code_message="", code_error=None):
    return render(request, "demands/public/new.html", {
        "form": form, "code_message": code_message, "code_error": code_error,
    }, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def new(request):
    if request.method == "GET":
        return _form_page(request, PublicDemandForm(initial={"node": request.GET.get("node", ""),
                                                             **_own_contact(request.user)}))
    form = PublicDemandForm(request.POST)
    resident = request.user if request.user.is_authenticated else None  # 我的点单 lists it
    sent = form_submit(request, form, lambda d: demand_submit(
        data=form.demand_input(within=_public_node(d["node"])), code=d["code"], resident=resident))
    if sent.done:
        demand, code = sent.value
        return render(request, "demands/public/submitted.html", {"demand": demand, "code": code, "entered": False})
    return _form_page(request, form, status=sent.status)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@never_cache
@require_POST
def send_code(request):
    """获取验证码: posted by the form's own button (the whole form comes along and comes back
    filled in, so it works without JavaScript), or by fetch asking for JSON."""
    try:
        phone_check_send(phone=request.POST.get("phone", ""), client=client_ip(request) or "")
    except DomainError as exc:
        if _wants_json(request):
            return JsonResponse(exc.as_dict(), status=exc.status)
        error = exc
    else:
        if _wants_json(request):
            return JsonResponse({"message": CODE_SENT}, status=202)
        error = None
    # An unbound form filled with what was typed: no "required" errors for the rest yet.
    form = PublicDemandForm(initial={k: v for k, v in request.POST.items() if k != "code"})
    return _form_page(request, form, status=error.status if error else 200,
                      code_message="" if error else CODE_SENT, code_error=error)


def _tracked(request, tracking_no: str, tracking_code: str) -> Demand:
    return demand_get_by_tracking(tracking_no=tracking_no, tracking_code=tracking_code,
                                  client=client_ip(request) or "")


def _track_page(request, form, *, demand=None, rate_form=None, rate_error="", status=200, rated=False,
                confirmed=False):
    from wenming.deliveries.stops import delivery_pending_for  # delivery runs build on requests

    can_rate = demand is not None and demand.status == DemandStatus.COMPLETED
    if can_rate and rate_form is None:
        rate_form = RateForm(initial={"tracking_no": demand.tracking_no,
                                      "tracking_code": form.cleaned_data["tracking_code"]})
    return render(request, "demands/public/track.html", {
        "form": form, "demand": demand, "history": public_history(demand) if demand else [],
        "rate_form": rate_form if can_rate else None, "rate_error": rate_error, "rated": rated,
        "tracking_code": form.cleaned_data["tracking_code"] if demand is not None else "",
        "delivering": demand is not None and delivery_pending_for(demand), "confirmed": confirmed,
    }, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def track(request):
    """查询进度: number and query code in a POST (the code never goes into a URL)."""
    if request.method == "GET":
        return _track_page(request, TrackForm(initial={"tracking_no": request.GET.get("no", "")[:20]}))
    form = TrackForm(request.POST)
    if not form.is_valid():
        return _track_page(request, form, status=422)
    try:
        demand = _tracked(request, form.cleaned_data["tracking_no"], form.cleaned_data["tracking_code"])
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _track_page(request, form, status=exc.status)
    return _track_page(request, form, demand=demand)


@never_cache
@require_POST
def rate(request):
    """评单: 1–5 stars and a comment, once the request is completed."""
    rate_form = RateForm(request.POST)
    form = TrackForm(request.POST)
    if not form.is_valid():
        return _track_page(request, form, status=422)
    try:
        demand = _tracked(request, form.cleaned_data["tracking_no"], form.cleaned_data["tracking_code"])
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _track_page(request, form, status=exc.status)
    if not rate_form.is_valid():
        return _track_page(request, form, demand=demand, rate_form=rate_form, status=422)
    try:
        demand = workflow.demand_rate(client=client_ip(request) or "", tracking_no=demand.tracking_no,
                                      tracking_code=form.cleaned_data["tracking_code"],
                                      rating=rate_form.cleaned_data["rating"], comment=rate_form.cleaned_data["comment"])
    except DomainError as exc:  # not completed (yet, or any more): the message, nothing changed
        demand.refresh_from_db()
        return _track_page(request, form, demand=demand, rate_error=exc.message, status=exc.status)
    return _track_page(request, form, demand=demand, rated=True)


@never_cache
@require_POST
def confirm_delivery(request):
    """确认收货: a household of a delivery run confirms its own delivery (number + query code)."""
    from wenming.deliveries.stops import stop_confirm_by_resident

    form = TrackForm(request.POST)
    if not form.is_valid():
        return _track_page(request, form, status=422)
    try:
        stop = stop_confirm_by_resident(tracking_no=form.cleaned_data["tracking_no"],
                                        tracking_code=form.cleaned_data["tracking_code"],
                                        client=client_ip(request) or "")
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _track_page(request, form, status=exc.status)
    demand = stop.demand
    demand.refresh_from_db()
    return _track_page(request, form, demand=demand, confirmed=True)
