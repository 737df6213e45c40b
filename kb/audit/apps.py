from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "kb.audit"
    label = "kb_audit"
    verbose_name = "Audit trail"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kb.audit import log_actions, signals

        signals.connect()
        log_actions.register()
