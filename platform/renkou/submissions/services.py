"""Building, correcting, sending and listing submissions. Services flush; the request or job commits.

A revision is built once from the approved figures. Until it is sent it is a draft, and building the same
report and period again refreshes that draft (nothing has left the county yet). Once sent, it is never
changed: a correction is the next revision, with its own idempotency key, and a resend is a new delivery
of the same revision under the same key (the bureau stores it once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from renkou import jobs
from renkou.audit import services as audit
from renkou.errors import ConflictError, NotFoundError, ServiceError
from renkou.extensions import db
from renkou.indicators.periods import Period
from renkou.pagination import Page, paginate
from renkou.search import text_matches
from renkou.submissions import assembly, definitions, formats, states
from renkou.submissions.definitions import ReportDefinition
from renkou.submissions.models import DRAFT, IN_FLIGHT, QUEUED, SETTLED, Submission
from renkou.submissions.schemas import DataValueSetSchema
from renkou.targets.period_input import resolve, today
from renkou.types import utcnow

DELIVERY_JOB = "workers.exchange.delivery.deliver_submission"
SORTS = {"created": Submission.created_at.asc(), "-created": Submission.created_at.desc(),
         "period": Submission.period_start.asc(), "-period": Submission.period_start.desc(),
         "state": Submission.state.asc(), "-state": Submission.state.desc()}


def settings():
    return current_app.config["RENKOU_SETTINGS"]


def org_unit() -> str:
    """The county's org unit at the bureau (RENKOU_BUREAU_ORG_UNIT), by default its area code."""
    return settings().bureau_org_unit or settings().county_code


def idempotency_key(report: str, period_id: str, revision: int) -> str:
    """One key per (county, report, period, revision): a resend reuses it, a correction gets the next."""
    return f"renkou-{settings().county_code}-{report}-{period_id}-r{revision}"


def definition_of(submission: Submission) -> ReportDefinition:
    return next(d for d in definitions.DEFINITIONS
                if d.report == submission.report and d.version == submission.definition_version)


# ---------------------------------------------------------------------------------------------------------
# Building


def _period_and_definition(report: str, period_id: str) -> tuple[Period, ReportDefinition]:
    if report not in definitions.REPORTS:
        raise ServiceError.on("report", str(_l("No such report.")))
    period = resolve(period_id)
    try:
        return period, definitions.definition_for(report, period)
    except definitions.NoDefinition:
        raise ServiceError.on("period", str(_l(
            "%(period)s is not a period of this report, or no version of the report covers it.",
            period=period.id))) from None


def _payload(definition: ReportDefinition, period: Period, assembled: assembly.Assembled) -> dict:
    payload = formats.data_value_set(definition, period, org_unit(), today(), assembled.totals)
    try:
        DataValueSetSchema().load(payload)
    except ValidationError as error:  # a definition or figure that cannot be sent: a bug, never the user's
        raise ServiceError(f"the assembled data value set is invalid: {error.normalized_messages()}") from None
    return payload


def latest_revision(report: str, period_id: str) -> Submission | None:
    return db.session.scalar(select(Submission).where(Submission.report == report, Submission.period == period_id)
                             .order_by(Submission.revision.desc()).limit(1))


def build(report: str, period_id: str, actor) -> Submission:
    """Build the report for the period from approved figures: revision 1, or a refreshed draft.

    NotReady (with the missing towns and months) when it cannot be built; ConflictError when the latest
    revision has been sent (correct it instead)."""
    period, definition = _period_and_definition(report, period_id)
    latest = latest_revision(report, period.id)
    if latest is not None and latest.state != DRAFT:
        raise ConflictError.on("period", str(_l(
            "Revision %(revision)s of this report has been sent already; make a correction instead.",
            revision=latest.revision)))
    assembled = assembly.assemble(definition, period, today())
    payload = _payload(definition, period, assembled)
    if latest is not None:
        for name, value in {"definition_version": definition.version, "data_set": definition.data_set,
                            "org_unit": org_unit(), "payload": payload, "sources": assembled.sources,
                            "towns_included": assembled.towns_included, "created_at": utcnow(),
                            "created_by_id": actor.id if actor else None}.items():
            setattr(latest, name, value)
        db.session.flush()
        audit.record("submission.rebuild", actor=actor, town_code=None, record_type="submission",
                     record_id=latest.id, detail={"report": report, "period": period.id, "revision": latest.revision})
        return latest
    return _insert(report, period, definition, payload, assembled, 1, "", actor)


def correct(submission: Submission, reason: str, actor) -> Submission:
    """The next revision of a sent report, built afresh from the approved figures."""
    latest = latest_revision(submission.report, submission.period)
    if latest.id != submission.id:
        raise ConflictError(str(_l("Only the latest revision (%(revision)s) can be corrected.",
                                   revision=latest.revision)))
    if submission.state == DRAFT or submission.state in IN_FLIGHT:
        raise ConflictError(str(_l("This revision has not been answered yet; wait for the bureau's answer.")))
    period, definition = _period_and_definition(submission.report, submission.period)
    assembled = assembly.assemble(definition, period, today())
    payload = _payload(definition, period, assembled)
    return _insert(submission.report, period, definition, payload, assembled, submission.revision + 1, reason,
                   actor)


def _insert(report, period, definition, payload, assembled, revision, reason, actor) -> Submission:
    submission = Submission(
        report=report, period=period.id, period_start=period.start, revision=revision,
        definition_version=definition.version, data_set=definition.data_set, org_unit=org_unit(),
        idempotency_key=idempotency_key(report, period.id, revision), state=DRAFT, payload=payload,
        sources=assembled.sources, towns_included=assembled.towns_included, reason=reason,
        created_by_id=actor.id if actor else None, conflicts=[])
    try:
        with db.session.begin_nested():  # two people correcting at once: the second meets the unique key
            db.session.add(submission)
    except IntegrityError:
        raise ConflictError(str(_l("Revision %(revision)s of this report was made a moment ago by someone else.",
                                   revision=revision))) from None
    audit.record("submission.create", actor=actor, town_code=None, record_type="submission", record_id=submission.id,
                 detail={"report": report, "period": period.id, "revision": revision,
                         "definition_version": definition.version, "reason": reason or None})
    return submission


# ---------------------------------------------------------------------------------------------------------
# Sending


def _require_bureau() -> None:
    if not settings().bureau_url or not settings().bureau_secret:
        raise ServiceError(str(_l("The bureau is not configured: set RENKOU_BUREAU_URL and RENKOU_BUREAU_SECRET.")))


def send(submission: Submission, actor) -> Submission:
    """Queue a draft for delivery."""
    _require_bureau()
    if not states.move(submission.id, QUEUED, from_states=(DRAFT,), delivery_round=1, last_error=None):
        raise ConflictError(str(_l("Only a draft can be sent; this revision is %(state)s.", state=submission.state)))
    _after_queued(submission, "submission.send", actor)
    return submission


def resend(submission: Submission, actor) -> Submission:
    """Deliver the same revision again, under the same idempotency key (a new delivery round)."""
    _require_bureau()
    latest = latest_revision(submission.report, submission.period)
    if latest.id != submission.id:
        raise ConflictError(str(_l("Only the latest revision (%(revision)s) can be sent again.",
                                   revision=latest.revision)))
    # Any state but a draft: an answered revision, and one stuck queued or sending (its job lost). A job
    # of the old round still running finds the round moved on and its claim gone, and stops.
    if not states.move(submission.id, QUEUED, from_states=(*SETTLED, *IN_FLIGHT),
                       delivery_round=submission.delivery_round + 1, claim=None, last_error=None):
        raise ConflictError(str(_l("This revision has not been sent yet; send it.")))
    _after_queued(submission, "submission.resend", actor)
    return submission


def _after_queued(submission: Submission, action: str, actor) -> None:
    db.session.refresh(submission)
    audit.record(action, actor=actor, town_code=None, record_type="submission", record_id=submission.id,
                 detail={"report": submission.report, "period": submission.period, "revision": submission.revision,
                         "round": submission.delivery_round})
    enqueue_delivery(submission.id, submission.delivery_round, after_commit=True)


def job_id(submission_id: int, round_no: int) -> str:
    return f"submission-{submission_id}-round-{round_no}"


def enqueue_delivery(submission_id: int, round_no: int, after_commit: bool = False) -> None:
    """Queue the delivery job of one round. The job sets its own retries on network errors and 5xx
    answers from the settings of the worker that runs it (the worker needs --with-scheduler for waits
    above zero)."""

    def enqueue() -> None:
        jobs.enqueue_unique("submissions", DELIVERY_JOB, submission_id, round_no,
                            job_id=job_id(submission_id, round_no),
                            description=f"submission {submission_id} round {round_no}")

    if after_commit:
        from renkou.db import after_commit as when_committed

        jobs.require_queue(DELIVERY_JOB)
        when_committed(db.session, enqueue)
    else:
        enqueue()


# ---------------------------------------------------------------------------------------------------------
# Reading


@dataclass
class SubmissionFilter:
    report: str | None = None
    state: str | None = None
    q: str = ""


def get(submission_id: int) -> Submission:
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        raise NotFoundError(str(_l("No such submission.")))
    return submission


def list_submissions(filters: SubmissionFilter, sort: str = "-created", page: int = 1, per_page: int = 50) -> Page:
    statement = select(Submission).order_by(SORTS.get(sort, SORTS["-created"]), Submission.revision.desc(),
                                            Submission.id.desc())
    if filters.report:
        statement = statement.where(Submission.report == filters.report)
    if filters.state:
        statement = statement.where(Submission.state == filters.state)
    if filters.q:
        statement = statement.where(text_matches(filters.q, Submission.period))
    return paginate(db.session, statement, page, per_page)


def revisions(submission: Submission) -> list[Submission]:
    return list(db.session.scalars(select(Submission).where(
        Submission.report == submission.report, Submission.period == submission.period)
        .order_by(Submission.revision.desc())))


def state_counts() -> dict[str, int]:
    return dict(db.session.execute(select(Submission.state, func.count()).group_by(Submission.state)).all())


def rendered(submission: Submission, fmt: str) -> tuple[bytes, str]:
    """The revision's bytes as sent in ``fmt`` (json or adx) and their content type. ADX is stamped with
    the time the revision was built, so every delivery of a revision sends the same bytes."""
    if fmt == "adx":
        return (formats.to_adx(submission.payload, definition_of(submission), _exported(submission)),
                formats.ADX_CONTENT_TYPE)
    return formats.to_json(submission.payload), formats.JSON_CONTENT_TYPE


def _exported(submission: Submission) -> datetime:
    return submission.created_at
