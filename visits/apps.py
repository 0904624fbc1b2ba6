from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "visits"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The risk score's own factors, then every app's `risk_factors` module (visits.risk).
        from django.utils.module_loading import autodiscover_modules

        import visits.risk  # noqa: F401

        autodiscover_modules("risk_factors")
