from datetime import date, datetime
from decimal import Decimal

from django.views.decorators.debug import sensitive_variables
from ninja import Query, Router, Schema, Status

from wenming.core.api import PageOut, page_response
from wenming.core.errors import not_found
from wenming.core.pagination import paginate
from wenming.orgs.selectors import node_list_for_actor

from . import selectors, services
from .inputs import build_values, current_input, skills_index
from .models import Volunteer

router = Router(tags=["志愿者"])


class SkillOut(Schema):
    code: str
    name: str


class CertificateOut(Schema):
    id: int
    name: str
    number: str
    issuer: str
    issued_on: date | None
    expires_on: date | None


class VolunteerOut(Schema):
    """Masked by default: ID number and phone only as 420527********1234 / 138****5678."""

    id: int
    volunteer_no: str
    name: str
    sex: str
    age: int  # not the birth date: with the masked ID it would give the whole number
    id_type: str
    id_number_masked: str
    phone_masked: str
    political_status: str
    home_node_id: int
    home_node_name: str
    grid_id: int | None
    is_reserve: bool
    availability: int
    insurance_valid_until: date | None
    status: str
    source: str
    registered_at: datetime

    @staticmethod
    def resolve_home_node_name(obj: Volunteer) -> str:
        return obj.home_node.name


class VolunteerDetailOut(VolunteerOut):
    skills: list[SkillOut]
    certificates: list[CertificateOut]
    lat: Decimal | None
    lon: Decimal | None
    guardian_name: str
    guardian_phone_masked: str
    consent_terms_at: datetime | None
    consent_location_at: datetime | None
    consent_health_at: datetime | None
    guardian_consent_at: datetime | None

    @staticmethod
    def resolve_skills(obj: Volunteer):
        return list(obj.skills.all())

    @staticmethod
    def resolve_certificates(obj: Volunteer):
        return list(obj.certificates.all())


class VolunteerIn(Schema):
    name: str
    id_type: str = "resident"
    id_number: str
    birth_date: date | None = None
    sex: str | None = None
    phone: str
    home_node_id: int
    grid_id: int | None = None
    political_status: str = "masses"
    skills: list[str] = []
    address: str = ""
    lat: Decimal | None = None
    lon: Decimal | None = None
    availability: int = 0
    is_reserve: bool = False
    insurance_valid_until: date | None = None
    consent_location: bool = False
    consent_health: bool = False
    guardian_name: str = ""
    guardian_phone: str = ""
    guardian_consent: bool = False


class VolunteerPatch(Schema):
    name: str | None = None
    id_type: str | None = None
    id_number: str | None = None
    birth_date: date | None = None
    sex: str | None = None
    phone: str | None = None
    home_node_id: int | None = None
    grid_id: int | None = None
    political_status: str | None = None
    skills: list[str] | None = None
    address: str | None = None
    lat: Decimal | None = None
    lon: Decimal | None = None
    availability: int | None = None
    is_reserve: bool | None = None
    insurance_valid_until: date | None = None
    consent_location: bool | None = None
    consent_health: bool | None = None
    guardian_name: str | None = None
    guardian_phone: str | None = None
    guardian_consent: bool | None = None


class VolunteerFilters(Schema):
    search: str = ""
    node_id: int | None = None
    political_status: str = ""
    skill: str = ""
    is_reserve: bool | None = None
    team_id: int | None = None
    status: str = ""
    sex: str = ""
    page: int = 1
    page_size: int = 20


class RevealIn(Schema):
    fields: list[str] = ["id_number", "phone"]
    reason: str = ""


class StatusIn(Schema):
    status: str


class CertificateIn(Schema):
    name: str
    number: str = ""
    issuer: str = ""
    issued_on: date | None = None
    expires_on: date | None = None


def _values(request, data: dict):
    data = dict(data)
    data["home_node"] = data.pop("home_node_id", data.get("home_node"))
    data["grid"] = data.pop("grid_id", data.get("grid"))
    visible = node_list_for_actor(actor=request.auth)
    return build_values(data, resolve_node=lambda key: visible.filter(pk=key).first(),
                        skills_by_key=skills_index())


@router.get("/skills", response=list[SkillOut], summary="技能目录")
def list_skills(request):
    return list(selectors.skill_list())


@router.get("/volunteers", response=PageOut[VolunteerOut], summary="志愿者列表（证件号、手机号已脱敏）")
def list_volunteers(request, filters: Query[VolunteerFilters]):
    f = filters.dict()
    page, size = f.pop("page"), f.pop("page_size")
    qs = selectors.volunteer_list_for_actor(actor=request.auth, **f)
    return page_response(paginate(qs, page, size))


@router.get("/volunteers/{volunteer_id}", response=VolunteerDetailOut, summary="志愿者详情")
def get_volunteer(request, volunteer_id: int):
    return selectors.volunteer_get_for_actor(actor=request.auth, volunteer_id=volunteer_id)


@router.post("/volunteers", response={201: VolunteerDetailOut}, summary="登记志愿者")
def create_volunteer(request, payload: VolunteerIn):
    return Status(201, services.volunteer_register(actor=request.auth, values=_values(request, payload.dict())))


@router.patch("/volunteers/{volunteer_id}", response=VolunteerDetailOut, summary="修改志愿者信息")
@sensitive_variables()  # current_input() holds decrypted values
def update_volunteer(request, volunteer_id: int, payload: VolunteerPatch):
    vol = selectors.volunteer_get_editable(actor=request.auth, volunteer_id=volunteer_id)
    data = current_input(vol) | payload.dict(exclude_unset=True)
    return services.volunteer_update(actor=request.auth, volunteer=vol, values=_values(request, data))


@router.post("/volunteers/{volunteer_id}/reveal", response=dict[str, str],
             summary="查看完整个人信息（需授权，留痕）")
def reveal_volunteer(request, volunteer_id: int, payload: RevealIn):
    vol = selectors.volunteer_get_for_actor(actor=request.auth, volunteer_id=volunteer_id)
    return services.volunteer_reveal(actor=request.auth, volunteer=vol, fields=payload.fields,
                                     reason=payload.reason)


@router.post("/volunteers/{volunteer_id}/status", response=VolunteerOut, summary="修改志愿者状态")
def set_status(request, volunteer_id: int, payload: StatusIn):
    vol = selectors.volunteer_get_editable(actor=request.auth, volunteer_id=volunteer_id)
    return services.volunteer_set_status(actor=request.auth, volunteer=vol, status=payload.status)


@router.post("/volunteers/{volunteer_id}/certificates", response={201: CertificateOut}, summary="添加资格证书")
def add_certificate(request, volunteer_id: int, payload: CertificateIn):
    vol = selectors.volunteer_get_editable(actor=request.auth, volunteer_id=volunteer_id)
    return Status(201, services.certificate_add(actor=request.auth, volunteer=vol, **payload.dict()))


@router.delete("/volunteers/{volunteer_id}/certificates/{certificate_id}", response={204: None},
               summary="删除资格证书")
def remove_certificate(request, volunteer_id: int, certificate_id: int):
    vol = selectors.volunteer_get_editable(actor=request.auth, volunteer_id=volunteer_id)
    cert = vol.certificates.filter(pk=certificate_id).first()
    if cert is None:
        raise not_found()
    services.certificate_remove(actor=request.auth, certificate=cert)
    return Status(204, None)
