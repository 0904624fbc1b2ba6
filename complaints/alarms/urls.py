from django.urls import path

from complaints.alarms.views import alarm_list

app_name = "complaint_alarms"
urlpatterns = [
    path("", alarm_list, name="list"),
]
