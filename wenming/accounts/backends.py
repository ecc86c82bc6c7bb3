from django.contrib.auth.backends import ModelBackend

from wenming.core.crypto import blind_index

from .models import PHONE_PURPOSE, User


def find_user(identifier: str) -> User | None:
    """Username first, then phone (by blind index)."""
    identifier = (identifier or "").strip()
    if not identifier or "\x00" in identifier or len(identifier) > 150:
        return None  # no account has such a name (and PostgreSQL refuses NUL in a query)
    user = User.objects.filter(username=identifier).first()
    if user is None and identifier.isdigit():
        user = User.objects.filter(phone_hash=blind_index(identifier, PHONE_PURPOSE)).first()
    return user


class UsernameOrPhoneBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = find_user(username)
        if user is None:
            User().set_password(password or "")  # same work as a real check: no timing oracle
            return None
        if user.check_password(password or "") and self.user_can_authenticate(user):
            return user
        return None
