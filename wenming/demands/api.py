from ninja import Router

router = Router(tags=["群众点单"])
