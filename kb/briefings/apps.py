from django.apps import AppConfig


class BriefingsConfig(AppConfig):
    name = "kb.briefings"
    label = "briefings"
    verbose_name = "Briefings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kb.briefings import signals

        signals.connect()
