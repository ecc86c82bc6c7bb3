import json
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils import timezone

from wenming.accounts.models import ApiToken, User
from wenming.accounts.roles import Role
from wenming.accounts.services import role_grant, token_issue
from wenming.core.errors import DomainError
from wenming.core.models import AuditEntry
from wenming.core.tests.api_client import PASSWORD
from wenming.volunteers.tests.factories import user

pytestmark = pytest.mark.django_db


def _token(client, username, password=PASSWORD):
    return client.post("/api/v1/auth/token", json.dumps({"username": username, "password": password}),
                       content_type="application/json")


def test_passwords_are_hashed_with_argon2(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    u = user("argon")
    assert identify_hasher(u.password).algorithm == "argon2"


def test_token_by_username_and_by_phone(world):
    user("phoneuser", phone="13712345678")
    client = Client()
    for name in ("phoneuser", "13712345678"):
        res = _token(client, name)
        assert res.status_code == 200, res.content
        token = res.json()["token"]
        me = client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert me.json()["username"] == "phoneuser"
    stored = ApiToken.objects.filter(user__username="phoneuser").first()
    assert token not in (stored.key_hash, stored.prefix)  # only a hash is stored
    assert User.objects.get(username="phoneuser").phone_masked == "137****5678"


def test_wrong_password_gives_code_and_lockout_after_repeated_failures(world, settings):
    settings.LOGIN_MAX_FAILURES = 3
    client = Client()
    for _ in range(3):
        res = _token(client, "office", "wrong-password")
        assert res.status_code == 401
        assert res.json() == {"code": "auth.bad_credentials", "message": "用户名/手机号或密码错误"}
    res = _token(client, "office")  # even the right password is refused while locked
    assert res.status_code == 429 and res.json()["code"] == "auth.locked"
    # the web login shares the same lockout
    page = client.post("/accounts/login/", {"username": "office", "password": PASSWORD})
    assert "登录失败次数过多" in page.content.decode()


def test_lockout_expires(world, settings):
    settings.LOGIN_MAX_FAILURES = 2
    client = Client()
    for _ in range(2):
        _token(client, "office", "nope")
    from wenming.accounts.models import LoginAttempt

    LoginAttempt.objects.update(at=timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES + 1))
    assert _token(client, "office").status_code == 200


def test_unknown_user_same_answer_as_wrong_password(world):
    res = _token(Client(), "nobody", "whatever1")
    assert res.status_code == 401 and res.json()["code"] == "auth.bad_credentials"


def test_expired_revoked_and_forged_tokens_are_refused(world):
    client = Client()
    token, secret = token_issue(user=world.office)
    ok = client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert ok.status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    assert client.get("/api/v1/auth/me", HTTP_AUTHORIZATION="Bearer wm_forged").status_code == 401
    world.office.is_active = False
    world.office.save()
    _, secret2 = token_issue(user=world.office)
    assert client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {secret2}").status_code == 401


def test_web_login_logout(world):
    client = Client()
    res = client.post("/accounts/login/", {"username": "manager_a", "password": PASSWORD})
    assert res.status_code == 302
    assert AuditEntry.objects.filter(action="auth.login", actor=world.manager_a).exists()
    res = client.post("/accounts/login/?next=https://evil.example/", {"username": "manager_a", "password": PASSWORD})
    assert res["Location"] == "/"
    client.post("/accounts/logout/")
    assert client.get("/api/v1/auth/me").status_code == 401


def test_role_grant_rules(world):
    newbie = user("newbie")
    with pytest.raises(DomainError) as exc:
        role_grant(actor=world.office, user=newbie, role=Role.PLATFORM_ADMIN, node=world.county)
    assert exc.value.code == "accounts.role_not_grantable"
    with pytest.raises(DomainError):  # node managers do not grant roles
        role_grant(actor=world.manager_a, user=newbie, role=Role.VOLUNTEER, node=world.station_a)
    with pytest.raises(DomainError) as exc:
        role_grant(actor=world.root, user=newbie, role=Role.TEAM_LEADER, node=world.station_a)
    assert exc.value.code == "accounts.role_needs_team"
    staff_without_reveal = user("staff2")
    role_grant(actor=world.root, user=staff_without_reveal, role=Role.OFFICE_STAFF, node=world.institute)
    with pytest.raises(DomainError):  # cannot pass on a privilege one does not hold
        role_grant(actor=staff_without_reveal, user=newbie, role=Role.NODE_MANAGER, node=world.station_a,
                   may_reveal_pii=True)
    grant = role_grant(actor=world.office, user=newbie, role=Role.NODE_MANAGER, node=world.station_a,
                       may_reveal_pii=True)
    assert grant.granted_by == world.office
    assert AuditEntry.objects.filter(action="role.grant", object_id=str(grant.pk)).exists()


def test_production_mode_refuses_missing_secrets(tmp_path, monkeypatch):
    from wenming.settings.secrets import load_secrets

    for env in ("WENMING_SECRET_KEY", "WENMING_FIELD_KEYS", "WENMING_BLIND_INDEX_KEY"):
        monkeypatch.delenv(env, raising=False)
    with pytest.raises(ImproperlyConfigured, match="WENMING_SECRET_KEY"):
        load_secrets(tmp_path, production=True)
    first = load_secrets(tmp_path, production=False)
    assert (tmp_path / "secrets.json").stat().st_mode & 0o777 == 0o600
    assert load_secrets(tmp_path, production=False) == first  # generated once, then reused
    monkeypatch.setenv("WENMING_SECRET_KEY", "from-env")
    assert load_secrets(tmp_path, production=False)["SECRET_KEY"] == "from-env"


def test_team_or_unit_of_a_grant_must_lie_in_the_granters_subtree(world):
    """An office in one county must not gain sight of another county's team through a grant."""
    from wenming.orgs.services import node_create
    from wenming.volunteers.team_services import team_create

    other_county = node_create(actor=world.root, parent=None, name="兴山县文明办", kind="county")
    foreign_team = team_create(actor=world.root, name="兴山县总队", level="corps", node=other_county)
    with pytest.raises(DomainError) as exc:
        role_grant(actor=world.office, user=world.manager_a, role=Role.TEAM_LEADER, node=world.county,
                   team=foreign_team)
    assert exc.value.code == "accounts.outside_node"


def test_revoke_follows_the_grant_rules(world):
    from wenming.accounts.services import role_revoke

    admin_here = user("admin_here")
    grant = role_grant(actor=world.root, user=admin_here, role=Role.PLATFORM_ADMIN, node=world.station_a)
    with pytest.raises(DomainError):
        role_revoke(actor=world.office, assignment=grant)
    peer = role_grant(actor=world.root, user=user("peer"), role=Role.NODE_MANAGER, node=world.station_a)
    role_revoke(actor=world.office, assignment=peer)


def test_regrant_updates_the_reveal_flag(world):
    grant = role_grant(actor=world.office, user=world.manager_a, role=Role.NODE_MANAGER, node=world.station_a,
                       may_reveal_pii=True)
    grant.refresh_from_db()
    assert grant.may_reveal_pii


def test_usernames_cannot_shadow_phone_numbers(world):
    from wenming.accounts.services import user_create

    for bad in ("13700000001", "+8613700000001", "", "  ", "a b", "ab"):
        with pytest.raises(DomainError) as exc:
            user_create(actor=world.root, username=bad, password="Str0ng!pass")
        assert exc.value.code == "accounts.username_invalid", bad
    assert user_create(actor=world.root, username="张三2024", password="Str0ng!pass").username == "张三2024"


def test_unplaced_accounts_are_seen_only_by_their_creator(world):
    from wenming.accounts.selectors import user_list_for_actor
    from wenming.accounts.services import user_create

    other_office = user("office2")
    role_grant(actor=world.root, user=other_office, role=Role.OFFICE_STAFF, node=world.institute)
    fresh = user_create(actor=world.office, username="fresh", password="Str0ng!pass")
    assert user_list_for_actor(actor=world.office).filter(pk=fresh.pk).exists()
    assert not user_list_for_actor(actor=other_office).filter(pk=fresh.pk).exists()


def test_nobody_grants_themself_a_role(world):
    with pytest.raises(DomainError) as exc:
        role_grant(actor=world.office, user=world.office, role=Role.COUNSELOR, node=world.county)
    assert exc.value.code == "accounts.self_grant"
