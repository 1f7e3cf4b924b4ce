"""Tests of the board's map (tillganglighet.report.maps): content, escaping, offline file, browser.

The inputs are built here: real municipality polygons from the embedded geodata with
fabricated travel-time columns, and synthetic meeting points. No network is used; the
browser test runs headless Chromium on the written file with DNS disabled and checks
Chromium's network log for requests made by the page.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

folium = pytest.importorskip("folium", reason="the map needs folium")
pytest.importorskip("xstatic.pkg.leaflet", reason="offline maps need XStatic-Leaflet")

from _chromium import MUNICIPALITY_POPUPS_JS, probe  # noqa: E402

from tillganglighet.data import geodata  # noqa: E402
from tillganglighet.errors import CRSError, InputValidationError, MissingColumnError  # noqa: E402
from tillganglighet.report import maps  # noqa: E402

EVIL = "<script>alert(1)</script>"
EVIL_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
AMP_NAME = "Malung & Sälen"
NETWORK = "modellerat vägnät"
AS_OF = "2020-12-31"
KIRUNA = "2584"
GALLIVARE = "2523"


def _municipalities(threshold: float = 60.0) -> gpd.GeoDataFrame:
    """All 290 municipalities with fabricated figures covering every time class."""
    k = geodata.municipalities()
    rank = k.geometry.centroid.y.rank(method="first").to_numpy() / len(k)  # south -> north
    classes = maps.time_classes(threshold)
    mids = [20.0, 40.0, 55.0, 75.0, 120.0]
    scale = threshold / 60.0
    mean = np.select(
        [rank <= 0.25, rank <= 0.45, rank <= 0.7, rank <= 0.85],
        [m * scale for m in mids[:4]],
        mids[4] * scale,
    )
    mean[(k["kommun_kod"] == KIRUNA).to_numpy()] = np.inf
    # Just over the threshold: must never read as "60 min" beside "över riktvärdet".
    mean[(k["kommun_kod"] == GALLIVARE).to_numpy()] = threshold + 0.04
    assert {c.key for c in classes}  # classes exist for the threshold
    n = len(k)
    k["population"] = (np.arange(n) * 997 % 90_000 + 2_500).astype("int64")
    k["mean_time_min"] = mean
    k["worst_time_min"] = np.where(k["kommun_kod"] == GALLIVARE, threshold + 0.2, mean * 1.5)
    k["largest_settlement"] = k["kommun"]
    k["largest_settlement_time_min"] = mean * 0.8
    k["share_within_threshold"] = np.clip(1 - mean / (2.5 * threshold), 0, 1)
    k["population_beyond_threshold"] = (k["population"] * (1 - k["share_within_threshold"])).astype(
        "int64"
    )
    k["gap"] = mean > threshold
    k["exceeds_by_min"] = np.where(k["gap"], mean - threshold, np.nan)
    k["mean_time_fa_min"] = np.where(rank % 0.1 < 0.03, mean + 30, mean)
    k["gap_fa"] = k["mean_time_fa_min"] > threshold
    k["nearest_point_name"] = "Af " + k["kommun"]
    k["nearest_point_kind_sv"] = "Fast bemannat kontor"
    k["nearest_point_kommun"] = k["kommun"]
    k["nearest_point_relation"] = "same_municipality"
    k.loc[0, "kommun"] = EVIL
    k.loc[1, "kommun"] = AMP_NAME
    k.loc[2, "nearest_point_name"] = EVIL
    return k


def _points(k: gpd.GeoDataFrame, per_kind: int = 36) -> gpd.GeoDataFrame:
    """Synthetic meeting points: ``per_kind`` points of every kind, spread over Sweden."""
    reps = k.geometry.representative_point()
    places = np.random.default_rng(7).permutation(len(k))  # a different kommun per point
    rows = []
    for j, kind in enumerate(maps.KIND_COLOURS):
        for i in range(per_kind):
            idx = int(places[(j * per_kind + i) % len(k)])
            rows.append(
                {
                    "point_id": f"P{j}-{i}",
                    "name": f"Mötesplats {kind} {i}",
                    "place": k["kommun"].iloc[idx],
                    "kommun": k["kommun"].iloc[idx],
                    "kind": kind,
                    "kind_sv": maps.style.KIND_LABEL_SV[kind],
                    "note": "",
                    "geometry": reps.iloc[idx],
                }
            )
    pts = gpd.GeoDataFrame(rows, geometry="geometry", crs=k.crs)
    pts.loc[0, "name"] = EVIL
    pts.loc[1, "note"] = AMP_NAME
    pts.loc[pts["kind"] == "cooperation_own_premises", "kind_sv"] = f"Egen lokal {EVIL}"
    return pts


def _offices(k: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    reps = k.geometry.representative_point()
    idx = list(range(3, len(k), 19))
    return gpd.GeoDataFrame(
        {
            "name": [f"Servicekontor {k['kommun'].iloc[i]}" for i in idx],
            "place": [k["kommun"].iloc[i] for i in idx],
            "kommun": [k["kommun"].iloc[i] for i in idx],
            "rollout_month": "2020-04",
        },
        geometry=reps.iloc[idx].to_numpy(),
        crs=k.crs,
    ).assign(name=lambda df: df["name"].where(df.index != 0, EVIL))


def _origins(k: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One origin per municipality (its representative point), the first one named EVIL."""
    return gpd.GeoDataFrame(
        {
            "name": [EVIL, *k["kommun"].iloc[1:]],
            "kommun": k["kommun"].to_numpy(),
            "population": k["population"].to_numpy(),
            "origin_kind": ["dispersed", *["settlement"] * (len(k) - 1)],
            "time_min": [np.inf, *k["mean_time_min"].iloc[1:].to_numpy()],  # an island
            "nearest_point_name": [f"Punkt {EVIL}", *k["nearest_point_name"].iloc[1:]],
        },
        geometry=k.geometry.representative_point().to_numpy(),
        crs=k.crs,
    )


def _closures(k: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    idx = list(range(5, len(k), 29))
    return gpd.GeoDataFrame(
        {
            "office_name": [EVIL, *[f"Af {k['kommun'].iloc[i]}" for i in idx[1:]]],
            "place": [k["kommun"].iloc[i] for i in idx],
            "kommun": [k["kommun"].iloc[i] for i in idx],
            "closure_date": "2019-12-01",
            "replacement": ["nearby_office", *["cooperation"] * (len(idx) - 1)],
            "cooperation_raw": ["", *[f"Ja {EVIL}"] * (len(idx) - 1)],
            "nearest_point": [EVIL, *[None] * (len(idx) - 1)],
            "time_min": [61.2, *[np.nan] * (len(idx) - 1)],
        },
        geometry=k.geometry.representative_point().iloc[idx].to_numpy(),
        crs=k.crs,
    )


@pytest.fixture(scope="module")
def inputs() -> dict[str, gpd.GeoDataFrame]:
    k = _municipalities()
    return {
        "k": k,
        "pts": _points(k),
        "offices": _offices(k),
        "org": _origins(k),
        "closed": _closures(k),
    }


def _build(inputs: dict[str, gpd.GeoDataFrame], **kwargs: object) -> folium.Map:
    options: dict[str, object] = {
        "fa_regions": geodata.fa_regions(),
        "counties": geodata.counties(),
        "as_of": AS_OF,
        "network_label_sv": NETWORK,
        "attributions": (*maps.DEFAULT_ATTRIBUTIONS, f"Test {EVIL}"),
        "origins": inputs["org"],
        "closures": inputs["closed"],
    }
    options.update(kwargs)
    return maps.accessibility_map(inputs["k"], inputs["pts"], inputs["offices"], **options)


@pytest.fixture(scope="module")
def saved(inputs: dict[str, gpd.GeoDataFrame], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("map") / "karta.html"
    return maps.save_map(_build(inputs), path)


# ------------------------------------------------------------------ static HTML


def test_offline_html_is_self_contained(saved: Path) -> None:
    page = saved.read_text(encoding="utf-8")
    assert maps.external_references(page) == []
    assert not re.search(r"<script\b[^>]*\bsrc\s*=", page, re.IGNORECASE)
    assert not re.search(r"<link\b[^>]*\bhref\s*=\s*[\"']?(https?:)?//", page, re.IGNORECASE)
    assert not re.search(r"url\(\s*[\"']?(https?:)?//", page, re.IGNORECASE)
    for cdn_asset in ("jquery", "bootstrap", "fontawesome", "font-awesome", "awesome-markers"):
        assert cdn_asset not in page.lower(), cdn_asset
    assert 't.version="1.9.3"' in page  # Leaflet inlined
    assert "data:image/png;base64," in page  # CSS images inlined
    assert "tile.openstreetmap.org" not in page  # tiles=False: no tile layer at all
    assert '<html lang="sv">' in page
    assert oct(saved.stat().st_mode & 0o777) == oct(0o644)


def test_user_text_is_escaped(saved: Path) -> None:
    page = saved.read_text(encoding="utf-8")
    assert EVIL not in page
    assert "alert(1)</script" not in page
    # Kommun, point, office, kind label (legend + layer control) and attribution:
    assert page.count(EVIL_ESCAPED) >= 6
    assert "Malung &amp; Sälen" in page
    assert AMP_NAME not in page


def _in_page(text: str, page: str) -> bool:
    """Whether ``text`` is in the page, as it is or as JSON inside a script."""
    forms = {text}
    for ascii_only in (True, False):
        js = json.dumps(text, ensure_ascii=ascii_only)[1:-1]
        safe = js.replace("<", "\\u003c").replace(">", "\\u003e")
        forms |= {js, safe, safe.replace("&", "\\u0026").replace("'", "\\u0027")}
    return any(form in page for form in forms)


def test_title_box_and_legend_texts(saved: Path) -> None:
    page = saved.read_text(encoding="utf-8")
    for text in (
        NETWORK,
        AS_OF,
        "Riktvärde: <b>60 min</b>",
        "Färdsätt:",
        "Befolkningsviktad restid",
        "Längsta restid",
        "Restid från ",
        "Andel inom 60 min",
        "Närmaste mötesplats",
        "Över riktvärdet med",
        "FA-regeln",
        "ej nåbar",
        "Tillväxtverket",
        "GeoNames (CC BY 4.0)",
        "rapport 2020-10-23",
        "FA-regioner (gränser)",
        "Län (gränser)",
        "SSC servicekontor med kundtorg",
    ):
        assert _in_page(text, page), text
    labels = [cls.label_sv for cls in maps.time_classes(60)]
    assert labels == ["≤ 30 min", "30–45 min", "45–60 min", "60–90 min", "> 90 min", "ej nåbar"]
    for cls in maps.time_classes(60):
        assert _in_page(html.escape(cls.label_sv), page), cls.label_sv
        assert cls.colour in page


def test_class_edges_follow_threshold(inputs: dict[str, gpd.GeoDataFrame]) -> None:
    classes = maps.time_classes(45)
    assert [c.label_sv for c in classes] == [
        "≤ 22,5 min",
        "22,5–33,75 min",
        "33,75–45 min",
        "45–67,5 min",
        "> 67,5 min",
        "ej nåbar",
    ]
    from tillganglighet import accessibility

    one = [(c.key, c.lower_min, c.upper_min) for c in accessibility.time_classes(45)]
    assert [(c.key, c.lower_min, c.upper_min) for c in classes] == one  # one definition
    values = pd.Series([10, 22.5, 30, 45, 45.01, 67.5, 100, np.inf, np.nan])
    assert maps.style.class_index(values, classes).tolist() == [0, 0, 1, 2, 3, 3, 4, 5, -1]
    assert maps.style.class_index(pd.Series([60.0, 60.5]), maps.time_classes(60)).tolist() == [2, 3]
    m = _build(inputs, threshold_min=45)
    page = m.get_root().render()
    assert "Andel inom 45 min" in page and "45–67,5 min" in page
    with pytest.raises(InputValidationError, match="threshold_min"):
        maps.time_classes(0)


def test_file_size_for_the_whole_country(saved: Path, inputs: dict[str, gpd.GeoDataFrame]) -> None:
    assert len(inputs["k"]) == 290 and len(inputs["pts"]) >= 200
    assert saved.stat().st_size < 3_000_000


def test_tiles_are_the_only_online_part(
    inputs: dict[str, gpd.GeoDataFrame], tmp_path: Path
) -> None:
    path = maps.save_map(_build(inputs, tiles=True), tmp_path / "med_bakgrund.html")
    page = path.read_text(encoding="utf-8")
    assert "tile.openstreetmap.org" in page
    assert "OpenStreetMap-bidragsgivare" in page
    assert maps.external_references(page) == []


def test_online_save_links_leaflet_only(
    inputs: dict[str, gpd.GeoDataFrame], tmp_path: Path
) -> None:
    page = maps.save_map(_build(inputs), tmp_path / "online.html", offline=False).read_text(
        encoding="utf-8"
    )
    scripts = re.findall(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", page)
    styles = re.findall(r"<link\b[^>]*\bhref=\"([^\"]+)\"", page)
    assert [Path(s).name for s in scripts] == ["leaflet.js"]
    assert [Path(s).name for s in styles] == ["leaflet.css"]


def test_offline_save_refuses_cdn_assets(
    inputs: dict[str, gpd.GeoDataFrame], tmp_path: Path
) -> None:
    m = folium.Map(tiles=None)  # folium's defaults: jQuery, Bootstrap, Font Awesome ...
    _build(inputs, m=m)
    target = tmp_path / "cdn.html"
    with pytest.raises(maps.OfflineAssetError, match="jquery"):
        maps.save_map(m, target)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_input_validation(inputs: dict[str, gpd.GeoDataFrame]) -> None:
    k, pts = inputs["k"], inputs["pts"]
    with pytest.raises(MissingColumnError, match="mean_time_min"):
        maps.accessibility_map(
            k.drop(columns="mean_time_min"), pts, as_of=AS_OF, network_label_sv=NETWORK
        )
    with pytest.raises(CRSError):
        maps.accessibility_map(
            k.set_crs(None, allow_override=True), pts, as_of=AS_OF, network_label_sv=NETWORK
        )
    bad = pts.copy()
    bad.loc[bad.index[0], "kind"] = "bus_stop"
    with pytest.raises(InputValidationError, match="bus_stop"):
        maps.accessibility_map(k, bad, as_of=AS_OF, network_label_sv=NETWORK)


# ------------------------------------------------------------------ atomic write


def test_save_is_atomic(
    inputs: dict[str, gpd.GeoDataFrame], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = _build(inputs)
    target = tmp_path / "atomic.html"
    maps.save_map(m, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["atomic.html"]
    good = target.read_bytes()

    def fail(_fd: int) -> None:
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(os, "fsync", fail)  # raises after part of the page is written
    with pytest.raises(OSError, match="simulated"):
        maps.save_map(m, target)
    assert target.read_bytes() == good  # the old file is untouched
    fresh = tmp_path / "new" / "fresh.html"
    with pytest.raises(OSError, match="simulated"):
        maps.save_map(m, fresh)
    assert not fresh.exists()
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["atomic.html"]


# ------------------------------------------------------------------ real browser


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("headless Chromium not installed (Debian: apt-get install chromium)")


def _run_chromium(
    url: str, tmp: Path, *extra: str, size: str = "1200,1400"
) -> subprocess.CompletedProcess[str]:
    args = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp / 'profile'}",
        # Nothing can resolve: even a leaking page could not reach the internet.
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--window-size={size}",
        "--virtual-time-budget=5000",
        *extra,
        url,
    ]
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


def _page_requests(netlog: Path) -> list[str]:
    """URLs the page itself asked for (Chromium's own background requests excluded)."""
    text = netlog.read_text(encoding="utf-8")
    try:
        log = json.loads(text)
    except json.JSONDecodeError:  # log cut short at exit
        log = json.loads(text.rstrip().rstrip(",") + "]}")
    names = {code: name for name, code in log["constants"]["logEventTypes"].items()}
    urls = []
    for event in log["events"]:
        params = event.get("params") or {}
        # Requests of the browser process itself have no origin: not the page's.
        if (
            names.get(event["type"]) == "URL_REQUEST_START_JOB"
            and "url" in params
            and params.get("initiator") != "not an origin"
        ):
            urls.append(params["url"])
    return urls


def _colour_share(pixels: np.ndarray, colour: str, tol: int = 6) -> tuple[int, float]:
    rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.int16)
    close = (np.abs(pixels.astype(np.int16) - rgb) <= tol).all(axis=-1)
    return int(close.sum()), float(close.mean())


@pytest.mark.slow
def test_netlog_sees_page_requests(tmp_path: Path) -> None:
    """Control: the network-log check does catch a page that loads from the internet."""
    probe = tmp_path / "probe.html"
    probe.write_text(
        '<html><body><img src="http://tg-probe.invalid/x.png">'
        '<script>fetch("https://tg-probe.invalid/y.json").catch(()=>0)</script>'
        "</body></html>",
        encoding="utf-8",
    )
    netlog = tmp_path / "net.json"
    _run_chromium(probe.as_uri(), tmp_path, f"--log-net-log={netlog}", "--dump-dom", size="400,300")
    requested = _page_requests(netlog)
    assert "http://tg-probe.invalid/x.png" in requested
    assert "https://tg-probe.invalid/y.json" in requested


@pytest.mark.slow
def test_map_renders_offline_in_chromium(
    saved: Path, inputs: dict[str, gpd.GeoDataFrame], tmp_path: Path
) -> None:
    image = pytest.importorskip("PIL.Image", reason="the screenshot check needs Pillow")
    png, netlog = tmp_path / "karta.png", tmp_path / "net.json"
    done = _run_chromium(saved.as_uri(), tmp_path, f"--screenshot={png}", f"--log-net-log={netlog}")
    assert png.exists(), done.stderr[-2000:]
    keep = os.environ.get("TILLGANGLIGHET_KEEP_SCREENSHOT")
    if keep:
        shutil.copyfile(png, keep)

    # No request left the page for the internet.
    requested = _page_requests(netlog)
    assert not [u for u in requested if re.match(r"(https?|wss?|ftp):", u, re.IGNORECASE)], (
        requested
    )

    pixels = np.asarray(image.open(png).convert("RGB"))
    assert pixels.shape[:2] == (1400, 1200)
    # Not blank: the background colour covers well under 80 % and many colours occur.
    _, background = _colour_share(pixels, "#e9eef2", tol=2)
    assert background < 0.8
    packed = pixels.astype(np.int32) @ np.array([65536, 256, 1], dtype=np.int32)
    assert len(np.unique(packed)) > 200
    # Every travel-time class used in the data fills a visible part of the map.
    for cls in maps.time_classes(60):
        count, share = _colour_share(pixels, cls.colour)
        assert share >= 0.005, f"class {cls.label_sv} ({cls.colour}): {share:.4%}"
    # Meeting-point markers are drawn: far more pixels than their legend and layer-list
    # swatches (about 250 pixels) alone.
    for kind, colour in maps.KIND_COLOURS.items():
        count, _ = _colour_share(pixels, colour)
        assert count >= 600, f"{kind} ({colour}): {count} px"


@pytest.mark.slow
def test_escaped_names_render_as_text_in_chromium(
    inputs: dict[str, gpd.GeoDataFrame], tmp_path: Path
) -> None:
    m = _build(inputs)
    folium.Marker([59.33, 18.07], tooltip="standardmarkör").add_to(m)  # Leaflet's own icon
    path = maps.save_map(m, tmp_path / "dom.html")
    done = _run_chromium(path.as_uri(), tmp_path, "--dump-dom")
    dom = done.stdout
    assert "leaflet-control-layers" in dom, done.stderr[-2000:]  # the page ran
    assert EVIL_ESCAPED in dom  # shown as text (legend, layer list, title box)
    assert EVIL not in dom
    assert NETWORK in dom and AS_OF in dom and "60 min" in dom
    # Leaflet's default marker icon comes from the inlined data: URI, not a file or URL.
    icon = re.search(r'<img src="([^"]*)" class="leaflet-marker-icon', dom)
    assert icon and icon.group(1).startswith("data:image/png;base64,"), icon


@pytest.mark.slow
def test_values_just_over_the_threshold_never_read_as_within(saved: Path, tmp_path: Path) -> None:
    popups = {p["name"]: p for p in probe(saved, MUNICIPALITY_POPUPS_JS, tmp_path)}
    pop = popups["Gällivare"]
    nbsp = "\u00a0"
    assert pop["rows"]["Befolkningsviktad restid"] == f">{nbsp}60{nbsp}min"
    assert pop["rows"]["Längsta restid"] == f"60,2{nbsp}min"
    assert pop["verdicts"][0].startswith(f"Över riktvärdet med <{nbsp}0,1{nbsp}min")
    # Across the map: a displayed mean over 60 goes with "Över", at most 60 with "Inom".
    for name, p in popups.items():
        shown = p["rows"]["Befolkningsviktad restid"].replace(nbsp, " ")
        if shown in ("ej nåbar", "uppgift saknas"):
            continue
        value = float(shown.removeprefix("> ").removesuffix(" min").replace(",", "."))
        over = shown.startswith(">") or value > 60
        assert p["verdicts"][0].startswith("Över" if over else "Inom"), (name, shown)


_LAYOUT_JS = """
var box = function (sel) {
  var el = document.querySelector(sel), r = el.getBoundingClientRect();
  return {open: el.open === undefined ? null : el.open, area: r.width * r.height,
          top: r.top, bottom: r.bottom, left: r.left, right: r.right};
};
var layers = document.querySelector(".leaflet-control-layers");
return {title: box(".tg-title"), legend: box(".tg-legend"), layers: box(".leaflet-control-layers"),
        layersExpanded: layers.classList.contains("leaflet-control-layers-expanded"),
        scale: Array.from(document.querySelectorAll(".leaflet-control-scale-line")).map(
          function (e) { return e.textContent; }),
        viewport: window.innerWidth * window.innerHeight};
"""


@pytest.mark.slow
@pytest.mark.parametrize(("size", "narrow"), [("390,844", True), ("1200,1400", False)])
def test_panels_collapse_on_a_phone_and_scale_is_metric(
    saved: Path, tmp_path: Path, size: str, narrow: bool
) -> None:
    got = probe(saved, _LAYOUT_JS, tmp_path, size=size)
    panels = got["title"]["area"] + got["legend"]["area"] + got["layers"]["area"]
    share = panels / got["viewport"]
    if narrow:
        assert got["title"]["open"] is False and got["legend"]["open"] is False
        assert got["layersExpanded"] is False
        assert share < 0.12, f"panels cover {share:.0%} of a 390x844 screen"
    else:
        assert got["title"]["open"] is True and got["legend"]["open"] is True
        assert got["layersExpanded"] is True
    assert len(got["scale"]) == 1 and re.fullmatch(r"\d+ (km|m)", got["scale"][0]), got["scale"]
    # Opening a collapsed panel works with a tap (a <details> element) and it fits.
    assert got["title"]["right"] <= int(size.split(",")[0])


@pytest.mark.slow
def test_phone_screenshot_shows_the_map(saved: Path, tmp_path: Path) -> None:
    image = pytest.importorskip("PIL.Image", reason="the screenshot check needs Pillow")
    png = tmp_path / "phone.png"
    _run_chromium(saved.as_uri(), tmp_path, f"--screenshot={png}", size="390,844")
    keep = os.environ.get("TILLGANGLIGHET_KEEP_SCREENSHOT")
    if keep:
        shutil.copyfile(png, Path(keep).with_name("phone-" + Path(keep).name))
    pixels = np.asarray(image.open(png).convert("RGB"))
    assert pixels.shape[:2] == (844, 390)
    # Most of the screen is map (class colours), not panel white.
    coloured = sum(_colour_share(pixels, c.colour)[1] for c in maps.time_classes(60))
    white, _ = _colour_share(pixels, "#ffffff", tol=8)
    assert coloured > 0.15, coloured
    assert white / pixels[..., 0].size < 0.15


@pytest.mark.slow
def test_notebook_display_renders_offline(
    inputs: dict[str, gpd.GeoDataFrame], tmp_path: Path
) -> None:
    """OfflineMap's notebook HTML (an iframe with the whole page) draws the map offline."""
    image = pytest.importorskip("PIL.Image", reason="the screenshot check needs Pillow")
    frame = maps.OfflineMap(_build(inputs), height=900)._repr_html_()
    assert maps.external_references(frame) == []
    cell = tmp_path / "cell.html"
    cell.write_text(f"<!doctype html><html><body style='margin:0'>{frame}</body></html>")
    png, netlog = tmp_path / "cell.png", tmp_path / "net.json"
    _run_chromium(
        cell.as_uri(), tmp_path, f"--screenshot={png}", f"--log-net-log={netlog}", size="900,900"
    )
    requested = _page_requests(netlog)
    assert not [u for u in requested if re.match(r"(https?|wss?):", u)], requested
    pixels = np.asarray(image.open(png).convert("RGB"))
    for cls in maps.time_classes(60)[:5]:
        assert _colour_share(pixels, cls.colour)[1] > 0.002, cls.label_sv


_PLACES_JS = """
var out = {origins: [], closures: []};
var flagged = tgMaps.made.origins[0];
flagged.eachLayer(function (l) {
  l.fire("click", {latlng: l.getLatLng()}, true);
  out.origins.push(flagged.getPopup().getElement().querySelector(".leaflet-popup-content").innerHTML);
  flagged.closePopup();
});
tgMaps.made.crosses[0].eachLayer(function (l) {
  l.openPopup();
  out.closures.push(l.getPopup().getElement().querySelector(".leaflet-popup-content").innerHTML);
  l.closePopup();
});
out.scripts = document.querySelectorAll(".leaflet-popup-content script").length;
return out;
"""


@pytest.mark.slow
def test_origin_and_closure_popups_escape_names(saved: Path, tmp_path: Path) -> None:
    got = probe(saved, _PLACES_JS, tmp_path)
    texts = got["origins"] + got["closures"]
    assert got["scripts"] == 0
    assert any(EVIL_ESCAPED in t for t in got["origins"])  # shown as text, not markup
    assert any(EVIL_ESCAPED in t for t in got["closures"])
    assert not any(EVIL in t for t in texts)
    first = next(t for t in got["closures"] if "närliggande kontor" in t)
    assert "61&nbsp;min" in first and "Avvecklat" in first
    assert any("Ej nåbar" in t for t in got["origins"])
