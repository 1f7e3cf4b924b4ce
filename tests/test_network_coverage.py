"""check_coverage: a network must reach most of the origins' population."""

from __future__ import annotations

import numpy as np
import pytest

from tillganglighet.errors import NetworkError
from tillganglighet.networks.coverage import check_coverage
from tillganglighet.networks.graph import Network


def _net() -> Network:
    # Two nodes near Stockholm (EPSG:3006), one edge each way.
    return Network.from_edges(
        [0, 1],
        [1, 0],
        node_x=np.array([674_000.0, 675_000.0]),
        node_y=np.array([6_580_000.0, 6_580_000.0]),
        travel_time_s=np.array([60.0, 60.0]),
        length_m=np.array([1000.0, 1000.0]),
        mode="car",
    )


def test_share_is_population_weighted():
    pop = np.array([600, 300, 100])
    xy = {"origin_x": np.zeros(3), "origin_y": np.zeros(3), "max_snap_m": 3000.0, "label": "n"}
    assert check_coverage(_net(), np.array([0, -1, -1]), pop, **xy) == pytest.approx(0.6)
    with pytest.raises(NetworkError, match=r"only 40% of the population \(2 of 3 origins\)"):
        check_coverage(_net(), np.array([-1, 0, 1]), pop, **xy)
    # Unknown populations (all 0): the share of origins counts.
    assert check_coverage(_net(), np.array([0, 1, -1]), np.zeros(3), **xy) == pytest.approx(2 / 3)


def test_message_names_both_extents():
    with pytest.raises(NetworkError) as info:
        check_coverage(
            _net(),
            np.array([-1, -1]),
            np.array([10, 10]),
            origin_x=np.array([300_000.0, 900_000.0]),
            origin_y=np.array([6_150_000.0, 7_650_000.0]),
            max_snap_m=3000.0,
            label="OpenStreetMap road network (x.pbf)",
        )
    text = str(info.value)
    assert "OpenStreetMap road network (x.pbf)" in text and "within 3 km" in text
    assert "x 674,000–675,000 m" in text  # the network's extent
    assert "x 300,000–900,000 m" in text  # the origins'
    assert "lat 59.3" in text  # Stockholm in degrees
