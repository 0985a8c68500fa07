"""A town administrator manages the town's accounts; a person in several towns switches between them."""

from __future__ import annotations

from tests.conftest import PASSWORD, login, post_form


def accounts_url(town):
    return f"/t/{town.slug}/accounts/"


def test_admin_adds_staff_who_can_sign_in(app, client, town):
    login(client, town.admin_username)
    response = post_form(client, accounts_url(town), {"username": "clerk1", "display_name": "李文",
                                                      "password": "Clerk-pass-11", "role": "town_staff"},
                         token_from=accounts_url(town))
    assert response.status_code == 302
    assert "clerk1" in client.get(accounts_url(town)).get_data(as_text=True)
    staff = app.test_client()
    assert login(staff, "clerk1", "Clerk-pass-11").status_code == 302
    # The administrator chose the password: the clerk must choose their own before anything else.
    assert staff.get(f"/t/{town.slug}/villages/").headers["Location"] == "/account/password"
    changed = post_form(staff, "/account/password", {"current_password": "Clerk-pass-11",
                        "password": "Clerks-own-42", "password_again": "Clerks-own-42"}, token_from="/account/password")
    assert changed.status_code == 302
    assert staff.get(f"/t/{town.slug}/villages/").status_code == 200
    assert staff.get(accounts_url(town)).status_code == 403


def test_admin_cannot_create_another_admin_or_weak_password(app, client, town):
    login(client, town.admin_username)
    weak = post_form(client, accounts_url(town), {"username": "clerk2", "password": "short", "role": "town_staff"},
                     token_from=accounts_url(town))
    assert weak.status_code == 422
    admin = post_form(client, accounts_url(town), {"username": "clerk3", "password": "Clerk-pass-11",
                                                   "role": "town_admin"}, token_from=accounts_url(town))
    assert admin.status_code == 422
    assert "clerk3" not in client.get(accounts_url(town)).get_data(as_text=True)


def _membership_id(app, town, username):
    from sqlalchemy import select

    from renkou.accounts.models import Membership, User
    from renkou.extensions import db

    with app.app_context():
        return db.session.scalar(select(Membership.id).join(User).where(User.username == username,
                                                                          Membership.town_id == town.id))


def test_reset_password_signs_the_person_out_everywhere(app, client, factory, town):
    factory.user("clerk4", "town_staff", town)
    staff = app.test_client()
    login(staff, "clerk4")
    assert staff.get(f"/t/{town.slug}/").status_code == 200
    login(client, town.admin_username)
    membership = _membership_id(app, town, "clerk4")
    response = post_form(client, f"{accounts_url(town)}{membership}/password", {"password": "New-password-77"},
                         token_from=accounts_url(town))
    assert response.status_code == 302
    assert staff.get(f"/t/{town.slug}/").status_code == 302  # old session ended
    assert login(app.test_client(), "clerk4", PASSWORD).status_code == 401
    again = app.test_client()
    assert login(again, "clerk4", "New-password-77").status_code == 302
    # A temporary password: the first page after signing in is the password change.
    assert again.get(f"/t/{town.slug}/").headers["Location"] == "/account/password"


def test_disable_blocks_the_town_and_enable_restores(app, client, factory, town):
    factory.user("clerk5", "town_staff", town)
    staff = app.test_client()
    login(staff, "clerk5")
    login(client, town.admin_username)
    membership = _membership_id(app, town, "clerk5")
    post_form(client, f"{accounts_url(town)}{membership}/active", {"active": "0"}, token_from=accounts_url(town))
    assert staff.get(f"/t/{town.slug}/villages/").status_code == 302
    again = app.test_client()
    login(again, "clerk5")
    assert again.get(f"/t/{town.slug}/villages/").status_code == 404
    post_form(client, f"{accounts_url(town)}{membership}/active", {"active": "1"}, token_from=accounts_url(town))
    assert again.get(f"/t/{town.slug}/villages/").status_code in (200, 302)


def test_accounts_of_other_towns_are_out_of_reach(app, client, factory, town):
    other = factory.town()
    factory.user("clerk6", "town_staff", other)
    foreign = _membership_id(app, other, "clerk6")
    login(client, town.admin_username)
    response = post_form(client, f"{accounts_url(town)}{foreign}/password", {"password": "New-password-77"},
                         token_from=accounts_url(town))
    assert response.status_code == 404


def test_shared_accounts_are_the_countys_to_manage(app, client, factory, town):
    other = factory.town()
    factory.user("roamer", "town_staff", town)
    factory.user("roamer", "town_staff", other)
    login(client, town.admin_username)
    membership = _membership_id(app, town, "roamer")
    response = post_form(client, f"{accounts_url(town)}{membership}/password", {"password": "New-password-77"},
                         token_from=accounts_url(town))
    assert response.status_code == 403
    assert login(app.test_client(), "roamer", PASSWORD).status_code == 302


def test_a_person_in_two_towns_switches_between_them(app, client, factory, town):
    other = factory.town()
    factory.user("roamer", "town_staff", town)
    factory.user("roamer", "town_staff", other)
    login(client, "roamer")
    choice = client.get("/").get_data(as_text=True)
    assert town.name in choice and other.name in choice
    assert client.get(f"/t/{town.slug}/").status_code == 200
    page = client.get(f"/t/{other.slug}/").get_data(as_text=True)
    assert f'href="/t/{town.slug}/"' in page  # the switcher links to the other town


def test_viewers_read_but_never_write(app, client, factory, town):
    factory.user("reader", "town_viewer", town)
    login(client, "reader")
    assert client.get(f"/t/{town.slug}/villages/").status_code == 200
    assert client.get(f"/t/{town.slug}/villages/new").status_code == 403
    response = post_form(client, f"/t/{town.slug}/villages/new", {"code": town.code + "201", "name": "读者村"},
                         token_from=f"/t/{town.slug}/")
    assert response.status_code == 403
    token = factory.token("reader")
    api = client.post(f"/api/v1/towns/{town.slug}/villages", json={"code": town.code + "201", "name": "读者村"},
                      headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 403
