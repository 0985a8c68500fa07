"""How people read a submission: its states, reports and what each data element carries."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from renkou.indicators import catalog
from renkou.submissions.definitions import COUNT_TOWNS, REPORT_LABELS, ReportDefinition
from renkou.submissions.models import ACCEPTED, DELIVERED, DRAFT, FAILED, QUEUED, REJECTED, SENDING

STATE_LABELS = {
    DRAFT: _l("Draft"),
    QUEUED: _l("Queued"),
    SENDING: _l("Sending"),
    DELIVERED: _l("Delivered"),
    ACCEPTED: _l("Accepted"),
    REJECTED: _l("Rejected"),
    FAILED: _l("Failed"),
}
REPORTS = REPORT_LABELS


def source_label(source: str, locale: str | None = None) -> str:
    """生育登记率 · 分子 (numerator), or what a count counts."""
    if source == COUNT_TOWNS:
        return _("Towns whose figures are summed")
    code, _dot, part = source.partition(".")
    indicator = catalog.BY_CODE.get(code)
    if indicator is None:
        return source
    name = indicator.name(locale or str(get_locale()))
    what = indicator.numerator if part == "numerator" else indicator.denominator
    side = _("numerator") if part == "numerator" else _("denominator")
    return f"{name} · {side} ({what})"


def source_labels(definition: ReportDefinition, locale: str | None = None) -> dict[str, str]:
    return {element.source: source_label(element.source, locale) for element in definition.elements}
