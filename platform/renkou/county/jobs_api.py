"""The jobs page as JSON: /api/v1/jobs (county administrators' bearer tokens)."""

from __future__ import annotations

from flask import Blueprint

from renkou.accounts.roles import COUNTY_ADMIN
from renkou.api.helpers import require_county_role
from renkou.scheduling import monitor
from renkou.scheduling import services as schedules
from renkou.scheduling.schemas import JobsOverviewSchema

bp = Blueprint("jobs_api", __name__, url_prefix="/api/v1/jobs")


@bp.get("")
def overview():
    """Queues (waiting, running, failed with their errors, delayed), live workers and schedules.
    ---
    get:
      tags: [jobs]
      responses:
        200: {description: the state of the jobs, content: {application/json: {schema: JobsOverviewSchema}}}
        401: {description: no or bad token, content: {application/json: {schema: ErrorsSchema}}}
        403: {description: not a county administrator, content: {application/json: {schema: ErrorsSchema}}}
    """
    require_county_role(COUNTY_ADMIN)
    queues = [{**vars(state), "failed": state.failed.items, "failed_total": state.failed_total}
              for state in monitor.queue_states()]
    return JobsOverviewSchema().dump({
        "queues": queues,
        "workers": monitor.workers(),
        "cron_schedulers": monitor.cron_schedulers(),
        "schedules": schedules.schedule_states(),
    })
