"""Two-factor sign-in: required of county and audit administrators, optional for others; TOTP codes are
good once, recovery codes are single-use, the secret is encrypted at rest."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import select

from renkou.accounts.models import RecoveryCode, User
from renkou.audit.models import AuditEvent
from renkou.extensions import db
from tests.conftest import CSRF_PATTERN, PASSWORD, SECRET_PATTERN, TOTP_SECRETS, csrf_token, login, post_form, totp_code


def _password_step(client, username: str, password: str = PASSWORD):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def _post_code(client, path: str, code: str):
    page = client.get(path).get_data(as_text=True)
    return client.post(path, data={"code": code, "csrf_token": CSRF_PATTERN.search(page).group(1)})


def test_a_county_administrator_enrols_after_the_password_before_being_signed_in(app, client, factory):
    factory.user("bureau_admin", "county_admin")
    response = _password_step(client, "bureau_admin")
    assert response.headers["Location"] == "/login/enrol"
    assert client.get("/county/towns").status_code == 302  # the password alone signs nobody in
    page = client.get("/login/enrol").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page  # the QR code is drawn by the app, no outside service
    secret = SECRET_PATTERN.search(page).group(1)
    with app.app_context():
        stored = db.session.scalar(select(User.totp_secret).where(User.username == "bureau_admin"))
    assert stored and secret.encode() not in stored  # encrypted at rest

    wrong = _post_code(client, "/login/enrol", "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    assert wrong.status_code == 422 and "验证码不正确" in wrong.get_data(as_text=True)
    done = _post_code(client, "/login/enrol", totp_code(secret))
    assert done.status_code == 200
    codes = re.findall(r"<code>([0-9a-f]{8}-[0-9a-f]{8})</code>", done.get_data(as_text=True))
    assert len(codes) == 10
    assert client.get("/county/towns").status_code == 200
    with app.app_context():
        hashes = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(hashes) == 10 and not set(codes) & set(hashes)  # stored hashed


def test_the_second_step_takes_a_code_once_and_recovery_codes_once(app, client, factory):
    factory.user("auditor", "audit_admin")
    login(client, "auditor")  # enrols
    secret = TOTP_SECRETS["auditor"]
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "auditor"))
        from renkou.accounts import two_factor

        recovery = two_factor._replace_recovery_codes(user)
        db.session.commit()

    browser = app.test_client()
    assert _password_step(browser, "auditor").headers["Location"] == "/login/code"
    assert browser.get("/county/audit/").status_code == 302
    code = totp_code(secret)
    assert _post_code(browser, "/login/code", code).status_code == 302
    assert browser.get("/county/audit/").status_code == 200

    replay = app.test_client()
    _password_step(replay, "auditor")
    refused = _post_code(replay, "/login/code", code)  # the same code again: a replay
    assert refused.status_code == 401 and "验证码不正确" in refused.get_data(as_text=True)
    assert _post_code(replay, "/login/code", recovery[0]).status_code == 302

    again = app.test_client()
    _password_step(again, "auditor")
    assert _post_code(again, "/login/code", recovery[0]).status_code == 401  # single use
    with app.app_context():
        steps = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "auth.login",
                                                                     AuditEvent.outcome == "failure")).all()
    assert {"step": "code"} in steps


def test_five_wrong_codes_lock_the_account(app, client, factory):
    factory.user("bureau_admin", "county_admin")
    login(client, "bureau_admin")
    secret = TOTP_SECRETS["bureau_admin"]
    wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    attacker = app.test_client()
    _password_step(attacker, "bureau_admin")
    for _ in range(4):
        assert _post_code(attacker, "/login/code", wrong).status_code == 401
    locked = _post_code(attacker, "/login/code", wrong)
    assert "登录失败次数过多" in locked.get_data(as_text=True)
    # Knowing the password does not restart the count.
    assert "登录失败次数过多" in _password_step(app.test_client(), "bureau_admin").get_data(as_text=True)


def test_two_factor_is_optional_for_town_staff_and_can_be_turned_on_and_off(app, client, town):
    login(client, town.admin_username)
    assert client.get(f"/t/{town.slug}/").status_code == 200  # no second step by default
    page = client.get("/login/enrol").get_data(as_text=True)
    secret = SECRET_PATTERN.search(page).group(1)
    assert _post_code(client, "/login/enrol", totp_code(secret)).status_code == 200
    assert "已开启" in client.get("/account/").get_data(as_text=True)

    other = app.test_client()
    assert _password_step(other, town.admin_username).headers["Location"] == "/login/code"
    assert _post_code(other, "/login/code", totp_code(secret)).status_code == 302

    assert post_form(client, "/account/two-factor/off", {}, token_from="/account/").status_code == 302
    assert _password_step(app.test_client(), town.admin_username).headers["Location"] == "/"


def test_required_two_factor_cannot_be_turned_off(app, client, factory):
    factory.user("bureau_admin", "county_admin")
    login(client, "bureau_admin")
    refused = post_form(client, "/account/two-factor/off", {}, token_from="/account/")
    assert refused.status_code == 422 and "必须" in refused.get_data(as_text=True)
