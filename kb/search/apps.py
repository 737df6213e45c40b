from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "kb.search"
    label = "kb_search"
    verbose_name = "Search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kb.search import signals

        signals.connect()
