import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from wenming.core.models import Notification


def test_every_mobilization_model_and_the_outbox_have_an_admin():
    models = [m for m in apps.get_models() if m._meta.app_label == "mobilization"] + [Notification]
    assert [m._meta.label for m in models if m not in admin.site._registry] == []


@pytest.mark.django_db
def test_mobilization_admin_pages_render(client, world):
    client.force_login(world.root)
    for model in [m for m in admin.site._registry if m._meta.app_label == "mobilization"] + [Notification]:
        res = client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
        assert res.status_code == 200, model
