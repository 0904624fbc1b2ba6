import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "custodywatch.settings")
application = get_wsgi_application()

# The ledger sequencer: a background thread appending recorded entries to the log (unless
# LEDGER_SEQUENCER says a separate `manage.py run_sequencer` does it).
from ledger.sequencer import start_sequencer  # noqa: E402 - needs the settings configured above

start_sequencer()
