from datetime import datetime

from ninja import Router, Schema, Status

from wenming.core.middleware import client_ip

from . import services
from .errors import AccountError
from .phone_login import CODE_SENT, login_code_check, login_code_send
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


def _token_name(name: str, default: str) -> str:
    return (name or "").replace("\x00", "").strip()[:100] or default


@router.post("/auth/token", response={200: TokenOut}, auth=None, summary="用户名/手机号 + 密码换取访问令牌")
def issue_token(request, payload: TokenIn):
    user = services.login_check(identifier=payload.username, password=payload.password,
                                ip=client_ip(request), request=request)
    token, secret = services.token_issue(user=user, name=_token_name(payload.name, "api"))
    return {"token": secret, "expires_at": token.expires_at, "user_id": user.pk, "username": user.username}


class PhoneCodeIn(Schema):
    phone: str


class MessageOut(Schema):
    message: str


class PhoneTokenIn(Schema):
    phone: str
    code: str
    name: str = ""


class PhoneTokenOut(TokenOut):
    new_account: bool  # a resident account was made for this phone by this login


@router.post("/auth/phone-code", response={202: MessageOut}, auth=None, summary="获取登录验证码（群众、志愿者）",
             description="向手机号发送 6 位登录验证码（10 分钟内有效）。无论该手机号是否已有账号，回答都相同。"
                         "错误：422 `auth.phone_required` / `auth.phone_invalid`；429 `auth.code_too_soon`"
                         "（每个手机号每分钟 1 条）、`auth.code_limit`（每小时 5 条）、`rate_limited`"
                         "（同一地址每小时 10 条）、`auth.locked`（登录失败过多，已锁定）。")
def request_phone_code(request, payload: PhoneCodeIn):
    login_code_send(phone=payload.phone, ip=client_ip(request))
    return Status(202, {"message": CODE_SENT})


@router.post("/auth/phone-token", response={200: PhoneTokenOut}, auth=None,
             summary="手机号 + 验证码换取访问令牌（群众、志愿者）",
             description="首次使用的手机号会创建群众账号（`new_account: true`）。工作人员账号不能用验证码登录。"
                         "错误：422 `auth.phone_invalid` / `auth.code_format`；401 `auth.code_wrong`"
                         "（验证码错误或过期，计入登录失败次数）；409 `auth.code_used`（验证码已用过）；"
                         "429 `auth.locked`（失败过多，锁定期内正确的验证码也会被拒绝）。")
def issue_phone_token(request, payload: PhoneTokenIn):
    result = login_code_check(phone=payload.phone, code=payload.code, ip=client_ip(request))
    token, secret = services.token_issue(user=result.user, name=_token_name(payload.name, "phone"))
    return {"token": secret, "expires_at": token.expires_at, "user_id": result.user.pk,
            "username": result.user.username, "new_account": result.created}


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
