"""Every action the code can write to the audit trail has a label in words, and record histories show
actions and fields in words, never internal columns.

The actions are found in the source itself, so an action added later without a label fails here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from renkou.audit import labels
from tests.conftest import login, post_form

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [*(ROOT / "platform" / "renkou").rglob("*.py"), *(ROOT / "tenants").rglob("*.py"),
           *(ROOT / "workers").rglob("*.py")]
ACTION = re.compile(r"^[a-z]+(_[a-z]+)*\.[a-z]+(_[a-z]+)*$")
AUDIT_CALLS = {"record", "record_now", "denied"}


def _called_name(node: ast.Call) -> str | None:
    function = node.func
    return function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)


def actions_in_source() -> tuple[set[str], set[str]]:
    """(the actions the source can write, the records of actions built in an f-string).

    An action is a literal inside an audit call's first argument, or a "<record>.<verb>" literal elsewhere
    (handed to a helper that records it) whose record and verb are ones the trail knows.
    """
    direct, candidates, nouns = set(), set(), set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and ACTION.match(node.value):
                candidates.add(node.value)
            if isinstance(node, ast.Call) and _called_name(node) in AUDIT_CALLS and node.args:
                first = node.args[0]
                if isinstance(first, ast.JoinedStr) and isinstance(first.values[0], ast.Constant):
                    nouns.add(first.values[0].value.rstrip("."))
                for part in ast.walk(first):
                    if isinstance(part, ast.Constant) and isinstance(part.value, str) and ACTION.match(part.value):
                        direct.add(part.value)
    verbs = set(labels.VERBS) | {action.split(".")[1] for action in direct | set(labels.ACTIONS)}
    indirect = {action for action in candidates
                if action.split(".")[0] in labels.RECORDS and action.split(".")[1] in verbs}
    return direct | indirect, nouns


def test_every_audited_action_has_a_label(app):
    with app.app_context():
        found, nouns = actions_in_source()
        assert len(found) > 150
        unlabelled = sorted(action for action in found if action not in labels.ACTIONS)
        assert not unlabelled, f"label these actions in their area's labels module: {unlabelled}"
        assert nouns and not sorted(noun for noun in nouns if noun not in labels.RECORDS)
        codes = sorted(code for code, label in labels.action_choices() if label == code or ACTION.match(label))
        assert not codes, f"actions still shown as codes: {codes}"


def errors_on(response) -> list[str]:
    return re.findall(r'class="error[^"]*"[^>]*>([^<]+)', response.get_data(as_text=True))


def test_a_persons_history_shows_actions_and_fields_in_words(app, client, town):
    login(client, town.admin_username)
    created = post_form(client, f"/t/{town.slug}/people/new", {"name": "王芳", "resident_id": "11010519491231002X"},
                        token_from=f"/t/{town.slug}/people/new")
    assert created.status_code in (302, 303), errors_on(created)
    person_id = int(created.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    response = post_form(client, f"/t/{town.slug}/people/{person_id}/edit",
                         {"name": "王芳芳", "marital_status": "married", "relation": "spouse"},
                         token_from=f"/t/{town.slug}/people/{person_id}/edit")
    assert response.status_code in (302, 303), errors_on(response)
    page = client.get(f"/t/{town.slug}/people/{person_id}").get_data(as_text=True)
    history = page.split('class="history"', 1)[1]
    assert "新增人员" in history and "修改人员" in history
    assert "姓名" in history and "婚姻状况" in history
    for code in ("person.create", "person.update", "resident_id", "name", "名称"):
        assert code not in history
