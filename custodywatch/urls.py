from django.contrib import admin
from django.urls import include, path

from custodywatch.api import api
from facilities.views.pages import home

urlpatterns = [
    path("", home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    # Without the slash too: a redirect would be HTML, and would drop a POST's body.
    path("api/v1", api.not_found_view),
    path("ledger/", include("ledger.urls")),
    path("complaints/alarms/", include("complaints.alarms.urls")),
    path("complaints/", include("complaints.urls")),
    path("visits/", include("visits.urls")),
    path("video/", include("video.urls")),
    path("custody/", include("custody.urls")),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("facilities.urls")),
]
