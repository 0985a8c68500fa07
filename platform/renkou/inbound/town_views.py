"""A town's tasks from the bureau, under /t/<town>/notices/: the list with deadlines (overdue ones
highlighted), a task's page with its person masked, and the reply form (town editors)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from renkou.errors import NotFoundError
from renkou.imports.exports import xlsx_response
from renkou.inbound import labels, notices, replies
from renkou.inbound.schemas import NoticeListArgs, ReplySchema
from renkou.tenancy.context import current_town, town_editor_required
from renkou.web.forms import load_args, submit_form

bp = Blueprint("notices", __name__, url_prefix="/notices", template_folder="templates")


@bp.context_processor
def _globals():
    return {"inbound_labels": labels, "today": notices.today()}


@bp.errorhandler(NotFoundError)
def _not_found(_error):
    return render_template("errors/404.html"), 404


@bp.get("/")
def index():
    args = load_args(NoticeListArgs(), request.args)
    sort, page_number, per_page = args.pop("sort"), args.pop("page"), args.pop("per_page")
    page = notices.town_notices(current_town().id, notices.NoticeFilter(**args), sort, page_number, per_page)
    return render_template("inbound/town_list.html", page=page, args={**args, "sort": sort})


@bp.get("/export.xlsx")
def export():
    """The filtered tasks as a workbook, people masked; the export is audited."""
    args = load_args(NoticeListArgs(), request.args)
    sort = args.pop("sort")
    args.pop("page"), args.pop("per_page")
    return xlsx_response("bureau-notices.xlsx", notices.export_town_notices(current_town().id,
                                                                             notices.NoticeFilter(**args), sort))


@bp.get("/<int:notice_id>")
def show(notice_id: int):
    notice = notices.town_notice(notice_id)
    return _page(notice, reveal=request.args.get("reveal") == "person")


def _page(notice, reveal: bool = False, errors: dict | None = None, form: dict | None = None, status: int = 200):
    person = notices.person_of(notice, reveal=reveal and current_town().can_edit)
    texts = {answer.id: replies.text_of(answer) for answer in notice.replies}
    return render_template("inbound/town_notice.html", notice=notice, person=person, texts=texts,
                           errors=errors or {}, form=form or {}), status


@bp.post("/<int:notice_id>/reply")
@town_editor_required
def reply(notice_id: int):
    notice = notices.town_notice(notice_id)
    result = submit_form(ReplySchema(), lambda data: replies.reply(notice, data["result"], data["text"], current_user))
    if result.saved is None:
        return _page(notice, errors=result.errors, form=request.form, status=result.status)
    flash(_("Your reply is on its way to the bureau."), "success")
    return redirect(url_for(".show", notice_id=notice.id), 303)
