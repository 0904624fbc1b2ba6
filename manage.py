#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    # DEBUG is off unless asked for (DEBUG=1, as `make dev` does); without SECRET_KEY a key is
    # generated once into the data directory (see custodywatch/settings.py).
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "custodywatch.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
