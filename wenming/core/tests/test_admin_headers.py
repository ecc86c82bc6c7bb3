"""Every column header of the admin is Chinese (issue 15 item 9): list columns, and the columns of
the tables inside a change page (inlines)."""

import re

import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.urls import reverse
from django.utils import translation

from wenming.volunteers.models import TeamMember

# Proper names that stay in Latin letters (as in testing_browser.ALLOWED_WORDS).
ALLOWED = {"IP", "ID", "API", "QR", "PDF", "Excel", "SMS", "URL"}


def english(label: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z]+", label) if w not in ALLOWED]


def test_every_list_column_has_a_chinese_header():
    bad = []
    with translation.override("zh-hans"):
        for model, model_admin in admin.site._registry.items():
            for name in model_admin.list_display:
                label = str(label_for_field(name, model, model_admin))
                if english(label):
                    bad.append(f"{type(model_admin).__module__}.{type(model_admin).__name__}: {label}")
            for inline_cls in model_admin.inlines:
                inline = inline_cls(model, admin.site)
                for name in list(inline.fields or []) + list(inline.readonly_fields or []):
                    label = str(label_for_field(name, inline.model, inline))
                    if english(label):
                        bad.append(f"{inline_cls.__name__}: {label}")
    assert bad == []


@pytest.mark.django_db
def test_changelists_and_inline_tables_render_chinese_headers(client, world):
    client.force_login(world.root)
    TeamMember.objects.get_or_create(team=world.team_a, volunteer=world.vol_a)
    pages = [reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist") for m in admin.site._registry
             if m._meta.app_label in {"volunteers", "demands", "service", "deliveries", "hotline", "core"}]
    pages.append(reverse("admin:volunteers_team_change", args=[world.team_a.pk]))
    tables = 0
    for url in pages:
        res = client.get(url)
        assert res.status_code == 200, url
        page = re.sub(r'<nav[^>]*id="nav-sidebar".*?</nav>', "", res.content.decode(), flags=re.S)
        heads = re.findall(r"<thead>(.*?)</thead>", page, re.S)
        tables += bool(heads)
        headers = [h for head in heads for h in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)]
        words = [w for h in headers for w in english(re.sub(r"<[^>]+>|&\w+;", " ", h))]
        assert words == [], (url, words)
    assert tables >= 6  # the world has volunteers, teams, members, stats: their tables were read
