from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "complaints"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Suppression alarms reach the oversight body through the workspace's alert path.
        from complaints.alarms import ALARM_HOOKS
        from complaints.services.escalation import alert_alarm

        if alert_alarm not in ALARM_HOOKS:
            ALARM_HOOKS.append(alert_alarm)
