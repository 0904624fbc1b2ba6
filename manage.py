#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "custodywatch.settings")
    if "SECRET_KEY" not in os.environ and "SECRET_KEY_FILE" not in os.environ:
        # A checkout with no configuration is a developer's; production sets SECRET_KEY.
        os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
