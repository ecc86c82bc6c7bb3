from django.contrib import admin
from django.urls import include, path

from wenming.api import api
from wenming.core import demo_sms
from wenming.core import views as core_views
from wenming.ops import views as ops_views

admin.site.site_header = "文明实践云 · 系统管理"
admin.site.site_title = "文明实践云"
admin.site.index_title = "数据管理"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", ops_views.healthz, name="healthz"),
    path("readyz", ops_views.readyz, name="readyz"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("accounts/", include("wenming.accounts.urls")),
    path("demo-sms/", demo_sms.inbox, name="demo_sms_inbox"),  # 演示短信: 404 unless demo mode (core/demo_sms.py)
    path("jobs/", include("wenming.core.job_urls")),
    path("orgs/", include("wenming.orgs.urls")),
    path("volunteers/roster/", include("wenming.volunteers.roster_urls")),
    path("volunteers/", include("wenming.volunteers.urls")),
    path("", include("wenming.service.page_urls")),
    path("", include("wenming.service.nearby.urls")),  # /map/: nearby activities and stations (public)
    path("", include("wenming.service.photos.urls")),  # project photos; before staff_urls (see there)
    path("service/", include("wenming.service.urls")),
    path("", include("wenming.service.staff_urls")),
    path("", include("wenming.service.record_urls")),
    path("", include("wenming.service.shop_urls")),
    path("mobilization/", include("wenming.mobilization.urls")),
    path("demands/", include("wenming.demands.urls")),
    path("deliveries/", include("wenming.deliveries.urls")),
    path("evaluation/", include("wenming.evaluation.urls")),
    path("honours/", include("wenming.honours.urls")),
    path("supplies/", include("wenming.supplies.urls")),
    path("hotline/", include("wenming.hotline.urls")),
    path("grids/", include("wenming.grids.urls")),
    path("reports/", include("wenming.reporting.urls")),
    path("campaigns/", include("wenming.campaigns.urls")),
    path("dashboards/", include("wenming.dashboards.urls")),
]

handler400 = "wenming.core.views.bad_request"
handler403 = "wenming.core.views.permission_denied"
handler404 = "wenming.core.views.not_found"
handler500 = "wenming.core.views.server_error"
