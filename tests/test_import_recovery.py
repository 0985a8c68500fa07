"""Large imports survive what kills them: a worker killed while committing, a job lost before it ran, a
job failing for good. Nothing is half-written, no row is written twice, and nobody has to act."""

from __future__ import annotations

import multiprocessing

import pytest
from sqlalchemy import update

from renkou import jobs
from renkou.extensions import db
from renkou.imports import services
from renkou.imports.models import ImportBatch
from renkou.rqworker import Worker
from tests.conftest import login, post_form
from tests.delivery_crashes import _lock_waits, wait_for
from tests.processes import kill_with_descendants
from tests.test_imports import people_count, people_rows, upload, xlsx

ROWS = 60


@pytest.fixture(autouse=True)
def small_background_threshold(monkeypatch):
    monkeypatch.setattr(services, "BACKGROUND_ROWS", 10)


@pytest.fixture
def signed_in(client, town):
    login(client, town.admin_username)
    return client


def run_worker(app) -> None:
    """`renkou worker`'s worker, in burst mode, on the default queue."""
    with app.app_context():
        jobs.bind_app(app)
        queue = jobs.get_queue("default")
        Worker([queue], connection=queue.connection).work(burst=True)


def failed_jobs(app) -> list[str]:
    with app.app_context():
        return jobs.get_queue("default").failed_job_registry.get_job_ids()


def batch_of(app, town, batch_url: str) -> ImportBatch:
    from renkou.tenancy.context import town_session
    from renkou.tenancy.services import get_town_by_slug

    with app.app_context(), town_session(get_town_by_slug(town.slug)):
        batch = db.session.get(ImportBatch, int(batch_url.rstrip("/").rsplit("/", 1)[1]))
        db.session.expunge(batch)
        return batch


def set_status(app, town, batch_url: str, status: str) -> None:
    """What a request leaves behind when its enqueue after the commit never reached Redis."""
    from renkou.tenancy.context import town_session
    from renkou.tenancy.services import get_town_by_slug

    batch_id = int(batch_url.rstrip("/").rsplit("/", 1)[1])
    with app.app_context(), town_session(get_town_by_slug(town.slug)):
        db.session.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(status=status))


def checked_batch(app, client, town) -> str:
    batch_url = upload(client, town, xlsx(people_rows(ROWS))).headers["Location"]
    run_worker(app)
    assert batch_of(app, town, batch_url).status == "checked"
    return batch_url


def _work_until_killed(app) -> None:
    with app.app_context():
        queue = jobs.get_queue("default")
        Worker([queue], connection=queue.connection).work(burst=True)


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_worker_killed_while_committing_leaves_an_import_that_ends_committed_unaided(app, signed_in, town,
                                                                                         pg_url):
    import psycopg

    batch_url = checked_batch(app, signed_in, town)
    batch_id = int(batch_url.rstrip("/").rsplit("/", 1)[1])
    post_form(signed_in, batch_url + "/commit", {}, token_from=batch_url)
    # Hold the batch's row: the commit writes every row, then blocks on it with its transaction open.
    dsn = pg_url.replace("postgresql+psycopg://", "postgresql://")
    holder = psycopg.connect(dsn)
    holder.execute(f'SELECT 1 FROM "town_{town.code}".import_batches WHERE id = %s FOR UPDATE', (batch_id,))
    worker = multiprocessing.get_context("fork").Process(target=_work_until_killed, args=(app,))
    worker.start()
    try:
        wait_for(lambda: _lock_waits(dsn) > 0, "the commit waits for its batch's row")
    finally:
        kill_with_descendants(worker.pid)  # the worker and its work horse, in the middle of the commit
        worker.join()
        holder.rollback()
        holder.close()
    assert batch_of(app, town, batch_url).status == "committing"
    assert people_count(app, town) == 0  # nothing half-written

    run_worker(app)  # the worker started in its place: it takes over the dead worker's job at once
    batch = batch_of(app, town, batch_url)
    assert batch.status == "committed" and batch.created_count == ROWS
    assert people_count(app, town) == ROWS
    assert failed_jobs(app) == []


def test_an_import_whose_job_was_lost_is_queued_again_by_the_sweep(app, signed_in, town):
    from workers.imports import sweep

    batch_url = checked_batch(app, signed_in, town)
    set_status(app, town, batch_url, "committing")  # committed by the request; its job never queued
    page = signed_in.get(batch_url).get_data(as_text=True)
    assert 'id="import-retry"' in page and "重新导入" in page
    with app.app_context():
        assert sweep() == 1
        db.session.commit()  # the tick commits; the job is queued after it
        assert sweep() == 0  # queued once: the job waiting now counts as live
        db.session.commit()
    run_worker(app)
    assert batch_of(app, town, batch_url).status == "committed"
    assert people_count(app, town) == ROWS


def test_a_check_left_checking_can_be_run_again_from_its_page(app, signed_in, town):
    batch_url = upload(signed_in, town, xlsx(people_rows(ROWS))).headers["Location"]
    with app.app_context():
        jobs.get_queue("default").empty()  # the check's job is lost
    page = signed_in.get(batch_url).get_data(as_text=True)
    assert 'id="import-retry"' in page and "重新检查" in page
    post_form(signed_in, batch_url + "/retry", {}, token_from=batch_url)
    run_worker(app)
    assert batch_of(app, town, batch_url).status == "checked"


def test_the_progress_of_an_import_counts_its_own_rows_not_the_checks(app, signed_in, town):
    batch_url = checked_batch(app, signed_in, town)
    assert signed_in.get(batch_url + "/progress").get_json()["percent"] == 100
    post_form(signed_in, batch_url + "/commit", {}, token_from=batch_url)
    progress = signed_in.get(batch_url + "/progress").get_json()
    assert (progress["status"], progress["step"], progress["done"], progress["percent"]) == (
        "committing", "commit", 0, 0)
    run_worker(app)
    assert signed_in.get(batch_url + "/progress").get_json()["percent"] == 100


def test_an_import_that_fails_for_good_goes_back_to_checked_and_can_be_committed_again(app, signed_in, town,
                                                                                         monkeypatch):
    from renkou.imports import engine

    batch_url = checked_batch(app, signed_in, town)
    monkeypatch.setattr(services, "RETRY_WAITS", [0])  # the retries run at once, in this burst
    real_run = engine.run_batch

    def disk_full(batch_id, commit, progress=lambda done: None):
        raise OSError("No space left on device")

    monkeypatch.setattr(engine, "run_batch", disk_full)
    post_form(signed_in, batch_url + "/commit", {}, token_from=batch_url)
    run_worker(app)  # the first run and its 3 retries fail
    batch = batch_of(app, town, batch_url)
    assert batch.status == "checked" and "No space left on device" in batch.failure
    assert people_count(app, town) == 0
    page = signed_in.get(batch_url).get_data(as_text=True)
    assert 'id="import-failure"' in page and "No space left on device" in page

    monkeypatch.setattr(engine, "run_batch", real_run)
    post_form(signed_in, batch_url + "/commit", {}, token_from=batch_url)  # the user tries again
    run_worker(app)
    batch = batch_of(app, town, batch_url)
    assert batch.status == "committed" and batch.failure == "" and people_count(app, town) == ROWS
