"""The county's page of the bureau's messages (/county/notices): every message, where it went, the state
and deadline of each task, and the reply form of the county's own tasks (county administrators).

It reads the shared tables only; people appear masked.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from renkou.accounts.access import county_role_required
from renkou.accounts.roles import COUNTY_ADMIN, COUNTY_VIEWER
from renkou.errors import NotFoundError
from renkou.inbound import labels, notices, replies
from renkou.inbound.schemas import MessageListArgs, ReplySchema
from renkou.web.forms import load_args, submit_form

bp = Blueprint("county_notices", __name__, url_prefix="/county/notices", template_folder="templates")
READERS = (COUNTY_ADMIN, COUNTY_VIEWER)


@bp.context_processor
def _globals():
    return {"inbound_labels": labels, "today": notices.today()}


@bp.errorhandler(NotFoundError)
def _not_found(_error):
    return render_template("errors/404.html"), 404


@bp.get("")
@county_role_required(*READERS)
def index():
    args = load_args(MessageListArgs(), request.args)
    sort, page_number, per_page = args.pop("sort"), args.pop("page"), args.pop("per_page")
    page = notices.messages(notices.MessageFilter(**args), sort, page_number, per_page)
    return render_template("inbound/county_list.html", page=page, args={**args, "sort": sort})


@bp.get("/<int:message_id>")
@county_role_required(*READERS)
def show(message_id: int):
    return _page(notices.message(message_id))


def _page(message, errors: dict | None = None, form: dict | None = None, status: int = 200, notice_id=None):
    county_texts = {answer.id: replies.text_of(answer) for notice in message.notices if notice.for_county
                    for answer in notice.replies}
    return render_template("inbound/county_message.html", message=message, errors=errors or {}, form=form or {},
                           failed_notice=notice_id, county_texts=county_texts), status


@bp.post("/tasks/<int:notice_id>/reply")
@county_role_required(COUNTY_ADMIN)
def reply(notice_id: int):
    notice = notices.county_notice(notice_id)
    result = submit_form(ReplySchema(), lambda data: replies.reply(notice, data["result"], data["text"], current_user))
    if result.saved is None:
        return _page(notice.message, result.errors, request.form, result.status, notice.id)
    flash(_("Your reply is on its way to the bureau."), "success")
    return redirect(url_for(".show", message_id=notice.inbound_id), 303)
