"""我的点单 pages: a logged-in resident's requests (list, progress, rating) without the
tracking code. Reads and the rating go through demands/mine.py, which scopes them."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from wenming.core.decorators import add_domain_error, login_page, user_error
from wenming.core.errors import DomainError
from wenming.core.params import pk_or_404

from .mine import (
    PROVEN_DAYS,
    demand_get_for_resident,
    demand_list_for_resident,
    demand_rate_by_resident,
    next_step,
    phone_proven,
)
from .models import DemandStatus
from .selectors import public_history


class MineRateForm(forms.Form):
    rating = forms.TypedChoiceField(label="评分", coerce=int, widget=forms.RadioSelect,
                                    choices=[(n, f"{'★' * n} {n}星") for n in range(5, 0, -1)],
                                    error_messages={"required": "请选择 1 到 5 星", "invalid_choice": "请选择 1 到 5 星"})
    comment = forms.CharField(label="评价（选填）", required=False, max_length=300,
                              widget=forms.Textarea(attrs={"rows": 3}))


@never_cache
@login_page
def mine(request):
    demands = list(demand_list_for_resident(actor=request.user)[:100])
    for d in demands:
        d.next_step = next_step(d)
    user = request.user
    return render(request, "demands/mine/list.html", {
        "demands": demands, "phone_proven": phone_proven(user), "has_phone": bool(user.phone_enc),
        "proven_days": PROVEN_DAYS,
    })


def _detail(request, demand, *, rate_form=None, status=200):
    from wenming.deliveries.stops import delivery_pending_for  # delivery runs build on requests

    can_rate = demand.status == DemandStatus.COMPLETED
    return render(request, "demands/mine/detail.html", {
        "demand": demand, "next_step": next_step(demand), "history": public_history(demand),
        "items": list(demand.items.all()), "rate_form": (rate_form or MineRateForm()) if can_rate else None,
        "delivering": delivery_pending_for(demand),
    }, status=status)


@never_cache
@login_page
def mine_detail(request, demand_id):
    return _detail(request, demand_get_for_resident(actor=request.user, demand_id=pk_or_404(demand_id)))


@never_cache
@require_POST
@login_page
def mine_rate(request, demand_id):
    demand = demand_get_for_resident(actor=request.user, demand_id=pk_or_404(demand_id))
    form = MineRateForm(request.POST)
    if not form.is_valid():
        return _detail(request, demand, rate_form=form, status=422)
    try:
        demand_rate_by_resident(actor=request.user, demand_id=demand.pk, rating=form.cleaned_data["rating"],
                                comment=form.cleaned_data["comment"])
    except DomainError as exc:
        if exc.status == 422:
            add_domain_error(form, exc)
            return _detail(request, demand, rate_form=form, status=exc.status)
        user_error(request, exc)  # not completed (yet, or any more: a second tap): said on the page
    else:
        messages.success(request, "感谢您的评价！")
    return redirect("demands:mine_detail", demand.pk)
