from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jingzhun.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        from . import lookups  # noqa: F401  (registers field__one_of)
