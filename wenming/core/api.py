"""Shared API pieces: authentication, error handlers, pagination schema."""

from typing import Generic, TypeVar

from django.http import Http404
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from .errors import CoreError, DomainError

T = TypeVar("T")


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        from wenming.accounts.services import token_user

        user = token_user(token)
        if user is not None:
            request.user = user
        return user


API_AUTH = [TokenAuth(), SessionAuth()]


class ErrorOut(Schema):
    code: str
    message: str


class PageOut(Schema, Generic[T]):
    items: list[T]
    count: int
    page: int
    page_size: int


def page_response(page) -> dict:
    return {"items": page.items, "count": page.count, "page": page.page, "page_size": page.page_size}


def _validation_message(errors: list) -> str:
    parts = []
    for err in errors[:5]:
        loc = ".".join(str(x) for x in err.get("loc", []) if x not in ("body", "query", "path", "payload"))
        parts.append(f"{loc or '请求'}：{err.get('msg', '格式错误')}")
    return "；".join(parts)


def install_error_handlers(api) -> None:
    def respond(request, err: DomainError):
        return api.create_response(request, err.as_dict(), status=err.status)

    api.add_exception_handler(DomainError, respond)
    api.add_exception_handler(Http404, lambda r, e: respond(r, CoreError.NOT_FOUND.error()))
    api.add_exception_handler(AuthenticationError, lambda r, e: respond(r, CoreError.UNAUTHENTICATED.error()))
    api.add_exception_handler(
        ValidationError,
        lambda r, e: respond(r, CoreError.INVALID_INPUT.error(detail=_validation_message(e.errors))),
    )

    def http_error(request, exc: HttpError):
        code = {404: CoreError.NOT_FOUND, 403: CoreError.FORBIDDEN, 401: CoreError.UNAUTHENTICATED,
                429: CoreError.RATE_LIMITED}.get(exc.status_code)
        err = code.error() if code else DomainError("http_error", str(exc), exc.status_code)
        return respond(request, err)

    api.add_exception_handler(HttpError, http_error)
