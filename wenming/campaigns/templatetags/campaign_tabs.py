"""The tabs across the campaigns pages: only those the signed-in user may open (a tab that
answers 无权访问 is a dead end)."""

from django import template

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.volunteers.selectors import volunteer_for_user

register = template.Library()

TABS = [  # (url name, label, who may open it: a permission, or None for everyone who sees the tabs)
    ("tallies", "宣传统计", None),
    ("entries", "填报记录", None),
    ("indicators", "统计指标", None),
    ("reform", "移风易俗", Perm.NODE_VIEW),
    ("online", "云上活动", Perm.NODE_VIEW),
    ("party", "党员报到", Perm.VOLUNTEER_VIEW),  # or the user's own check-in, as a volunteer
]


@register.simple_tag(takes_context=True)
def campaign_tabs(context) -> list[tuple[str, str]]:
    user = context["request"].user
    scope = scope_for(user)
    out = []
    for name, label, perm in TABS:
        if perm is None or scope.has(perm) or (name == "party" and volunteer_for_user(user) is not None):
            out.append((name, label))
    return out
