"""Landing reports under row-level security (the requests run as the service's role ``pesisir_app``)."""

from __future__ import annotations

from tests.api.helpers import SAPEKEN_SEA, key, landing

URL = "/api/v1/landings"


def test_another_harbours_client_uuid_is_a_conflict_not_a_500(client, headers):
    body = landing()
    assert client.post(URL, json=body, headers={**headers["harbourmaster"], **key()}).status_code == 201
    other = {**body, "location": {"type": "Point", "coordinates": list(SAPEKEN_SEA)}}
    single = client.post(URL, json=other, headers={**headers["harbourmaster_b"], **key()})
    assert single.status_code == 409, single.text
    batch = client.post(URL + "/batch", json={"items": [other]}, headers={**headers["harbourmaster_b"], **key()})
    assert batch.status_code == 200 and batch.json()["items"][0]["status"] == "invalid", batch.text
