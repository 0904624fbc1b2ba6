from django.urls import path

from video.views import pages, transfer

app_name = "video"
urlpatterns = [
    path("", pages.index, name="index"),
    path("coverage/", pages.coverage_list, name="coverage"),
    path("facilities/<int:pk>/", pages.facility_page, name="facility"),
    path("facilities/<int:pk>/import/", transfer.import_cameras, name="import"),
]
