"""The evaluation's JSON API (/api/v1/evaluation/…): one router assembled from its parts."""

from ninja import Router

from . import excel, inspections, surveys, units

router = Router(tags=["测评"])
for part in (inspections.router, excel.router, surveys.router, units.router):
    router.add_router("", part)
