"""The jobs page (/county/jobs) and /api/v1/jobs: queues, workers and schedules, for county administrators.

Jobs run on real RQ workers against the real Redis: in burst mode in this process, or as a real
`renkou worker` process when a job must be seen running.
"""

from __future__ import annotations

import html
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
import redis
from rq import Worker
from sqlalchemy import select

from renkou import jobs
from renkou.audit.models import AuditEvent
from renkou.extensions import db
from renkou.scheduling.models import ScheduleRun, ScheduleSetting
from tests.conftest import bearer, csrf_token, login, post_form
from tests.test_schedules import _command_env

PAGE = "/county/jobs"


def explode(reason: str) -> None:
    raise ValueError(reason)


def wait_for_release(redis_url: str, key: str) -> str:
    """Says it runs (``key``-running), then runs until the test pushes ``key``: a job that is certainly
    running, with RQ's bookkeeping of its start done, while the page is read."""
    connection = redis.Redis.from_url(redis_url)
    connection.rpush(f"{key}-running", "yes")
    connection.blpop([key], timeout=120)
    return "released"


def row_of(page: str, element_id: str) -> str:
    """The HTML of the table row with ``element_id``."""
    row = page[page.index(f'id="{element_id}"'):]
    return row[:row.index("</tr>")]


def cell(row: str, css_class: str) -> str:
    """The text of the cell of ``row`` with ``css_class``, tags dropped and white space squeezed."""
    content = row[row.index(f'class="{css_class}"'):].split(">", 1)[1]
    content = content[:content.index("</td>")]
    return " ".join(re.sub(r"<[^>]+>", " ", html.unescape(content)).split())


def job_id(app, name: str) -> str:
    return f"{app.config['RENKOU_SETTINGS'].redis_prefix}-{name}"


def enqueue(app, function: str, *args, name: str, description: str = "", kind: str = "default"):
    with app.app_context():
        return jobs.get_queue(kind).enqueue(function, *args, job_id=job_id(app, name), description=description,
                                            failure_ttl=int(jobs.FAILED_JOB_TTL.total_seconds()))


def run_burst_worker(app, kind: str = "default") -> None:
    with app.app_context():
        jobs.bind_app(app)
        queue = jobs.get_queue(kind)
        Worker([queue], connection=queue.connection).work(burst=True)


@pytest.fixture
def admin(app, client, factory):
    factory.user("bureau_admin", "county_admin")
    login(client, "bureau_admin")
    return client


# ---------------------------------------------------------------------------------------------------------
# Who may see it


def test_only_county_administrators_reach_the_jobs_page(app, client, factory):
    town = factory.town()
    factory.user("bureau_viewer", "county_viewer")
    factory.user("auditor", "audit_admin")
    factory.user("bureau_admin", "county_admin")
    for username in ("bureau_viewer", "auditor", town.admin_username):
        other = app.test_client()
        login(other, username)
        token = csrf_token(other, "/")
        assert other.get(PAGE).status_code == 403, username
        # No link to the page (the auditor's filters do name the jobs' actions, 重试后台任务).
        assert f'href="{PAGE}"' not in other.get("/", follow_redirects=True).get_data(as_text=True)
        for path, data in ((f"{PAGE}/retry", {"kind": "default", "job_id": "x"}),
                           (f"{PAGE}/schedules/dirty_sweep", {"local_cron": "* * * * *", "enabled": "true"})):
            assert other.post(path, data={**data, "csrf_token": token}).status_code == 403, (username, path)
        headers = bearer(factory.token(username))
        assert other.get("/api/v1/jobs", headers=headers).status_code == 403, username
    signed_out = app.test_client()
    assert "/login" in signed_out.get(PAGE).headers["Location"]
    assert signed_out.get("/api/v1/jobs").status_code == 401
    with app.app_context():
        assert db.session.scalar(select(ScheduleSetting)) is None  # nothing was changed by anyone

    login(client, "bureau_admin")
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert f'href="{PAGE}"' in page  # the top bar links to it
    assert client.get(PAGE).status_code == 200


# ---------------------------------------------------------------------------------------------------------
# Queues


def test_a_failed_job_shows_with_its_error_and_retry_requeues_it(app, admin):
    failing = job_id(app, "bureau-submit-1")
    enqueue(app, "tests.test_jobs_page.explode", "上级接口拒绝了报表 (test)", name="bureau-submit-1",
            description="报送测试", kind="submissions")
    run_burst_worker(app, "submissions")

    page = admin.get(PAGE).get_data(as_text=True)
    row = row_of(page, f"failed-{failing}")
    assert "报送测试" in row and "ValueError: 上级接口拒绝了报表 (test)" in html.unescape(row)
    assert 'name="job_id" value="' + failing in row
    assert 'data-count="failed">1<' in row_of(page, "queue-row-submissions")
    alone = admin.get(f"{PAGE}?queue=submissions").get_data(as_text=True)  # one queue, its failed jobs paged
    assert f'id="failed-{failing}"' in alone and 'id="queue-default"' not in alone
    assert 'id="queue-default"' in admin.get(f"{PAGE}?queue=nowhere").get_data(as_text=True)

    response = post_form(admin, f"{PAGE}/retry", {"kind": "submissions", "job_id": failing}, token_from=PAGE)
    assert response.status_code == 302
    with app.app_context():
        queue = jobs.get_queue("submissions")
        assert queue.get_job_ids() == [failing] and failing not in queue.failed_job_registry
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "job.retry")).one()
        assert event.actor_name == "bureau_admin" and event.record_id == failing
        assert event.detail["queue"] == "submissions"
    page = admin.get(PAGE).get_data(as_text=True)
    assert f'id="failed-{failing}"' not in page and failing in page.replace("&#34;", '"')  # it waits now

    # The job runs again, and fails again: it is back among the failed with its error.
    run_burst_worker(app, "submissions")
    assert f'id="failed-{failing}"' in admin.get(PAGE).get_data(as_text=True)


def test_retrying_a_job_that_is_not_failed_changes_nothing(app, admin):
    enqueue(app, "tests.test_jobs_page.explode", "x", name="waiting-1")
    response = post_form(admin, f"{PAGE}/retry", {"kind": "default", "job_id": job_id(app, "waiting-1")},
                         token_from=PAGE)
    assert response.status_code == 302
    page = admin.get(PAGE).get_data(as_text=True)
    assert 'class="flash flash-error"' in page
    for data in ({"kind": "nowhere", "job_id": job_id(app, "waiting-1")}, {"kind": "default", "job_id": "other"}):
        post_form(admin, f"{PAGE}/retry", data, token_from=PAGE)
    assert post_form(admin, f"{PAGE}/retry", {"kind": "default"}, token_from=PAGE).status_code == 400
    with app.app_context():
        assert jobs.get_queue("default").get_job_ids() == [job_id(app, "waiting-1")]
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "job.retry")) is None


def test_delayed_jobs_show_when_they_will_run(app, admin):
    runs_at = datetime(2030, 5, 6, 1, 2, 3, tzinfo=UTC)  # 09:02:03 in the county
    with app.app_context():
        jobs.get_queue("aggregation").enqueue_at(runs_at, "tests.test_jobs_page.explode", "later",
                                                 job_id=job_id(app, "recompute-later"), description="推迟的重算")
    page = admin.get(PAGE).get_data(as_text=True)
    section = page[page.index('id="queue-aggregation"'):]
    section = section[section.index('class="data scheduled"'):]
    assert "推迟的重算" in section and "2030-05-06 09:02:03" in section
    assert 'data-count="scheduled">1<' in row_of(page, "queue-row-aggregation")


def test_a_running_job_shows_with_its_worker(app, admin, tmp_path):
    key = f"{app.config['RENKOU_SETTINGS'].redis_prefix}-release"
    settings = app.config["RENKOU_SETTINGS"]
    running = job_id(app, "slow-1")
    enqueue(app, "tests.test_jobs_page.wait_for_release", settings.redis_url, key, name="slow-1",
            description="慢任务")
    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log:
        worker = subprocess.Popen([sys.executable, "-c", "from renkou.cli import main; main()", "worker",
                                   "--burst", "default"], env=_command_env(app), stdout=log, stderr=subprocess.STDOUT)
    try:
        connection = redis.Redis.from_url(settings.redis_url)
        deadline = time.monotonic() + 60
        while not connection.exists(f"{key}-running"):
            assert worker.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, f"the job did not start:\n{log_path.read_text()}"
            time.sleep(0.1)
        with app.app_context():
            worker_name = jobs.get_queue("default").fetch_job(running).worker_name
            assert worker_name
        page = admin.get(PAGE).get_data(as_text=True)
        section = page[page.index('id="queue-default"'):]
        section = section[section.index('class="data started"'):section.index('class="data failed"')]
        assert running in section and "慢任务" in section and worker_name in section
        workers = page[page.index('id="workers"'):]
        assert worker_name in workers[:workers.index("</table>")]
        assert admin.get("/api/v1/jobs").status_code == 401  # the API takes tokens, not the browser session
    finally:
        redis.Redis.from_url(settings.redis_url).rpush(key, "go")
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.send_signal(signal.SIGKILL)
            worker.wait()
    assert worker.returncode == 0, log_path.read_text()
    assert 'id="no-workers"' in admin.get(PAGE).get_data(as_text=True)


# ---------------------------------------------------------------------------------------------------------
# Schedules


def test_the_schedules_show_their_last_and_next_runs(app, admin):
    with app.app_context():
        db.session.add(ScheduleRun(name="dirty_sweep", slot=datetime(2026, 3, 1, 2, 31, tzinfo=UTC),
                                   started_at=datetime(2026, 3, 1, 2, 31, 1, tzinfo=UTC),
                                   finished_at=datetime(2026, 3, 1, 2, 31, 2, tzinfo=UTC), enqueued=3))
        db.session.add(ScheduleRun(name="nightly_recompute", slot=datetime(2026, 2, 28, 18, 30, tzinfo=UTC),
                                   started_at=datetime(2026, 2, 28, 18, 30, 1, tzinfo=UTC),
                                   finished_at=datetime(2026, 2, 28, 18, 30, 2, tzinfo=UTC),
                                   error="Traceback …\nRuntimeError: 数据库不可用 (test)"))
        db.session.commit()
    page = admin.get(PAGE).get_data(as_text=True)
    sweep = cell(row_of(page, "schedule-dirty_sweep"), "last-run")
    assert "2026-03-01 10:31" in sweep and "10:31:02" in sweep and re.search(r"\b3\b", sweep.replace("10:31", ""))
    nightly = row_of(page, "schedule-nightly_recompute")
    assert "2026-03-01 02:30" in cell(nightly, "last-run")  # the slot, in county time
    assert "RuntimeError: 数据库不可用 (test)" in cell(nightly, "last-run")
    assert cell(nightly, "next-run").endswith("02:30")  # county time, not UTC 18:30


def test_an_invalid_cron_string_is_refused_in_chinese(app, admin):
    response = post_form(admin, f"{PAGE}/schedules/nightly_recompute", {"local_cron": "61 2 * * *", "enabled": "true"},
                         token_from=PAGE)
    assert response.status_code == 422
    row = row_of(response.get_data(as_text=True), "schedule-nightly_recompute")
    assert "不是有效的时间表" in row and 'value="61 2 * * *"' in row and 'aria-invalid="true"' in row
    post_form(admin, f"{PAGE}/schedules/nightly_recompute", {"local_cron": "", "enabled": "true"}, token_from=PAGE)
    with app.app_context():
        assert db.session.scalar(select(ScheduleSetting)) is None
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "schedule.update")) is None


def test_the_county_administrator_changes_a_schedule(app, admin):
    response = post_form(admin, f"{PAGE}/schedules/nightly_recompute", {"local_cron": " 0 3 * * * "},
                         token_from=PAGE)
    assert response.status_code == 302
    row = row_of(admin.get(PAGE).get_data(as_text=True), "schedule-nightly_recompute")
    assert 'value="0 3 * * *"' in row and "30 2 * * *" in row  # the default is still named
    assert re.search(r'name="enabled" value="true"\s*>', row)  # unticked: switched off
    assert cell(row, "next-run") == "已停用"
    with app.app_context():
        setting = db.session.scalars(select(ScheduleSetting)).one()
        assert (setting.name, setting.local_cron, setting.enabled) == ("nightly_recompute", "0 3 * * *", False)
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "schedule.update")).one()
        assert event.detail == {"before": {"local_cron": "30 2 * * *", "enabled": True},
                                "after": {"local_cron": "0 3 * * *", "enabled": False}}
        assert event.actor_name == "bureau_admin" and event.record_id == "nightly_recompute"

    post_form(admin, f"{PAGE}/schedules/nightly_recompute", {"local_cron": "0 3 * * *", "enabled": "true"},
              token_from=PAGE)
    row = row_of(admin.get(PAGE).get_data(as_text=True), "schedule-nightly_recompute")
    assert cell(row, "next-run").endswith("03:00") and re.search(r'name="enabled" value="true"\s*checked', row)
    assert post_form(admin, f"{PAGE}/schedules/no_such_schedule", {"local_cron": "* * * * *"},
                     token_from=PAGE).status_code == 404


# ---------------------------------------------------------------------------------------------------------
# JSON


def test_the_jobs_api_for_county_administrators(app, client, factory):
    factory.user("bureau_admin", "county_admin")
    enqueue(app, "tests.test_jobs_page.explode", "bad input (test)", name="import-9", description="导入")
    run_burst_worker(app)
    with app.app_context():
        jobs.get_queue("default").enqueue_in(timedelta(hours=2), "tests.test_jobs_page.explode", "later",
                                             job_id=job_id(app, "later-1"))
    response = client.get("/api/v1/jobs", headers=bearer(factory.token("bureau_admin")))
    assert response.status_code == 200
    body = response.get_json()
    queues = {queue["kind"]: queue for queue in body["queues"]}
    assert set(queues) == set(jobs.QUEUE_KINDS)
    default = queues["default"]
    assert default["failed_total"] == 1 and default["failed"][0]["id"] == job_id(app, "import-9")
    assert default["failed"][0]["error"].endswith("ValueError: bad input (test)")
    assert default["scheduled_total"] == 1 and default["scheduled"][0]["scheduled_for"]
    assert body["workers"] == [] and body["cron_schedulers"] == 0
    schedules = {schedule["name"]: schedule for schedule in body["schedules"]}
    assert schedules["nightly_recompute"]["local_cron"] == "30 2 * * *"
    assert schedules["nightly_recompute"]["time_zone"] == "Asia/Shanghai"
    assert schedules["nightly_recompute"]["next_run"].endswith("02:30:00+08:00")
    assert schedules["dirty_sweep"]["last_run"] is None
