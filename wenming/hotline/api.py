"""The hotline API (心理热线). Call records answer only to the counselor who took the call
and their supervisor (404 for everyone else, office staff and admins included); every
answer that carries a decrypted summary, note or phone writes an audit row. Statistics
carry counts only. Ids in paths are parsed with parse_pk: "²", "abc" or 23 digits are 404.
"""

from datetime import datetime

from ninja import Field, Query, Router, Schema, Status

from wenming.accounts.models import User
from wenming.core.api import PageOut, page_response
from wenming.core.errors import CoreError
from wenming.core.pagination import paginate
from wenming.core.params import parse_pk, pk_or_404
from wenming.orgs.models import Node

from . import call_services, selectors, services
from .errors import HotlineError
from .models import CallLog
from .schemas import (
    CallDetailOut,
    CallFilter,
    CallIn,
    CallOut,
    CallPatch,
    CompleteIn,
    CounselorIn,
    CounselorOut,
    CounselorPatch,
    FollowUpFilter,
    FollowUpIn,
    FollowUpNoteOut,
    FollowUpOut,
    HotlineIn,
    HotlineOut,
    PhoneOut,
    ScheduleIn,
    SlotOut,
    StatsFilter,
    StatsOut,
    TopicOut,
)
from .stats import call_stats_for_actor, stats_hotline_list
from .tally_services import call_tally_set

router = Router(tags=["心理热线"])


def _user(raw, error: HotlineError) -> User:
    """A user named in a payload; whether they may serve the services decide (422 if not)."""
    pk = parse_pk(raw)
    user = User.objects.filter(pk=pk).first() if pk is not None else None
    if user is None:
        raise error.error("user" if error is HotlineError.NOT_A_COUNSELOR else "supervisor")
    return user


# ---- hotlines, counselors, schedules ------------------------------------------------------

@router.get("/hotline-topics", response=list[TopicOut], summary="心理热线咨询主题")
def topics(request):
    return list(selectors.topic_list())


@router.get("/hotlines", response=list[HotlineOut], summary="心理热线列表")
def hotline_list(request):
    return list(selectors.hotline_list_for_actor(actor=request.auth)[:500])


@router.post("/hotlines", response={201: HotlineOut}, summary="新建心理热线")
def hotline_create(request, payload: HotlineIn):
    node = Node.objects.filter(pk=pk_or_404(payload.node_id)).first()
    if node is None:
        raise CoreError.NOT_FOUND.error()
    return Status(201, services.hotline_create(actor=request.auth, node=node, name=payload.name,
                                               number=payload.number, hours=payload.hours))


@router.get("/hotlines/{hotline_id}", response=HotlineOut, summary="心理热线详情")
def hotline_detail(request, hotline_id: str):
    return selectors.hotline_get_for_actor(actor=request.auth, hotline_id=pk_or_404(hotline_id))


class TallyOut(Schema):
    period: str
    calls: int
    crisis: int
    calls_remainder: int  # what the paper log adds to the calls logged one by one
    crisis_remainder: int
    reason: str
    updated_at: datetime

    @staticmethod
    def resolve_period(obj) -> str:
        return f"{obj.period:%Y-%m}"


class TallyIn(Schema):
    period: str = Field(max_length=20, description="月份，如 2020-02")
    calls: int = Field(ge=0, le=1_000_000, description="该月来电次数（含已逐条登记的）；与危机来电都为 0 时撤销补录")
    crisis: int = Field(0, ge=0, le=1_000_000)
    reason: str = Field("", max_length=200, description="补录说明，如：据纸质接听登记簿补录")


class TallyResult(Schema):
    removed: bool
    tally: TallyOut | None


@router.get("/hotlines/{hotline_id}/tallies", response=list[TallyOut], summary="纸质登记补录（按月来电次数）")
def tally_list(request, hotline_id: str):
    hotline = selectors.hotline_get_for_manager(actor=request.auth, hotline_id=pk_or_404(hotline_id))
    return list(hotline.tallies.all()[:240])


@router.post("/hotlines/{hotline_id}/tallies", response=TallyResult,
             summary="补录某月纸质登记的来电次数（与逐条登记不重复计算；都为 0 撤销）")
def tally_set(request, hotline_id: str, payload: TallyIn):
    hotline = selectors.hotline_get_for_manager(actor=request.auth, hotline_id=pk_or_404(hotline_id))
    tally = call_tally_set(actor=request.auth, hotline=hotline, period=payload.period, calls=payload.calls,
                           crisis=payload.crisis, reason=payload.reason)
    return {"removed": tally is None, "tally": tally}


@router.get("/hotlines/{hotline_id}/counselors", response=list[CounselorOut], summary="热线咨询师")
def counselor_list(request, hotline_id: str):
    hotline = selectors.hotline_get_for_actor(actor=request.auth, hotline_id=pk_or_404(hotline_id))
    return list(selectors.counselor_list(hotline=hotline))


@router.post("/hotlines/{hotline_id}/counselors", response={201: CounselorOut}, summary="添加咨询师（指定督导）")
def counselor_add(request, hotline_id: str, payload: CounselorIn):
    hotline = selectors.hotline_get_for_actor(actor=request.auth, hotline_id=pk_or_404(hotline_id))
    user = _user(payload.user_id, HotlineError.NOT_A_COUNSELOR)
    supervisor = (_user(payload.supervisor_id, HotlineError.SUPERVISOR_INVALID)
                  if payload.supervisor_id is not None else None)
    return Status(201, services.counselor_add(actor=request.auth, hotline=hotline, user=user, supervisor=supervisor,
                                              is_supervisor=payload.is_supervisor))


@router.patch("/hotline-counselors/{counselor_id}", response=CounselorOut, summary="调整督导、在岗状态")
def counselor_update(request, counselor_id: str, payload: CounselorPatch):
    counselor = selectors.counselor_get_for_actor(actor=request.auth, counselor_id=pk_or_404(counselor_id))
    given = payload.dict(exclude_unset=True)
    kwargs = {k: given[k] for k in ("is_supervisor", "active") if k in given}
    if "supervisor_id" in given:
        raw = given["supervisor_id"]
        kwargs["supervisor"] = _user(raw, HotlineError.SUPERVISOR_INVALID) if raw is not None else None
    return services.counselor_update(actor=request.auth, counselor=counselor, **kwargs)


@router.get("/hotline-counselors/{counselor_id}/schedule", response=list[SlotOut], summary="值班安排")
def schedule_get(request, counselor_id: str):
    counselor = selectors.counselor_get_for_actor(actor=request.auth, counselor_id=pk_or_404(counselor_id))
    return list(selectors.schedule_of(counselor=counselor))


@router.put("/hotline-counselors/{counselor_id}/schedule", response=list[SlotOut], summary="设置值班安排（整体替换）")
def schedule_set(request, counselor_id: str, payload: ScheduleIn):
    counselor = selectors.counselor_get_for_actor(actor=request.auth, counselor_id=pk_or_404(counselor_id))
    slots = [services.Slot(weekday=s.weekday, on_date=s.on_date, starts_at=s.starts_at, ends_at=s.ends_at)
             for s in payload.shifts]
    return services.schedule_set(actor=request.auth, counselor=counselor, slots=slots)


# ---- call logs and follow-ups -------------------------------------------------------------

def _call_values(payload: Schema, *, partial: bool) -> dict:
    values = payload.dict(exclude_unset=partial)
    values.pop("hotline_id", None)
    # In a PATCH an explicit null means "leave as is" for everything but the caller's phone.
    return {k: v for k, v in values.items() if v is not None or k == "caller_phone"}


def _detail(record: call_services.CallRecord) -> CallLog:
    """The call with its decrypted text attached for CallDetailOut (nothing is saved)."""
    call = record.call
    call.summary = record.summary
    call.followup_rows = []
    for view in record.followups:
        view.followup.note = view.note
        call.followup_rows.append(view.followup)
    return call


@router.get("/hotline-calls", response=PageOut[CallOut], summary="来电记录（本人接听的与所督导咨询师的）")
def call_list(request, filters: Query[CallFilter]):
    qs = selectors.call_list_for_actor(
        actor=request.auth, mine=filters.scope == "mine", supervised=filters.scope == "supervised",
        hotline_id=parse_pk(filters.hotline_id), counselor_id=parse_pk(filters.counselor_id), crisis=filters.crisis)
    if (filters.hotline_id and parse_pk(filters.hotline_id) is None) or (
            filters.counselor_id and parse_pk(filters.counselor_id) is None):
        qs = qs.none()  # a bad id filters to nothing, not to everything
    return page_response(paginate(qs, filters.page, filters.page_size))


@router.post("/hotline-calls", response={201: CallOut}, summary="录入来电记录（值班中的咨询师）")
def call_create(request, payload: CallIn):
    hotline = selectors.hotline_get_for_actor(actor=request.auth, hotline_id=pk_or_404(payload.hotline_id))
    call = call_services.call_log_create(actor=request.auth, hotline=hotline,
                                         values=_call_values(payload, partial=False))
    return Status(201, selectors.call_get_for_actor(actor=request.auth, call_id=call.pk))


@router.get("/hotline-calls/{call_id}", response=CallDetailOut, summary="来电详情（解密摘要，记入审计）")
def call_detail(request, call_id: str):
    call = selectors.call_get_for_actor(actor=request.auth, call_id=pk_or_404(call_id))
    return _detail(call_services.call_log_read(actor=request.auth, call=call))


@router.patch("/hotline-calls/{call_id}", response=CallOut, summary="修改来电记录（本人，录入后 24 小时内）")
def call_update(request, call_id: str, payload: CallPatch):
    call = selectors.call_get_for_actor(actor=request.auth, call_id=pk_or_404(call_id))
    call_services.call_log_update(actor=request.auth, call=call, values=_call_values(payload, partial=True))
    return selectors.call_get_for_actor(actor=request.auth, call_id=call.pk)


@router.post("/hotline-calls/{call_id}/reveal-phone", response=PhoneOut, summary="查看完整来电号码（记入审计）")
def call_phone(request, call_id: str):
    call = selectors.call_get_for_actor(actor=request.auth, call_id=pk_or_404(call_id))
    return {"caller_phone": call_services.call_phone_reveal(actor=request.auth, call=call)}


@router.post("/hotline-calls/{call_id}/followups", response={201: FollowUpOut}, summary="追加回访任务")
def followup_create(request, call_id: str, payload: FollowUpIn):
    call = selectors.call_get_for_actor(actor=request.auth, call_id=pk_or_404(call_id))
    return Status(201, call_services.followup_create(actor=request.auth, call=call, due_on=payload.due_on))


@router.get("/hotline-followups", response=list[FollowUpOut], summary="回访任务（本人负责的或所督导咨询师的）")
def followup_list(request, filters: Query[FollowUpFilter]):
    qs = selectors.followup_list_for_actor(actor=request.auth, assigned_to_me=filters.scope == "mine",
                                           supervised=filters.scope == "supervised", open_only=filters.open)
    return list(qs[:500])


@router.post("/hotline-followups/{followup_id}/complete", response=FollowUpNoteOut, summary="完成回访（记录加密保存）")
def followup_complete(request, followup_id: str, payload: CompleteIn):
    followup = selectors.followup_get_for_actor(actor=request.auth, followup_id=pk_or_404(followup_id))
    followup = call_services.followup_complete(actor=request.auth, followup=followup, note=payload.note)
    followup.note = payload.note.strip()
    return followup


# ---- statistics (no personal data) --------------------------------------------------------

@router.get("/hotline-stats", response=StatsOut, summary="心理热线统计（仅计数，不含个人信息；按整月/整周统计，计数取整到 5，少于 3 的格子不显示）")
def stats(request, filters: Query[StatsFilter]):
    node = hotline = None
    if filters.node_id:
        node = Node.objects.filter(pk=pk_or_404(filters.node_id)).first()
        if node is None:
            raise CoreError.NOT_FOUND.error()
    if filters.hotline_id:
        hotline = stats_hotline_list(actor=request.auth).filter(pk=pk_or_404(filters.hotline_id)).first()
        if hotline is None:
            raise CoreError.NOT_FOUND.error()
    return call_stats_for_actor(actor=request.auth, period=filters.period, date_from=filters.date_from,
                                date_to=filters.date_to, node=node, hotline=hotline)
