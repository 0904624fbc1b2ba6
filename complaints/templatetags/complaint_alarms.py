from django import template

from complaints.alarms.selectors import may_see_alarms as _may_see_alarms

register = template.Library()


@register.filter
def may_see_alarms(user) -> bool:
    """The same rule as the alarm list's view (``complaints.alarms.selectors``)."""
    return _may_see_alarms(user)
