from django.apps import AppConfig


class RolesConfig(AppConfig):
    name = "kb.roles"
    label = "kb_roles"
    verbose_name = "Roles"
    default_auto_field = "django.db.models.BigAutoField"
