"""The custom folium elements of the board map and their CSS/JavaScript.

The page's behaviour lives in ``static/map.js`` (one ``tgMaps`` namespace of layer
factories and controls) and its look in ``static/map.css``; the elements below only
pass compact JSON to those functions. folium is imported lazily.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

_STATIC = Path(__file__).resolve().parent / "static"


@cache
def static_text(name: str) -> str:
    """The text of a file in ``static/`` (``map.css`` or ``map.js``)."""
    return (_STATIC / name).read_text(encoding="utf-8")


def import_folium() -> Any:
    """Import folium, with an install hint when it is missing."""
    try:
        import folium
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "The interactive map needs folium: `pip install folium XStatic-Leaflet` "
            "(or `conda install -c conda-forge folium`)."
        ) from exc
    return folium


@cache
def elements() -> dict[str, type]:
    """Folium element classes, created on first use so folium is imported lazily."""
    from branca.element import MacroElement
    from folium.map import Layer, LayerControl
    from jinja2 import Template

    class ScriptLayer(Layer):
        """A Leaflet layer built by one of the factories in ``static/map.js``."""

        _template = Template(
            "{% macro script(this, kwargs) %}"
            "var {{ this.get_name() }} = tgMaps.{{ this.factory }}({{ this.data }});\n"
            "{% endmacro %}"
        )

        def __init__(
            self,
            factory: str,
            data: str,
            *,
            name: str,
            overlay: bool = True,
            control: bool = True,
            show: bool = True,
        ) -> None:
            super().__init__(name=name, overlay=overlay, control=control, show=show)
            self._name = "ScriptLayer"
            self.factory = factory
            self.data = data

    class Helpers(MacroElement):
        """CSS and JavaScript helpers shared by the map's layers and boxes."""

        _template = Template(
            "{% macro header(this, kwargs) %}<style>{{ this.css }}</style>{% endmacro %}"
            "{% macro script(this, kwargs) %}{{ this.js }}"
            "tgMaps.panes({{ this._parent.get_name() }});\n{% endmacro %}"
        )

        def __init__(self) -> None:
            super().__init__()
            self._name = "TgHelpers"
            self.css = static_text("map.css")
            self.js = static_text("map.js")

    class Call(MacroElement):
        """Call ``tgMaps.<function>(map, data)``: boxes (controls), fitting the view."""

        _template = Template(
            "{% macro script(this, kwargs) %}"
            "var {{ this.get_name() }} = tgMaps.{{ this.function }}("
            "{{ this._parent.get_name() }}, {{ this.data }});\n{% endmacro %}"
        )

        def __init__(self, function: str, data: str) -> None:
            super().__init__()
            self._name = "TgCall"
            self.function = function
            self.data = data

    class Layers(LayerControl):
        """The layer list; collapsed to a button on narrow screens (``tgMaps.narrow``)."""

        _template = Template(
            "{% macro script(this, kwargs) %}"
            "var {{ this.get_name() }} = L.control.layers({ "
            "{%- for key, val in this.base_layers.items() %}{{ key|tojson }}: {{ val }},"
            "{%- endfor %} }, { "
            "{%- for key, val in this.overlays.items() %}{{ key|tojson }}: {{ val }},"
            "{%- endfor %} }, Object.assign({{ this.options|tojson }}, "
            "{collapsed: tgMaps.narrow({{ this._parent.get_name() }})})"
            ").addTo({{ this._parent.get_name() }});\n"
            "{% endmacro %}"
        )

    return {"ScriptLayer": ScriptLayer, "Helpers": Helpers, "Call": Call, "Layers": Layers}
