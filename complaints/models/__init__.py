"""The complaint module's models, one module per concept.

``complaint`` (the sealed complaint and its routing metadata), ``terminal`` (registered
terminals, routing lists, suppression alarms and the intake's durable state). The officers'
handling (replies, notes, assignment history) lives in ``handling``.
"""

from __future__ import annotations

from complaints.models.complaint import Channel, Complaint, ComplaintStatus, Priority
from complaints.models.handling import (
    Alert,
    AlertKind,
    Category,
    ComplaintEvent,
    EventKind,
    Handling,
    OrganisationKey,
    RejectionReason,
    Statement,
    StatementKind,
)
from complaints.models.message import ComplaintMessage
from complaints.models.ratelimit import AddressCounter
from complaints.models.recipient import ComplaintRecipient
from complaints.models.terminal import (
    AlarmKind,
    LookupAttempt,
    PacketChunk,
    PrunedHeartbeats,
    RecordKind,
    RoutingList,
    Terminal,
    TerminalAlarm,
    TerminalRecord,
)

__all__ = [
    "AddressCounter",
    "AlarmKind",
    "Alert",
    "AlertKind",
    "Category",
    "Channel",
    "Complaint",
    "ComplaintEvent",
    "ComplaintMessage",
    "ComplaintRecipient",
    "ComplaintStatus",
    "EventKind",
    "Handling",
    "LookupAttempt",
    "OrganisationKey",
    "PacketChunk",
    "Priority",
    "PrunedHeartbeats",
    "RecordKind",
    "RejectionReason",
    "RoutingList",
    "Statement",
    "StatementKind",
    "Terminal",
    "TerminalAlarm",
    "TerminalRecord",
]
