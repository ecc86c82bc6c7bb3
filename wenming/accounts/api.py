from datetime import datetime

from ninja import Router, Schema, Status

from wenming.core.middleware import client_ip

from . import services
from .errors import AccountError
from .scope import scope_for

router = Router(tags=["认证"])


class TokenIn(Schema):
    username: str
    password: str
    name: str = ""


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"
    expires_at: datetime
    user_id: int
    username: str


class AssignmentOut(Schema):
    role: str
    node_path: str
    team_id: int | None
    unit_id: int | None
    may_reveal: bool


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    phone_masked: str
    is_global: bool
    assignments: list[AssignmentOut]


@router.post("/auth/token", response={200: TokenOut}, auth=None, summary="用户名/手机号 + 密码换取访问令牌")
def issue_token(request, payload: TokenIn):
    user = services.login_check(identifier=payload.username, password=payload.password,
                                ip=client_ip(request), request=request)
    token, secret = services.token_issue(user=user, name=payload.name or "api")
    return {"token": secret, "expires_at": token.expires_at, "user_id": user.pk, "username": user.username}


@router.get("/auth/me", response=MeOut, summary="当前账号及其角色")
def me(request):
    user = request.auth
    scope = scope_for(user)
    return {
        "id": user.pk, "username": user.username, "display_name": user.display_name,
        "phone_masked": user.phone_masked, "is_global": scope.is_global,
        "assignments": [{"role": g.role, "node_path": g.path, "team_id": g.team_id, "unit_id": g.unit_id,
                         "may_reveal": g.may_reveal} for g in scope.grants],
    }


@router.post("/auth/token/revoke", response={204: None}, summary="吊销当前使用的访问令牌（退出登录）")
def revoke_token(request):
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not services.token_revoke_secret(user=request.auth, secret=secret.strip()):
        raise AccountError.TOKEN_INVALID.error()
    return Status(204, None)
