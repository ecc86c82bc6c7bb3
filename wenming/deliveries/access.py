"""Who may act on a delivery run.

- staff with demand.edit over the run's node (the station's dispatchers) run it;
- the volunteers on it (not those who left) buy, deliver, record receipts and confirm;
- anyone else who may see it (demand.view) is refused with 403, everybody else gets 404.
"""

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.errors import CoreError
from wenming.volunteers.selectors import volunteer_for_user

from .errors import DeliveryError as E
from .models import DeliveryRun, RunVolunteer


def is_staff(actor, run: DeliveryRun) -> bool:
    return scope_for(actor).allows(Perm.DEMAND_EDIT, run.node.path)


def is_member(actor, run: DeliveryRun) -> bool:
    me = volunteer_for_user(actor) if getattr(actor, "is_authenticated", False) else None
    return me is not None and active_members().filter(run=run, volunteer=me).exists()


def active_members():
    """Volunteers on runs who have not left and may still act (在册, an active login): a
    volunteer suspended or withdrawn meanwhile loses the run and its households' contacts."""
    return RunVolunteer.objects.filter(left_at__isnull=True, volunteer__status="active",
                                       volunteer__user__is_active=True)


def _refuse(actor, run: DeliveryRun, action: str):
    if scope_for(actor).allows(Perm.DEMAND_VIEW, run.node.path) or is_member(actor, run):
        return E.NOT_MEMBER.error(action=action)
    return CoreError.NOT_FOUND.error()


def check_staff(actor, run: DeliveryRun, action: str) -> None:
    if not is_staff(actor, run):
        raise _refuse(actor, run, action)


def check_staff_or_member(actor, run: DeliveryRun, action: str) -> str:
    """'staff' or 'member' (staff first: a dispatcher on their own run acts as staff)."""
    if is_staff(actor, run):
        return "staff"
    if is_member(actor, run):
        return "member"
    raise _refuse(actor, run, action)


def lock_run(run_id: int) -> None:
    """The run's row lock, taken first in every write that touches its stops or requests:
    one lock order (run, then requests in id order) for every delivery write."""
    DeliveryRun.objects.select_for_update().filter(pk=run_id).values_list("pk").first()
