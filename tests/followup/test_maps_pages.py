"""Map pages served by the app and written by the CLI."""

from __future__ import annotations

from inspect_app.cli import lianjian
from inspect_app.models import SpotCheckTask
from tests.factories import login


def test_entity_map_page_embeds_every_holder_once(client, joint):
    response = client.get(
        "/api/v1/maps/entities?industry=IC&tiles=none", headers=login("planner", "CT")
    )
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert joint.licence.holder.credit_code in html
    assert "/static/maps/" in html
    asset = html.split('src="/static/maps/')[1].split('"')[0]
    assert client.get(f"/static/maps/{asset}").status_code == 200


def test_draw_and_progress_pages_of_a_task(client, joint):
    code = SpotCheckTask.get_by_id(joint.inspection.task_id).code
    headers = login("planner", "CT")
    for kind in ("draw", "progress"):
        response = client.get(f"/api/v1/maps/tasks/{code}/{kind}?tiles=none", headers=headers)
        assert response.status_code == 200, kind
    assert (
        client.get(f"/api/v1/maps/tasks/{code}/draw", headers=login("planner", "MS")).status_code
        == 404
    )


def test_maps_are_for_planners(client, joint):
    assert client.get("/api/v1/maps/failures", headers=login("licensing", "ASC")).status_code == 403
    assert client.get("/api/v1/maps/failures").status_code == 401


def test_cli_writes_self_contained_pages(app, joint, tmp_path):
    code = SpotCheckTask.get_by_id(joint.inspection.task_id).code
    runner = app.test_cli_runner()
    for args in (
        ["maps", "entities", "--industry", "IC"],
        ["maps", "draw", code],
        ["maps", "progress", code],
        ["maps", "failures"],
    ):
        out = tmp_path / f"{args[1]}.html"
        result = runner.invoke(lianjian, args=[*args, "--tiles", "none", "-o", str(out)])
        assert result.exit_code == 0, result.output
        html = out.read_text(encoding="utf-8")
        assert "<script" in html and "/static/maps/" not in html
