"""The calls' to-do panel on the home page (工作台): for a volunteer, the calls to the reserve
(招募令) that asked them and still wait for their answer, open and before the deadline (the
未响应 rows of 我的招募令). A call is urgent by nature: the to-do is marked so."""

from django.urls import reverse
from django.utils import timezone

from wenming.accounts.roles import Role
from wenming.accounts.scope import scope_for
from wenming.core.workbench import Panel, Todo, register_panel
from wenming.volunteers.selectors import volunteer_for_user

from .models import Answer, CallStatus
from .page_selectors import responses_of_volunteer


def unanswered_calls(volunteer):
    return responses_of_volunteer(volunteer=volunteer).filter(
        answer=Answer.PENDING, call__status=CallStatus.OPEN, call__deadline__gt=timezone.now())


@register_panel
def calls_panel(user) -> Panel | None:
    if Role.VOLUNTEER not in scope_for(user).roles():
        return None
    volunteer = volunteer_for_user(user)
    if volunteer is None:
        return None
    page = reverse("mobilization:answer")
    n = unanswered_calls(volunteer).order_by().count()
    return Panel("招募令", [Todo("待响应的招募令", n, page, urgent=True, note="请在截止前答复能否参加" if n else "")],
                 page, "查看我的招募令", order=21)
