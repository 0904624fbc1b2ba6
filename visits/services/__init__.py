"""Every change to a visit: keyword-only functions with an explicit actor, each auditing itself.

Views, the sync API, commands and tests all call these.
"""

from visits.services.answers import Outcome, Saved, keep_answer, save_answer
from visits.services.common import NotOnTheTeam
from visits.services.evidence import add_evidence
from visits.services.interviews import record_interview, register_sealing_key
from visits.services.planning import cancel_visit, plan_visit
from visits.services.recording import (
    add_observation,
    complete_visit,
    record_access,
    record_arrival,
    record_departure,
    record_verified_counts,
)

__all__ = [
    "NotOnTheTeam", "Outcome", "Saved", "add_evidence", "add_observation", "cancel_visit", "complete_visit",
    "keep_answer", "plan_visit", "record_access", "record_arrival", "record_departure", "record_interview",
    "record_verified_counts", "register_sealing_key", "save_answer",
]
