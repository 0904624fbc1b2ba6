from django.urls import path

from custody.views import alerts, colonies, medical, register

app_name = "custody"
urlpatterns = [
    path("", alerts.dashboard, name="dashboard"),
    path("alerts/", alerts.alert_list, name="alerts"),
    path("alerts/<int:pk>/", alerts.alert_detail, name="alert"),
    path("import/", register.import_register, name="import"),
]

urlpatterns += [
    path("facilities/<int:facility_id>/examinations/new/", medical.new_examination, name="new_examination"),
    path("examinations/", medical.examination_list, name="examinations"),
    path("examinations/<int:pk>/sealed/", medical.sealed_examination, name="sealed_examination"),
    path("colonies/", colonies.colonies, name="colonies"),
    path("enrolment/", colonies.enrolment_list, name="enrolment"),
]
