import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

PROJECT_APPS = {"core", "orgs", "accounts", "volunteers", "service", "mobilization", "demands", "supplies", "hotline",
                "deliveries", "dashboards", "grids", "reporting", "campaigns", "evaluation", "ops"}


def test_every_model_has_an_admin():
    missing = [m._meta.label for m in apps.get_models()
               if m._meta.app_label in PROJECT_APPS and m not in admin.site._registry]
    assert missing == []


@pytest.mark.django_db
def test_admin_pages_render_without_raw_personal_data(client, world):
    client.force_login(world.root)
    raw = world.vol_a.reveal_id_number()
    for model in admin.site._registry:
        if model._meta.app_label in PROJECT_APPS:
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            res = client.get(url)
            assert res.status_code == 200, url
            assert raw not in res.content.decode(), url
    res = client.get(reverse("admin:volunteers_volunteer_change", args=[world.vol_a.pk]))
    assert res.status_code == 200 and raw not in res.content.decode()
