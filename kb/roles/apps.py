from django.apps import AppConfig


class RolesConfig(AppConfig):
    name = "kb.roles"
    label = "kb_roles"
    verbose_name = "Roles"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.apps import apps
        from django.db.models.signals import post_migrate

        from kb.roles.setup import roles_after_migrate

        # This app has no models, so Django sends it no post_migrate of its own: after
        # the last app's, every other app's permissions and the briefing index exist.
        last = [c for c in apps.get_app_configs() if c.models_module is not None][-1]
        post_migrate.connect(roles_after_migrate, sender=last,
                             dispatch_uid="kb_roles.after_migrate")
