from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "wenming.accounts"
    verbose_name = "账号与权限"

    def ready(self):
        # The 演示短信 inbox's system check (it must never be on in production): registered
        # here because the phone-code login is what would make such an inbox dangerous.
        from wenming.core import demo_sms  # noqa: F401
