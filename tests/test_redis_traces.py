"""A test leaves Redis as it found it: what RQ writes for a test run, under keys of RQ's own naming too
(the global sets of queues and workers, cron ticks and unnamed workers with random ids), goes with it."""

from __future__ import annotations

import redis
from rq import Worker

from renkou import jobs
from tests.conftest import reset_storage
from workers import schedules


def traces(client: redis.Redis, prefix: str) -> list[str]:
    """Every key of the Redis database that names the prefix, holds it as a member, or is a job or
    worker of one of its queues."""
    found = []
    mark = prefix.encode()
    for key in client.scan_iter(count=1000):
        kind = client.type(key)
        if mark in key:
            found.append(key.decode())
        elif kind == b"set" and any(mark in member for member in client.smembers(key)):
            found.append(f"{key.decode()} (member)")
        elif kind == b"zset" and any(mark in member for member in client.zrange(key, 0, -1)):
            found.append(f"{key.decode()} (member)")
        elif kind == b"hash" and any(mark in (client.hget(key, field) or b"") for field in (b"origin", b"queues")):
            found.append(key.decode())
    return found


def test_a_run_leaves_no_rq_trace(app, settings):
    with app.app_context():
        queue = jobs.get_queue("default")
        scheduler = schedules.cron_scheduler(queue.connection, queue.name)
        scheduler.get_jobs()[0].enqueue(queue.connection)  # a cron tick: RQ gives it a random id
        jobs.bind_app(app)
        Worker([queue], connection=queue.connection).work(burst=True)  # a worker with RQ's own name
        client = queue.connection
        assert traces(client, settings.redis_prefix)  # there was something to clean
    reset_storage(app)
    assert traces(redis.Redis.from_url(settings.redis_url), settings.redis_prefix) == []
