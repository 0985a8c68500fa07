"""The jobs page (/county/jobs): queues, workers and schedules, for county administrators only.

It reads Redis and the shared schedule tables, never a town's tables. Retrying a failed job and
changing a schedule are audited.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import fields, validate

from renkou import jobs
from renkou.accounts.access import county_role_required
from renkou.accounts.roles import COUNTY_ADMIN
from renkou.audit import services as audit
from renkou.errors import NotFoundError
from renkou.scheduling import monitor
from renkou.scheduling import services as schedules
from renkou.scheduling.labels import QUEUE_LABELS, WORKER_STATES
from renkou.scheduling.schemas import JobRetrySchema, ScheduleSettingSchema
from renkou.schemas import BaseSchema
from renkou.web.forms import FormResult, load_args, load_form, submit_form

bp = Blueprint("county_jobs", __name__, url_prefix="/county/jobs")


class JobsArgs(BaseSchema):
    queue = fields.String(load_default=None, validate=validate.OneOf(jobs.QUEUE_KINDS))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))


def _render(result: FormResult | None = None, editing: str | None = None):
    """The page; ``?queue=KIND`` shows one queue alone, its failed jobs paged with ``page``."""
    args = load_args(JobsArgs(), request.args)
    result = result or FormResult()
    if args["queue"]:
        queues = [monitor.queue_state(args["queue"], failed_page=args["page"])]
    else:
        queues = monitor.queue_states()
    workers = monitor.workers()
    worker_counts = {kind: sum(kind in worker.queues for worker in workers) for kind in jobs.QUEUE_KINDS}
    return render_template(
        "county/jobs.html", queues=queues, workers=workers, worker_counts=worker_counts,
        cron_schedulers=monitor.cron_schedulers(), schedules=schedules.schedule_states(), selected=args["queue"],
        errors=result.errors, editing=editing, form=request.form if editing else {}, queue_labels=QUEUE_LABELS,
        worker_states=WORKER_STATES,
    ), result.status


@bp.get("")
@county_role_required(COUNTY_ADMIN)
def index():
    return _render()


@bp.post("/retry")
@county_role_required(COUNTY_ADMIN)
def retry():
    data, _errors = load_form(JobRetrySchema(), request.form)
    if data is None:
        abort(400)
    try:
        job = monitor.retry_failed(data["kind"], data["job_id"])
    except NotFoundError:
        flash(_("That job is no longer among the failed jobs: it was retried already or has expired."), "error")
        return redirect(url_for(".index"))
    audit.record("job.retry", town_code=None, record_type="job", record_id=job.id[:64],
                 detail={"queue": data["kind"], "job_id": job.id, "description": job.description})
    flash(_("Job %(id)s is back on its queue and will run again.", id=job.id), "success")
    return redirect(url_for(".index"))


@bp.post("/schedules/<name>")
@county_role_required(COUNTY_ADMIN)
def edit_schedule(name: str):
    schedule = schedules.get_schedule(name)  # an unknown name is a 404, before the form is read
    result = submit_form(ScheduleSettingSchema(),
                         lambda data: schedules.update_schedule(name, data["local_cron"], data["enabled"],
                                                                actor=current_user))
    if result.saved is None:
        return _render(result, editing=name)
    flash(_("Schedule %(name)s saved.", name=schedule.title), "success")
    return redirect(url_for(".index", _anchor=f"schedule-{name}"))
