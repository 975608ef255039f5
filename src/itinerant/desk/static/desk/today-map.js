// Today's stops on a Leaflet map without tiles (works offline): the path and numbered points.
(function () {
  var el = document.getElementById("carte");
  var data = document.getElementById("points");
  if (!el || !data || typeof L === "undefined") { return; }
  var pts = JSON.parse(data.textContent);
  if (!pts.length) { el.hidden = true; return; }
  var map = L.map(el, { attributionControl: false, keyboard: false, zoomControl: false });
  var line = pts.map(function (p) { return [p.lat, p.lon]; });
  line.push(line[0]);
  L.polyline(line, { color: "#0b4f6c", weight: 3, interactive: false }).addTo(map);
  pts.forEach(function (p) {
    L.circleMarker([p.lat, p.lon], { radius: 9, color: "#1a1a1a", fillColor: "#fff", fillOpacity: 1,
      weight: 2, interactive: false })
      .bindTooltip(p.label, { permanent: true, direction: "center", className: "stop-label" })
      .addTo(map);
  });
  map.fitBounds(L.latLngBounds(line), { padding: [20, 20] });
})();
