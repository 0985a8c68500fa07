"""Sessions, passwords and API tokens: sign-out and password changes end sessions and tokens; tokens
expire, record their use and can be listed and revoked; unknown usernames cost a hash too."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from renkou.accounts import passwords
from renkou.accounts.models import ApiToken, User
from renkou.extensions import db
from renkou.types import utcnow
from tests.conftest import PASSWORD, bearer, login, post_form


def test_a_cookie_copied_before_sign_out_no_longer_works(app, client, town):
    login(client, town.admin_username)
    assert client.get(f"/t/{town.slug}/").status_code == 200
    stolen = client.get_cookie("renkou_session").value
    other_device = app.test_client()
    login(other_device, town.admin_username)
    post_form(client, "/logout", {}, token_from=f"/t/{town.slug}/")
    replay = app.test_client()
    replay.set_cookie("renkou_session", stolen)
    assert replay.get(f"/t/{town.slug}/").status_code == 302
    # Sign-out ends every session of the person, on every device.
    assert other_device.get(f"/t/{town.slug}/").status_code == 302


def test_unknown_usernames_cost_a_password_hash_too(app, client, town, monkeypatch):
    """Timing must not tell which usernames exist: the hash is checked either way (with a dummy hash)."""
    verified = []
    real = passwords._hasher

    class CountingHasher:
        def verify(self, stored, password):
            verified.append(stored)
            return real.verify(stored, password)

    dummy = passwords._dummy_hash()  # made once, on first use, by the real hasher
    monkeypatch.setattr(passwords, "_hasher", CountingHasher())
    assert login(client, "nobody-here", "Wrong-password-1").status_code == 401
    assert login(client, town.admin_username, "Wrong-password-1").status_code == 401
    assert len(verified) == 2 and verified[0] == dummy


def _change_password(client, current: str, new: str, again: str | None = None):
    return post_form(client, "/account/password", {"current_password": current, "password": new,
                                                   "password_again": again or new}, token_from="/account/password")


def test_changing_ones_own_password_ends_other_sessions_and_tokens(app, client, factory, town):
    token = factory.token(town.admin_username)
    elsewhere = app.test_client()
    login(elsewhere, town.admin_username)
    login(client, town.admin_username)
    wrong = _change_password(client, "Not-my-password-1", "Brand-new-pass-9")
    assert wrong.status_code == 422 and "当前密码不正确" in wrong.get_data(as_text=True)
    weak = _change_password(client, PASSWORD, "short")
    assert weak.status_code == 422 and "至少" in weak.get_data(as_text=True)
    differ = _change_password(client, PASSWORD, "Brand-new-pass-9", "Brand-new-pass-8")
    assert differ.status_code == 422
    same = _change_password(client, PASSWORD, PASSWORD)
    assert same.status_code == 422
    assert client.get(f"/api/v1/towns/{town.slug}/villages", headers=bearer(token)).status_code == 200

    assert _change_password(client, PASSWORD, "Brand-new-pass-9").status_code == 302
    assert client.get(f"/t/{town.slug}/").status_code == 200  # this browser stays signed in
    assert elsewhere.get(f"/t/{town.slug}/").status_code == 302  # every other session ended
    assert client.get(f"/api/v1/towns/{town.slug}/villages", headers=bearer(token)).status_code == 401
    assert login(app.test_client(), town.admin_username, PASSWORD).status_code == 401
    assert login(app.test_client(), town.admin_username, "Brand-new-pass-9").status_code == 302


def test_an_administrators_reset_revokes_the_persons_tokens(app, client, factory, town):
    factory.user("clerk9", "town_staff", town)
    token = factory.token("clerk9")
    assert client.get(f"/api/v1/towns/{town.slug}/villages", headers=bearer(token)).status_code == 200
    login(client, town.admin_username)
    with app.app_context():
        from renkou.accounts.models import Membership

        membership = db.session.scalar(select(Membership.id).join(User).where(User.username == "clerk9"))
    post_form(client, f"/t/{town.slug}/accounts/{membership}/password", {"password": "Temporary-pass-5"},
              token_from=f"/t/{town.slug}/accounts/")
    assert app.test_client().get(f"/api/v1/towns/{town.slug}/villages", headers=bearer(token)).status_code == 401


def test_tokens_expire_and_record_their_last_use(app, client, factory, town):
    token = factory.token(town.admin_username)
    with app.app_context():
        stored = db.session.scalars(select(ApiToken)).one()
        lifetime = stored.expires_at - stored.created_at
        assert stored.last_used_at is None
    assert lifetime == timedelta(days=90)
    assert client.get(f"/api/v1/towns/{town.slug}/villages", headers=bearer(token)).status_code == 200
    with app.app_context():
        assert db.session.scalars(select(ApiToken.last_used_at)).one() is not None
        db.session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert client.get(f"/api/v1/towns/{town.slug}/villages", headers=bearer(token)).status_code == 401


def test_people_list_and_revoke_their_own_tokens_on_their_account_page(app, client, factory, town):
    factory.user("clerk7", "town_staff", town)
    theirs = factory.token("clerk7")
    login(client, town.admin_username)
    created = post_form(client, "/account/tokens", {"name": "报表工具"}, token_from="/account/")
    assert created.status_code == 201
    page = created.get_data(as_text=True)
    assert "报表工具" in page and "rk_" in page
    with app.app_context():
        mine = db.session.scalar(select(ApiToken).join(User).where(User.username == town.admin_username))
        other = db.session.scalar(select(ApiToken).join(User).where(User.username == "clerk7"))
        mine_id, other_id, prefix, other_prefix = mine.id, other.id, mine.prefix, other.prefix
    page = client.get("/account/").get_data(as_text=True)
    assert prefix in page and other_prefix not in page
    # Another person's token is not theirs to revoke (nor to see).
    assert post_form(client, f"/account/tokens/{other_id}/revoke", {}, token_from="/account/").status_code == 404
    assert post_form(client, f"/account/tokens/{mine_id}/revoke", {}, token_from="/account/").status_code == 302
    assert "已撤销" in client.get("/account/").get_data(as_text=True)
    assert client.get(f"/api/v1/towns/{town.slug}/villages", headers=bearer(theirs)).status_code == 200
    # Only the county administrator sees everyone's tokens.
    assert client.get("/county/tokens").status_code == 403


def test_the_county_administrator_sees_and_revokes_any_token(app, client, factory, town):
    factory.user("bureau_admin", "county_admin")
    token = factory.token(town.admin_username)
    login(client, "bureau_admin")
    page = client.get("/county/tokens").get_data(as_text=True)
    assert town.admin_username in page
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    assert post_form(client, f"/county/tokens/{token_id}/revoke", {}, token_from="/county/tokens").status_code == 302
    assert client.get(f"/api/v1/towns/{town.slug}/villages", headers=bearer(token)).status_code == 401


def test_token_list_and_revoke_commands(app, client, factory, town):
    token = factory.token(town.admin_username)
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["token", "list", "--username", town.admin_username])
    assert listed.exit_code == 0 and town.admin_username in listed.output and "active" in listed.output
    assert token not in listed.output
    token_id = listed.output.split("\t")[0]
    revoked = runner.invoke(args=["token", "revoke", token_id])
    assert revoked.exit_code == 0
    assert "revoked" in runner.invoke(args=["token", "list"]).output
    assert client.get(f"/api/v1/towns/{town.slug}/villages", headers=bearer(token)).status_code == 401
    assert runner.invoke(args=["token", "revoke", "999"]).exit_code == 1
