"""custodywatch-terminal."""
