from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from accounts.sessions import remember_log_in

        # Session bookkeeping only (accounts.sessions), no business rule.
        user_logged_in.connect(lambda sender, request, user, **kwargs: remember_log_in(request, user),
                               dispatch_uid="accounts.remember_log_in", weak=False)
