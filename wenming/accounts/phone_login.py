"""Phone + text-code login for residents and volunteers (issue 15).

Codes follow core.phone_codes (6 digits, ten minutes' life, one a minute per phone, five
wrong tries burn a code, spent once) under their own purpose, and go out through the
notification adapter like the request form's. On top of that the login rules of passwords:
a wrong code counts as a failed login for that phone (the same count as a wrong password
typed with the phone number), and per client address; LOGIN_MAX_FAILURES lock the phone.

Who may log in this way: accounts holding only the volunteer and resident roles (or none),
never staff (is_staff, superusers, any back-office role, team leaders included): their
accounts reach other people's personal data, and a text code is a weaker proof than a
password (a lost or recycled SIM). Staff keep passwords.

No user enumeration: every phone gets the same answer ("sent", then "wrong code"). The text
itself differs: a staff phone receives no code but a hint to use the password, which only the
phone's holder reads. A phone without an account gets a resident account on its first
successful code login (unusable password, the phone encrypted and blind-indexed).
"""

import secrets
import unicodedata
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from wenming.core.audit import audit_record
from wenming.core.crypto import blind_index
from wenming.core.errors import CoreError
from wenming.core.notify import notify_phone
from wenming.core.phone_codes import (
    CodeTooSoon,
    PhoneMissing,
    code_check,
    code_issue,
    code_spend,
    mobile_number,
)
from wenming.core.ratelimit import allow, hits

from .errors import AccountError as E
from .models import PHONE_PURPOSE, RoleAssignment, User
from .roles import Role
from .services import login_failed, login_refuse_if_locked, login_succeeded

CODE_PURPOSE = "login"
PHONE_LOGIN_ROLES = {Role.VOLUNTEER, Role.RESIDENT}
CODES_PER_PHONE_HOUR = 5  # texts one phone may be sent in an hour (nobody floods a stranger)
CODES_PER_CLIENT_HOUR = 10  # codes one client address may ask for, across phone numbers
CODE_SENT = "验证码已发送，请查收短信（10 分钟内有效）"
TEXT_CODE = "您的登录验证码是 {code}，10 分钟内有效。请勿告诉他人；如非本人操作请忽略。"
TEXT_NO_CODE = "此手机号绑定的账号不能使用验证码登录，请使用用户名和密码登录。如非本人操作请忽略。"


def clean_phone(raw) -> str:
    try:
        return mobile_number(raw)
    except PhoneMissing:
        raise E.PHONE_REQUIRED.error("phone") from None
    except ValueError:
        raise E.PHONE_INVALID.error("phone") from None


def clean_code(raw) -> str:
    code = unicodedata.normalize("NFKC", str(raw or "")[:20]).strip()  # full-width digits of an IME
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        raise E.CODE_FORMAT.error("code")
    return code


def may_log_in_by_phone(user: User) -> bool:
    """Active, not staff, and no role beyond volunteer and resident."""
    if not user.is_active or user.is_staff or user.is_superuser:
        return False
    roles = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    return roles <= PHONE_LOGIN_ROLES


class _Refused:
    """The phone belongs to an account that must use its password (or to several)."""


REFUSED = _Refused()


def _volunteer_accounts(phone: str) -> list[int]:
    """Accounts of volunteers registered with this phone whose account has no phone of its
    own: they log in to that account instead of getting a second one."""
    from wenming.volunteers.models import PHONE_PURPOSE as VOLUNTEER_PHONE
    from wenming.volunteers.models import Volunteer

    return list(Volunteer.objects.filter(phone_hash=blind_index(phone, VOLUNTEER_PHONE), user__isnull=False)
                .values_list("user_id", flat=True).distinct()[:2])


def _account_for(phone: str) -> User | _Refused | None:
    """The account the phone logs in to; None: none yet (a resident account is made)."""
    user = User.objects.filter(phone_hash=blind_index(phone, PHONE_PURPOSE)).first()
    if user is None:
        ids = _volunteer_accounts(phone)
        if len(ids) > 1:
            return REFUSED  # a family's shared phone: which account is meant cannot be told
        user = User.objects.filter(pk=ids[0]).first() if ids else None
    if user is not None and not may_log_in_by_phone(user):
        return REFUSED
    return user


def login_code_send(*, phone: str, ip: str | None, now=None) -> None:
    """获取验证码 for the login: the same answer for every phone (no account, a volunteer's,
    a staff member's); what differs is only the text, read by the phone's holder."""
    now = now or timezone.now()
    phone = clean_phone(phone)
    login_refuse_if_locked(phone, ip)
    phone_key = blind_index(phone, PHONE_PURPOSE)
    if ip and not allow("login-sms", ip, limit=CODES_PER_CLIENT_HOUR, window=3600):
        raise CoreError.RATE_LIMITED.error()
    if hits("login-sms-phone", phone_key, window=3600) >= CODES_PER_PHONE_HOUR:
        raise E.CODE_LIMIT.error("phone")
    account = _account_for(phone)
    with transaction.atomic():
        try:
            code = code_issue(purpose=CODE_PURPOSE, phone_hash=phone_key, now=now)
        except CodeTooSoon as wait:
            raise E.CODE_TOO_SOON.error("phone", seconds=wait.seconds) from None
        body = TEXT_NO_CODE if account is REFUSED else TEXT_CODE.format(code=code)
        notify_phone(phone=phone, subject="登录验证码", body=body)
    allow("login-sms-phone", phone_key, limit=CODES_PER_PHONE_HOUR, window=3600)


@dataclass(frozen=True)
class PhoneLogin:
    user: User
    created: bool  # a resident account was made for this phone just now


def login_code_check(*, phone: str, code: str, ip: str | None, now=None) -> PhoneLogin:
    """Exchange phone + code for the account (made on first use). A wrong code counts as a
    failed login of the phone and of the address; locked phones are refused even with the
    right code. The code is spent in the transaction that logs in, so it works once."""
    now = now or timezone.now()
    phone = clean_phone(phone)
    code = clean_code(code)
    login_refuse_if_locked(phone, ip)
    phone_key = blind_index(phone, PHONE_PURPOSE)
    check = code_check(purpose=CODE_PURPOSE, phone_hash=phone_key, code=code, now=now)
    if check.spent_again:
        raise E.CODE_USED.error("code")  # a second tap: the first one logged in
    account = _account_for(phone) if check.ok else REFUSED
    if account is REFUSED:  # a wrong code, or a right guess for a phone that was sent none
        login_failed(phone, ip)
        raise E.CODE_WRONG.error("code")
    try:
        with transaction.atomic():
            if not code_spend(check.code_id, now):
                raise E.CODE_USED.error("code")
            created = account is None
            user = _resident_create(phone, now) if created else account
            if not created:
                _mark_verified(user, phone, phone_key, now)
            login_succeeded(phone)
            audit_record(actor=user, action="auth.login", obj=user,
                         changes={"via": "phone_code", "new_account": created})
    except IntegrityError:  # the phone was taken by another account in the same instant
        raise CoreError.CONFLICT.error() from None
    return PhoneLogin(user, created)


def _mark_verified(user: User, phone: str, phone_key: str, now) -> None:
    """The holder proved the phone: it is the account's own (or, for a volunteer whose
    account had none, becomes it)."""
    if user.phone_hash == phone_key:
        User.objects.filter(pk=user.pk).update(phone_verified_at=now)
        user.phone_verified_at = now
    elif not user.phone_hash:
        user.set_phone(phone)
        user.phone_verified_at = now
        user.save(update_fields=["phone_enc", "phone_hash", "phone_masked", "phone_verified_at"])
        audit_record(actor=user, action="user.phone_verified", obj=user, changes={"from": "volunteer_record"})


def _resident_username() -> str:
    # never all digits (no username may shadow a phone number at the password login)
    return f"居民{secrets.token_hex(5)}"


def _resident_create(phone: str, now) -> User:
    """A resident's account for a phone proven by its code: no password (they log in by code),
    the 群众 role at the top of the tree (it grants nothing; the requests are found by phone)."""
    from wenming.orgs.models import Node

    user = User(username=_resident_username(), display_name=f"居民（尾号{phone[-4:]}）")
    user.set_phone(phone)
    user.phone_verified_at = now  # (after set_phone, which clears it for a new number)
    user.set_unusable_password()
    user.save()
    audit_record(actor=user, action="user.create", obj=user, changes={"via": "phone_code", "role": Role.RESIDENT})
    root = Node.objects.filter(parent__isnull=True).order_by("path").first()
    if root is not None:
        assignment = RoleAssignment.objects.create(user=user, role=Role.RESIDENT, node=root)
        audit_record(actor=user, action="role.grant", obj=assignment, node_path=root.path,
                     changes={"user": user.pk, "role": Role.RESIDENT, "phone_login": True})
    return user
