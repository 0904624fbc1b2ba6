from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class LedgerConfig(AppConfig):
    name = "ledger"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Refuse to start (server, worker or command) with the key state where restoring the
        # SQLite database's directory would restore it too: that would defeat the fork check.
        from ledger import keys

        problem = keys.key_dir_problem()
        if problem:
            raise ImproperlyConfigured(problem)
