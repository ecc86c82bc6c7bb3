"""The volunteers' to-do panel on the home page (工作台): volunteers' own updates of their
insurance or skills waiting for this staff member to confirm (pending_confirmations_count,
the rows of the confirmation list). Shown to staff who may edit volunteers (volunteer.edit)."""

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.menu import optional_reverse
from wenming.core.workbench import Panel, Todo, register_panel

try:  # the volunteers' self-service updates (insurance, skills) and their confirmation list
    from .selectors import pending_confirmations_count
except ImportError:  # not installed: no to-do to show
    pending_confirmations_count = None

@register_panel
def volunteers_panel(user) -> Panel | None:
    if pending_confirmations_count is None or not scope_for(user).has(Perm.VOLUNTEER_EDIT):
        return None
    url = optional_reverse("volunteers:changes")
    if not url:
        return None
    return Panel("志愿者信息确认", [Todo("志愿者自行更新、待确认的保险和技能", pending_confirmations_count(user), url)],
                 url, "进入信息确认", order=30)
