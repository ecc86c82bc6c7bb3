"""志愿服务记录证明 API. `/service-certificates`, because `/volunteers/{id}/certificates` are the
volunteer's qualification certificates (资格证书)."""

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from ninja import Field, Router, Schema, Status

from wenming.core.errors import CoreError
from wenming.core.job_api import JobOut, job_out
from wenming.core.params import ApiId
from wenming.orgs.selectors import node_get_for_actor
from wenming.volunteers.selectors import volunteer_get_for_actor, volunteer_list_for_actor

from . import certificate_services as services
from .certificate_errors import CertificateError
from .certificate_jobs import certificate_batch_job_start
from .certificate_pdf import certificate_filename
from .models import Certificate

router = Router(tags=["志愿服务记录证明"])


class IssueIn(Schema):
    volunteer_id: int
    node_id: int | None = None  # issuing node; omitted: the volunteer's home node


class BatchIn(Schema):
    volunteer_ids: list[ApiId]
    node_id: ApiId | None = None


class RevokeIn(Schema):
    reason: str = ""


class LineOut(Schema):
    date: date
    project: str
    node: str
    hours: Decimal
    until: date | None = Field(None, description="补录时长按月合并的行：当月最后一次的日期")
    count: int = Field(1, description="这一行合并了几次记录（补录时长按月合并）")


class CertificateOut(Schema):
    id: int
    number: str
    volunteer_id: int
    volunteer_no: str
    node_id: int
    node_name: str
    issued_at: datetime
    total_hours: Decimal
    period_from: date
    period_to: date
    revoked_at: datetime | None
    verify_url: str
    lines: list[LineOut]

    @staticmethod
    def resolve_volunteer_no(obj: Certificate) -> str:
        return obj.volunteer.volunteer_no

    @staticmethod
    def resolve_node_name(obj: Certificate) -> str:
        return obj.node.name

    @staticmethod
    def resolve_verify_url(obj: Certificate, context) -> str:
        return services.verify_url(obj, services.site_url((context or {}).get("request")))


class BatchItemOut(Schema):
    id: int
    number: str
    volunteer_id: int
    total_hours: Decimal


class VerifyOut(Schema):
    number: str
    valid: bool
    status: str
    volunteer_name: str  # masked: 张*丰
    volunteer_no: str
    node_name: str
    issued_on: date
    total_hours: Decimal
    period_from: date
    period_to: date
    revoked_on: date | None


def _node(actor, node_id):
    return node_get_for_actor(actor=actor, node_id=node_id) if node_id else None


@router.post("/service-certificates", response={201: CertificateOut}, summary="出具志愿服务记录证明")
def certificate_issue(request, payload: IssueIn):
    volunteer = volunteer_get_for_actor(actor=request.user, volunteer_id=payload.volunteer_id)
    cert = services.certificate_issue(actor=request.user, volunteer=volunteer,
                                      node=_node(request.user, payload.node_id))
    return Status(201, cert)


@router.post("/service-certificates/batch", response={201: list[BatchItemOut]}, summary="批量出具证明")
def certificate_issue_batch(request, payload: BatchIn):
    ids = list(dict.fromkeys(payload.volunteer_ids))
    if len(ids) > services.BATCH_LIMIT:
        raise CertificateError.BATCH_SIZE.error("volunteer_ids", limit=services.BATCH_LIMIT)
    volunteers = {v.pk: v for v in volunteer_list_for_actor(actor=request.user).filter(pk__in=ids)}
    if len(volunteers) != len(ids):
        raise CoreError.NOT_FOUND.error()
    certs = services.certificate_issue_batch(actor=request.user, volunteers=[volunteers[i] for i in ids],
                                             node=_node(request.user, payload.node_id))
    return Status(201, certs)


@router.post("/service-certificates/batch/jobs", response={202: JobOut}, summary="批量出具证明并打包 PDF（后台任务）")
def certificate_batch_job(request, payload: BatchIn):
    """For big batches: answers at once with the job; poll `GET /jobs/{id}` until `done`, then
    download the zip (one PDF per certificate) from its `download_url`."""
    job = certificate_batch_job_start(actor=request.user, volunteer_ids=payload.volunteer_ids,
                                      node=_node(request.user, payload.node_id),
                                      base_url=services.site_url(request))
    return Status(202, job_out(job))


@router.get("/service-certificates/verify/{code}", response=VerifyOut, auth=None, summary="公开核验（不含个人信息）")
def certificate_verify(request, code: str):
    cert = services.certificate_by_code(code)
    if cert is None:
        raise CoreError.NOT_FOUND.error()
    return services.public_fields(cert)


@router.get("/service-certificates/{service_certificate_id}", response=CertificateOut, summary="证明详情")
def certificate_detail(request, service_certificate_id: int):
    return services.certificate_get_for_actor(actor=request.user, certificate_id=service_certificate_id)


@router.get("/service-certificates/{service_certificate_id}/pdf", summary="下载证明 PDF",
            openapi_extra={"responses": {200: {"content": {"application/pdf": {}}}}})
def certificate_pdf(request, service_certificate_id: int):
    cert = services.certificate_get_for_actor(actor=request.user, certificate_id=service_certificate_id)
    data = services.certificate_pdf(cert, services.site_url(request))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate_filename(services.certificate_data(cert))}"'
    response["Cache-Control"] = "private, no-store"
    return response


@router.post("/service-certificates/{service_certificate_id}/revoke", response=CertificateOut, summary="作废证明")
def certificate_revoke(request, service_certificate_id: int, payload: RevokeIn):
    cert = services.certificate_get_for_actor(actor=request.user, certificate_id=service_certificate_id)
    return services.certificate_revoke(actor=request.user, certificate=cert, reason=payload.reason)
