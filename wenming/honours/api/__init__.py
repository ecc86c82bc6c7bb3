from ninja import Router

router = Router(tags=["先进典型评选"])
