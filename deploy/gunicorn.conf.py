"""Gunicorn settings for Renkou: ``gunicorn -c deploy/gunicorn.conf.py renkou.wsgi:app``.

Server settings come from the environment (the application's own settings are the ``RENKOU_*``
variables read by ``renkou.config``):

  GUNICORN_BIND            address to listen on                  default 0.0.0.0:8000
  WEB_CONCURRENCY          worker processes                      default 2 x CPUs + 1, at most 8
  GUNICORN_THREADS         threads per worker process            default 4
  GUNICORN_TIMEOUT         seconds a request may run             default 60
  GUNICORN_GRACEFUL_TIMEOUT  seconds to finish requests on stop  default 30

Each worker process holds its own database pool, so the connections PostgreSQL must allow grow with
workers x threads (see deploy/README.md).
"""

import os


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be an integer, got {value!r}") from exc
    if number < 1:
        raise RuntimeError(f"{name} must be at least 1, got {number}")
    return number


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # respects the CPUs a container is pinned to
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# Where the package is not installed (a source checkout), find it under platform/. Harmless otherwise.
pythonpath = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "platform")

bind = os.environ.get("GUNICORN_BIND", "").strip() or "0.0.0.0:8000"
workers = _int_env("WEB_CONCURRENCY", min(2 * _cpus() + 1, 8))
threads = _int_env("GUNICORN_THREADS", 4)
worker_class = "gthread"
timeout = _int_env("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int_env("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# Recycle workers now and then so that slow leaks cannot grow without bound; jitter avoids all
# workers restarting at once.
max_requests = 2000
max_requests_jitter = 200

# Build the app once in the master, before forking: a broken configuration stops the server at
# start instead of crash-looping workers, and workers share the loaded code. The price is that the
# workers inherit the master's database pools, which post_fork drops.
preload_app = True

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The client address comes from nginx through X-Forwarded-For (werkzeug's ProxyFix, configured by
# RENKOU_TRUSTED_PROXIES), so log that rather than nginx's own address.
access_log_format = '%({x-forwarded-for}i)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'

# Gunicorn's worker heartbeat files: in memory, not on the container's overlay filesystem.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None


def on_starting(server):
    """Redact ID numbers and phones from every log line, the master's and the access log's included."""
    from renkou.redaction import install_log_redaction

    install_log_redaction()


def post_fork(server, worker):
    """Drop the database connections inherited from the master (DESIGN.md §4).

    A pooled connection copied into two processes is one socket used by both: their traffic
    interleaves and corrupts the protocol. ``dispose(close=False)`` forgets the inherited connections
    without closing them (closing would also close the master's); each worker opens its own. Redis
    clients reset their pools themselves when they notice the process id changed.
    """
    from renkou.extensions import db

    app = server.app.wsgi()
    with app.app_context():
        app.extensions["renkou.town_engines"].dispose(close=False)
        # TownEngines.dispose covers the shared engine too; repeat it through Flask-SQLAlchemy so
        # that no engine it made (binds included) keeps an inherited connection.
        for engine in db.engines.values():
            engine.dispose(close=False)
    server.log.info("worker %s: inherited database pools disposed", worker.pid)
