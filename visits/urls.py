from django.urls import path  # noqa: F401

from visits.urls_followup import urlpatterns as followup_urlpatterns

app_name = "visits"
urlpatterns: list = []
urlpatterns += followup_urlpatterns
