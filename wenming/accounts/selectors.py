from django.db.models import Q, QuerySet

from wenming.core.errors import not_found

from .models import RoleAssignment, User
from .roles import Perm
from .scope import scope_for


def assignments_for_user(user: User) -> QuerySet:
    return RoleAssignment.objects.filter(user=user).select_related("node", "team", "unit")


def user_list_for_actor(*, actor) -> QuerySet:
    """Accounts holding a role inside the actor's grant scope, the actor, and accounts the
    actor created that hold no role yet, so a new account can be placed."""
    scope = scope_for(actor)
    if scope.is_global:
        return User.objects.all()
    held = RoleAssignment.objects.filter(scope.q(Perm.ROLE_GRANT, "node__path")).values("user_id")
    q = Q(pk=actor.pk) | Q(pk__in=held)
    if scope.has(Perm.ROLE_GRANT):
        q |= Q(assignments__isnull=True, created_by=actor)
    return User.objects.filter(q).distinct()


def user_get_for_actor(*, actor, user_id: int) -> User:
    found = user_list_for_actor(actor=actor).filter(pk=user_id).first()
    if found is None:
        raise not_found()
    return found


def assignment_get_for_actor(*, actor, assignment_id: int) -> RoleAssignment:
    scope = scope_for(actor)
    found = (RoleAssignment.objects.filter(scope.q(Perm.ROLE_GRANT, "node__path"))
             .select_related("node", "user").filter(pk=assignment_id).first())
    if found is None:
        raise not_found()
    return found
