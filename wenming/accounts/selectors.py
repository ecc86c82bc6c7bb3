from django.db.models import Q, QuerySet

from .models import RoleAssignment, User
from .roles import Perm
from .scope import scope_for


def assignments_for_user(user: User) -> QuerySet:
    return RoleAssignment.objects.filter(user=user).select_related("node", "team", "unit")


def user_list_for_actor(*, actor) -> QuerySet:
    """Accounts holding a role somewhere inside the actor's grant scope, and the actor."""
    scope = scope_for(actor)
    if scope.is_global:
        return User.objects.all()
    held = RoleAssignment.objects.filter(scope.q(Perm.ROLE_GRANT, "node__path")).values("user_id")
    return User.objects.filter(Q(pk=actor.pk) | Q(pk__in=held))
