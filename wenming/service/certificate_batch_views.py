"""Staff page for a batch of 志愿服务记录证明: pick the issuing node (its subtree's
volunteers with hours, or the volunteer numbers typed), and the batch runs as a background
job whose page offers the zip of PDFs (certificate_jobs)."""

import re

from django import forms
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from wenming.accounts.roles import Perm
from wenming.core.decorators import add_domain_error, staff_required
from wenming.core.errors import DomainError
from wenming.core.jobs import job_url
from wenming.orgs.models import NodeKind
from wenming.orgs.page_selectors import node_choices_for_actor, node_with_perm
from wenming.volunteers.selectors import volunteer_list_for_actor

from .certificate_jobs import certificate_batch_job_start, volunteers_with_hours_for_actor
from .certificate_services import BATCH_LIMIT, site_url

_SEPARATORS = re.compile(r"[\s,，、;；]+")


class BatchForm(forms.Form):
    node = forms.ChoiceField(label="出具单位", help_text="以该阵地的名义出具；不填志愿者编号时，为该阵地及下级所有有服务时长的志愿者出具")
    volunteer_nos = forms.CharField(label="志愿者编号（可选）", required=False,
                                    widget=forms.Textarea(attrs={"rows": 4, "placeholder": "每行一个志愿者编号"}))

    def __init__(self, *args, node_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = node_choices

    def clean_volunteer_nos(self) -> list[str]:
        raw = self.cleaned_data.get("volunteer_nos") or ""
        return list(dict.fromkeys(n.upper() for n in _SEPARATORS.split(raw) if n))


@never_cache
@staff_required(Perm.VOLUNTEER_VIEW)
def certificate_batch(request):
    actor = request.user
    choices = node_choices_for_actor(actor=actor, perm=Perm.VOLUNTEER_VIEW, exclude_kinds=[NodeKind.GRID])
    form = BatchForm(request.POST or None, node_choices=choices)
    if request.method == "POST" and form.is_valid():
        node = node_with_perm(actor=actor, perm=Perm.VOLUNTEER_VIEW, node_id=form.cleaned_data["node"])
        ids = _volunteer_ids(form, actor, node)
        if ids is not None:
            try:
                job = certificate_batch_job_start(actor=actor, volunteer_ids=ids, node=node,
                                                  back_url=reverse("service:certificate_batch"),
                                                  base_url=site_url(request))
            except DomainError as exc:
                add_domain_error(form, exc, {"volunteer_ids": "volunteer_nos"})
            else:
                return redirect(job_url(job))
    return render(request, "service/certificate_batch.html", {"form": form, "limit": BATCH_LIMIT},
                  status=422 if request.method == "POST" else 200)


def _volunteer_ids(form, actor, node) -> list[int] | None:
    """The batch's volunteers, or None with the reason added to the form."""
    if node is None:
        form.add_error("node", "请选择您管理范围内的阵地")
        return None
    numbers = form.cleaned_data["volunteer_nos"]
    if numbers:
        if len(numbers) > BATCH_LIMIT:
            form.add_error("volunteer_nos", f"一次最多为 {BATCH_LIMIT} 名志愿者出具证明")
            return None
        found = dict(volunteer_list_for_actor(actor=actor).filter(volunteer_no__in=numbers)
                     .values_list("volunteer_no", "pk"))
        missing = [n for n in numbers if n not in found]
        if missing:
            form.add_error("volunteer_nos", "未找到这些编号的志愿者，或不在您的管理范围内：" + "、".join(missing[:20]))
            return None
        return [found[n] for n in numbers]
    ids = list(volunteers_with_hours_for_actor(actor=actor, node=node).values_list("pk", flat=True)[:BATCH_LIMIT + 1])
    if not ids:
        form.add_error("node", "该阵地及下级没有有服务时长的志愿者")
        return None
    if len(ids) > BATCH_LIMIT:
        form.add_error("node", f"该阵地及下级有服务时长的志愿者超过 {BATCH_LIMIT} 名，请选择下级阵地分批出具")
        return None
    return ids
