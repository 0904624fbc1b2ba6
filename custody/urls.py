from django.urls import path

from custody.views import alerts, register

app_name = "custody"
urlpatterns = [
    path("", alerts.dashboard, name="dashboard"),
    path("alerts/", alerts.alert_list, name="alerts"),
    path("alerts/<int:pk>/", alerts.alert_detail, name="alert"),
    path("import/", register.import_register, name="import"),
]
