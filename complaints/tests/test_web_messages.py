"""The web message service: what the public form's view calls, with no account behind it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from complaints.models import ComplaintMessage
from complaints.services import messages
from complaints.workspace_testing import seal_document
from ledger import interface as ledger

pytestmark = pytest.mark.django_db


def test_a_well_formed_message_is_stored_with_its_ledger_entry_and_nothing_else_is(workspace):
    complaint = workspace.complaint()
    sealed = seal_document(public_keys=[str(workspace.npm_identity.to_public())], text="Он болен.")
    for bad, field in (({"bucket": 5}, "bucket"), ({"bucket": True}, "bucket"), ({"sealed": b""}, "sealed"),
                       ({"sealed": b"age-encryption.org/v1\nnot padded"}, "sealed"),
                       ({"by": workspace.personas.npm_monitor}, "by")):
        arguments = {"complaint": complaint, "sealed": sealed.ciphertext, "bucket": sealed.bucket, "by": None, **bad}
        with pytest.raises(ValidationError) as refused:
            messages.record_web_message(**arguments)
        assert list(refused.value.message_dict) == [field]
    assert not ComplaintMessage.objects.exists()

    message = messages.record_web_message(complaint=complaint, sealed=sealed.ciphertext, bucket=sealed.bucket, by=None)

    assert (message.channel, bytes(message.sealed)) == ("web", sealed.ciphertext)
    assert ledger.receipt_opening(kind=messages.RECEIPT_KIND, subject=f"complaints.complaintmessage:{message.pk}")
