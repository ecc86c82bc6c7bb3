"""Who may see a resident's name, phone and exact address in clear (SPEC 4.5, PIPL).

- the volunteer who accepted the request, from acceptance until it is closed;
- staff with demand.edit over the request's node while it is open (they verify and
  dispatch by phone);
- after closure or rejection: only staff holding the reveal privilege over the node.
Nobody else, in particular not a volunteer who was only offered it. Every clear read
writes an audit row; the masked copy is what every list and detail shows.
"""

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.audit import audit_record
from wenming.core.errors import CoreError

from .models import Demand, DemandStatus

S = DemandStatus
FINISHED = (S.CLOSED, S.REJECTED)
VOLUNTEER_SEES = (S.ACCEPTED, S.IN_PROGRESS, S.COMPLETED, S.RATED)


def may_see_contact(actor, demand: Demand) -> bool:
    scope = scope_for(actor)
    vol = demand.accepted_by
    if vol is not None and vol.user_id is not None and vol.user_id == scope.user_id:
        return demand.status in VOLUNTEER_SEES
    if demand.status in FINISHED:
        return scope.allows(Perm.DEMAND_EDIT, demand.node.path) and scope.may_reveal(demand.node.path)
    return scope.allows(Perm.DEMAND_EDIT, demand.node.path)


def masked_contact(demand: Demand) -> dict:
    return {"name": demand.resident_name_masked, "phone": demand.phone_masked, "address": demand.address_masked,
            "revealed": False}


def demand_contact_reveal(*, actor, demand: Demand) -> dict:
    """The contact in clear, audited; 403 when the actor may see the request but not this."""
    if not may_see_contact(actor, demand):
        raise CoreError.FORBIDDEN.error()
    audit_record(actor=actor, action="demand.contact_reveal", obj=demand, node_path=demand.node.path)
    return {"name": demand.reveal_name(), "phone": demand.reveal_phone(), "address": demand.reveal_address(),
            "revealed": True}
