"""The one place where :mod:`tillganglighet.scenarios` touches the rest of the package.

Every internal function the scenario code needs is imported here, so a restructuring
of the package (flat modules becoming ``data/``, ``networks/``, ``routing/``,
``report/``) changes this file only.
"""

from __future__ import annotations

from typing import Any

from .. import _atomic as atomic
from ..accessibility import check_threshold, municipality_metrics
from ..analysis import NetworkInfo
from ..analysis import _snap as snap_frame
from ..analysis import _travel_matrix as travel_matrix_s
from ..analysis_pt import DEFAULT_MEETINGS, parse_meetings
from ..analysis_pt import MAX_DIRECT_WALK_M as PT_MAX_DIRECT_WALK_M
from ..data.geocoding import geocode_place, normalise_name
from ..data.geodata import SWEREF99TM, fa_regions, municipalities, origins, settlements
from ..data.presence import (
    DEFAULT_AS_OF,
    KIND_LABEL_SV,
    MODEL_END,
    MODEL_START,
    MeetingPointKind,
    closure_places,
    meeting_points,
    parse_as_of,
    presence_timeline,
    report_table,
    service_offices,
)
from ..errors import (
    DataIntegrityError,
    InputValidationError,
    MissingColumnError,
    OutputWriteError,
    TillganglighetError,
)
from ..networks.cache import cached_array, network_fingerprint
from ..networks.graph import Network
from ..networks.load import load_network
from ..report.maps import elements as _elements
from ..report.maps import format as _format
from ..report.maps import geo as _geo
from ..report.maps import offline as _offline
from ..report.maps import save_map

# Helpers of the board map (report/maps/), reused for the scenario maps.
LEAFLET_CSS_URL = _offline.LEAFLET_CSS_URL
LEAFLET_JS_URL = _offline.LEAFLET_JS_URL
map_elements = _elements.elements
html_escape = _format.esc
feature_collection = _geo.feature_collection
leaflet_assets = _offline._leaflet_assets
script_json = _format.script_json
to_lonlat = _geo.to_lonlat


def transit() -> Any:
    """The public-transport package (imported on first use: it loads compiled kernels)."""
    from .. import transit as module

    return module


__all__ = [
    "DEFAULT_AS_OF",
    "DEFAULT_MEETINGS",
    "KIND_LABEL_SV",
    "LEAFLET_CSS_URL",
    "LEAFLET_JS_URL",
    "MODEL_END",
    "MODEL_START",
    "PT_MAX_DIRECT_WALK_M",
    "SWEREF99TM",
    "DataIntegrityError",
    "InputValidationError",
    "MeetingPointKind",
    "MissingColumnError",
    "Network",
    "NetworkInfo",
    "OutputWriteError",
    "TillganglighetError",
    "atomic",
    "cached_array",
    "check_threshold",
    "closure_places",
    "fa_regions",
    "feature_collection",
    "geocode_place",
    "html_escape",
    "leaflet_assets",
    "load_network",
    "map_elements",
    "meeting_points",
    "municipalities",
    "municipality_metrics",
    "network_fingerprint",
    "normalise_name",
    "origins",
    "parse_as_of",
    "parse_meetings",
    "presence_timeline",
    "report_table",
    "save_map",
    "script_json",
    "service_offices",
    "settlements",
    "snap_frame",
    "to_lonlat",
    "transit",
    "travel_matrix_s",
]
