from django.apps import AppConfig


class LettersConfig(AppConfig):
    """Drafting, reviewing, exporting and sending letters to lawmakers. The ``Letter``
    model is the domain's (``incidents.models.documents``); this app holds its services,
    rendering, Word and PDF output, workflow and admin."""

    name = "kb.letters"
    label = "letters"
    verbose_name = "Letters"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kb.letters import signals

        signals.connect()
        from kb.letters import log_actions

        log_actions.register()
        from incidents.models import Incident
        from incidents.signals import reference_data_loaded
        from kb.letters.reference import reference_congress_load

        reference_data_loaded.connect(reference_congress_load, sender=Incident,
                                      dispatch_uid="letters.congress")
