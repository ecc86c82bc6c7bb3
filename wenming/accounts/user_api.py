"""Accounts and role assignments, managed by users with a wider scope (SPEC 4.2)."""

from datetime import datetime

from ninja import Router, Schema, Status

from wenming.core.errors import CoreError
from wenming.orgs.selectors import node_get_for_actor, unit_get_for_actor
from wenming.volunteers.selectors import team_get_editable

from . import selectors, services
from .models import RoleAssignment
from .roles import Perm
from .scope import scope_for

router = Router(tags=["账号与角色"])


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    phone_masked: str
    is_active: bool
    date_joined: datetime


class UserIn(Schema):
    username: str
    password: str
    display_name: str = ""
    phone: str = ""


class AssignmentOut(Schema):
    id: int
    user_id: int
    role: str
    node_id: int
    node_name: str
    team_id: int | None
    unit_id: int | None
    may_reveal_pii: bool
    granted_at: datetime

    @staticmethod
    def resolve_node_name(obj: RoleAssignment) -> str:
        return obj.node.name


class AssignmentIn(Schema):
    role: str
    node_id: int
    team_id: int | None = None
    unit_id: int | None = None
    may_reveal_pii: bool = False


@router.get("/users", response=list[UserOut], summary="我可管理的账号")
def list_users(request):
    return list(selectors.user_list_for_actor(actor=request.auth).order_by("username")[:500])


@router.post("/users", response={201: UserOut}, summary="新建账号")
def create_user(request, payload: UserIn):
    if not scope_for(request.auth).has(Perm.ROLE_GRANT):
        raise CoreError.FORBIDDEN.error()
    return Status(201, services.user_create(actor=request.auth, **payload.dict()))


@router.get("/users/{user_id}/assignments", response=list[AssignmentOut], summary="账号的角色")
def list_assignments(request, user_id: int):
    user = selectors.user_get_for_actor(actor=request.auth, user_id=user_id)
    return list(selectors.assignments_for_user(user))


@router.post("/users/{user_id}/assignments", response={201: AssignmentOut}, summary="分配角色")
def grant(request, user_id: int, payload: AssignmentIn):
    user = selectors.user_get_for_actor(actor=request.auth, user_id=user_id)
    node = node_get_for_actor(actor=request.auth, node_id=payload.node_id)
    team = team_get_editable(actor=request.auth, team_id=payload.team_id) if payload.team_id else None
    unit = unit_get_for_actor(actor=request.auth, unit_id=payload.unit_id) if payload.unit_id else None
    return Status(201, services.role_grant(actor=request.auth, user=user, role=payload.role, node=node, team=team,
                                           unit=unit, may_reveal_pii=payload.may_reveal_pii))


@router.delete("/assignments/{assignment_id}", response={204: None}, summary="撤销角色")
def revoke(request, assignment_id: int):
    assignment = selectors.assignment_get_for_actor(actor=request.auth, assignment_id=assignment_id)
    services.role_revoke(actor=request.auth, assignment=assignment)
    return Status(204, None)
