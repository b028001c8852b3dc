"""Import from licensing: idempotent, changes become events, bad rows reported and good rows kept."""

from __future__ import annotations

from inspect_app.models import AuditEntry, Licence, LicenceEvent
from tests.factories import login
from tests.importing_data import HEADER, csv_rows, three_codes


def _post_csv(client, text):
    return client.post(
        "/api/v1/imports/licences",
        data=text.encode(),
        content_type="text/csv",
        headers=login("licensing", "ASC"),
    )


def _kinds(number):
    licence = Licence.get(Licence.number == number)
    return [
        e.kind
        for e in LicenceEvent.select()
        .where(LicenceEvent.licence == licence)
        .order_by(LicenceEvent.seq)
    ]


def test_import_creates_entities_and_licences(client):
    report = _post_csv(client, csv_rows(three_codes())).get_json()
    assert report["created"] == 3 and report["errors"] == []
    licence = Licence.get(Licence.number == "BS-FS-2026-000102")
    assert licence.holder.street.name == "吴淞街道"
    assert _kinds("BS-IC-2026-000101") == ["NEW"]


def test_importing_the_same_file_twice_changes_nothing(client):
    text = csv_rows(three_codes())
    _post_csv(client, text)
    audit_before, events_before = AuditEntry.select().count(), LicenceEvent.select().count()
    report = _post_csv(client, text).get_json()
    assert report["unchanged"] == 3 and report["created"] == 0
    assert (AuditEntry.select().count(), LicenceEvent.select().count()) == (
        audit_before,
        events_before,
    )


def test_a_changed_row_becomes_a_change_event(client):
    codes = three_codes()
    _post_csv(client, csv_rows(codes))
    report = _post_csv(
        client, csv_rows(codes, cafe_name="上海宝山区星际网咖连锁有限公司")
    ).get_json()
    assert report["changed"] == 1 and report["unchanged"] == 2
    assert _kinds("BS-IC-2026-000101") == ["NEW", "CHANGE"]
    assert (
        Licence.get(Licence.number == "BS-IC-2026-000101").holder.name
        == "上海宝山区星际网咖连锁有限公司"
    )


def test_a_later_validity_becomes_a_renewal(client):
    codes = three_codes()
    _post_csv(client, csv_rows(codes))
    report = _post_csv(client, csv_rows(codes, cafe_until="2036-04-30")).get_json()
    assert report["renewed"] == 1
    assert _kinds("BS-IC-2026-000101") == ["NEW", "RENEW"]
    assert (
        Licence.get(Licence.number == "BS-IC-2026-000101").valid_until.isoformat() == "2036-04-30"
    )


def test_a_row_marked_cancelled_becomes_a_cancellation(client):
    codes = three_codes()
    _post_csv(client, csv_rows(codes))
    report = _post_csv(client, csv_rows(codes, bakery_status="注销")).get_json()
    assert report["cancelled"] == 1
    assert _kinds("BS-FS-2026-000102") == ["NEW", "CANCEL"]
    assert Licence.get(Licence.number == "BS-FS-2026-000102").status == "CANCELLED"


def test_bad_rows_are_reported_and_good_rows_kept(client):
    codes = three_codes()
    good = csv_rows(codes).splitlines()
    bad_code = good[1].replace(codes[0], codes[0][:-1] + ("0" if codes[0][-1] != "0" else "1"))
    bad_street = good[2].replace("吴淞街道", "不存在街道")
    bad_date = good[3].replace("2026-05-03", "2026-13-45", 1)
    text = "\n".join([HEADER, bad_code, bad_street, bad_date, *good[1:]]) + "\n"
    report = _post_csv(client, text).get_json()
    assert report["created"] == 3 and report["rows"] == 6
    errors = {(e["line"], e["field"]) for e in report["errors"]}
    assert errors == {(2, "credit_code"), (3, "street"), (4, "issued_at")}
    for error in report["errors"]:
        assert error["message"]["zh"] and error["message"]["en"]


def test_json_import_reports_by_item(client):
    codes = three_codes()
    items = [
        {
            "licence_number": "BS-IC-2026-000201",
            "credit_code": codes[0],
            "entity_name": "上海宝山区罗店网络会所",
            "address": "上海市宝山区罗店镇美丹路88号",
            "street": "BS04",
            "lat": 31.418,
            "lon": 121.338,
            "industry": "IC",
            "issued_at": "2026-06-01",
            "valid_until": "2031-05-31",
            "permits": [
                {
                    "permit_code": "IC-P1",
                    "permit_number": "WWW310113000201",
                    "valid_from": "2026-06-01",
                    "valid_until": "2031-05-31",
                }
            ],
        },
        {"licence_number": "BS-IC-2026-000202", "credit_code": codes[1], "industry": "IC"},
    ]
    response = client.post(
        "/api/v1/imports/licences", json=items, headers=login("licensing", "ASC")
    )
    report = response.get_json()
    assert report["created"] == 1
    assert {e["line"] for e in report["errors"]} == {2}
    assert "entity_name" in {e["field"] for e in report["errors"]}


def test_an_unparseable_file_is_a_clear_400(client):
    response = client.post(
        "/api/v1/imports/licences",
        data=b"\xff\xfe\x00garbage",
        content_type="application/json",
        headers=login("licensing", "ASC"),
    )
    assert response.status_code == 400
    assert response.get_json()["message"]["zh"]
