"""The workbench (工作台) and the grouped menu: each demo role's home shows first what waits for
them, with counts equal to the rows of the lists the counts lead to; rows outside their scope
are not counted; overdue ones are marked; the home page's queries are bounded; the menu is
grouped and the top bar ends with a 菜单 link that works without JavaScript."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from wenming.accounts.models import User
from wenming.accounts.roles import Role
from wenming.accounts.services import role_grant
from wenming.core.demo_sms import demo_sms_enabled
from wenming.core.menu import GROUPS, menu_for, optional_reverse, site_menu
from wenming.core.models import AuditEntry
from wenming.core.workbench import Panel, Todo, panels_for, workbench_for
from wenming.demands.models import Demand
from wenming.demands.tests.factories import entered
from wenming.honours.workbench import TODOS as HONOURS_TODOS
from wenming.seeding.demo import seed_demo
from wenming.service.attendance_services import attendance_manual
from wenming.service.enrollment_services import enrollment_create
from wenming.service.models import ProjectCategory
from wenming.service.project_services import (
    project_create,
    project_open_recruiting,
    project_publish,
    shift_add,
)
from wenming.volunteers.tests.factories import user

SMALL = 300


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def login(u) -> Client:
    client = Client()
    client.force_login(u)
    return client


def todos_of(u) -> dict[str, Todo]:
    return {t.label: t for p in panels_for(u) for t in p.todos}


# ---- what each list shows, to compare with the count that leads to it --------------------

def _offers_doing(ctx, u) -> int:
    return sum(1 for o in ctx["answered"] if o.mine and o.demand.status in ("accepted", "in_progress"))


def _upcoming(ctx, u) -> int:
    return len(ctx["upcoming"])


def _unanswered(ctx, u) -> int:
    now = timezone.now()
    return sum(1 for r in ctx["responses"]
               if r.answer == "none" and r.call.status == "open" and r.call.deadline > now)


LISTED = {  # to-do label -> the rows its page shows (else the page's paginated count)
    "待接单的派单": lambda ctx, u: len(ctx["open_offers"]),
    "已接单、待完成的服务": _offers_doing,
    "已报名、待参加的班次": _upcoming,
    "待响应的招募令": _unanswered,
    "我负责的待回访": lambda ctx, u: len(ctx["mine"]),
    "所督导咨询师的待回访": lambda ctx, u: len(ctx["supervised"]),
    "已通过、待公开发布的信息": lambda ctx, u: ctx["publish_count"],
    "已发布、待队伍认领的项目": lambda ctx, u: sum(1 for p in ctx["page"].items if p.status == "published"),
    "服务已完成、待您评价的点单": lambda ctx, u: sum(1 for d in ctx["demands"] if d.status == "completed"),
    "正在办理中的点单": lambda ctx, u: sum(1 for d in ctx["demands"]
                                   if d.status in ("submitted", "reviewed", "dispatched", "accepted", "in_progress")),
}
# panels of other apps' own (evaluation, honours): their counts are theirs to test
OTHERS = {"待复查的整改", "进行中的督查", "逾期未整改", "本单位待整改的问题", "其中已逾期"} | {t[1] for t in HONOURS_TODOS}


def listed(client, u, todo: Todo) -> int:
    res = client.get(todo.url)
    assert res.status_code == 200, todo
    ctx = res.context
    if todo.label in LISTED:
        return LISTED[todo.label](ctx, u)
    return ctx["page"].count


def late_rows(client, todo: Todo) -> int:
    """The rows the list marks as past their time limit (requests, runs, follow-ups)."""
    ctx = client.get(todo.url).context
    if "mine" in ctx and todo.label == "我负责的待回访":
        today = timezone.localdate()
        return sum(1 for f in ctx["mine"] if f.due_on < today)
    return sum(1 for row in ctx["page"].items if getattr(row, "overdue", False))


# ---- the demo county, one login per role ----------------------------------------------------

# to-dos the demo's data gives each login (a count above zero), and the query budget of its home
DEMO_EXPECTED = {
    "admin": ({"待审核的点单", "组单中的代购批次", "待复查的整改"}, 32),
    "office": ({"待审核的点单", "已受理、待派单的点单", "已派单、待志愿者接单", "组单中的代购批次",
                "已通过、待公开发布的信息", "待复查的整改", "逾期未整改"}, 32),
    "institute": ({"待审核的点单", "组单中的代购批次", "已通过、待公开发布的信息"}, 24),
    "station": ({"待审核的点单", "已受理、待派单的点单", "组单中的代购批次", "已发布、待队伍认领的项目"}, 24),
    "leader": ({"待接单的派单", "已接单、待完成的服务"}, 22),
    "volunteer": ({"待接单的派单", "组单中的代购批次", "已报名、待参加的班次"}, 18),
    "resident": (set(), 10),
    "counselor": ({"我负责的待回访"}, 10),
    "supervisor": ({"所督导咨询师的待回访"}, 10),
    "inspector": ({"待复查的整改", "逾期未整改"}, 12),
    "liaison": ({"本单位待整改的问题"}, 16),
    "reviewer": (set(), 12),
}


@pytest.mark.django_db
def test_each_demo_role_sees_what_waits_with_counts_equal_to_the_lists(django_assert_max_num_queries):
    seed_demo(volunteers=SMALL, progress=False)
    problems = []
    for username, (expected, budget) in DEMO_EXPECTED.items():
        u = User.objects.get(username=username)
        client = login(u)
        with django_assert_max_num_queries(budget):
            page = html(client.get("/"))
        wb = workbench_for(User.objects.get(username=username))
        waiting = {t.label: t for p in wb.busy for t in p.waiting}
        if not expected <= set(waiting):
            problems.append(f"{username}: expected {sorted(expected - set(waiting))} among {sorted(waiting)}")
        # the to-dos come first: before the grouped menu
        assert page.index('id="todo"') < page.index('id="menu"'), username
        for todo in waiting.values():
            if todo.label not in page or escape(todo.url) not in page:
                problems.append(f"{username}: {todo.label} ({todo.url}) not on the home page")
            if f'<strong class="todo-count">{todo.count}</strong>' not in page:
                problems.append(f"{username}: the count {todo.count} of {todo.label} not shown")
            if todo.label in OTHERS:
                continue
            shown = listed(client, u, todo)
            if shown != todo.count:
                problems.append(f"{username}: {todo.label} counts {todo.count}, its list shows {shown}")
        if not waiting:
            assert "暂无待办" in page, username
    assert not problems, "\n".join(problems)


# ---- scope, overdue marks and lists, on the small test world -------------------------------

@pytest.mark.django_db
def test_request_counts_leave_out_other_stations_and_mark_the_overdue(world):
    a1, _ = entered(world)
    entered(world, phone="13812345679")
    entered(world, node=world.station_b, actor=world.manager_b, phone="13812345670")
    Demand.objects.filter(pk=a1.pk).update(due_at=timezone.now() - timedelta(hours=1))
    label = "待审核的点单"
    counts = {who: todos_of(getattr(world, who))[label].count for who in ("manager_a", "manager_b", "office")}
    assert counts == {"manager_a": 2, "manager_b": 1, "office": 3}
    todo = todos_of(world.manager_a)[label]
    assert todo.urgent and todo.note == "其中 1 件已超时"
    assert not todos_of(world.manager_b)[label].urgent
    client = login(world.manager_a)
    assert listed(client, world.manager_a, todo) == 2 and late_rows(client, todo) == 1
    page = html(client.get("/"))
    assert '<li class="todo urgent">' in page and "其中 1 件已超时" in page and "已超时或即将到期" in page
    # the office's board agrees with the office's count
    office_todo = todos_of(world.office)[label]
    assert listed(login(world.office), world.office, office_todo) == 3


def _attendance_at(world, node, volunteer):
    category = ProjectCategory.objects.get(code="civility")
    project = project_create(actor=world.root, node=node, title="文明劝导", category=category)
    start = timezone.now() + timedelta(days=1)
    shift = shift_add(actor=world.root, project=project, title="上午岗", starts_at=start,
                      ends_at=start + timedelta(hours=3), capacity=5)
    project_publish(actor=world.root, project=project)
    project_open_recruiting(actor=world.root, project=project)
    enrollment = enrollment_create(actor=world.root, shift=shift, volunteer=volunteer)
    return attendance_manual(reason="现场补签", actor=world.root, enrollment=enrollment,
                             check_in_at=shift.starts_at, check_out_at=shift.ends_at)


@pytest.mark.django_db
def test_hours_to_verify_count_only_the_projects_one_runs(world):
    _attendance_at(world, world.station_a, world.vol_a)
    _attendance_at(world, world.station_b, world.vol_b)
    label = "待核定的服务时长"
    for who, n in (("manager_a", 1), ("manager_b", 1), ("office", 2)):
        u = getattr(world, who)
        todo = todos_of(u)[label]
        assert todo.count == n, who
        assert listed(login(u), u, todo) == n, who


@pytest.mark.django_db
def test_a_home_with_nothing_waiting_says_so_and_names_the_work_areas(world):
    page = html(login(world.manager_a).get("/"))
    assert "暂无待办" in page and 'class="card todo-panel"' not in page
    assert f'href="{reverse("demands:board")}">群众点单</a>' in page  # the quiet panels, one line


@pytest.mark.django_db
def test_the_query_count_does_not_grow_with_the_rows(world, django_assert_max_num_queries):
    client = login(world.manager_a)
    client.get("/")
    with django_assert_max_num_queries(24) as captured:
        client.get("/")
    before = len(captured.captured_queries)
    for i in range(5):
        entered(world, phone=f"1381234560{i}")
    _attendance_at(world, world.station_a, world.vol_a)
    with django_assert_max_num_queries(before):
        client.get("/")


# ---- panels: ordering and empty to-dos ---------------------------------------------------

def test_panels_show_only_what_waits_in_their_order():
    busy = Panel("b", [Todo("x", 0, "/x"), Todo("y", 2, "/y", urgent=True)], order=20)
    assert [t.label for t in busy.waiting] == ["y"] and busy.total == 2
    assert not Panel("a", [Todo("x", 0, "/x")]).waiting


# ---- the menu -----------------------------------------------------------------------------

@pytest.mark.django_db
def test_every_menu_item_is_in_one_group_and_the_top_bar_starts_with_the_main_work(world):
    for u in (world.office, world.manager_a, world.leader, None):
        menu = site_menu(u)
        keys = [i.key for i in menu_for(u) if i.key != "login"]
        assert sorted(i.key for i in menu.items) == sorted(keys)
        assert {g.key for g in menu.groups} <= {k for k, _ in GROUPS}
    assert site_menu(world.manager_a).nav[0].key == "demand_board"
    page = html(login(world.manager_a).get(reverse("volunteers:list")))
    # 菜单: a plain link to the home page's grouped menu; the panel it opens lists every group
    assert f'id="nav-more" href="{reverse("home")}#menu"' in page
    assert 'id="site-menu" hidden' in page and "<h2>阵地与队伍</h2>" in page


@pytest.mark.django_db
def test_a_signed_in_resident_can_request_follow_and_read_the_public_pages(world):
    resident = user("resident_a")
    role_grant(actor=world.root, user=resident, role=Role.RESIDENT, node=world.station_a)
    keys = [i.key for i in site_menu(resident).nav]
    assert keys[:2] == ["demand_new", "demand_mine"] if optional_reverse("demands:mine") else keys[:1] == [
        "demand_new"]
    page = html(login(resident).get("/"))
    for name in ("demands:new", "demands:track", "reporting:public"):
        assert f'href="{reverse(name)}"' in page, name
    if optional_reverse("demands:mine"):
        assert f'href="{reverse("demands:mine")}"' in page
    assert "暂无待办" in page


@pytest.mark.django_db
def test_a_visitor_keeps_the_portal_menu():
    keys = [i.key for i in menu_for(None)]
    assert keys[:7] == ["projects", "register", "nearby", "demand_new", "demand_track", "reports_public",
                        "honours_public"]
    assert keys[-1] == "login"
    page = html(Client().get("/"))
    assert 'id="menu"' in page and "工作台" not in page
    # 演示短信 only where its page opens (the demo's data, no SMS gateway, not production)
    assert ("demo_sms" in keys) == demo_sms_enabled()


@pytest.mark.django_db
def test_the_visitor_menu_links_the_demo_inbox_on_the_demo_data(settings):
    settings.WENMING_NOTIFY_BACKEND = "outbox"
    AuditEntry.objects.create(action="seed.demo")
    assert "demo_sms" in [i.key for i in menu_for(None)]
    settings.DEMO_SMS_INBOX = "off"
    assert "demo_sms" not in [i.key for i in menu_for(None)]


@pytest.mark.django_db
def test_one_failing_panel_is_left_out_and_logged_not_a_500(world, monkeypatch, caplog):
    from wenming.core import workbench

    def broken(user):
        raise RuntimeError("boom")

    monkeypatch.setattr(workbench, "PANELS", [broken, *workbench.PANELS])
    entered(world)
    page = html(login(world.manager_a).get("/"))
    assert "待审核的点单" in page
    assert any("broken" in r.getMessage() for r in caplog.records)
