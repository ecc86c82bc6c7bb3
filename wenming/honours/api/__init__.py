"""The honours' JSON API (/api/v1/honours/…): one router assembled from its parts — the
office's campaigns, nominations and review, oversight of the vote and the notice, and the
public portal (no token)."""

from ninja import Router

from . import campaigns, nominations, oversight, public

router = Router(tags=["先进典型评选"])
for part in (campaigns.router, nominations.router, oversight.router, public.router):
    router.add_router("", part)
