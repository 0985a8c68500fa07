"""The first town register, end to end: pages, API, validation, paging, audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from renkou.audit.models import AuditEvent
from renkou.extensions import db
from tests.conftest import bearer, login, post_form


@pytest.fixture
def signed_in(client, town):
    login(client, town.admin_username)
    return client


def villages_url(town):
    return f"/t/{town.slug}/villages/"


def test_create_edit_delete_in_the_browser(app, signed_in, town):
    client = signed_in
    response = post_form(client, f"{villages_url(town)}new", {"code": town.code + "201", "name": "城关村"},
                         token_from=f"{villages_url(town)}new")
    assert response.status_code == 302
    listing = client.get(villages_url(town)).get_data(as_text=True)
    assert "<td>城关村</td>" in listing and "已新增" in listing

    from renkou.tenancy.context import town_session
    from renkou.tenancy.services import get_town_by_slug
    from tenants.network.models import Village

    with app.app_context():
        with town_session(get_town_by_slug(town.slug)):
            village_id = db.session.scalar(select(Village.id))
    edit_url = f"{villages_url(town)}{village_id}/edit"
    assert 'value="城关村"' in client.get(edit_url).get_data(as_text=True)
    response = post_form(client, edit_url, {"code": town.code + "201", "name": "城关社区"}, token_from=edit_url)
    assert response.status_code == 302
    assert "<td>城关社区</td>" in client.get(villages_url(town)).get_data(as_text=True)
    response = post_form(client, f"{villages_url(town)}{village_id}/delete", {}, token_from=villages_url(town))
    assert response.status_code == 302
    assert "<td>城关社区</td>" not in client.get(villages_url(town)).get_data(as_text=True)
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.record_type == "village")
                                          .order_by(AuditEvent.id)))
    assert actions == ["village.create", "village.update", "village.delete"]


@pytest.mark.parametrize(
    ("code", "message"),
    [("41152410120", "12 位"), ("411524999201", "必须以乡镇区划代码"), ("411524101000", "000"), ("", "必填")],
)
def test_bad_codes_are_explained_and_nothing_is_written(app, signed_in, town, code, message):
    code = code.replace("411524101", town.code) if code.startswith("411524101") else code
    response = post_form(signed_in, f"{villages_url(town)}new", {"code": code, "name": "坏村"},
                         token_from=f"{villages_url(town)}new")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page, page[page.find("e-code") - 200: page.find("e-code") + 300]
    assert 'value="坏村"' in page
    assert "坏村" not in signed_in.get(villages_url(town)).get_data(as_text=True)


def test_duplicate_code_is_a_conflict(app, signed_in, factory, town):
    factory.village(town, "201", "甲村")
    response = post_form(signed_in, f"{villages_url(town)}new", {"code": town.code + "201", "name": "乙村"},
                         token_from=f"{villages_url(town)}new")
    assert response.status_code == 409
    assert "已存在" in response.get_data(as_text=True)


def test_the_same_code_pattern_in_another_town_is_not_a_conflict(app, factory, town):
    """Uniqueness is per town: each town has its own table."""
    other = factory.town()
    factory.village(town, "201", "甲村")
    factory.village(other, "201", "甲村")


def test_list_pages_sorts_and_searches(app, signed_in, factory, town):
    for number in range(1, 56):
        factory.village(town, f"2{number:02d}", f"第{number:02d}村")
    page_one = signed_in.get(villages_url(town)).get_data(as_text=True)
    assert "第01村" in page_one and "第51村" not in page_one
    page_two = signed_in.get(f"{villages_url(town)}?page=2").get_data(as_text=True)
    assert "第51村" in page_two and "第01村" not in page_two
    descending = signed_in.get(f"{villages_url(town)}?sort=-code").get_data(as_text=True)
    assert descending.index("第55村") < descending.index("第54村")
    found = signed_in.get(f"{villages_url(town)}?q=第07").get_data(as_text=True)
    assert "第07村" in found and "第08村" not in found
    nonsense = signed_in.get(f"{villages_url(town)}?page=abc&per_page=-3&sort=drop")
    assert nonsense.status_code == 200


def test_api_crud(app, client, factory, town):
    headers = bearer(factory.token(town.admin_username))
    base = f"/api/v1/towns/{town.slug}/villages"
    created = client.post(base, json={"code": town.code + "201", "name": " 城关村 "}, headers=headers)
    assert created.status_code == 201
    village = created.get_json()
    assert village["name"] == "城关村"  # trimmed
    assert client.get(f"{base}/{village['id']}", headers=headers).get_json()["code"] == town.code + "201"
    patched = client.patch(f"{base}/{village['id']}", json={"name": "城关社区"}, headers=headers)
    assert patched.status_code == 200 and patched.get_json()["name"] == "城关社区"
    listed = client.get(f"{base}?q=城关", headers=headers).get_json()
    assert listed["meta"]["total"] == 1 and listed["items"][0]["name"] == "城关社区"
    assert client.delete(f"{base}/{village['id']}", headers=headers).status_code == 204
    assert client.get(f"{base}/{village['id']}", headers=headers).status_code == 404


def test_api_errors(app, client, factory, town):
    headers = bearer(factory.token(town.admin_username))
    base = f"/api/v1/towns/{town.slug}/villages"
    factory.village(town, "201", "甲村")
    invalid = client.post(base, json={"code": "12", "name": ""}, headers=headers)
    assert invalid.status_code == 422 and set(invalid.get_json()["errors"]) == {"code", "name"}
    outside = client.post(base, json={"code": "110101001201", "name": "外村"}, headers=headers)
    assert outside.status_code == 422 and "code" in outside.get_json()["errors"]
    duplicate = client.post(base, json={"code": town.code + "201", "name": "乙村"}, headers=headers)
    assert duplicate.status_code == 409
    assert client.patch(f"{base}/999999", json={"name": "x"}, headers=headers).status_code == 404
    assert client.post(base, data="not json", headers=headers).status_code == 400
    assert client.post(base, json=[1, 2], headers=headers).status_code == 400
    typed = client.post(base, json={"code": 411524101201, "name": "数字村"}, headers=headers)
    assert typed.status_code == 422


def test_api_messages_follow_accept_language(app, client, factory, town):
    headers = bearer(factory.token(town.admin_username))
    base = f"/api/v1/towns/{town.slug}/villages"
    chinese = client.post(base, json={"code": "12"}, headers={**headers, "Accept-Language": "zh-CN"})
    english = client.post(base, json={"code": "12"}, headers={**headers, "Accept-Language": "en"})
    assert "必填" in chinese.get_json()["errors"]["name"][0]
    assert "required" in english.get_json()["errors"]["name"][0]
