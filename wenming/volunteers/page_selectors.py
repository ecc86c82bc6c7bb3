"""Reads the volunteer and team pages need, built on the scoped selectors in selectors.py."""

from django.db.models import QuerySet

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.params import parse_pk
from wenming.orgs.models import PATH_STEP, Node, NodeKind
from wenming.orgs.selectors import node_list_for_actor, node_public_list

from .models import TEAM_LEVEL_RANK, Skill, Team, Volunteer
from .selectors import skill_list, team_list_for_actor, volunteer_list_for_actor

# Where a volunteer may make themself at home on self-registration.
SELF_REGISTER_KINDS = [NodeKind.INSTITUTE, NodeKind.STATION, NodeKind.POINT]
PUBLIC_NODE_LIMIT = 100


def public_home_nodes() -> QuerySet:
    return node_public_list(kinds=SELF_REGISTER_KINDS)


def public_home_node(key) -> Node | None:
    pk = parse_pk(key)  # "²" is a digit to str.isdigit, not to int()
    if pk is None:
        return None
    return public_home_nodes().filter(pk=pk).select_related("parent").first()


def public_institutes() -> list[tuple[str, str]]:
    rows = node_public_list(kinds=[NodeKind.INSTITUTE, NodeKind.SUBCENTER]).values_list("pk", "name")
    return [(str(pk), name) for pk, name in rows[:500]]


def public_home_node_choices(*, search: str = "", institute_id: str = "",
                             selected: Node | None = None) -> list[tuple[str, str]]:
    """Home-node options for the public form: matching a name, or under one institute.
    Never the whole network at once (a city has ~3,000 nodes)."""
    qs = public_home_nodes().select_related("parent")
    if search.strip():
        qs = qs.filter(name__contains=search.strip())
    elif parse_pk(institute_id) is not None:
        base = node_public_list().filter(pk=parse_pk(institute_id)).values_list("path", flat=True).first()
        qs = qs.filter(path__startswith=base) if base else qs.none()
    else:
        qs = qs.none()
    nodes = list(qs[:PUBLIC_NODE_LIMIT])
    if selected is not None and selected.pk not in {n.pk for n in nodes}:
        nodes.insert(0, selected)
    return [(str(n.pk), f"{n.name}（{n.parent.name}）" if n.parent_id else n.name) for n in nodes]


def volunteer_by_no_for_actor(*, actor, volunteer_no: str) -> Volunteer | None:
    number = (volunteer_no or "").strip().upper()
    if not number:
        return None
    return volunteer_list_for_actor(actor=actor).filter(volunteer_no=number).first()


def teams_of_volunteer_for_actor(*, actor, volunteer: Volunteer) -> QuerySet:
    """The volunteer's teams that the actor may see."""
    return team_list_for_actor(actor=actor).filter(pk__in=volunteer.memberships.values("team_id"))


def team_tree_for_actor(*, actor, node_id: int | None = None, level: str = "", search: str = "") -> list[Team]:
    """Visible teams ordered as a tree: parents first, each child under its parent."""
    teams = list(team_list_for_actor(actor=actor, node_id=node_id, level=level, search=search)[:1000])
    by_parent: dict[int | None, list[Team]] = {}
    ids = {t.pk for t in teams}
    for t in teams:
        by_parent.setdefault(t.parent_id if t.parent_id in ids else None, []).append(t)
    out: list[Team] = []

    def walk(parent_id, depth):
        children = sorted(by_parent.get(parent_id, []), key=lambda t: (TEAM_LEVEL_RANK[t.level], t.name))
        for t in children:
            t.tree_depth = depth
            out.append(t)
            walk(t.pk, depth + 1)

    walk(None, 0)
    return out


def team_choices_for_actor(*, actor, exclude_id: int | None = None) -> list[tuple[str, str]]:
    # Only teams the actor manages may become a parent (see selectors.team_get_editable).
    qs = team_list_for_actor(actor=actor).filter(scope_for(actor).q(Perm.TEAM_EDIT, "node__path"))
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return [(str(t.pk), f"{t.name}（{t.get_level_display()} · {t.node.name}）") for t in qs[:300]]


def grid_choices_for_actor(*, actor, home_node_id) -> list[tuple[str, str]]:
    """Grids a volunteer of this home node may live in: under its station."""
    if not home_node_id or not str(home_node_id).isdigit():
        return []
    home = node_list_for_actor(actor=actor).filter(pk=int(home_node_id)).first()
    if home is None:
        return []
    station_path = home.path if home.kind != NodeKind.POINT else home.path[:-PATH_STEP]
    grids = node_list_for_actor(actor=actor, kind=NodeKind.GRID).filter(path__startswith=station_path)
    return [(str(pk), name) for pk, name in grids.values_list("pk", "name")[:300]]


def node_resolver_for_actor(actor):
    """A home-node/grid lookup for inputs.build_values limited to the actor's visible nodes."""
    visible = node_list_for_actor(actor=actor)

    def resolve(key):
        if key in (None, "") or not str(key).isdigit():
            return None
        return visible.filter(pk=int(key)).first()

    return resolve


def skill_by_code(code: str) -> Skill | None:
    return skill_list().filter(code=code).first() if code else None
