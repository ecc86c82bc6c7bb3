"""The JSON API: one NinjaAPI, each app contributing its router."""

from ninja import NinjaAPI

from wenming.accounts.api import router as accounts_router
from wenming.accounts.user_api import router as users_router
from wenming.campaigns.api import router as campaigns_router
from wenming.core.api import API_AUTH, install_error_handlers
from wenming.core.api_renderer import LocalTimeRenderer
from wenming.core.job_api import router as jobs_router
from wenming.dashboards.api import router as dashboards_router
from wenming.deliveries.api import router as deliveries_router
from wenming.demands.api import router as demands_router
from wenming.evaluation.api import router as evaluation_router
from wenming.grids.api import router as grids_router
from wenming.honours.api import router as honours_router
from wenming.hotline.api import router as hotline_router
from wenming.mobilization.api import router as mobilization_router
from wenming.orgs.api import router as orgs_router
from wenming.reporting.api import router as reporting_router
from wenming.service.api import router as service_router
from wenming.service.attendance_api import router as attendance_router
from wenming.service.certificate_api import router as service_certificates_router
from wenming.service.hours_api import router as hours_router
from wenming.service.photos.api import router as project_photos_router
from wenming.service.rewards_api import router as rewards_router
from wenming.supplies.api import router as supplies_router
from wenming.volunteers.api import router as volunteers_router
from wenming.volunteers.team_api import router as teams_router

api = NinjaAPI(
    title="文明实践云 API",
    version="1",
    description="新时代文明实践云平台接口。认证：POST /api/v1/auth/token 获取令牌，之后以 "
                "`Authorization: Bearer <token>` 访问。错误统一为 `{\"code\", \"message\"}`。",
    auth=API_AUTH,
    renderer=LocalTimeRenderer(),  # times at +08:00 (TIME_ZONE), as people read them, not UTC
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)
for router in (accounts_router, users_router, orgs_router, volunteers_router, teams_router, service_router,
               attendance_router, hours_router, service_certificates_router, project_photos_router,
               mobilization_router, rewards_router,
               demands_router, deliveries_router, supplies_router, hotline_router, grids_router,
               reporting_router, campaigns_router, evaluation_router, honours_router, dashboards_router, jobs_router):
    api.add_router("", router)
