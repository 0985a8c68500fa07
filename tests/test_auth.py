"""Sign-in security: password policy, lockout, idle timeout, CSRF, cookies, headers, sessions."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from renkou.accounts.models import LoginAttempt
from renkou.audit.models import AuditEvent
from renkou.extensions import db
from renkou.types import utcnow
from tests.conftest import PASSWORD, csrf_token, login, post_form


def test_sign_in_lands_on_the_town_and_records_it(app, client, town):
    response = login(client, town.admin_username)
    assert response.status_code == 302
    assert client.get("/", follow_redirects=True).request.path == f"/t/{town.slug}/"
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_name == town.admin_username))
        assert "auth.login" in list(actions)


def test_wrong_password_is_refused_in_chinese_and_audited(app, client, town):
    response = login(client, town.admin_username, "Wrong-password-1")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.outcome == "failure")).one()
        assert event.actor_name == town.admin_username and event.action == "auth.login"


def test_unknown_user_gets_the_same_message(app, client, town):
    response = login(client, "nobody-here", "Wrong-password-1")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_five_failures_in_fifteen_minutes_lock_the_account(app, client, town):
    for _ in range(5):
        assert login(client, town.admin_username, "Wrong-password-1").status_code == 401
    locked = login(client, town.admin_username)  # even the right password
    assert locked.status_code == 401
    page = locked.get_data(as_text=True)
    assert "登录失败次数过多" in page
    with app.app_context():
        first = db.session.scalar(select(LoginAttempt.attempted_at).order_by(LoginAttempt.id))
    from zoneinfo import ZoneInfo

    retry = (first + timedelta(minutes=15)).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%H:%M")
    assert retry in page


def test_failures_older_than_fifteen_minutes_do_not_count(app, client, town):
    with app.app_context():
        old = utcnow() - timedelta(minutes=16)
        for _ in range(5):
            db.session.add(LoginAttempt(username=town.admin_username, attempted_at=old, succeeded=False))
        db.session.commit()
    assert login(client, town.admin_username).status_code == 302


def test_a_success_resets_the_count(app, client, town):
    for _ in range(4):
        login(client, town.admin_username, "Wrong-password-1")
    assert login(client, town.admin_username).status_code == 302
    other = app.test_client()
    for _ in range(4):
        login(other, town.admin_username, "Wrong-password-1")
    assert login(other, town.admin_username).status_code == 302


def test_idle_sessions_are_signed_out(app, client, town):
    login(client, town.admin_username)
    assert client.get(f"/t/{town.slug}/").status_code == 200
    with client.session_transaction() as session:
        session["last_seen"] -= 31 * 60
    response = client.get(f"/t/{town.slug}/villages/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert client.get(f"/t/{town.slug}/").status_code == 302


def test_forms_without_a_csrf_token_are_refused(app, client, town):
    login(client, town.admin_username)
    response = client.post(f"/t/{town.slug}/villages/new", data={"code": town.code + "201", "name": "无令牌村"})
    assert response.status_code == 400
    listing = client.get(f"/t/{town.slug}/villages/").get_data(as_text=True)
    assert "无令牌村" not in listing


def test_login_form_itself_needs_csrf(app, client, town):
    response = client.post("/login", data={"username": town.admin_username, "password": PASSWORD})
    assert response.status_code == 400


def test_session_cookie_and_security_headers(app, client, town):
    response = login(client, town.admin_username)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get(f"/t/{town.slug}/")
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"):
        assert header in page.headers
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"


def test_secure_cookie_flag_in_production_settings(settings, tmp_path):
    from tests.conftest import build_app, reset_storage

    production = build_app(settings.__class__(**{**settings.__dict__, "secure_cookies": True}))
    try:
        assert production.config["SESSION_COOKIE_SECURE"] is True
        response = production.test_client().get("/login")
        assert "Strict-Transport-Security" in response.headers
    finally:
        reset_storage(production)


def test_sign_out_ends_the_session(app, client, town):
    login(client, town.admin_username)
    response = post_form(client, "/logout", {}, token_from=f"/t/{town.slug}/")
    assert response.status_code == 302
    assert client.get(f"/t/{town.slug}/").status_code == 302


def test_next_only_goes_to_this_site(app, client, town):
    token = csrf_token(client)
    response = client.post("/login", data={"username": town.admin_username, "password": PASSWORD,
                                           "csrf_token": token, "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    other = app.test_client()
    token = csrf_token(other)
    response = other.post("/login", data={"username": town.admin_username, "password": PASSWORD,
                                          "csrf_token": token, "next": f"/t/{town.slug}/villages/"})
    assert response.headers["Location"] == f"/t/{town.slug}/villages/"


def test_signed_out_request_remembers_where_it_was_going(app, client, town):
    response = client.get(f"/t/{town.slug}/villages/?q=村")
    assert response.status_code == 302
    assert "next=" in response.headers["Location"]


def test_login_rate_limit(settings):
    from tests.conftest import build_app, reset_storage

    limited = build_app(settings.__class__(**{**settings.__dict__, "login_rate_limit": "3 per minute"}))
    try:
        client = limited.test_client()
        token = csrf_token(client)
        codes = [client.post("/login", data={"username": "x-user", "password": "y", "csrf_token": token}).status_code
                 for _ in range(4)]
        assert codes[-1] == 429
    finally:
        reset_storage(limited)


def test_english_is_the_second_language(app, client, town):
    client.get("/lang/en")
    assert "Sign in" in client.get("/login").get_data(as_text=True)
    client.get("/lang/zh_CN")
    assert "登录" in client.get("/login").get_data(as_text=True)


def test_api_rate_limit_covers_town_routes(settings):
    from tests.conftest import Factory, bearer, build_app, reset_storage

    limited = build_app(settings.__class__(**{**settings.__dict__, "api_rate_limit": "3 per minute"}))
    try:
        town = Factory(limited).town()
        token = Factory(limited).token(town.admin_username)
        client = limited.test_client()
        codes = [client.get(f"/api/v1/towns/{town.slug}/villages", headers=bearer(token)).status_code
                 for _ in range(4)]
        assert codes == [200, 200, 200, 429]
    finally:
        reset_storage(limited)
