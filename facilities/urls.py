from django.urls import path

from facilities.views import pages, transfer

app_name = "facilities"
urlpatterns = [
    path("overview/", pages.overview, name="overview"),
    path("facilities/", pages.facility_list, name="list"),
    path("facilities/<int:pk>/", pages.facility_detail, name="detail"),
    path("facilities/<int:pk>/history/", pages.facility_history, name="history"),
    path("facilities/import/", transfer.import_registry, name="import"),
    path("facilities/export/", transfer.export_registry, name="export"),
]
