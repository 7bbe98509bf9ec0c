"""Gunicorn settings for Amtsweg (docs/adr/0008-wsgi-server.md).

Used by ``./dev start`` and deploy/amtsweg-web.service: ``gunicorn -c python:amtsweg.gunicorn_conf
amtsweg.wsgi:application``. Everything can be overridden by the environment or on the command line.
"""

import os

bind = os.environ.get("AMTSWEG_BIND") or f"127.0.0.1:{os.environ.get('AMTSWEG_PORT', '8000')}"
# Threads serve slow clients and I/O waits (database, uploads); processes use the cores. Two processes
# with four threads each fit a 2-core machine that also runs a worker and the scheduler.
workers = int(os.environ.get("AMTSWEG_WEB_WORKERS", "2"))
threads = int(os.environ.get("AMTSWEG_WEB_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("AMTSWEG_WEB_TIMEOUT", "60"))
graceful_timeout = 20
# Above nginx's upstream keepalive_timeout (30 s, deploy/nginx/): the proxy, not gunicorn, closes idle
# connections, so a request never races a connection gunicorn is closing.
keepalive = 75
# Each worker imports amtsweg.wsgi, which warms the finder's search index before it takes requests.
preload_app = False
# Behind nginx on the same host (deploy/nginx/): trust its X-Forwarded-* headers from loopback only.
forwarded_allow_ips = os.environ.get("AMTSWEG_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = os.environ.get("AMTSWEG_ACCESS_LOG", "-")
errorlog = "-"
# Client address, request line, status, size, duration. The request line goes through
# StripQueryString (post_worker_init), so query strings and draft tokens never reach the log.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
proc_name = "amtsweg-web"
# No runtime control socket: its default path is shared by all instances of a user (two demos side
# by side), and systemd or ./dev start manage the process.
control_socket_disable = True


def post_worker_init(worker):
    import logging

    from amtsweg.ops.logging import StripQueryString

    logging.getLogger("gunicorn.access").addFilter(StripQueryString())
