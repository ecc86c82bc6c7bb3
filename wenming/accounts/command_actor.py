"""The account a command acts as: --actor USERNAME, or the first platform administrator."""

from django.core.management.base import CommandError
from django.db.models import Q

from wenming.accounts.models import User
from wenming.accounts.roles import Role


def command_actor(username: str | None) -> User:
    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"账号“{username}”不存在或已停用")
        return user
    user = (User.objects.filter(Q(is_superuser=True) | Q(assignments__role=Role.PLATFORM_ADMIN), is_active=True)
            .order_by("pk").first())
    if user is None:
        raise CommandError("没有可用的系统管理员账号，请用 --actor 指定操作账号")
    return user
