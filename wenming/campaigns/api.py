"""The campaigns app's JSON API: one router (registered in wenming/api.py) gathering the
tallies, 移风易俗 and online activities, and party check-in routers."""

from ninja import Router

from .party_api import router as party_router
from .record_api import online_router, reform_router
from .tally_api import router as tally_router

router = Router()
for sub in (tally_router, reform_router, online_router, party_router):
    router.add_router("", sub)
