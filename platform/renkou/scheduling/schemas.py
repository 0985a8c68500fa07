"""The county administrator's schedule form, and the jobs overview of the JSON API."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields

from renkou.scheduling.registry import is_valid_cron
from renkou.schemas import FIELD_MESSAGES, BaseSchema, TrimmedString


def _cron(value: str) -> None:
    if not is_valid_cron(value):
        raise ValidationError(str(_l("Not a valid schedule: five fields (minute hour day month weekday) "
                                     "in the county's local time, e.g. 30 2 * * * for 02:30 every day.")))


class ScheduleSettingSchema(BaseSchema):
    """An unticked box is absent from a posted form, hence ``enabled`` defaults to off."""

    local_cron = TrimmedString(required=True, validate=_cron, error_messages=FIELD_MESSAGES)
    enabled = fields.Boolean(load_default=False, error_messages=FIELD_MESSAGES)


class JobRetrySchema(BaseSchema):
    kind = TrimmedString(required=True, error_messages=FIELD_MESSAGES)
    job_id = TrimmedString(required=True, error_messages=FIELD_MESSAGES)


# ---------------------------------------------------------------------------------------------------------
# GET /api/v1/jobs


class JobSchema(BaseSchema):
    id = fields.String()
    description = fields.String()
    func_name = fields.String(allow_none=True)
    enqueued_at = fields.DateTime(allow_none=True)
    started_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    scheduled_for = fields.DateTime(allow_none=True)
    worker_name = fields.String(allow_none=True)
    error = fields.String(allow_none=True)


class QueueStateSchema(BaseSchema):
    kind = fields.String()
    name = fields.String()
    queued = fields.Integer()
    started = fields.List(fields.Nested(JobSchema))
    started_total = fields.Integer()
    failed = fields.List(fields.Nested(JobSchema))
    failed_total = fields.Integer()
    scheduled = fields.List(fields.Nested(JobSchema))
    scheduled_total = fields.Integer()


class WorkerStateSchema(BaseSchema):
    name = fields.String()
    hostname = fields.String(allow_none=True)
    pid = fields.Integer(allow_none=True)
    queues = fields.List(fields.String())
    state = fields.String()
    current_job_id = fields.String(allow_none=True)
    last_heartbeat = fields.DateTime(allow_none=True)
    birth_date = fields.DateTime(allow_none=True)


class ScheduleRunSchema(BaseSchema):
    slot = fields.DateTime()
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    enqueued = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)


class ScheduleStateSchema(BaseSchema):
    name = fields.String()
    description = fields.String()
    queue_kind = fields.String()
    local_cron = fields.String()
    default_cron = fields.String()
    enabled = fields.Boolean()
    time_zone = fields.String()
    last_run = fields.Nested(ScheduleRunSchema, allow_none=True)
    next_run = fields.DateTime(allow_none=True)


class JobsOverviewSchema(BaseSchema):
    queues = fields.List(fields.Nested(QueueStateSchema))
    workers = fields.List(fields.Nested(WorkerStateSchema))
    cron_schedulers = fields.Integer()
    schedules = fields.List(fields.Nested(ScheduleStateSchema))
