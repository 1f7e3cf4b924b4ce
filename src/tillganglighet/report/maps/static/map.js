var tgMaps = window.tgMaps = window.tgMaps || {};
tgMaps.panes = function (map) {
  [["tg-kommuner", 410], ["tg-granser", 420], ["tg-punkter", 630]].forEach(function (p) {
    if (!map.getPane(p[0])) { map.createPane(p[0]).style.zIndex = p[1]; }
  });
};
tgMaps.choropleth = function (d) {
  var style = function (f) {
    return Object.assign({}, d.fill[f.properties.c], d.outline[f.properties.g]);
  };
  return L.geoJSON(d.fc, {
    pane: "tg-kommuner",
    style: style,
    onEachFeature: function (f, layer) {
      layer.bindTooltip(f.properties.t, {sticky: true, direction: "top", opacity: 0.95});
      layer.bindPopup(f.properties.p, {maxWidth: 360, className: "tg-pop"});
      layer.on("mouseover", function () { layer.setStyle(d.hover); });
      layer.on("mouseout", function () { layer.setStyle(style(f)); });
    }
  });
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
  return group;
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
  return group;
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
  var control = L.control({position: d.position});
  control.onAdd = function () {
    var box = L.DomUtil.create("details", d.className);
    box.open = !tgMaps.narrow(map);
    var summary = L.DomUtil.create("summary", "tg-summary", box);
    summary.innerHTML = d.summary;
    var body = L.DomUtil.create("div", "tg-body", box);
    body.innerHTML = d.html;
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    return box;
  };
  control.addTo(map);
  return control;
};
