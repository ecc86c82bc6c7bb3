"""Writes for accounts: login with lockout, API tokens, users and role assignments."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from wenming.core.audit import audit_record
from wenming.core.crypto import blind_index
from wenming.core.form_errors import join_messages, validation_messages

from .errors import AccountError as E
from .models import ApiToken, LoginAttempt, RoleAssignment, User
from .roles import GRANTABLE, Perm, Role
from .scope import forget_scope, scope_for

TOKEN_PREFIX = "wm_"


def _identifier_hash(identifier: str) -> str:
    return blind_index(identifier.strip().lower(), "login")


def login_locked(identifier: str, ip: str | None) -> bool:
    since = timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    recent = LoginAttempt.objects.filter(at__gte=since)
    if recent.filter(identifier_hash=_identifier_hash(identifier)).count() >= settings.LOGIN_MAX_FAILURES:
        return True
    return bool(ip) and recent.filter(ip=ip).count() >= settings.LOGIN_MAX_FAILURES_PER_IP


def login_refuse_if_locked(identifier: str, ip: str | None) -> None:
    if login_locked(identifier, ip):
        raise E.LOCKED.error(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def login_failed(identifier: str, ip: str | None) -> None:
    """Count a failure (a wrong password or a wrong text code: one count per login name)."""
    LoginAttempt.objects.create(identifier_hash=_identifier_hash(identifier), ip=ip)


def login_succeeded(identifier: str) -> None:
    LoginAttempt.objects.filter(identifier_hash=_identifier_hash(identifier)).delete()


def login_check(*, identifier: str, password: str, ip: str | None, request=None) -> User:
    """Check a password, counting failures per login name and per address; raises when locked."""
    identifier = (identifier or "").strip()
    login_refuse_if_locked(identifier, ip)
    user = authenticate(request, username=identifier, password=password or "")
    if user is None:
        login_failed(identifier, ip)
        raise E.BAD_CREDENTIALS.error()
    login_succeeded(identifier)
    audit_record(actor=user, action="auth.login", obj=user)
    return user


def token_issue(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new bearer token; the secret is returned once and only its hash is kept."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, key_hash=hashlib.sha256(secret.encode()).hexdigest(), prefix=secret[:10], name=name,
            expires_at=timezone.now() + timedelta(days=settings.API_TOKEN_DAYS),
        )
        audit_record(actor=user, action="auth.token_issue", obj=token)
    return token, secret


def token_user(secret: str) -> User | None:
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    token = (ApiToken.objects.select_related("user")
             .filter(key_hash=hashlib.sha256(secret.encode()).hexdigest(), revoked_at__isnull=True,
                     expires_at__gt=now).first())
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)  # throttled: not every request
    return token.user


def token_revoke_secret(*, user: User, secret: str) -> bool:
    """Revoke the user's own token given its secret; False when it is not theirs or not live."""
    token = ApiToken.objects.filter(user=user, key_hash=hashlib.sha256(secret.encode()).hexdigest(),
                                    revoked_at__isnull=True).first()
    if token is None:
        return False
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
        audit_record(actor=user, action="auth.token_revoke", obj=token)
    return True


def clean_username(username: str) -> str:
    """Letters, digits, CJK and @.+-_; never all digits, so no username can shadow a phone
    number at login (usernames are tried first)."""
    username = (username or "").strip()
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        raise E.USERNAME_INVALID.error("username") from None
    if len(username) < 3 or username.lstrip("+").isdigit():
        raise E.USERNAME_INVALID.error("username")
    return username


def user_create(*, actor, username: str, password: str, display_name: str = "", phone: str = "",
                is_staff: bool = False) -> User:
    username = clean_username(username)
    try:
        validate_password(password)
    except ValidationError as exc:
        raise E.WEAK_PASSWORD.error("password", detail=join_messages(validation_messages(exc))) from None
    creator = actor if getattr(actor, "is_authenticated", False) else None
    user = User(username=username, display_name=display_name, is_staff=is_staff, created_by=creator)
    if phone:
        user.set_phone(phone)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            audit_record(actor=actor, action="user.create", obj=user, changes={"username": user.username})
    except IntegrityError:
        if User.objects.filter(username=user.username).exists():
            raise E.USERNAME_TAKEN.error("username", username=user.username) from None
        raise E.PHONE_TAKEN.error("phone") from None
    return user


def _check_grantable(scope, role: str, node) -> None:
    grantable = set().union(*(GRANTABLE.get(r, set()) for r in scope.roles()))
    if role not in grantable or not scope.allows(Perm.ROLE_GRANT, node.path):
        raise E.ROLE_NOT_GRANTABLE.error("role", role=Role(role).label if role in Role.values else role)


def role_grant(*, actor, user: User, role: str, node, team=None, unit=None,
               may_reveal_pii: bool = False) -> RoleAssignment:
    """Grant a role at a node. The granter needs role.grant over that node, may only grant
    roles below their own, may only pass on the reveal privilege they hold there, and the
    team or unit of the assignment must lie inside the node's subtree (else a team somewhere
    else would widen someone's scope beyond the granter's)."""
    scope = scope_for(actor)
    if user.pk == getattr(actor, "pk", None) and not scope.is_global:
        raise E.SELF_GRANT.error("user")  # nobody widens their own access; an admin does
    _check_grantable(scope, role, node)
    if role == Role.TEAM_LEADER and team is None:
        raise E.ROLE_NEEDS_TEAM.error("team")
    if role == Role.UNIT_LIAISON and unit is None:
        raise E.ROLE_NEEDS_UNIT.error("unit")
    for attached, field in ((team, "team"), (unit, "unit")):
        if attached is not None and not attached.node.path.startswith(node.path):
            raise E.OUTSIDE_NODE.error(field)
    if may_reveal_pii and not scope.may_reveal(node.path):
        raise E.ROLE_NOT_GRANTABLE.error("may_reveal_pii", role="个人信息查看")
    with transaction.atomic():
        assignment, created = RoleAssignment.objects.get_or_create(
            user=user, role=role, node=node, team=team, unit=unit,
            defaults={"may_reveal_pii": may_reveal_pii, "granted_by": actor},
        )
        if not created and assignment.may_reveal_pii != may_reveal_pii:
            assignment.may_reveal_pii = may_reveal_pii
            assignment.save(update_fields=["may_reveal_pii"])
        audit_record(actor=actor, action="role.grant", obj=assignment, node_path=node.path,
                     changes={"user": user.pk, "role": role, "may_reveal_pii": may_reveal_pii,
                              "new": created})
    forget_scope(user)
    return assignment


def role_revoke(*, actor, assignment: RoleAssignment) -> None:
    """The same rule as granting: only roles one could grant, inside one's own subtree."""
    _check_grantable(scope_for(actor), assignment.role, assignment.node)
    with transaction.atomic():
        audit_record(actor=actor, action="role.revoke", obj=assignment, node_path=assignment.node.path,
                     changes={"user": assignment.user_id, "role": assignment.role})
        assignment.delete()
    forget_scope(assignment.user)

