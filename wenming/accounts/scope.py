"""What an actor may see: the one place that turns role assignments into row filters.

Selectors call `scope_for(actor).q(perm, "home_node__path")` and friends; nothing else
decides visibility. A platform admin (or Django superuser) sees everything.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from .roles import REVEAL_ROLES, ROLE_PERMS, Role

NOTHING = Q(pk__in=[])
# Not Q(): an empty Q vanishes when OR-ed with another ("everything OR own rows" would
# become "own rows"), so "everything" must be a real, always-true condition.
EVERYTHING = Q(pk__isnull=False)


@dataclass(frozen=True)
class Grant:
    role: str
    path: str
    team_id: int | None
    unit_id: int | None
    may_reveal: bool


@dataclass
class Scope:
    user_id: int | None
    is_global: bool = False
    grants: list[Grant] = field(default_factory=list)

    def has(self, perm: str) -> bool:
        return self.is_global or any(perm in ROLE_PERMS[g.role] for g in self.grants)

    def paths(self, perm: str) -> list[str]:
        """Minimal list of subtree roots where `perm` holds (nested ones folded in)."""
        found = sorted({g.path for g in self.grants if perm in ROLE_PERMS[g.role]})
        roots: list[str] = []
        for path in found:
            if not roots or not path.startswith(roots[-1]):
                roots.append(path)
        return roots

    def q(self, perm: str, path_field: str) -> Q:
        """Rows whose `path_field` lies in a subtree where the actor holds `perm`."""
        if self.is_global:
            return EVERYTHING
        q = NOTHING
        for path in self.paths(perm):
            q |= Q(**{f"{path_field}__startswith": path})
        return q

    def allows(self, perm: str, path: str) -> bool:
        return self.is_global or any(path.startswith(p) for p in self.paths(perm))

    def may_reveal(self, path: str) -> bool:
        """Unmasking personal data needs an explicit grant covering the record's node."""
        if self.is_global:
            return True
        return any(g.may_reveal and g.role in REVEAL_ROLES and path.startswith(g.path) for g in self.grants)

    def led_team_ids(self) -> list[int]:
        return [g.team_id for g in self.grants if g.role == Role.TEAM_LEADER and g.team_id]

    def roles(self) -> set[str]:
        return {g.role for g in self.grants} | ({Role.PLATFORM_ADMIN} if self.is_global else set())


def scope_for(actor) -> Scope:
    """The actor's scope, computed once per user object (i.e. once per request)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return Scope(user_id=None)
    cached = getattr(actor, "_wenming_scope", None)
    if cached is not None:
        return cached
    from .models import RoleAssignment

    rows = RoleAssignment.objects.filter(user=actor).values_list(
        "role", "node__path", "team_id", "unit_id", "may_reveal_pii"
    )
    grants = [Grant(*row) for row in rows]
    is_global = actor.is_superuser or any(g.role == Role.PLATFORM_ADMIN for g in grants)
    scope = Scope(user_id=actor.pk, is_global=is_global, grants=grants)
    actor._wenming_scope = scope
    return scope


def forget_scope(actor) -> None:
    if actor is not None and hasattr(actor, "_wenming_scope"):
        del actor._wenming_scope
