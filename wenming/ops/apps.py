from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running the platform: the server and its workers, health probes, logs, the shared
    cache, storage, backup and restore."""

    name = "wenming.ops"
    verbose_name = "运行维护"

    def ready(self):
        from django.db.models.signals import post_migrate
        from django.utils.module_loading import autodiscover_modules

        from .cache import create_cache_table

        post_migrate.connect(create_cache_table, sender=self)
        # Every process knows every task by name (the commands run periodic jobs by name).
        autodiscover_modules("tasks")
