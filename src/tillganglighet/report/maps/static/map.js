var tgMaps = window.tgMaps = window.tgMaps || {};
// Every layer and box made here, by factory name (lets tests and scripts find them).
tgMaps.made = tgMaps.made || {};
tgMaps.keep = function (kind, obj) {
  (tgMaps.made[kind] = tgMaps.made[kind] || []).push(obj);
  return obj;
};
tgMaps.panes = function (map) {
  tgMaps.map = map;
  [["tg-kommuner", 410], ["tg-granser", 420], ["tg-orter", 600], ["tg-punkter", 630]].forEach(function (p) {
    if (!map.getPane(p[0])) { map.createPane(p[0]).style.zIndex = p[1]; }
  });
};
tgMaps.choropleth = function (d) {
  var style = function (f) {
    return Object.assign({}, d.fill[f.properties.c], d.outline[f.properties.g]);
  };
  return tgMaps.keep("choropleth", L.geoJSON(d.fc, {
    pane: "tg-kommuner",
    style: style,
    onEachFeature: function (f, layer) {
      layer.bindTooltip(f.properties.t, {sticky: true, direction: "top", opacity: 0.95});
      layer.bindPopup(f.properties.p, {maxWidth: 360, className: "tg-pop"});
      layer.on("mouseover", function () { layer.setStyle(d.hover); });
      layer.on("mouseout", function () { layer.setStyle(style(f)); });
    }
  }));
};
tgMaps.lines = function (d) {
  return L.geoJSON(d.fc, {pane: "tg-granser", interactive: false, style: function () {
    return d.style;
  }});
};
tgMaps.points = function (d) {
  var group = L.featureGroup();
  d.pts.forEach(function (p) {
    L.circleMarker([p[0], p[1]], Object.assign({pane: "tg-punkter"}, d.style))
      .bindTooltip(p[2], {direction: "top"})
      .bindPopup(p[3], {maxWidth: 320, className: "tg-pop"})
      .addTo(group);
  });
  return tgMaps.keep("points", group);
};
tgMaps.squares = function (d) {
  var group = L.featureGroup();
  d.pts.forEach(function (p) {
    L.marker([p[0], p[1]], {pane: "tg-punkter", icon: L.divIcon({
      className: "tg-sq", html: "", iconSize: [d.size, d.size]})})
      .bindTooltip(p[2], {direction: "top"})
      .bindPopup(p[3], {maxWidth: 320, className: "tg-pop"})
      .addTo(group);
  });
  return tgMaps.keep("squares", group);
};
tgMaps.fit = function (map, d) {
  var touched = false;
  var fit = function () { map.fitBounds(d.bounds, {padding: d.padding, animate: false}); };
  ["pointerdown", "wheel", "keydown", "touchstart"].forEach(function (type) {
    map.getContainer().addEventListener(type, function () { touched = true; });
  });
  map.on("resize", function () { if (!touched) { fit(); } });
  fit();
};
tgMaps.narrow = function (map) {
  var c = map.getContainer();
  return c.clientWidth < 600 || c.clientHeight < 520;
};
tgMaps.scale = function (map, d) {
  return L.control.scale({position: d.position, metric: true, imperial: false, maxWidth: 120})
    .addTo(map);
};
tgMaps.box = function (map, d) {
  // With d.summary: a <details> box whose summary stays visible, open on wide screens
  // and collapsed on narrow ones. Without: a plain box.
  var control = L.control({position: d.position});
  control.onAdd = function () {
    var box;
    if (d.summary) {
      box = L.DomUtil.create("details", d.className);
      box.open = !tgMaps.narrow(map);
      L.DomUtil.create("summary", "tg-summary", box).innerHTML = d.summary;
      L.DomUtil.create("div", "tg-body", box).innerHTML = d.html;
    } else {
      box = L.DomUtil.create("div", d.className);
      box.innerHTML = d.html;
    }
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    return box;
  };
  control.addTo(map);
  return tgMaps.keep("box", control);
};
tgMaps.data = tgMaps.data || {};
tgMaps.store = function (map, d) { tgMaps.data[d.key] = d.value; return null; };
tgMaps.thousands = function (n) {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, "\u00a0");
};
tgMaps.originPopup = function (d, i) {
  var flag = d.flag[i];
  var rows = [["Typ", d.kinds[d.kind[i]]], ["Kommun", d.kommuner[d.kommun[i]]],
    ["Invånare", tgMaps.thousands(d.pop[i])], ["Restid", d.minuteTexts[d.minutes[i]]],
    ["Närmaste mötesplats", d.points[d.point[i]]]];
  var html = "<h3>" + d.names[d.name[i]] + "</h3><table>";
  rows.forEach(function (r) {
    if (r[1]) { html += "<tr><th>" + r[0] + "</th><td>" + r[1] + "</td></tr>"; }
  });
  html += "</table>";
  if (flag === 2) {
    html += '<div class="tg-gap">Ej nåbar på nätverket</div>';
  } else if (flag === 1) {
    html += '<div class="tg-gap">Bortom riktvärdet (' + d.threshold + " min)</div>";
  } else {
    html += '<div class="tg-ok">Inom riktvärdet (' + d.threshold + " min)</div>";
  }
  return html;
};
tgMaps.canvas = function () {
  if (!tgMaps._canvas) { tgMaps._canvas = L.canvas({padding: 0.3, pane: "tg-orter"}); }
  return tgMaps._canvas;
};
tgMaps.origins = function (spec) {
  // One popup and one tooltip for the whole group, filled from the arrays for the
  // marker under the pointer: no closure or DOM node per origin.
  var group = L.featureGroup();
  var d = function () { return tgMaps.data[spec.key]; };
  group.bindTooltip(function (l) {
    var i = l.options.i;
    return "<b>" + d().names[d().name[i]] + "</b><br>" + d().minuteTexts[d().minutes[i]];
  }, {direction: "top"});
  group.bindPopup(function (l) { return tgMaps.originPopup(d(), l.options.i); },
    {maxWidth: 320, className: "tg-pop"});
  // Pixel size follows population and zoom: a national view of thousands of origins
  // stays readable (small dots, thin rings), a close view shows each clearly.
  var size = function (l, zoom) {
    var k = Math.max(0.35, Math.min(1, Math.pow(2, (zoom - 8) / 2)));
    var flag = d().flag[l.options.i];
    var ring = zoom < 5.5 ? 0.35 : zoom < 7 ? 0.9 : 1.6;
    return {radius: Math.max(zoom < 5.5 ? 1.2 : 1.5, l.options.r0 * k),
            weight: flag ? (flag === 2 ? Math.max(ring, 0.9) : ring) : (zoom < 7 ? 0.3 : 0.5)};
  };
  var resize = function () {
    var zoom = group._map ? group._map.getZoom() : 5;
    group.eachLayer(function (l) { var s = size(l, zoom); l.setRadius(s.radius); l.setStyle({weight: s.weight}); });
  };
  var built = false;
  group.on("add", function () {
    group._map.on("zoomend", resize);
    if (built) { resize(); return; }
    built = true;
    var data = d(), renderer = tgMaps.canvas(), zoom = group._map.getZoom();
    for (var i = 0; i < data.lat.length; i++) {
      var flag = data.flag[i];
      if (spec.only === "flagged" && flag === 0) { continue; }
      var r0 = Math.max(2, Math.min(9, 1.2 * Math.sqrt(data.pop[i] / 100)));
      var s = size({options: {r0: r0, i: i}}, zoom);
      group.addLayer(L.circleMarker([data.lat[i], data.lon[i]], {
        renderer: renderer, pane: "tg-orter", radius: s.radius, r0: r0, i: i,
        fillColor: data.colours[data.c[i]], fillOpacity: 0.9,
        color: flag ? "#000000" : "#ffffff", weight: s.weight,
        dashArray: flag === 2 ? "2 2" : null}));
    }
  });
  group.on("remove", function () { if (group._map) { group._map.off("zoomend", resize); } });
  return tgMaps.keep("origins", group);
};
tgMaps.crosses = function (d) {
  var group = L.featureGroup();
  d.pts.forEach(function (p) {
    L.marker([p[0], p[1]], {pane: "tg-punkter", icon: L.divIcon({
      className: "tg-x", html: "\u00d7", iconSize: [14, 14]})})
      .bindTooltip(p[2], {direction: "top"})
      .bindPopup(p[3], {maxWidth: 320, className: "tg-pop"})
      .addTo(group);
  });
  return tgMaps.keep("crosses", group);
};
