"""Certificate batches as a background job: issue the certificates, then render one PDF
each into a zip that the job page offers (docs/certificates.md, docs/jobs.md).

Issuing is one transaction that also records the new certificates' ids in the job's
state, so a run resumed after a killed worker renders those instead of issuing again.
"""

from __future__ import annotations

import os
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.core.errors import CoreError
from wenming.core.jobs import JobResult, job_progress, job_save_state, job_start
from wenming.orgs.models import PATH_STEP, Node
from wenming.orgs.selectors import node_get_for_actor
from wenming.volunteers.selectors import volunteer_list_for_actor

from .certificate_errors import CertificateError
from .certificate_services import BATCH_LIMIT, certificate_batch_zip, certificate_issue_batch
from .models import Certificate

JOB_KIND = "service.certificate_batch"
JOB_LABEL = "批量出具志愿服务记录证明"
ZIP = "application/zip"


def volunteers_with_hours_for_actor(*, actor, node):
    """Volunteers homed in the node's subtree, visible to the actor, with hours to certify."""
    return (volunteer_list_for_actor(actor=actor).filter(home_node__path__startswith=node.path)
            .annotate(certified=F("stats__auto_hours") + F("stats__makeup_hours"))
            .filter(certified__gt=Decimal(0)).order_by("volunteer_no"))


def certificate_batch_job_start(*, actor, volunteer_ids: list[int], node=None, back_url: str = "",
                                base_url: str = ""):
    """Check the batch now (size, every volunteer visible, the issuing node) and queue it;
    the job checks the scope again when it runs. `base_url` is the site's address as the
    requester reached it (certificate_services.site_url(request)), for the QR links: the
    worker has no request of its own."""
    ids = list(dict.fromkeys(volunteer_ids))
    if not ids:
        raise CertificateError.BATCH_EMPTY.error("volunteer_ids")
    if len(ids) > BATCH_LIMIT:
        raise CertificateError.BATCH_SIZE.error("volunteer_ids", limit=BATCH_LIMIT)
    homes = list(volunteer_list_for_actor(actor=actor).filter(pk__in=ids).values_list("home_node__path", flat=True))
    if len(homes) != len(ids):
        raise CoreError.NOT_FOUND.error()
    # Whoever else may see the job (and its zip of names and volunteer numbers) must see every
    # volunteer in it: scope it to their nearest common node, not to the issuing node.
    return job_start(actor=actor, kind=JOB_KIND, node=common_ancestor(homes), perm=Perm.VOLUNTEER_VIEW,
                     back_url=back_url, params={"volunteer_ids": ids, "node_id": node.pk if node is not None else None,
                                                "base_url": str(base_url or "")[:200]})


def common_ancestor(paths: list[str]) -> Node | None:
    """The deepest node whose subtree holds every path (None: no common node)."""
    prefix = os.path.commonprefix(paths) if paths else ""
    prefix = prefix[:len(prefix) - len(prefix) % PATH_STEP]
    return Node.objects.filter(path=prefix).first() if prefix else None


def certificate_batch_job_run(job, workdir) -> JobResult:
    actor = job.actor
    ids = job.state.get("certificate_ids")
    if ids is None:
        wanted = job.params["volunteer_ids"]
        job_progress(job, 0, len(wanted))
        found = {v.pk: v for v in volunteer_list_for_actor(actor=actor).filter(pk__in=wanted)}
        if len(found) != len(wanted):
            raise CertificateError.BATCH_OUT_OF_SCOPE.error()
        node_id = job.params.get("node_id")
        node = node_get_for_actor(actor=actor, node_id=node_id) if node_id else None
        with transaction.atomic():
            certs = certificate_issue_batch(actor=actor, volunteers=[found[i] for i in wanted], node=node)
            ids = [c.pk for c in certs]
            job_save_state(job, certificate_ids=ids)
    certs = list(Certificate.objects.filter(pk__in=ids).select_related("volunteer", "node").order_by("number"))
    total = len(certs)

    def counted():
        for n, cert in enumerate(certs):
            job_progress(job, n, total)  # n rendered so far
            yield cert

    out = workdir / "certificates.zip"
    made = certificate_batch_zip(counted(), out, base_url=job.params.get("base_url") or "")
    job_progress(job, total, total)
    revoked = total - made
    message = f"已出具并生成 {made} 份证明（PDF 打包为 ZIP）"
    if revoked:
        message += f"；其中 {revoked} 份已被作废，未放入压缩包"
    return JobResult(message, file=out, content_type=ZIP,
                     filename=f"志愿服务记录证明-{timezone.localdate():%Y%m%d}-{made}份.zip")
