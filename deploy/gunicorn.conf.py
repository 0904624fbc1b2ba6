"""gunicorn configuration for CustodyWatch (`gunicorn -c deploy/gunicorn.conf.py custodywatch.wsgi`).

Every value can be changed from the environment, so `make run` and the systemd unit share this file.
"""

import multiprocessing
import os

wsgi_app = "custodywatch.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Synchronous workers, a few per core: pages are short database reads; a slow client is the
# reverse proxy's business (it buffers requests and responses).
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, min(2 * multiprocessing.cpu_count() + 1, 8))))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))  # a large XLSX import or export may take a while
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests, so a slow leak can never take the server down.
max_requests = 2000
max_requests_jitter = 200
# Application code is loaded in each worker after the fork: database connections are never shared.
preload_app = False
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
# A one-time password link's token is redacted from every access-log line (lib/access_log.py).
logger_class = "lib.access_log.RedactingLogger"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Behind the reverse proxy: trust X-Forwarded-* only from it (comma-separated addresses).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = "custodywatch"
# gunicorn's run-time control socket is off: systemd (or the terminal) starts and stops the server,
# and two servers on one machine would otherwise fight over one socket path.
control_socket_disable = True
