from ninja import Router

router = Router(tags=["防疫物资"])
