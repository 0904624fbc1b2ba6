"""Every change to custody data: keyword-only functions with an explicit actor (see each module)."""
