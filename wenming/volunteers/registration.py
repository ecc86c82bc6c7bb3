"""Self-registration: a new account, its volunteer record and the volunteer role, together.

One transaction: if any step fails (username taken, ID already registered, under 14 …)
nothing is written, and the DomainError names the field to show the message at.
"""

from django.db import transaction
from django.utils import timezone

from wenming.accounts.models import RoleAssignment, User
from wenming.accounts.roles import Role
from wenming.accounts.services import user_create
from wenming.core.audit import audit_record

from .errors import VolunteerError as E
from .inputs import build_values, skills_index
from .models import Source, Volunteer
from .page_selectors import public_home_node
from .services import volunteer_register
from .validation import check_values


def volunteer_self_register(*, data: dict, username: str, password: str,
                            consent_terms: bool) -> tuple[User, Volunteer]:
    """`data` is raw volunteer input (as for inputs.build_values); the home node must be
    an open institute, station or point. Returns the new user (not yet logged in) and volunteer."""
    if not consent_terms:
        raise E.TERMS_REQUIRED.error("consent_terms")
    values = build_values(data, resolve_node=public_home_node, skills_by_key=skills_index())
    check_values(values, timezone.localdate())  # age and guardian before anything is written
    with transaction.atomic():
        user = user_create(actor=None, username=username, password=password, display_name=values.name,
                           phone=values.phone)
        volunteer = volunteer_register(actor=None, values=values, source=Source.SELF, user=user)
        assignment = RoleAssignment.objects.create(user=user, role=Role.VOLUNTEER, node=values.home_node)
        audit_record(actor=user, action="role.grant", obj=assignment, node_path=values.home_node.path,
                     changes={"user": user.pk, "role": Role.VOLUNTEER, "self_registration": True})
    return user, volunteer
