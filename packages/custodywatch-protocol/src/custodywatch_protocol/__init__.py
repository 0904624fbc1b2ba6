"""custodywatch-protocol."""
