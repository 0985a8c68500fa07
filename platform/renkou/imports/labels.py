"""How an import's state and kind read on screen (the stored codes are never shown)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from renkou.imports import engine

STATUS = {
    "uploaded": _l("Uploaded"),
    "checking": _l("Checking"),
    "checked": _l("Checked"),
    "committing": _l("Importing"),
    "committed": _l("Imported"),
    "failed": _l("Failed"),
}


def kind_title(kind: str):
    """What an import kind holds (人员, 户, …), from its registered spec."""
    spec = engine.get_spec(kind)
    return spec.title if spec is not None else kind
