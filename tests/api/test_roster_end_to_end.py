"""Issue 13's roster test: from a fresh install, with product commands and routes only, an admin
and a department keep their 两库 — an inspector with a qualification and a recusal, an account
linked to them and signed in on a tablet — and a draw picks that inspector, honours the recusal,
and the tablet lists the inspection."""

from __future__ import annotations

import pytest

from inspect_app.app import create_app
from inspect_app.cli import lianjian
from inspect_app.db import database, release
from inspect_app.domain.credit_code import complete
from tests.conftest import CHEAP_ARGON2
from tests.factories import draw, freeze

ADMIN_PASSWORD = "宝山-平台管理-2026"
# Two internet cafés of Baoshan (real shapes: valid credit codes, 友谊路 and 吴淞 coordinates).
CAFES = [
    ("91310113MA1G00001", "上海宝山区星际网络科技有限公司", "上海市宝山区友谊路街道牡丹江路1288号",
     "BS01", 31.4052, 121.4893),
    ("91310113MA1G00002", "上海宝山区极速网咖有限公司", "上海市宝山区吴淞街道淞兴路256号",
     "BS02", 31.3808, 121.5019),
]  # fmt: skip


@pytest.fixture
def fresh(tmp_path, keys_dir):
    """A brand-new instance: an empty SQLite file, `lianjian init` and `lianjian seed`."""
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
            "LIANJIAN_HOME": str(tmp_path),
            "KEYS_DIR": str(tmp_path / "keys"),
            "EVIDENCE_DIR": str(tmp_path / "evidence"),
            "ARGON2": CHEAP_ARGON2,
            "TESTING": True,
        }
    )
    with app.app_context():
        runner = app.test_cli_runner()
        init = runner.invoke(lianjian, ["init", "--admin-password", ADMIN_PASSWORD])
        assert init.exit_code == 0, init.output
        seed = runner.invoke(lianjian, ["seed"])
        assert seed.exit_code == 0, seed.output
        database.connect(reuse_if_open=True)
        yield app
        if not database.is_closed():
            database.close()
    release(database.obj)


class Console:
    """The product's routes as each person uses them."""

    def __init__(self, client):
        self.client = client

    def sign_in(self, username: str, password: str, device: str = "web") -> dict[str, str]:
        body = {"username": username, "password": password, "device": device}
        answer = self.client.post("/api/v1/auth/token", json=body)
        assert answer.status_code == 201, answer.get_json()
        return {"Authorization": f"Bearer {answer.get_json()['token']}"}

    def ok(self, method: str, path: str, headers, status: int = 200, **kwargs):
        answer = self.client.open(path, method=method, headers=headers, **kwargs)
        assert answer.status_code == status, (path, answer.get_json())
        return answer

    def account(self, admin, username: str, role: str, department: str) -> dict[str, str]:
        """An admin creates the account; its user replaces the temporary password and signs in."""
        body = {"username": username, "name": "王芳", "role": role, "department": department}
        made = self.ok("POST", "/api/v1/users", admin, 201, json=body).get_json()
        temporary = made["temporary_password"]
        self.ok(
            "POST", "/api/v1/auth/password", {}, 204,
            json={"username": username, "password": temporary, "new_password": f"{temporary}-宝山"},
        )  # fmt: skip
        return self.sign_in(username, f"{temporary}-宝山")


def test_a_roster_kept_in_the_platform_is_what_the_draw_and_the_tablet_use(fresh):
    console = Console(fresh.test_client())
    admin = console.sign_in("admin", ADMIN_PASSWORD)
    ct = console.account(admin, "ct-planner", "planner", "CT")
    fr = console.account(admin, "fr-planner", "planner", "FR")
    licensing = console.account(admin, "asc-licensing", "licensing", "ASC")

    # The registry: two internet cafés with live combined licences.
    codes = []
    for index, (stem, name, address, street, lat, lon) in enumerate(CAFES):
        code = complete(stem)
        codes.append(code)
        entity = {"credit_code": code, "name": name, "address": address, "street": street}
        console.ok(
            "POST", "/api/v1/entities", licensing, 201, json=entity | {"lat": lat, "lon": lon}
        )
        permits = [
            {"permit_code": p, "permit_number": f"{p}-310113-{index:04d}",
             "valid_from": "2024-05-01", "valid_until": "2029-04-30"}
            for p in ("IC-P1", "IC-P2")
        ]  # fmt: skip
        licence = {"number": f"BS-IC-2024-{index + 1:06d}", "holder_code": code,
                   "industry": "IC", "valid_until": "2029-04-30", "permits": permits}  # fmt: skip
        console.ok("POST", "/api/v1/licences", licensing, 201, json=licence)
    first, second = codes

    # The departments' directories (两库): 文化旅游局's planner keeps theirs, 消防's theirs.
    def inspector(headers, code, name, department, industries=("IC",)):
        body = {
            "code": code,
            "name": name,
            "department": department,
            "industries": list(industries),
        }
        console.ok("POST", "/api/v1/inspectors", headers, 201, json=body)

    inspector(ct, "CT0001", "王晓明", "CT", industries=())
    console.ok("PUT", "/api/v1/inspectors/CT0001/qualifications/IC", ct)
    recusal = {"credit_code": second, "reason": "配偶在该公司任职", "declared_on": "2026-11-20"}
    console.ok("POST", "/api/v1/inspectors/CT0001/recusals", ct, 201, json=recusal)
    inspector(ct, "CT0002", "李建国", "CT")
    other = {"credit_code": first, "reason": "曾在该公司任职"}
    console.ok("POST", "/api/v1/inspectors/CT0002/recusals", ct, 201, json=other)
    inspector(ct, "CT0003", "赵磊", "CT")  # qualified, but taken out of the pool
    tag = {"If-Match": console.ok("GET", "/api/v1/inspectors/CT0003", ct).headers["ETag"]}
    console.ok("POST", "/api/v1/inspectors/CT0003/deactivate", ct | tag)
    inspector(ct, "CT0004", "钱进", "CT", industries=("FS",))  # not qualified for IC
    inspector(fr, "FR0001", "陈立", "FR")

    # The admin makes 王晓明 an account, links it, and 王晓明 signs in on a tablet.
    body = {"username": "ct-wangxm", "name": "王晓明", "role": "inspector", "department": "CT"}
    made = console.ok("POST", "/api/v1/users", admin, 201, json=body).get_json()
    user_id, temporary = made["user"]["id"], made["temporary_password"]
    tag = {"If-Match": console.ok("GET", f"/api/v1/users/{user_id}", admin).headers["ETag"]}
    link = {"inspector_code": "CT0001"}
    console.ok("PUT", f"/api/v1/users/{user_id}/inspector", admin | tag, json=link)
    new_password = "晓明-平板-2026-宝山"
    change = {"username": "ct-wangxm", "password": temporary, "new_password": new_password}
    console.ok("POST", "/api/v1/auth/password", {}, 204, json=change)
    tablet = console.sign_in("ct-wangxm", new_password, device="平板-CT-07")
    assert console.ok("GET", "/api/v1/tablet/inspections", tablet).get_json()["items"] == []

    # 文化旅游局 plans a joint check with 消防, which accepts; freeze and draw.
    task = {
        "name": "2026年第四季度互联网上网服务营业场所联合抽查",
        "industry": "IC",
        "partners": ["FR"],
        "risk_points": ["IC-01", "IC-02", "IC-08"],
        "fixed_count": 2,
        "team_size": 2,
        "workload_cap": 5,
        "period_start": "2026-12-01",
        "period_end": "2026-12-31",
        "deadline": "2027-01-15",
    }
    code = console.ok("POST", "/api/v1/tasks", ct, 201, json=task).get_json()["code"]
    console.ok("POST", f"/api/v1/tasks/{code}/partners/FR/accept", fr)
    assert freeze(console.client, code, ct).status_code == 201
    drawn = draw(console.client, code, ct)
    assert drawn.status_code == 201, drawn.get_json()

    record = console.ok("GET", f"/api/v1/tasks/{code}/draw", ct).get_json()
    teams = {a["entity_id"]: a["team"] for a in record["result"]["assignments"]}
    assert set(teams) == {first, second}
    # The only eligible 文化旅游局 member for the first café is the roster's own CT0001: CT0002
    # declared a recusal for it, CT0003 is inactive, CT0004 is not qualified for IC.
    assert teams[first] == {"CT": ["CT0001"], "FR": ["FR0001"]}
    assert "CT0001" not in teams[second]["CT"]  # the recusal honoured
    assert teams[second]["CT"] == ["CT0002"]

    listed = console.ok("GET", "/api/v1/tablet/inspections", tablet).get_json()["items"]
    assert [i["entity"]["credit_code"] for i in listed] == [first]
