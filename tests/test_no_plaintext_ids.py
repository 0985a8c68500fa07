"""After a person is created, searched for, revealed, edited, exported and imported, their full ID number
and its 17-digit prefix are nowhere in clear: not in a dump of PostgreSQL, not in any SQLite file or its
WAL, not in Redis, not in any log line."""

from __future__ import annotations

import io
import logging
import subprocess
from pathlib import Path

import redis
from openpyxl import Workbook

from tests.conftest import PG_ADMIN_URL, bearer, login, post_form

PERSON_ID = "411524198805120037"
IMPORTED_ID = "411524199208150048"
PHONE = "13912345678"


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _flow(app, client, factory, town) -> None:
    headers = {**bearer(factory.token(town.admin_username)), "Accept-Language": "en"}
    api = f"/api/v1/towns/{town.slug}/people"
    login(client, town.admin_username)
    created = client.post(api, json={"name": "赵六", "resident_id": PERSON_ID, "phone": PHONE}, headers=headers)
    assert created.status_code == 201, created.get_json()
    person_id = created.get_json()["id"]
    pages = f"/t/{town.slug}/people/"
    # Searches: the whole number and its first 17 digits, by the page's form, by the API, and by a link.
    for value in (PERSON_ID, PERSON_ID[:17]):
        assert post_form(client, pages, {"q": value}, token_from=pages).status_code in (200, 303)
        assert client.post(f"{api}/search", json={"q": value}, headers=headers).status_code == 200
        assert client.get(f"{api}?q={value}", headers=headers).status_code == 422
        assert client.get(f"{pages}?q={value}").status_code == 422
    assert client.get(f"{api}/{person_id}?reveal=resident_id", headers=headers).get_json()["resident_id"] == PERSON_ID
    assert post_form(client, f"{pages}{person_id}/reveal", {}, token_from=f"{pages}{person_id}").status_code == 200
    edited = client.patch(f"{api}/{person_id}", json={"resident_id": PERSON_ID, "name": "赵六六",
                                                      "phone": "13912345679"}, headers=headers)
    assert edited.status_code == 200, edited.get_json()
    bad = client.post(api, json={"name": "重号", "resident_id": PERSON_ID}, headers=headers)
    assert bad.status_code == 409  # an error message about a duplicate number must not carry it either
    assert client.get(f"{pages}export.xlsx").status_code == 200
    imports = f"/t/{town.slug}/imports/"
    content = _xlsx([["姓名", "身份证号码"], ["导入的人", IMPORTED_ID]])
    uploaded = post_form(client, imports, {"kind": "people", "file": (io.BytesIO(content), "people.xlsx")},
                         token_from=imports, content_type="multipart/form-data")
    assert uploaded.status_code == 302
    batch = uploaded.headers["Location"]
    post_form(client, batch + "/commit", {}, token_from=batch)
    found = client.post(f"{api}/search", json={"q": IMPORTED_ID}, headers=headers).get_json()
    assert found["meta"]["total"] == 1


def _assert_absent(blob: bytes, where: str) -> None:
    for identity in (PERSON_ID, IMPORTED_ID):
        for text in (identity, identity[:17], PHONE):
            assert text.encode() not in blob, f"{text} found in {where}"


def _redis_blob(app) -> bytes:
    settings = app.config["RENKOU_SETTINGS"]
    client = redis.Redis.from_url(settings.redis_url)
    return b"".join(key + (client.dump(key) or b"") for key in client.scan_iter(f"*{settings.redis_prefix}*"))


def _pg_dump(pg_url: str) -> bytes:
    database = pg_url.rsplit("/", 1)[1]
    admin = PG_ADMIN_URL.rsplit("/", 1)[0]
    return subprocess.run(["pg_dump", "--data-only", f"{admin}/{database}"], check=True, capture_output=True).stdout


def test_no_full_id_number_at_rest_or_in_logs(app, client, factory, settings, caplog):
    caplog.set_level(logging.DEBUG)
    town = factory.town()
    _flow(app, client, factory, town)
    logging.getLogger("gunicorn.access").info('%s "%s" %s', "10.0.0.1", f"GET /t/x/people/?q={PERSON_ID} HTTP/1.1",
                                              200)
    logging.getLogger("rq.worker").warning("job failed for %s (%s)", IMPORTED_ID, PHONE)
    assert "gunicorn.access" in caplog.text and "411524**" in caplog.text
    _assert_absent(caplog.text.encode(), "the logs")
    _assert_absent(_redis_blob(app), "Redis")
    if settings.is_postgres:
        dump = _pg_dump(settings.database_url)
        assert b"town_create" in dump.replace(b".", b"_") or b"town.create" in dump
        _assert_absent(dump, "pg_dump")
    else:
        files = [path for path in Path(settings.sqlite_dir).rglob("*") if path.is_file()]
        assert any(path.name.endswith("-wal") for path in files)
        for path in files:
            _assert_absent(path.read_bytes(), str(path))
