"""Import pages: upload, the dry run's findings row by row, progress, commit, templates."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from renkou.errors import NotFoundError, ServiceError
from renkou.imports import engine, labels, services
from renkou.imports.exports import XLSX_MIMETYPE
from renkou.imports.spreadsheets import safe_sheet_title
from renkou.tenancy.context import town_editor_required

bp = Blueprint("imports", __name__, url_prefix="/imports", template_folder="templates")


@bp.context_processor
def _globals():
    return {"import_labels": labels}


@bp.errorhandler(NotFoundError)
def _not_found(error):
    return render_template("errors/404.html"), 404


@bp.get("/")
@town_editor_required
def index(errors=None, status=200):
    return render_template("imports/index.html", specs=engine.all_specs(), batches=services.list_batches(),
                           errors=errors or {}), status


@bp.post("/")
@town_editor_required
def upload():
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        return index({"file": [_("Choose a file to upload.")]}, 422)
    try:
        batch = services.upload(request.form.get("kind", ""), upload_file.filename, upload_file.read())
    except ServiceError as error:
        return index(error.errors, error.status_code)
    return redirect(url_for(".show", batch_id=batch.id))


@bp.get("/<int:batch_id>")
@town_editor_required
def show(batch_id: int):
    batch = services.get_batch(batch_id)
    return render_template("imports/batch.html", batch=batch, spec=engine.get_spec(batch.kind),
                           progress=services.progress_of(batch))


@bp.get("/<int:batch_id>/progress")
@town_editor_required
def progress(batch_id: int):
    return jsonify(services.progress_of(services.get_batch(batch_id)))


@bp.post("/<int:batch_id>/commit")
@town_editor_required
def commit(batch_id: int):
    batch = services.get_batch(batch_id)
    try:
        services.commit(batch)
    except ServiceError as error:
        flash(" ".join(m for messages in error.errors.values() for m in messages), "error")
    else:
        if batch.status == "committed":
            flash(_("Imported: %(created)s added, %(updated)s updated.", created=batch.created_count,
                    updated=batch.updated_count), "success")
    return redirect(url_for(".show", batch_id=batch_id))


@bp.post("/<int:batch_id>/retry")
@town_editor_required
def retry(batch_id: int):
    """Check or import again a batch whose job was lost or whose check or import failed."""
    try:
        services.run_again(services.get_batch(batch_id))
    except ServiceError as error:
        flash(" ".join(m for messages in error.errors.values() for m in messages), "error")
    return redirect(url_for(".show", batch_id=batch_id))


@bp.get("/templates/<kind>.xlsx")
def template(kind: str):
    spec = engine.get_spec(kind)
    if spec is None:
        abort(404)
    content = services.template(spec)
    name = _("%(kind)s import template", kind=safe_sheet_title(str(spec.title))) + ".xlsx"
    return send_file(io.BytesIO(content), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=name)
