from ninja import Router

router = Router(tags=["心理热线"])
