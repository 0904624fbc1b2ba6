"""The ledger's background jobs (queued by the scheduler in `jobs.schedule`)."""

from __future__ import annotations

import logging
from datetime import timedelta

from jobs.registry import job
from ledger import publication, services
from ledger.errors import LedgerIntegrityError, SigningKeyError

logger = logging.getLogger("ledger")


# A fork, damaged storage or a bad key is never retried: nothing may be signed until a person looked.
@job(max_attempts=3, base_delay=timedelta(seconds=10), give_up_on=(LedgerIntegrityError, SigningKeyError))
def sign_checkpoint() -> dict:
    """Sign a checkpoint of the whole ledger and ask the witnesses to cosign it.

    Safe to run again: signing the same size twice returns the stored checkpoint, and a witness
    that already cosigned it is not asked again.
    """
    checkpoint = services.sign_checkpoint()
    outcomes = services.collect_cosignatures(checkpoint=checkpoint)
    checkpoint.refresh_from_db()
    status = publication.publication_status(checkpoint)
    missing = {o.witness: o.error for o in outcomes if not o.cosignature}
    for witness, error in missing.items():
        logger.warning("Checkpoint of %d entries not cosigned by %s: %s", checkpoint.size, witness, error)
    return {
        "size": checkpoint.size,
        "key": checkpoint.signing_key.key_id,
        "cosigned_by": sorted(o.witness for o in outcomes if o.cosignature),
        "not_cosigned_by": sorted(missing),
        "status": str(status.value),
    }
