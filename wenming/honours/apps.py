from django.apps import AppConfig


class HonoursConfig(AppConfig):
    name = "wenming.honours"
    verbose_name = "先进典型评选"

    def ready(self):
        from wenming.core import volunteer_record

        from . import workbench  # noqa: F401  (registers the home-page to-do panel)
        from .selectors.portal import certificate_honour_lines
        from .selectors.records import honours_of_volunteer

        volunteer_record.provide(honours=honours_of_volunteer, certificate_lines=certificate_honour_lines)
