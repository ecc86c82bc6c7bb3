"""Writes for teams (总队/支队/分队/小队) and their members."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.audit import audit_record
from wenming.core.errors import CoreError

from .errors import TeamError as E
from .figures import stored_team_shape, team_changed, team_shape
from .models import TEAM_LEVEL_RANK, MemberRole, Team, TeamMember, Volunteer

TEAM_FIELDS = ["name", "level", "kind", "parent_id", "node_id", "description", "skill_id"]


def _check_edit(actor, node) -> None:
    if not scope_for(actor).allows(Perm.TEAM_EDIT, node.path):
        raise E.NODE_UNKNOWN.error("node")


def _check_home(node) -> None:
    if node.archived_at is not None:
        raise E.NODE_ARCHIVED.error("node")


def _check_children(team: Team) -> None:
    rank = TEAM_LEVEL_RANK[team.level]
    if team.pk and any(TEAM_LEVEL_RANK[level] <= rank for level in team.children.values_list("level", flat=True)):
        raise E.LEVEL_ABOVE_CHILDREN.error("level")


def _check_parent(team: Team) -> None:
    parent = team.parent
    if parent is None:
        return
    if TEAM_LEVEL_RANK[parent.level] >= TEAM_LEVEL_RANK[team.level]:
        raise E.LEVEL_ORDER.error("level", parent=parent.get_level_display())
    seen = set()
    while parent is not None:
        if team.pk is not None and parent.pk == team.pk:
            raise E.CYCLE.error("parent")
        if parent.pk in seen:
            break
        seen.add(parent.pk)
        parent = parent.parent


def team_create(*, actor, name: str, level: str, node, kind: str = "general", parent: Team | None = None,
                description: str = "", skill=None) -> Team:
    _check_edit(actor, node)
    _check_home(node)
    team = Team(name=name.strip(), level=level, kind=kind, node=node, parent=parent, description=description,
                skill=skill)
    _check_parent(team)
    try:
        with transaction.atomic():
            team.save()
            team_changed(None, team_shape(team))
            audit_record(actor=actor, action="team.create", obj=team, node_path=node.path,
                         changes={"name": team.name, "level": level})
    except IntegrityError:
        raise E.NAME_TAKEN.error("name", name=team.name) from None
    return team


def team_update(*, actor, team: Team, **changes) -> Team:
    _check_edit(actor, team.node)
    if "node" in changes:
        _check_edit(actor, changes["node"])
        _check_home(changes["node"])
    before = {f: getattr(team, f) for f in TEAM_FIELDS}
    for key, value in changes.items():
        setattr(team, key, value)
    _check_parent(team)
    _check_children(team)
    diff = {f: [str(before[f]), str(getattr(team, f))] for f in TEAM_FIELDS if before[f] != getattr(team, f)}
    try:
        with transaction.atomic():
            was = stored_team_shape(team.pk)
            team.save()
            team_changed(was, team_shape(team))
            audit_record(actor=actor, action="team.update", obj=team, node_path=team.node.path, changes=diff)
    except IntegrityError:
        raise E.NAME_TAKEN.error("name", name=team.name) from None
    return team


def team_archive(*, actor, team: Team) -> Team:
    _check_edit(actor, team.node)
    with transaction.atomic():
        was = stored_team_shape(team.pk)
        team.archived_at = timezone.now()
        team.save(update_fields=["archived_at", "updated_at"])
        team_changed(was, team_shape(team))
        audit_record(actor=actor, action="team.archive", obj=team, node_path=team.node.path)
    return team


def team_member_add(*, actor, team: Team, volunteer: Volunteer, role: str = MemberRole.MEMBER) -> TeamMember:
    _check_edit(actor, team.node)
    if role not in MemberRole.values:
        raise CoreError.INVALID_INPUT.error("role", detail="职务无效")
    try:
        with transaction.atomic():
            member = TeamMember.objects.create(team=team, volunteer=volunteer, role=role)
            audit_record(actor=actor, action="team.member_add", obj=team, node_path=team.node.path,
                         changes={"volunteer": volunteer.pk, "role": role})
    except IntegrityError:
        raise E.MEMBER_EXISTS.error("volunteer") from None
    return member


def team_member_set_role(*, actor, team: Team, volunteer: Volunteer, role: str) -> TeamMember:
    _check_edit(actor, team.node)
    if role not in MemberRole.values:
        raise CoreError.INVALID_INPUT.error("role", detail="职务无效")
    member = TeamMember.objects.filter(team=team, volunteer=volunteer).first()
    if member is None:
        raise E.NOT_MEMBER.error("volunteer")
    with transaction.atomic():
        old = member.role
        member.role = role
        member.save(update_fields=["role"])
        audit_record(actor=actor, action="team.member_role", obj=team, node_path=team.node.path,
                     changes={"volunteer": volunteer.pk, "role": [old, role]})
    return member


def team_member_remove(*, actor, team: Team, volunteer: Volunteer) -> None:
    _check_edit(actor, team.node)
    with transaction.atomic():
        deleted, _ = TeamMember.objects.filter(team=team, volunteer=volunteer).delete()
        if not deleted:
            raise E.NOT_MEMBER.error("volunteer")
        audit_record(actor=actor, action="team.member_remove", obj=team, node_path=team.node.path,
                     changes={"volunteer": volunteer.pk})
