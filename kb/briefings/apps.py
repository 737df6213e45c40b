from django.apps import AppConfig


class BriefingsConfig(AppConfig):
    name = "kb.briefings"
    label = "briefings"
    verbose_name = "Briefings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kb.briefings import signals

        signals.connect()
        from incidents.wagtail_admin.base import guard_marked_model
        from kb.briefings.models import BriefingPage

        guard_marked_model(BriefingPage)
