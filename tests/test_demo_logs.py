"""The demo's log: its helpers keep to warnings unless asked, so the sign-ins it prints stay in sight."""

from __future__ import annotations

import time

import pytest
from rq import Worker

from renkou import demo
from renkou.redisconn import get_redis


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_demo_worker_logs_warnings_only_unless_asked(app, settings, capfd, monkeypatch):
    monkeypatch.setenv("RENKOU_REDIS_PREFIX", settings.redis_prefix)
    with app.app_context():
        connection = get_redis()
    for level, chatter in (("WARNING", False), ("INFO", True)):
        process = demo.start_worker(settings, level)
        try:
            deadline = time.monotonic() + 300
            while not any(worker.name.startswith(settings.redis_prefix) for worker in Worker.all(connection)):
                assert process.poll() is None and time.monotonic() < deadline, "the worker did not start"
                time.sleep(0.5)
        finally:
            demo._stop(process)
        out, err = capfd.readouterr()
        assert ("started with PID" in out + err) is chatter, out + err
