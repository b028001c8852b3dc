"""The licence QR code: signed text and PNG for staff, public verification for anyone."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.serialization import load_pem_public_key

from inspect_app.domain.licence_qr import qr_png
from tests.factories import if_match, login, make_licence


def _qr(client, number):
    return client.get(
        f"/api/v1/licences/{number}/qr", headers=login("licensing", "ASC")
    ).get_json()["payload"]


def _verify(client, payload):
    return client.get("/api/v1/public/licences/verify", query_string={"payload": payload})


def test_a_printed_code_verifies_as_genuine_without_login(client):
    licence = make_licence()
    response = _verify(client, _qr(client, licence.number))
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "genuine"
    assert body["licence"]["licence_number"] == licence.number
    assert body["licence"]["holder_name"] == "上海宝山区星际网络科技有限公司"


def test_a_tampered_code_is_called_tampered(client):
    payload = _qr(client, make_licence().number)
    prefix, body, signature = payload.split(".")
    flipped = body[:10] + ("A" if body[10] != "A" else "B") + body[11:]
    answer = _verify(client, f"{prefix}.{flipped}.{signature}").get_json()
    assert answer["status"] in {"tampered", "malformed"}
    assert answer["status"] != "genuine"


def test_a_cancelled_licence_code_is_called_cancelled(client):
    licence = make_licence()
    payload = _qr(client, licence.number)
    client.post(
        f"/api/v1/licences/{licence.number}/events",
        json={"kind": "CANCEL", "reason": "申请注销"},
        headers=login("licensing", "ASC") | if_match(client, licence.number),
    )
    assert _verify(client, payload).get_json()["status"] == "cancelled"


def test_an_expired_licence_code_is_called_expired(client):
    from datetime import date

    from tests.factories import ic_permits

    licence = make_licence(permits=ic_permits(start=date(2019, 1, 1), years=5))
    assert _verify(client, _qr(client, licence.number)).get_json()["status"] == "expired"


def test_garbage_is_malformed_not_an_error(client):
    for text in ("hello", "LJ1.!!!.???", "扫码内容", "' OR 1=1 --"):
        response = _verify(client, text)
        assert response.status_code == 200
        assert response.get_json()["status"] == "malformed"


def test_missing_payload_is_a_422_with_the_error_shape(client):
    response = client.get("/api/v1/public/licences/verify")
    assert response.status_code == 422
    body = response.get_json()
    assert body["status"] == "VALIDATION_FAILED" and body["message"]["zh"] and body["errors"]


def test_public_key_is_published_and_verifies_offline(client):
    licence = make_licence()
    payload = _qr(client, licence.number)
    published = client.get("/api/v1/public/signing-keys").get_json()
    pem = published["keys"][published["current"]]
    # A third party: only the published PEM and the `cryptography` library.
    prefix, body, signature = payload.split(".")
    padded = signature + "=" * (-len(signature) % 8)
    load_pem_public_key(pem.encode()).verify(base64.b32decode(padded), f"{prefix}.{body}".encode())


def test_qr_png_is_an_image(client):
    licence = make_licence()
    response = client.get(
        f"/api/v1/licences/{licence.number}/qr.png", headers=login("planner", "CT")
    )
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.data.startswith(b"\x89PNG\r\n\x1a\n")


def test_the_printed_code_is_a_link_to_the_portals_verification_page(app, client):
    licence = make_licence()
    headers = login("licensing", "ASC")
    answer = client.get(f"/api/v1/licences/{licence.number}/qr", headers=headers).get_json()
    assert answer["url"] == f"http://localhost/licences/verify?payload={answer['payload']}"
    app.config["PUBLIC_URL"] = "https://www.shbsq.gov.cn/"
    answer = client.get(f"/api/v1/licences/{licence.number}/qr", headers=headers).get_json()
    assert answer["url"].startswith("https://www.shbsq.gov.cn/licences/verify?payload=LJ1.")
    page = client.get(answer["url"].removeprefix("https://www.shbsq.gov.cn"))
    assert page.status_code == 200 and "真实有效" in page.get_data(as_text=True)


def test_the_link_scanned_whole_verifies_as_the_bare_text_does(client):
    licence = make_licence()
    headers = login("licensing", "ASC")
    url = client.get(f"/api/v1/licences/{licence.number}/qr", headers=headers).get_json()["url"]
    assert _verify(client, url).get_json()["status"] == "genuine"


def test_the_png_is_the_links_code(client):
    licence = make_licence()
    headers = login("licensing", "ASC")
    url = client.get(f"/api/v1/licences/{licence.number}/qr", headers=headers).get_json()["url"]
    png = client.get(f"/api/v1/licences/{licence.number}/qr.png", headers=headers).data
    assert png == qr_png(url)
