"""Tests of the modelled national timetable (tillganglighet.transit.modelled). No network.

Most tests use the inter-place feed (``towns=False``, a few seconds to build); the full
feed (town grids, ≈ 2.7 million stop times) is built once per module where needed.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from scipy.sparse.csgraph import dijkstra

from tillganglighet.data import geodata
from tillganglighet.transit import modelled
from tillganglighet.transit.modelled import build as B
from tillganglighet.transit.modelled import calibration as C
from tillganglighet.transit.modelled import rules as R
from tillganglighet.transit.modelled.rules import FITTED_RULES


@pytest.fixture(scope="module")
def small() -> dict[str, pd.DataFrame]:
    return modelled.build_feed(towns=False)


@pytest.fixture(scope="module")
def full() -> dict[str, pd.DataFrame]:
    return modelled.build_feed()


def _places_and_cells() -> pd.DataFrame:
    """The population model's origins gathered the way the feed's stops stand for them
    (computed here from geodata.origins()): a place's parts (``gn<id>.<k>``) make one
    place ``gn<id>`` (population summed, position their mean); a dispersed cell is its
    own stop."""
    o = geodata.origins()
    disp = o["origin_kind"] == "dispersed"
    key = o["origin_id"].where(disp, o["origin_id"].str.replace(r"\.\d+$", "", regex=True))
    frame = pd.DataFrame(
        {
            "id": key.to_numpy(),
            "population": o["population"].to_numpy(),
            "dispersed": disp.to_numpy(),
            "kommun_kod": o["kommun_kod"].to_numpy(),
            "kommun": o["kommun"].to_numpy(),
            "is_largest": o["is_largest"].to_numpy(),
            "x": o.geometry.x.to_numpy(),
            "y": o.geometry.y.to_numpy(),
        }
    )
    return frame.groupby("id").agg(
        population=("population", "sum"),
        dispersed=("dispersed", "first"),
        kommun_kod=("kommun_kod", "first"),
        kommun=("kommun", "first"),
        is_largest=("is_largest", "any"),
        x=("x", "mean"),
        y=("y", "mean"),
    )


def _hms(t: pd.Series) -> np.ndarray:
    p = t.str.split(":", expand=True).astype(int)
    return (p[0] * 3600 + p[1] * 60 + p[2]).to_numpy()


def test_labels_and_caveat_texts() -> None:
    assert modelled.MODELLED_PT_LABEL_SV == "modellerad kollektivtrafik (syntetisk tidtabell)"
    assert modelled.MODELLED_PT_LABEL_EN == "modelled public transport"
    for text in (modelled.HOW_TO_USE_GTFS_SV, modelled.HOW_TO_USE_GTFS_EN):
        assert "tillganglighet analyze --gtfs sweden.zip" in text
        assert "trafiklab.se" in text.lower()


def test_every_origin_has_a_stop(small: dict[str, pd.DataFrame]) -> None:
    """Every place has its stop; every dispersed origin has a stop of its own, served,
    within the rural access radius (at its point)."""
    from tillganglighet.transit import WalkParams

    pc = _places_and_cells()
    stops = small["stops"].set_index("stop_id")
    assert set(pc.index) <= set(stops.index)
    s = stops.loc[pc.index]
    x, y = Transformer.from_crs(4326, 3006, always_xy=True).transform(
        s["stop_lon"].to_numpy(), s["stop_lat"].to_numpy()
    )
    dist = np.hypot(x - pc["x"].to_numpy(), y - pc["y"].to_numpy())
    assert dist.max() < 1.0 < WalkParams().rural_access_radius_m
    cells = pc.index[pc["dispersed"].to_numpy()]
    assert len(cells) > 7000
    assert (stops.loc[cells, "stop_kind"] == "dispersed").all()
    served = set(small["stop_times"]["stop_id"])
    assert set(cells) <= served


def _corridor_population(feed: dict[str, pd.DataFrame], rid: str, pc: pd.DataFrame) -> float:
    """P of a bus line recomputed from the feed: its smaller end plus the corridor cells
    (intermediate dispersed stops) it owns, a cell owned by the most local kind among the
    bus lines serving it, then the smallest route id (rules.CORRIDOR_SERVICE)."""
    st = feed["stop_times"]
    first = st[st["trip_id"].str.endswith("_0_000")].copy()
    first["route_id"] = first["trip_id"].str.slice(0, -6)
    last = first.groupby("trip_id")["stop_sequence"].transform("max")
    inner = first[(first["stop_sequence"] > 1) & (first["stop_sequence"] < last)]
    inner = inner[inner["stop_id"].isin(pc.index[pc["dispersed"].to_numpy()])]
    # a cell with a line of its own (ending at the cell) is owned by that line
    own_line = first.groupby("route_id")["stop_id"].last()
    inner = inner[~inner["stop_id"].isin(own_line[own_line.str.startswith("d")])]
    kind = feed["routes"].set_index("route_id")["route_short_name"]
    rank = {"local": 0, "regional": 1, "county": 2}
    inner = inner.assign(rank=kind.reindex(inner["route_id"]).map(rank).to_numpy())
    inner = inner.dropna(subset=["rank"]).sort_values(["rank", "route_id"], kind="stable")
    own = inner.drop_duplicates("stop_id")
    cells = own.loc[own["route_id"] == rid, "stop_id"]
    ids = first.loc[first["route_id"] == rid, "stop_id"].to_numpy()
    ends = pc.loc[[ids[0], ids[-1]], "population"]
    return float(ends.min() + pc.loc[cells, "population"].sum())


def test_dispersed_cells_on_corridors_or_their_own_line(small: dict[str, pd.DataFrame]) -> None:
    """A dispersed cell is an intermediate stop of the lines passing it (corridor stop)
    or, when no line passes within reach or it holds at least
    rules.CORRIDOR_OWN_LINE_MIN_POP people, has its own local line, which runs to its
    municipality's main place when the cell is at most that large, else to the nearest
    place (brute force here) with at least the cell's population; departures by the
    local rule with the line's corridor population."""
    pc = _places_and_cells()
    places = pc[~pc["dispersed"]]
    main = places[places["is_largest"]].reset_index().set_index("kommun_kod")["id"]
    routes = small["routes"]
    local = routes.loc[routes["route_short_name"] == "local", "route_id"]
    ends = local.str.slice(1).str.split("-", n=1, expand=True)
    by_cell = pd.Series(ends[0].to_numpy(), index=ends[1].to_numpy())
    cells = pc[pc["dispersed"]]
    st = small["stop_times"]
    first_trips = st[st["trip_id"].str.endswith("_0_000")]
    last_seq = first_trips.groupby("trip_id")["stop_sequence"].transform("max")
    inner = first_trips[
        (first_trips["stop_sequence"] > 1) & (first_trips["stop_sequence"] < last_seq)
    ]
    on_corridor = set(inner["stop_id"]) & set(cells.index)
    private = set(by_cell.index) & set(cells.index)
    assert len(on_corridor) > 2000 and len(private) > 1000
    assert on_corridor | private == set(cells.index)
    both = on_corridor & private
    big = set(cells.index[cells["population"].to_numpy() >= R.CORRIDOR_OWN_LINE_MIN_POP])
    assert both == big & on_corridor and len(both) > 0
    counts = small["trips"].groupby(["route_id", "direction_id"]).size()
    rng = np.random.default_rng(11)
    pick = list(rng.choice(sorted(private), 150, replace=False))
    main_pop = places.loc[main.reindex(cells["kommun_kod"]).to_numpy(), "population"]
    suburban = cells.index[cells["population"].to_numpy() > main_pop.to_numpy()]
    pick = list(dict.fromkeys(pick + [c for c in suburban if c in private]))
    for cid in pick:
        c = cells.loc[cid]
        m = main[c["kommun_kod"]]
        if c["population"] <= places.loc[m, "population"]:
            want = m
        else:
            cand = places[places["population"] >= c["population"]]
            d = np.hypot(cand["x"] - c["x"], cand["y"] - c["y"])
            want = d.idxmin() if len(cand) else m
        assert by_cell[cid] == want, cid
        rid = f"L{want}-{cid}"
        p = _corridor_population(small, rid, pc)
        n = FITTED_RULES.local_a * (p / 1000.0) ** FITTED_RULES.local_e
        k = int(np.clip(np.round(n), 1, FITTED_RULES.max_local))
        assert counts[(rid, 0)] == k and counts[(rid, 1)] == k
    # the suburbs GeoNames lists only as small entries are served (Tyresö, Salem)
    assert {"Tyresö", "Salem"} <= set(cells.loc[suburban, "kommun"])


def test_tables_are_sorted_and_consistent(small: dict[str, pd.DataFrame]) -> None:
    st, trips, routes, stops = (small[k] for k in ("stop_times", "trips", "routes", "stops"))
    assert stops["stop_id"].is_unique and trips["trip_id"].is_unique
    assert routes["route_id"].is_unique
    assert list(trips["trip_id"]) == sorted(trips["trip_id"])
    assert set(st["stop_id"]) <= set(stops["stop_id"])
    assert set(st["trip_id"]) == set(trips["trip_id"])
    assert set(trips["route_id"]) == set(routes["route_id"])
    # stop_times grouped by trip in trip order, sequence increasing, times non-decreasing
    rank = pd.Series(np.arange(len(trips)), index=trips["trip_id"])[st["trip_id"]].to_numpy()
    assert (np.diff(rank) >= 0).all()
    same = rank[1:] == rank[:-1]
    seq = st["stop_sequence"].to_numpy()
    assert (np.diff(seq)[same] == 1).all()
    t = _hms(st["arrival_time"])
    assert (np.diff(t)[same] >= 0).all()
    assert (st["arrival_time"] == st["departure_time"]).all()


def test_gtfs_kit_reads_and_summarises(small: dict[str, pd.DataFrame], tmp_path) -> None:
    """An independent GTFS library (gtfs-kit 13 has no validator) reads the zip."""
    gk = pytest.importorskip("gtfs_kit")
    path = modelled.write_feed(small, tmp_path / "m.zip")
    feed = gk.read_feed(path, dist_units="km")
    assert len(feed.stops) == len(small["stops"])
    assert len(feed.stop_times) == len(small["stop_times"])
    # a Tuesday runs every trip, a Sunday none
    assert len(feed.get_trips("20201208")) == len(small["trips"])
    assert len(feed.get_trips("20201213")) == 0
    assert len(feed.get_stop_times("20201208")) == len(small["stop_times"])


def test_feed_is_byte_identical_across_builds(small: dict[str, pd.DataFrame], tmp_path) -> None:
    a = modelled.write_feed(small, tmp_path / "a.zip").read_bytes()
    B._MODELS.clear()  # a fresh build, not the in-process memo
    b = modelled.write_feed(modelled.build_feed(towns=False), tmp_path / "b.zip").read_bytes()
    assert a == b
    with zipfile.ZipFile(io.BytesIO(a)) as zf:
        names = zf.namelist()
        assert names == sorted(names)
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_two_stop_line_runs_at_factor_times_road_time(small: dict[str, pd.DataFrame]) -> None:
    """A line with no intermediate stop: running time = round(bus_factor × shortest road
    time between the two place nodes + one dwell), the road time recomputed here with
    scipy's Dijkstra."""
    from tillganglighet.networks.load import modelled_network

    model = B.build_model(towns=False)
    base = B._places()
    places = pd.concat([base, B._dispersed_cells(base)]).set_index("place_id")
    net = modelled_network()
    g = net.csr()
    pats = [
        p
        for p in model.patterns
        if p["kind"] in ("local", "regional", "county") and len(p["stop_idx"]) == 2
    ][:15]
    assert len(pats) >= 5
    st = small["stop_times"]
    for p in pats:
        a, b = places.loc[p["a_place"], "node"], places.loc[p["b_place"], "node"]
        road_s = dijkstra(g, indices=int(a))[int(b)]
        want = FITTED_RULES.bus_factor * road_s + FITTED_RULES.bus_dwell_s
        trip = f"{p['route_id']}_0_000"
        t = _hms(st.loc[st["trip_id"] == trip, "arrival_time"])
        assert t[-1] - t[0] == pytest.approx(want, abs=60.0)  # minute rounding of ends


def test_departures_follow_the_size_rule(small: dict[str, pd.DataFrame]) -> None:
    """Local lines: round(local_a × (P/1000)^local_e) trips per direction, clipped, P the
    line's corridor population."""
    o = _places_and_cells()
    trips = small["trips"]
    counts = trips.groupby(["route_id", "direction_id"]).size()
    checked = 0
    for rid in small["routes"].loc[small["routes"]["route_short_name"] == "local", "route_id"][:50]:
        p = _corridor_population(small, rid, o)
        n = FITTED_RULES.local_a * (p / 1000.0) ** FITTED_RULES.local_e
        want = int(np.clip(np.round(n), 1, FITTED_RULES.max_local))
        assert counts[(rid, 0)] == want and counts[(rid, 1)] == want
        checked += 1
    assert checked == 50


def test_trips_lie_in_the_service_window(small: dict[str, pd.DataFrame]) -> None:
    st = small["stop_times"]
    first = st[st["stop_sequence"] == 1]
    t = _hms(first["departure_time"])
    assert t.min() >= R.FIRST_DEP_S
    assert t.max() <= R.LAST_DEP_MANY_S


def test_departures_interleave_by_phase(small: dict[str, pd.DataFrame]) -> None:
    """Lines of n ≥ 2 trips leave at first + (j + φ)(last - first)/n, φ the CRC-32 of
    "route/direction" over 2**32 (rules.DEPARTURE_PHASE), in whole minutes."""
    import zlib

    st = small["stop_times"]
    first = st[st["stop_sequence"] == 1].copy()
    first["route_id"] = first["trip_id"].str.rsplit("_", n=2).str[0]
    first["direction"] = first["trip_id"].str.rsplit("_", n=2).str[1].astype(int)
    first["t"] = _hms(first["departure_time"])
    checked = 0
    for (rid, d), g in first.groupby(["route_id", "direction"]):
        n = len(g)
        if n < 2 or rid.startswith("R"):
            continue
        last = R.LAST_DEP_FEW_S if n <= R.FEW_TRIPS else R.LAST_DEP_MANY_S
        phi = zlib.crc32(f"{rid}/{d}".encode()) / 2**32
        want = [
            round((R.FIRST_DEP_S + (j + phi) * (last - R.FIRST_DEP_S) / n) / 60) * 60
            for j in range(n)
        ]
        assert sorted(g["t"]) == want, rid
        checked += 1
        if checked >= 200:
            break
    assert checked == 200


def test_large_towns_have_a_stop_grid(full: dict[str, pd.DataFrame]) -> None:
    stops = full["stops"]
    per_place = stops.groupby("place_id").size()
    o = _places_and_cells()
    big = o.index[(o["population"] >= R.TOWN_GRID_MIN_POP) & ~o["dispersed"]]
    small_ = o.index[(o["population"] < R.TOWN_GRID_MIN_POP) | o["dispersed"]]
    assert (per_place.reindex(big).fillna(0) >= 2).mean() > 0.95
    assert (per_place.reindex(small_).fillna(1) == 1).all()
    # Stockholm's grid: about area / spacing² stops, area = population / density
    area_m2 = o.loc["gn2673730", "population"] / R.CITY_DENSITY_PER_KM2 * 1e6
    expect = area_m2 / R.TOWN_STOP_SPACING_M**2
    assert 0.6 * expect < per_place["gn2673730"] <= 1.05 * expect
    # grid stops are the spacing apart
    s = stops[stops["place_id"] == "gn2685750"]  # Östersund
    xy = s[["x_m", "y_m"]].to_numpy()
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(d, np.inf)
    assert d.min(axis=1) == pytest.approx(R.TOWN_STOP_SPACING_M, abs=1.0)


def test_town_line_headway(full: dict[str, pd.DataFrame]) -> None:
    o = _places_and_cells()
    pop = o.loc["gn2685750", "population"]
    hw = R.TOWN_HEADWAY_REF_MIN * (pop / R.TOWN_HEADWAY_REF_POP) ** -R.TOWN_HEADWAY_EXPONENT
    hw_s = np.clip(hw, R.TOWN_HEADWAY_MIN_MIN, R.TOWN_HEADWAY_MAX_MIN) * 60
    want = len(np.arange(R.TOWN_FIRST_S, R.TOWN_LAST_S + 1, hw_s))
    trips = full["trips"]
    n = trips[trips["route_id"] == "Tgn2685750_r+0"].groupby("direction_id").size()
    assert list(n) == [want, want]


def test_kolada_share_on_a_hand_made_feed() -> None:
    def times(hours: list[float]) -> list[str]:
        return [f"{int(h):02d}:{round((h % 1) * 60):02d}:00" for h in hours]

    # stop A: a departure every hour 06-19 -> qualifies; B: 12:00 missing -> does not
    a_hours = [h + 0.5 for h in range(6, 20)]
    b_hours = [h + 0.5 for h in range(6, 20) if h != 12]
    rows = []
    for k, h in enumerate(times(a_hours)):
        rows += [(f"a{k}", h, "A", 1), (f"a{k}", h, "Z", 2)]
    for k, h in enumerate(times(b_hours)):
        rows += [(f"b{k}", h, "B", 1), (f"b{k}", h, "Z", 2)]
    st = pd.DataFrame(rows, columns=["trip_id", "departure_time", "stop_id", "stop_sequence"])
    st["arrival_time"] = st["departure_time"]
    stops = pd.DataFrame(
        {
            "stop_id": ["A", "B", "Z"],
            "population": [300.0, 700.0, 0.0],
            "x_m": [0.0, 5000.0, 9000.0],
            "y_m": 0.0,
        }
    )
    tables = {"stop_times": st, "stops": stops}
    res = C.kolada_share(tables, total_population=2000)
    # Z only ever is a last stop: no departures
    assert res["qualifying_stops"] == 1
    assert res["share_national_pct"] == 15.0
    assert res["share_modelled_pct"] == 30.0
    # residents as points: within 500 m of A (qualifies) or not; B does not qualify
    import geopandas as gpd

    pts = gpd.GeoDataFrame(
        {"population": [10.0, 20.0, 40.0]},
        geometry=gpd.points_from_xy([300.0, 600.0, 5000.0], [400.0, 0, 0]),
        crs=3006,
    )
    res = C.kolada_share(tables, population=pts, total_population=100)
    assert res["covered"] == 10 and res["share_modelled_pct"] == round(100 * 10 / 70, 1)
    from tillganglighet.errors import CRSError

    with pytest.raises(CRSError):
        C.kolada_share(tables, population=pts.to_crs(4326))


def test_connection_scan_matches_brute_force() -> None:
    """Earliest arrival on a small hand-made timetable: 0 -> 2 needs a change at 1."""
    stops = pd.DataFrame(
        {
            "stop_id": ["s0", "s1", "s2"],
            "stop_name": ["0", "1", "2"],
            "x_m": 0.0,
            "y_m": 0.0,
            "kind": "place",
            "place_id": "",
            "population": [1.0, 2.0, 3.0],
        }
    )
    pats = [
        {
            "route_id": "A",
            "kind": "town",
            "name": "A",
            "stop_idx": np.array([0, 1]),
            "offset_s": np.array([0.0, 600.0]),
            "headway_s": 3600.0,
            "first_s": 21600,
            "last_s": 25200,
            "a_place": "s0",
            "b_place": "s1",
        },
        {
            "route_id": "B",
            "kind": "town",
            "name": "B",
            "stop_idx": np.array([1, 2]),
            "offset_s": np.array([0.0, 1200.0]),
            "headway_s": 1800.0,
            "first_s": 22200,
            "last_s": 28800,
            "a_place": "s1",
            "b_place": "s2",
        },
    ]
    tt = C._Timetable(B.Model(stops=stops, patterns=pats), FITTED_RULES)
    got = tt.earliest(0, 2)
    # brute force: leave 0 at t (06:00, 07:00), reach 1 at t+600, board the first B
    # departure >= t + 600 + TRANSFER_S, arrive +1200
    b_deps = np.arange(22200, 28801, 1800)
    want = []
    for t in (21600, 25200):
        nxt = b_deps[b_deps >= t + 600 + C.TRANSFER_S].min()
        want.append((float(t), float(nxt + 1200)))
    assert got == want
    assert tt.direct(0, 2)[0] == []


def test_calibration_table_residuals() -> None:
    t = C.calibration_table()
    refs = C.reference_journeys()
    assert 15 <= len(refs) <= 25 and set(refs["set"]) == {"fit", "held_out"}
    assert (refs["source_time"].str.len() > 0).sum() >= refs["time_min"].notna().sum()
    typ = t[(t["time_bound"] == "typical") & t["modelled_time_min"].notna()]
    want = 100 * (typ["modelled_time_min"] - typ["reference_time_min"]) / typ["reference_time_min"]
    # modelled_time_min is rounded to 0.1 min before the check
    assert np.allclose(typ["time_residual_pct"], want, atol=0.3)
    low = t[t["time_bound"] == "lower"]
    assert (
        low["time_residual_pct"][low["modelled_time_min"] >= low["reference_time_min"]] == 0
    ).all()
    summ = C.residual_summary(t)
    assert set(summ["set"]) == {"fit", "held_out"}


def test_fitted_rules_improve_on_the_start() -> None:
    start = C.fit_cost(R.Rules())
    fitted = C.fit_cost(FITTED_RULES)
    assert fitted["time"] < start["time"] and fitted["departures"] < start["departures"]


def test_density_adds_stops_not_service(small: dict[str, pd.DataFrame]) -> None:
    dense = modelled.build_feed(density=2.0, towns=False)
    assert len(dense["stops"]) > 1.5 * len(small["stops"])
    assert (dense["stops"]["stop_kind"] == "roadside").sum() > 0
    assert len(dense["trips"]) == len(small["trips"])
    with pytest.raises(ValueError):
        modelled.build_feed(density=0.0)


def test_cached_feed_path(tmp_path, monkeypatch) -> None:
    calls = []
    real = B.build_feed

    def counting(**kw):
        calls.append(kw)
        return real(towns=False, **{k: v for k, v in kw.items() if k != "towns"})

    monkeypatch.setattr(B, "build_feed", counting)
    p1 = modelled.modelled_feed_path(cache_dir=tmp_path)
    p2 = modelled.modelled_feed_path(cache_dir=tmp_path)
    assert p1 == p2 and p1.is_file() and len(calls) == 1
    p3 = modelled.modelled_feed_path(cache_dir=tmp_path, density=2.0)
    assert p3 != p1 and len(calls) == 2
    p1.write_bytes(b"not a zip")
    with pytest.warns(UserWarning, match="unreadable cache entry"):
        p4 = modelled.modelled_feed_path(cache_dir=tmp_path)
    assert p4 == p1 and zipfile.is_zipfile(p4)


def test_engine_reads_the_feed(small: dict[str, pd.DataFrame], tmp_path) -> None:
    gtfs = pytest.importorskip("tillganglighet.transit.gtfs")
    path = modelled.write_feed(small, tmp_path / "m.zip")
    feed = gtfs.read_gtfs(path)
    assert feed.n_stop_times == len(small["stop_times"])
    assert not [i for i in feed.issues if i.severity == "error"]


def test_large_tables_are_written_like_small_ones() -> None:
    """The fast (pyarrow) CSV path gives pandas' text, and quotes values that need it."""
    from tillganglighet.transit.modelled import feed as F

    df = pd.DataFrame({"trip_id": ["a_0", "b_1"], "stop_id": ["s1", "s2"], "n": [1, 2]})
    assert F._csv_fast(df) == F._csv_bytes(df)
    odd = pd.DataFrame({"stop_name": ['x, "y"', "z"], "n": [1, 2]})
    assert pd.read_csv(io.BytesIO(F._csv_fast(odd)))["stop_name"].tolist() == ['x, "y"', "z"]


def test_full_feed_is_byte_identical(full: dict[str, pd.DataFrame], tmp_path) -> None:
    """The default feed (town grids included) twice from scratch: identical bytes."""
    a = modelled.write_feed(full, tmp_path / "a.zip").read_bytes()
    B._MODELS.clear()
    b = modelled.write_feed(modelled.build_feed(), tmp_path / "b.zip").read_bytes()
    assert a == b


# ------------------------------------------------------------ the feed through the engine
@pytest.fixture(scope="module")
def full_day(full: dict[str, pd.DataFrame], tmp_path_factory) -> dict:
    """The default feed's service day, built once and then read back from the cache."""
    from tillganglighet.analysis_pt import cached_service_day

    tmp = tmp_path_factory.mktemp("fullday")
    path = modelled.write_feed(full, tmp / "modelled.zip")
    cold, hit1 = cached_service_day([path], cache_dir=tmp / "cache")
    warm, hit2 = cached_service_day([path], cache_dir=tmp / "cache")
    return {"path": path, "cold": cold, "warm": warm, "hits": (hit1, hit2), "cache": tmp / "cache"}


def test_service_day_cache_hit_gives_identical_arrays(full_day: dict) -> None:
    from tillganglighet.analysis_pt import _SD_ARRAYS, cached_service_day

    assert full_day["hits"] == (False, True)
    cold, warm = full_day["cold"], full_day["warm"]
    for name in _SD_ARRAYS:
        a, b = getattr(cold, name), getattr(warm, name)
        assert a.dtype == b.dtype or name == "stop_id", name
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), name
    assert warm.date == cold.date and warm.booked == cold.booked and warm.crs == cold.crs
    # another policy is another entry
    _, hit = cached_service_day(
        [full_day["path"]], booked_services="include", cache_dir=full_day["cache"]
    )
    assert hit is False
    # a corrupt entry is rebuilt with a warning
    for f in full_day["cache"].glob("serviceday-*.npz"):
        f.write_bytes(b"not an npz")
    with pytest.warns(UserWarning, match="unreadable cache entry"):
        again, hit = cached_service_day([full_day["path"]], cache_dir=full_day["cache"])
    assert hit is False and np.array_equal(again.dep_s, cold.dep_s)


def _origins_points():
    from tillganglighet.data.presence import meeting_points

    o = geodata.origins()
    mp = meeting_points("2020-12-31")
    k = geodata.municipalities()
    fa_of = dict(zip(k["kommun_kod"], k["fa_kod"], strict=True))
    return o, mp, o["kommun_kod"].map(fa_of).to_numpy(), mp["kommun_kod"].map(fa_of).to_numpy()


def test_fa_region_rule_matches_one_scan_per_region(full_day: dict) -> None:
    """The shortcut (reuse the unrestricted answer where its point lies in the region)
    equals scanning each FA-region with its own points only, as the rule reads."""
    from tillganglighet.analysis_pt import MAX_DIRECT_WALK_M, _fa_region_times, parse_meetings
    from tillganglighet.transit import WalkParams, arrive_by

    sd = full_day["warm"]
    o, mp, ofa, pfa = _origins_points()
    times = parse_meetings("09:00-15:00/60")
    walk = WalkParams(max_direct_walk_m=MAX_DIRECT_WALK_M)
    res = arrive_by(sd, o, mp, times, walk=walk)
    got, got_pt, scans = _fa_region_times(
        sd, o, mp, times, res, ofa, pfa, threshold_s=3600.0, walk=walk, horizon_s=None
    )
    assert 0 < scans < len(set(ofa)) * len(times)
    # regions where the shortcut does most work: both kinds of (origin, time) pairs
    redo = (res.point >= 0) & (pfa[np.maximum(res.point, 0)] != ofa[:, None])
    share = pd.Series(redo.any(axis=1)).groupby(ofa).mean().sort_values()
    for fa in [*share.index[-2:], share.index[len(share) // 2]]:
        rows = np.flatnonzero(ofa == fa)
        cols = np.flatnonzero(pfa == fa)
        ref = arrive_by(sd, o.iloc[rows], mp.iloc[cols], times, walk=walk, method="scan")
        assert np.array_equal(got[rows], ref.travel_s), fa
        ok = np.isfinite(ref.travel_s)
        assert (pfa[got_pt[rows][ok]] == fa).all()
        assert (got_pt[rows][~ok] == -1).all()


def test_suburbs_and_cities_within_the_guideline(full_day: dict) -> None:
    """Tyresö and Salem (suburbs GeoNames lists only as small entries: their people are
    dispersed cells) and the three cities reach a point within 60 min on the mean;
    Ydre's rural cells (one bus a day) do not."""
    from tillganglighet.analysis_pt import MAX_DIRECT_WALK_M
    from tillganglighet.transit import WalkParams, arrive_by

    o, mp, _, _ = _origins_points()
    names = ["Tyresö", "Salem", "Stockholm", "Göteborg", "Malmö", "Ydre"]
    sel = o[o["kommun"].isin(names)]
    res = arrive_by(full_day["warm"], sel, mp, walk=WalkParams(max_direct_walk_m=MAX_DIRECT_WALK_M))
    med = pd.Series(res.median_s / 60.0, index=sel.index)
    ok = np.isfinite(med)
    pop, kommun = sel.loc[ok, "population"], sel.loc[ok, "kommun"]
    mean = (med[ok] * pop).groupby(kommun).sum() / pop.groupby(kommun).sum()
    for k in names[:-1]:
        assert mean[k] < 60.0, (k, mean[k])
    assert mean["Ydre"] > 120.0
