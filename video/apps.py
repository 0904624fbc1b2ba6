from django.apps import AppConfig


class VideoConfig(AppConfig):
    name = "video"
    default_auto_field = "django.db.models.BigAutoField"
