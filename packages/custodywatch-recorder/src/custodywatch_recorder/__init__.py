"""custodywatch-recorder."""
