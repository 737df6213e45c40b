from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kb.api"
    label = "kb_api"
    verbose_name = "REST API"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kb.api import schema  # noqa: F401  (registers the OpenAPI extensions)
