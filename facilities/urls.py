from django.urls import path

from facilities.views import editing, history, pages, transfer

app_name = "facilities"
urlpatterns = [
    path("overview/", pages.overview, name="overview"),
    path("facilities/", pages.facility_list, name="list"),
    path("facilities/new/", editing.create_facility, name="create"),
    path("facilities/<int:pk>/", pages.facility_detail, name="detail"),
    path("facilities/<int:pk>/edit/", editing.edit_facility, name="edit"),
    path("facilities/<int:pk>/units/new/", editing.add_unit, name="unit-add"),
    path("facilities/<int:pk>/units/<int:unit_pk>/edit/", editing.edit_unit, name="unit-edit"),
    path("facilities/<int:pk>/population/", editing.record_population, name="population"),
    path("facilities/<int:pk>/history/", history.facility_history, name="history"),
    path("facilities/import/", transfer.import_registry, name="import"),
    path("facilities/export/", transfer.export_registry, name="export"),
]
