"""People and roster at the console: the same services as the API, the operator an admin, every
refusal one line in Chinese and English, every change audited."""

from __future__ import annotations

import json

from inspect_app.cli import lianjian
from inspect_app.models import AuditEntry, Inspector, Recusal, Token, User
from tests.factories import auth_header, make_entity, make_inspector, make_user


def _run(app, *args: str):
    return app.test_cli_runner().invoke(lianjian, list(args))


def _records(result) -> list[dict]:
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]


def _refused(result, *words: str) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    (line,) = [line for line in result.output.splitlines() if line.strip()]
    assert " / " in line
    for word in words:
        assert word in line, line
    return line


def _audited(action: str, object_id: str) -> bool:
    where = (AuditEntry.action == action) & (AuditEntry.object_id == object_id)
    return AuditEntry.select().where(where).exists()


def test_users_create_with_a_temporary_password_then_list_and_filter(app):
    created = _records(
        _run(app, "users", "create", "ct-李娜", "--name", "李娜", "--role", "planner",
             "--department", "CT", "--temporary")
    )  # fmt: skip
    assert created[0]["must_change_password"] is True and created[0]["temporary_password"]
    make_user("inspector", "MS", username="ms-刘芳")
    listed = _records(_run(app, "users", "list", "--department", "CT"))
    assert [u["username"] for u in listed] == ["ct-李娜"]
    assert [u["username"] for u in _records(_run(app, "users", "list", "--role", "inspector"))] == [
        "ms-刘芳"
    ]
    assert _audited("user.create", "ct-李娜")


def test_users_deactivate_revokes_tokens_and_activate_restores(app):
    user = make_user("planner", "CT", username="ct-王芳")
    auth_header(user, "办公电脑")
    (record,) = _records(_run(app, "users", "deactivate", "ct-王芳"))
    assert record["active"] is False
    assert not Token.select().where((Token.user == user.id) & Token.revoked_at.is_null()).exists()
    (record,) = _records(_run(app, "users", "activate", "ct-王芳"))
    assert record["active"] is True
    assert _audited("user.deactivate", "ct-王芳") and _audited("user.activate", "ct-王芳")
    _refused(_run(app, "users", "deactivate", "nobody"), "nobody", "未找到")


def test_users_reset_password_prints_a_temporary_password_once(app):
    make_user("licensing", "ASC", username="asc-陈静")
    result = _run(app, "users", "reset-password", "asc-陈静")
    (record,) = _records(result)
    assert record["must_change_password"] is True
    assert "temporary password (shown once)" in result.output
    assert User.get(User.username == "asc-陈静").must_change_password


def test_users_link_and_unlink_an_inspector_record(app):
    make_inspector("CT0501", "CT", name="孙丽")
    make_user("inspector", "CT", username="ct-孙丽")
    (record,) = _records(_run(app, "users", "link", "ct-孙丽", "CT0501"))
    assert record["inspector"] == "CT0501"
    assert Inspector.get(Inspector.code == "CT0501").user.username == "ct-孙丽"
    make_user("planner", "CT", username="ct-王芳")
    _refused(_run(app, "users", "link", "ct-王芳", "CT0501"), "inspector")
    (record,) = _records(_run(app, "users", "unlink", "ct-孙丽"))
    assert record["inspector"] is None
    _refused(_run(app, "users", "unlink", "ct-孙丽"), "未关联", "no inspector")


def test_inspectors_create_qualify_recuse_withdraw_and_show(app):
    (created,) = _records(
        _run(app, "inspectors", "create", "CT0601", "--name", "周敏", "--department", "CT",
             "--industry", "IC")
    )  # fmt: skip
    assert created["qualifications"] == ["IC"]
    (qualified,) = _records(_run(app, "inspectors", "qualify", "CT0601", "FS"))
    assert qualified["qualifications"] == ["FS", "IC"]
    (unqualified,) = _records(_run(app, "inspectors", "unqualify", "CT0601", "FS"))
    assert unqualified["qualifications"] == ["IC"]
    cafe = make_entity()
    recused = _records(
        _run(app, "inspectors", "recuse", "CT0601", cafe.credit_code, "--reason", "亲属经营",
             "--declared-on", "2026-11-20")
    )  # fmt: skip
    assert recused[0]["declared_on"] == "2026-11-20"
    withdrawn = _records(
        _run(app, "inspectors", "withdraw-recusal", "CT0601", str(recused[0]["id"]),
             "--reason", "亲属已转让股份")
    )  # fmt: skip
    assert withdrawn[0]["withdrawn_reason"] == "亲属已转让股份"
    (shown,) = _records(_run(app, "inspectors", "show", "CT0601"))
    assert [r["withdrawn_reason"] for r in shown["recusals"]] == ["亲属已转让股份"]
    assert Recusal.select().count() == 1
    (off,) = _records(_run(app, "inspectors", "deactivate", "CT0601"))
    assert off["active"] is False
    listed = _records(_run(app, "inspectors", "list", "--department", "CT", "--inactive"))
    assert [i["code"] for i in listed] == ["CT0601"]
    for action in ("inspector.create", "inspector.qualify", "inspector.recuse"):
        assert _audited(action, "CT0601"), action


def test_inspector_refusals_are_bilingual_lines(app):
    _refused(
        _run(app, "inspectors", "create", "ZZ0001", "--name", "周敏", "--department", "ZZ"),
        "部门",
        "department",
    )
    make_inspector("CT0701", "CT")
    _refused(_run(app, "inspectors", "show", "CT9999"), "CT9999")
    _refused(_run(app, "inspectors", "recuse", "CT0701", "123", "--reason", "x"), "credit code")
    _refused(
        _run(app, "inspectors", "recuse", "CT0701", make_entity().credit_code, "--reason", "x",
             "--declared-on", "去年")
    , "YYYY-MM-DD")  # fmt: skip
    _refused(_run(app, "inspectors", "qualify", "CT0701", "ZZ"), "ZZ")


def test_devices_list_and_revoke(app):
    user = make_user("inspector", "CT", username="ct-赵磊")
    auth_header(user, "平板-01")
    auth_header(user, "平板-02")
    devices = _records(_run(app, "devices", "list", "ct-赵磊"))
    assert [d["device"] for d in devices] == ["平板-01", "平板-02"]
    _records(_run(app, "devices", "revoke", "ct-赵磊", str(devices[0]["id"])))
    assert [d["device"] for d in _records(_run(app, "devices", "list", "ct-赵磊"))] == ["平板-02"]
    _refused(_run(app, "devices", "revoke", "ct-赵磊"), "--all")
    (revoked,) = _records(_run(app, "devices", "revoke", "ct-赵磊", "--all"))
    assert len(revoked["revoked"]) == 1
    assert _records(_run(app, "devices", "list", "ct-赵磊")) == []
