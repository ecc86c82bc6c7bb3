"""The honours' to-do panel on the home page: nominations waiting for the reviewer (initial
and final review), the nominator's returned nominations, and for the office the campaigns
to select in, votes to watch and objections to answer."""

from django.urls import reverse

from wenming.core.workbench import Panel, Todo, register_panel

from .selectors import staff as reads

# (key, label, urgent, campaign page to open when one campaign is concerned, its query)
TODOS = [
    ("initial", "待初审的推荐", False, "honours:staff_nominations", "?status=submitted"),
    ("final", "待复审评分的推荐", False, "honours:staff_nominations", "?status=shortlisted&sort=score"),
    ("returned", "被退回、待修改的推荐", True, "honours:staff_nominations", "?status=returned"),
    ("nominating", "正在推荐报名的评选", False, "honours:staff_campaign", ""),
    ("voting", "网络投票进行中的评选（投票监控）", False, "honours:staff_votes", ""),
    ("selecting", "复审中、待确定拟表彰的评选", False, "honours:staff_nominations", "?status=shortlisted&sort=score"),
    ("objections", "待答复的公示异议", True, "honours:staff_objections", "?status=open"),
]


def honours_todos(user) -> list[Todo]:
    """What waits for the user, each leading to the campaign's page when one campaign is
    concerned, else to the list of campaigns (also shown at the top of that list)."""
    counts = reads.todo_counts(user)
    home = reverse("honours:staff_index")
    todos = []
    for key, label, urgent, page, query in TODOS:
        found = counts.get(key)
        if found is None or not found.count:
            continue
        url = reverse(page, args=[found.campaign_ids[0]]) + query if len(found.campaign_ids) == 1 else home
        todos.append(Todo(label, found.count, url, urgent=urgent))
    return todos


@register_panel
def honours_panel(user) -> Panel | None:
    if not reads.works_in_honours(user):
        return None
    todos = honours_todos(user)
    if not todos:
        return None
    return Panel("先进典型评选", todos, reverse("honours:staff_index"), "进入先进典型评选")
