from django.urls import path

from video.views import pages, requests, transfer

app_name = "video"
urlpatterns = [
    path("", pages.index, name="index"),
    path("coverage/", pages.coverage_list, name="coverage"),
    path("facilities/<int:pk>/", pages.facility_page, name="facility"),
    path("facilities/<int:pk>/import/", transfer.import_cameras, name="import"),
    path("facilities/<int:pk>/footage/request/", requests.new_request, name="request-new"),
    path("requests/", requests.request_list, name="requests"),
    path("requests/<int:pk>/", requests.request_detail, name="request"),
    path("requests/<int:pk>/approve/", requests.approve, name="request-approve"),
    path("requests/<int:pk>/refuse/", requests.refuse, name="request-refuse"),
    path("requests/<int:pk>/view/", requests.view_footage, name="request-view"),
    path("requests/<int:pk>/export/", requests.export_footage, name="request-export"),
]
