"""Landing reports under row-level security (the requests run as the service's role ``pesisir_app``)."""

from __future__ import annotations

from tests.api.helpers import SAPEKEN_SEA, key, landing

URL = "/api/v1/landings"


def test_another_harbours_client_uuid_is_a_report_of_its_own_not_a_500(client, headers):
    """A UUID row-level security hides (another harbour's) is neither a 500 nor a 409 that reveals it (issue 13,
    defect 12): client UUIDs are unique per harbour."""
    body = landing()
    assert client.post(URL, json=body, headers={**headers["harbourmaster"], **key()}).status_code == 201
    other = {**body, "location": {"type": "Point", "coordinates": list(SAPEKEN_SEA)}}
    single = client.post(URL, json=other, headers={**headers["harbourmaster_b"], **key()})
    assert single.status_code == 201, single.text
    batch = client.post(URL + "/batch", json={"items": [other]}, headers={**headers["harbourmaster_b"], **key()})
    assert batch.status_code == 200 and batch.json()["items"][0]["status"] == "duplicate", batch.text
