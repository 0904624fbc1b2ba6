from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibConfig(AppConfig):
    name = "lib"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The Django admin speaks of the product, in the reader's language, not of "Django".
        from django.contrib import admin

        admin.site.site_header = _("CustodyWatch administration")
        admin.site.site_title = _("CustodyWatch administration")
        admin.site.index_title = _("Registry and accounts")
