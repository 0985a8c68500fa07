"""How the audit trail and record histories read on screen: every action, kind of record, field and
detail in words, never the codes stored.

An action code is ``<record>.<verb>`` (``person.create``). The core registers its own records and
actions below; each area registers its records, actions and fields from its labels module with
``register`` (the core never names an area). Codes nobody registered fall back to the code itself,
and tests/test_audit_labels.py fails for any action the source can write without a label.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

# The common verbs of ``<record>.<verb>``: an action is labelled "<verb><record>" (新增人员).
VERBS = {
    "create": lazy_pgettext("audit verb", "Add"),
    "update": lazy_pgettext("audit verb", "Change"),
    "delete": _l("Delete"),
    "export": _l("Export"),
    "list": _l("View the list of"),
    "read": _l("View"),
}
RECORDS: dict[str, object] = {}
ACTIONS: dict[str, object] = {}
FIELDS: dict[str, object] = {}
# Field names that read differently on one kind of record ("name" of a person is 姓名, of a village 名称).
RECORD_FIELDS: dict[str, dict[str, object]] = {}
# Keys of an event's details, when they are not field names.
DETAILS: dict[str, object] = {
    "fields": _l("Fields"),
    "filters": _l("Filters"),
    "reason": _l("Reason"),
    "name": _l("Name"),
    "slug": _l("Slug"),
    "admin": _l("Administrator"),
    "username": _l("Username"),
    "county_role": _l("County role"),
    "role": _l("Role"),
    "period": _l("Period"),
    "kind": _l("Kind"),
    "queue": _l("Queue"),
    "job_id": _l("Job"),
    "description": _l("Job description"),
    "outcome": _l("Outcome"),
    "count": _l("Number"),
    "rows": _l("Rows"),
    "file": _l("File"),
    "filename": _l("File"),
    "path": _l("Address"),
    "method": _l("Method"),
    "town": _l("Town"),
    "active": _l("Active"),
    "on_time": _l("On time"),
    "scope": _l("Town"),
    "indicator": _l("Indicator"),
    "old": _l("Before"),
    "new": _l("After"),
    "source": _l("Source"),
    "local_cron": _l("Cron string"),
    "enabled": _l("Enabled"),
    "note": _l("Note"),
    "year": _l("Year"),
    "items": _l("Items"),
}
# Columns that only the software reads (blind indexes, ciphertext, keys): never listed in a history.
INTERNAL_FIELD = re.compile(r"(_index|_enc|_hash|_ciphertext)$|^id$")


def register(records: dict | None = None, actions: dict | None = None, fields: dict | None = None,
             verbs: dict[str, tuple[str, ...]] | None = None, record_fields: dict | None = None) -> None:
    """Add labels: ``records`` {record type: noun}, ``actions`` {action code: label}, ``fields``
    {field name: label}, ``record_fields`` {record type: {field name: label}} where one kind of record
    names a field differently, and ``verbs`` {record type: (create, update, …)}: the usual actions of a
    record, labelled from VERBS."""
    RECORDS.update(records or {})
    ACTIONS.update(actions or {})
    FIELDS.update(fields or {})
    for record, names in (record_fields or {}).items():
        RECORD_FIELDS.setdefault(record, {}).update(names)
    for record, names in (verbs or {}).items():
        for verb in names:
            ACTIONS.setdefault(f"{record}.{verb}", _Composed(verb, record))


class _Composed:
    """"<verb><record>", worked out when it is shown (in the language of the request)."""

    def __init__(self, verb: str, record: str):
        self.verb, self.record = verb, record

    def __str__(self) -> str:
        return _("%(verb)s %(record)s", verb=VERBS[self.verb], record=RECORDS.get(self.record, self.record))


def action_label(action: str) -> str:
    return str(ACTIONS.get(action, action))


def record_label(record_type: str | None) -> str:
    return str(RECORDS.get(record_type, record_type or ""))


def field_label(name: str, record_type: str | None = None) -> str:
    own = RECORD_FIELDS.get(record_type or "", {}).get(name)
    return str(own or FIELDS.get(name) or DETAILS.get(name) or _import_headers().get(name) or name)


def _import_headers() -> dict[str, str]:
    """Field names with the header their import template gives them (姓名, 户编号, …)."""
    from renkou.imports import engine

    return {column.field: column.header for spec in engine.all_specs() for column in spec.columns}


def visible_fields(names, record_type: str | None = None) -> list[str]:
    """The labels of ``names`` a person should read: internal columns left out."""
    return [field_label(name, record_type) for name in names or [] if not INTERNAL_FIELD.search(name)]


def action_choices() -> list[tuple[str, str]]:
    """Every known action as (code, label), ordered by label: the audit trail's filter."""
    return sorted(((code, str(label)) for code, label in ACTIONS.items()), key=lambda item: item[1])


def detail_items(detail: dict | None) -> list[tuple[str, str]]:
    """An event's details as (label, text) pairs, fields named in words, internal columns left out."""
    items = []
    for key, value in (detail or {}).items():
        if INTERNAL_FIELD.search(key):
            continue
        if key == "fields":
            text = "、".join(visible_fields(value))
        elif isinstance(value, dict):
            text = "；".join(f"{field_label(name)}: {_text(part)}" for name, part in value.items()
                            if not INTERNAL_FIELD.search(name))
        else:
            text = _text(value)
        items.append((field_label(key), text))
    return items


def _text(value) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list | tuple):
        return "、".join(_text(part) for part in value)
    return "" if value is None else str(value)


register(
    records={
        "user": _l("account"),
        "town": _l("town"),
        "import": _l("import"),
        "job": _l("background job"),
        "schedule": _l("schedule"),
        "submission": _l("bureau submission"),
        "town_report": _l("monthly report"),
        "validation_flag": _l("flagged value"),
        "bureau_message": _l("bureau message"),
        "bureau_notice": _l("bureau notice"),
        "target": _l("target"),
        "token": _l("API token"),
    },
    actions={
        "auth.login": _l("Sign in"),
        "auth.logout": _l("Sign out"),
        "auth.timeout": _l("Signed out after idle time"),
        "audit.read": _l("Read the audit trail"),
        "town.enter": _l("Open a town's pages"),
        "account.create": _l("Add an account"),
        "account.enable": _l("Enable an account"),
        "account.disable": _l("Disable an account"),
        "account.grant": _l("Give an account a role in a town"),
        "account.reset_password": _l("Reset a password"),
        "token.create": _l("Create an API token"),
        "token.revoke": _l("Revoke an API token"),
        "account.two_factor_on": _l("Turn on two-factor sign-in"),
        "account.two_factor_off": _l("Turn off two-factor sign-in"),
        "audit.export": _l("Export the audit trail"),
        "import.retry": _l("Run an import again"),
        "submission.requeue": _l("Queue a stuck bureau delivery again"),
        "town.create": _l("Onboard a town"),
        "town.archive": _l("Archive a town"),
        "import.upload": _l("Upload a file to import"),
        "import.commit": _l("Import checked rows"),
        "job.retry": _l("Retry a background job"),
        "schedule.update": _l("Change a schedule"),
        "target.create": _l("Set a target"),
        "target.update": _l("Change a target"),
        "target.delete": _l("Remove a target"),
        "validation_flag.review": _l("Review a flagged value"),
        "town_report.compute": _l("Compute a monthly report"),
        "town_report.prepare": _l("Write a monthly report's note"),
        "town_report.submit": _l("Submit a monthly report"),
        "town_report.approve": _l("Approve a monthly report"),
        "town_report.return": _l("Return a monthly report"),
        "town_report.unlock": _l("Unlock an approved month"),
        "town_report.locked_change_refused": _l("Change to an approved month refused"),
        "submission.create": _l("Build a bureau submission"),
        "submission.rebuild": _l("Rebuild a bureau submission"),
        "submission.send": _l("Send a bureau submission"),
        "submission.resend": _l("Send a bureau submission again"),
        "submission.export": _l("Download a bureau submission"),
        "submission.scheduled_skip": _l("Scheduled submission not built"),
        "bureau_message.receive": _l("Receive a bureau message"),
        "bureau_message.refuse": _l("Refuse a bureau message"),
        "bureau_notice.read": _l("View a bureau notice"),
        "bureau_notice.export": _l("Export bureau notices"),
        "bureau_notice.locate": _l("Find the town of a notice's person"),
        "bureau_notice.reply": _l("Reply to a bureau notice"),
        "bureau_notice.reveal": _l("View the person of a bureau notice"),
    },
    fields={
        "name": _l("Name"),
        "phone": _l("Phone"),
        "note": _l("Note"),
        "notes": _l("Notes"),
        "code": _l("Code"),
        "kind": _l("Kind"),
        "status": _l("Status"),
        "active": _l("Active"),
        "village_id": _l("Village"),
        "group_id": _l("Village group"),
        "household_id": _l("Household"),
        "person_id": _l("Person"),
        "resident_id": _l("ID number"),
        "start_date": _l("From"),
        "end_date": _l("To"),
        "reason": _l("Reason"),
        "year": _l("Year"),
        "description": _l("Description"),
    },
)
