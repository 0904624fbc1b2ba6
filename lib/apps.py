from django.apps import AppConfig


class LibConfig(AppConfig):
    name = "lib"
    default_auto_field = "django.db.models.BigAutoField"
