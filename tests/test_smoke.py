from tests.conftest import COMPLAINT, bearer


async def test_newcomer_flow(client, citizen_token):
    r = await client.post("/api/v1/cases", json=COMPLAINT, headers=bearer(citizen_token))
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["tracking_no"]
    assert len(case["query_code"]) == 6
