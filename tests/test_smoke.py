from tests.conftest import login


def test_town_admin_sees_villages(app, client, factory):
    town = factory.town()
    factory.village(town, "201", "城关村")
    response = login(client, town.admin_username)
    assert response.status_code == 302
    page = client.get(f"/t/{town.slug}/villages/")
    assert page.status_code == 200
    assert "城关村" in page.get_data(as_text=True)
