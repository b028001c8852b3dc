"""Map pages open offline in headless Chromium and draw their markers.

Chromium runs with no network and a fresh profile; `--dump-dom` returns the page after
its scripts ran (under a virtual-time budget, so waiting is not a timed assertion). The
points layer reports on the DOM what it drew (`data-markers`, `data-drawn`), and the
page records any script error on <html data-map-errors>.

Needs Debian's `chromium` (/usr/bin/chromium). Without it these tests are skipped,
except under CI=true, where they fail: CI must install it.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
from pathlib import Path
from random import Random

import pytest

from inspect_app.domain.credit_code import complete
from maps import (
    STATIC_DIR,
    Labels,
    draw_map,
    entities_map,
    failures_by_street,
    progress_map,
    render_html,
    write_html,
)
from seeds.catalogue_loader import load_catalogue

CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() == "true"
VIRTUAL_TIME_BUDGET_MS = 10_000
PROCESS_TIMEOUT_S = 300  # a guard against a hung browser, not a performance assertion
DISTRICT_SIZE = 100_000
KM_PER_DEGREE_LAT = 111.32
GRADES = "AAAAABBBCD"  # most entities low risk
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--mute-audio",
)


@pytest.fixture(scope="module")
def chromium() -> Path:
    found = CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")
    if found:
        return Path(found)
    reason = "headless Chromium not installed (apt-get install -y chromium)"
    if IN_CI:
        pytest.fail(f"{reason}: CI must install it")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def district(n: int, seed: int, catalogue) -> list[dict[str, object]]:
    """n entities with valid credit codes spread over the street circles."""
    rng = Random(seed)
    streets = list(catalogue.streets)
    industries = [i.code for i in catalogue.industries]
    rows = []
    for k in range(n):
        street = rng.choice(streets)
        distance, bearing = street.radius_km * math.sqrt(rng.random()), rng.random() * math.tau
        cos_lat = math.cos(math.radians(street.lat))
        rows.append(
            {
                "credit_code": complete(f"91310113MA{k:07d}"),
                "name": f"上海宝山区{street.name}第{k}号便利店",
                "industry": rng.choice(industries),
                "grade": rng.choice(GRADES),
                "lat": street.lat + distance * math.cos(bearing) / KM_PER_DEGREE_LAT,
                "lon": street.lon + distance * math.sin(bearing) / (KM_PER_DEGREE_LAT * cos_lat),
                "street": street.code,
            }
        )
    return rows


def rendered_dom(chromium: Path, page: Path, profile: Path) -> str:
    """The page's DOM after its scripts ran, from a fresh offline headless Chromium."""
    result = subprocess.run(
        [
            str(chromium),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--virtual-time-budget={VIRTUAL_TIME_BUDGET_MS}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=PROCESS_TIMEOUT_S,
        check=True,
    )
    return result.stdout


def attribute(dom: str, tag_pattern: str, name: str) -> str | None:
    """An attribute of the first matching tag outside <script> (inline code mentions tags)."""
    tag = re.search(tag_pattern, re.sub(r"<script\b.*?</script>", "", dom, flags=re.DOTALL))
    assert tag, f"no {tag_pattern} in the rendered page"
    found = re.search(rf'\b{name}="([^"]*)"', tag.group(0))
    return found.group(1) if found else None


def body_markers(dom: str) -> int:
    return int(attribute(dom, r"<body[^>]*>", "data-markers") or 0)


def drawn_on_map(dom: str) -> int:
    return int(attribute(dom, r'<div class="folium-map[^>]*>', "data-drawn") or 0)


def script_errors(dom: str) -> str | None:
    return attribute(dom, r"<html[^>]*>", "data-map-errors")


def test_entities_page_draws_every_marker_offline(chromium, catalogue, tmp_path):
    rows = district(500, 1, catalogue)
    page = write_html(
        entities_map(rows, tiles="none", labels=Labels.from_catalogue(catalogue)),
        tmp_path / "entities.html",
    )
    dom = rendered_dom(chromium, page, tmp_path / "profile")
    assert script_errors(dom) is None
    assert "leaflet-container" in dom
    assert body_markers(dom) == 500
    assert drawn_on_map(dom) == 500


def test_page_with_linked_assets_loads_them_from_the_prefix(chromium, catalogue, tmp_path):
    rows = district(200, 2, catalogue)
    page = write_html(
        entities_map(rows, tiles="none"), tmp_path / "linked.html", asset_prefix=STATIC_DIR.as_uri()
    )
    dom = rendered_dom(chromium, page, tmp_path / "profile")
    assert script_errors(dom) is None
    assert body_markers(dom) == 200


def test_hidden_layer_group_is_not_drawn(chromium, catalogue, tmp_path):
    rows = district(300, 3, catalogue)
    html = render_html(entities_map(rows, tiles="none", industries={"IC"}))
    # As a user unticking the only industry in the layer control would, after load.
    untick = "<script>document.querySelector('.leaflet-control-layers-selector').click();</script>"
    page = tmp_path / "hidden.html"
    page.write_text(html.replace("</html>", untick + "</html>"), encoding="utf-8")
    dom = rendered_dom(chromium, page, tmp_path / "profile")
    assert script_errors(dom) is None
    assert body_markers(dom) == len([r for r in rows if r["industry"] == "IC"])
    assert drawn_on_map(dom) == 0


def test_draw_page_draws_picked_and_unpicked_entities(chromium, catalogue, tmp_path):
    rows = [
        dict(r, picked=k % 10 == 0, team={"MS": ["MS0012", "MS0031"]}, shortfall=k % 50 == 0)
        for k, r in enumerate(district(400, 4, catalogue))
    ]
    page = write_html(draw_map(rows, tiles="none"), tmp_path / "draw.html")
    dom = rendered_dom(chromium, page, tmp_path / "profile")
    assert script_errors(dom) is None
    assert drawn_on_map(dom) == 400


def test_progress_page_draws_every_task_entity(chromium, catalogue, tmp_path):
    states = ("todo", "checked", "overdue")
    rows = [dict(r, state=states[k % 3]) for k, r in enumerate(district(90, 5, catalogue))]
    page = write_html(progress_map(rows, tiles="none"), tmp_path / "progress.html")
    dom = rendered_dom(chromium, page, tmp_path / "profile")
    assert script_errors(dom) is None
    assert drawn_on_map(dom) == 90


def test_failures_page_draws_a_circle_per_street_and_the_heat_layer(chromium, catalogue, tmp_path):
    failing = district(60, 6, catalogue)
    counts: dict[str, int] = {}
    for row in failing:
        counts[str(row["street"])] = counts.get(str(row["street"]), 0) + 1
    m = failures_by_street(catalogue.streets, counts, failing_points=failing, tiles="none")
    dom = rendered_dom(chromium, write_html(m, tmp_path / "failures.html"), tmp_path / "profile")
    assert script_errors(dom) is None
    assert dom.count('<path class="leaflet-interactive"') == len(catalogue.streets)
    assert "leaflet-heatmap-layer" in dom


def test_district_of_100000_entities_renders_within_the_time_budget(chromium, catalogue, tmp_path):
    rows = district(DISTRICT_SIZE, 7, catalogue)
    page = write_html(entities_map(rows, tiles="none"), tmp_path / "district.html")
    dom = rendered_dom(chromium, page, tmp_path / "profile")
    assert script_errors(dom) is None
    assert body_markers(dom) == DISTRICT_SIZE
    assert drawn_on_map(dom) == DISTRICT_SIZE
