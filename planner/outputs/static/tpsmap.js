/* tps-planner map page: draws a plan from the page's JSON data block (planner/maps.py).
   Every text from the data enters the page as text (textContent, DOM nodes), never as
   markup; the only markup strings here are constants. */
var tpsMap = (function () {
  "use strict";
  var ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  var DIGIT = {};
  for (var a = 0; a < ALPHABET.length; a++) { DIGIT[ALPHABET.charAt(a)] = a; }
  var ARROW_SPACING_PX = 110;
  var SMALL_SCREEN = "(max-width: 700px), (max-height: 520px)";
  var D, T, map, canvas, formats = {};
  var S = {key: "", filters: [], layers: {}, visits: null, measuring: false};

  /* ---- text and numbers ---- */
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function escapeHtml(text) {  // for Leaflet's layer control, which writes names as HTML
    return String(text).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"}[c];
    });
  }
  function num(value, digits) {  // as people of the page's language write it: 1.188; 9,9
    var key = digits || 0;
    if (!formats[key]) {
      formats[key] = new Intl.NumberFormat(D.lang === "id" ? "id-ID" : "en-GB",
        {minimumFractionDigits: key, maximumFractionDigits: key});
    }
    return formats[key].format(value);
  }
  function minutes(seconds) { return num(seconds / 60, 1) + " " + D.t.minutes; }
  function pad3(n) { return ("00" + n).slice(-3); }
  function tpsTitle(i) { return T.no[i] ? "TPS " + pad3(T.no[i]) + " " + T.kel[i] : T.id[i]; }
  function polsekOf(kecamatan) { return D.polsek[kecamatan] || "Polsek " + kecamatan; }

  /* ---- geometry ---- */
  function decode(text) {  // the LatLngs of a line written by planner.outputs.basemap.encode_line
    var points = [], lat = 0, lon = 0, at = 0, pair = [0, 0];
    while (at < text.length) {
      for (var k = 0; k < 2; k++) {
        var shift = 0, result = 0, digit;
        do {
          digit = DIGIT[text.charAt(at++)];
          result |= (digit & 31) << shift;
          shift += 5;
        } while (digit & 32);
        pair[k] = (result & 1) ? ~(result >> 1) : (result >> 1);
      }
      lat += pair[0];
      lon += pair[1];
      points.push(new L.LatLng(lat / 1e5, lon / 1e5));
    }
    return points;
  }
  function decodeAll(texts) { return texts.map(decode); }

  /* A polyline that draws arrowheads along itself on the canvas, every ARROW_SPACING_PX. */
  var ArrowLine = L.Polyline.extend({
    _updatePath: function () {
      L.Polyline.prototype._updatePath.call(this);
      var ctx = this._renderer._ctx, parts = this._parts;
      if (!ctx || !parts) { return; }
      ctx.save();
      ctx.globalAlpha = 1;
      ctx.setLineDash([]);
      ctx.fillStyle = this.options.color;
      ctx.strokeStyle = "#fff";
      ctx.lineWidth = 1;
      for (var p = 0; p < parts.length; p++) {
        var part = parts[p], carried = ARROW_SPACING_PX / 2;
        for (var i = 1; i < part.length; i++) {
          var a = part[i - 1], b = part[i];
          var dx = b.x - a.x, dy = b.y - a.y, length = Math.sqrt(dx * dx + dy * dy);
          while (length > 0 && carried <= length) {
            var x = a.x + dx * carried / length, y = a.y + dy * carried / length;
            var angle = Math.atan2(dy, dx);
            ctx.translate(x, y);
            ctx.rotate(angle);
            ctx.beginPath();
            ctx.moveTo(6, 0);
            ctx.lineTo(-5, -5);
            ctx.lineTo(-2, 0);
            ctx.lineTo(-5, 5);
            ctx.closePath();
            ctx.fill();
            ctx.stroke();
            ctx.rotate(-angle);
            ctx.translate(-x, -y);
            carried += ARROW_SPACING_PX;
          }
          carried -= length;
        }
      }
      ctx.restore();
    }
  });

  /* Roads with a casing: the line drawn twice, wider in the casing colour first. */
  var CasedLine = L.Polyline.extend({
    _updatePath: function () {
      var options = this.options, colour = options.color, weight = options.weight;
      if (options.casing) {
        options.color = options.casing;
        options.weight = weight + 2;
        L.Polyline.prototype._updatePath.call(this);
        options.color = colour;
        options.weight = weight;
      }
      L.Polyline.prototype._updatePath.call(this);
    }
  });

  /* Many TPS dots as one canvas layer: drawn in a batch per look, hit-tested by distance.
     look(i) gives a TPS' look: {key, radius, fill, fillOpacity, color, weight, dash}. */
  var Dots = L.Path.extend({
    options: {bubblingMouseEvents: false},
    initialize: function (items, look, options) {
      L.setOptions(this, options);
      this._items = items;
      this._shown = items;
      this._look = look;
      this.hit = -1;
    },
    show: function (test) {  // the TPS to draw: those passing test(i)
      this._shown = this._items.filter(test);
      return this.redraw();
    },
    count: function () { return this._shown.length; },
    _project: function () {
      var bounds = new L.Bounds(), points = [], scale = this._map.getZoom();
      this._scale = scale >= 16 ? 1.3 : scale >= 14 ? 1 : 0.7;
      for (var k = 0; k < this._shown.length; k++) {
        var i = this._shown[k], p = this._map.latLngToLayerPoint([T.lat[i], T.lon[i]]);
        points.push(p);
        bounds.extend(p);
      }
      this._points = points;
      var pad = 12 * this._scale;
      this._pxBounds = points.length ? new L.Bounds(bounds.min.subtract([pad, pad]),
        bounds.max.add([pad, pad])) : new L.Bounds([0, 0], [0, 0]);
    },
    _update: function () {},
    _updatePath: function () {
      var renderer = this._renderer, ctx = renderer._ctx;
      if (!renderer._drawing) { return; }
      var batches = {}, order = [];
      for (var k = 0; k < this._shown.length; k++) {
        var look = this._look(this._shown[k]);
        if (!batches[look.key]) { batches[look.key] = {look: look, points: []}; order.push(look.key); }
        batches[look.key].points.push(this._points[k]);
      }
      ctx.save();
      order.forEach(function (key) {
        var look = batches[key].look, radius = look.radius * this._scale;
        ctx.beginPath();
        batches[key].points.forEach(function (p) {
          ctx.moveTo(p.x + radius, p.y);
          ctx.arc(p.x, p.y, radius, 0, Math.PI * 2);
        });
        if (look.fill) {
          ctx.globalAlpha = look.fillOpacity;
          ctx.fillStyle = look.fill;
          ctx.fill();
        }
        ctx.globalAlpha = 1;
        ctx.setLineDash(look.dash || []);
        ctx.lineWidth = look.weight;
        ctx.strokeStyle = look.color;
        ctx.stroke();
      }, this);
      ctx.restore();
    },
    _containsPoint: function (p) {  // the nearest dot under p becomes this.hit
      var best = -1, nearest = Infinity, tolerance = this._clickTolerance();
      for (var k = 0; k < this._points.length; k++) {
        var d = p.distanceTo(this._points[k]);
        var reach = this._look(this._shown[k]).radius * this._scale + tolerance;
        if (d <= reach && d < nearest) {
          best = k;
          nearest = d;
        }
      }
      this.hit = best >= 0 ? this._shown[best] : -1;
      return best >= 0;
    }
  });

  /* ---- popups, tooltips and layers that follow the Polsek filter ---- */
  function box(title, rows) {
    var root = el("div", "tpsmap-popup");
    root.appendChild(el("div", "tpsmap-popup-title", title));
    var table = el("table");
    rows.forEach(function (row) {
      if (row[1] === "" || row[1] === null || row[1] === undefined) { return; }
      var tr = el("tr");
      tr.appendChild(el("th", null, row[0]));
      tr.appendChild(el("td", null, row[1]));
      table.appendChild(tr);
    });
    root.appendChild(table);
    return root;
  }
  function withList(root, title, items) {
    root.appendChild(el("div", "tpsmap-popup-title", title));
    var list = el("ol");
    items.forEach(function (item) { list.appendChild(el("li", null, item)); });
    root.appendChild(list);
    return root;
  }
  function showPopup(latlng, content) {
    L.popup({maxWidth: 360, autoPanPadding: [20, 20]}).setLatLng(latlng).setContent(content)
      .openOn(map);
  }
  function onTap(layer, latlngOf, content) {  // a popup, unless the measure tool takes the tap
    // (the layers that call this do not pass their clicks on to the map)
    layer.on("click", function (e) {
      if (S.measuring) { S.measure(latlngOf(e)); return; }
      showPopup(latlngOf(e), content(e));
    });
  }
  function hoverText(layer, text) {
    layer.bindTooltip(function () { return el("span", null, text); }, {sticky: true});
  }
  function filtered(group, items) {  // items: [kecamatan or "", layer]
    function apply(key) {
      group.clearLayers();
      items.forEach(function (item) {
        if (!key || !item[0] || item[0] === key) { group.addLayer(item[1]); }
      });
    }
    S.filters.push(apply);
    apply(S.key);
    return group;
  }
  function lazy(build) {  // a layer whose content is made the first time it is shown
    var group = L.featureGroup(), built = false;
    group.on("add", function () {
      if (!built) {
        built = true;
        build(group);
        if (S.layers.tps && map.hasLayer(S.layers.tps)) { S.layers.tps.bringToFront(); }
      }
    });
    return group;
  }

  /* ---- the layers ---- */
  function roadsBase() {
    if (!D.roads) { return null; }
    var pane = map.createPane("tpsmapRoads");
    pane.style.zIndex = 250;
    pane.style.pointerEvents = "none";
    var renderer = L.canvas({pane: "tpsmapRoads", padding: 0.1});
    var group = L.layerGroup();
    D.roads.forEach(function (style) {
      group.addLayer(new CasedLine(decodeAll(style.lines), {renderer: renderer,
        color: style.colour, casing: style.casing, weight: style.weight, interactive: false,
        smoothFactor: 1.5}));
    });
    return group;
  }

  function areaLayer(rows, style, labels) {
    var group = L.featureGroup();
    rows.forEach(function (area) {
      group.addLayer(L.polyline(decodeAll(area.rings), L.extend({renderer: canvas,
        interactive: false}, style)));
      if (labels && area.label) {
        var label = el("span", null, area.name);
        group.addLayer(L.marker(area.label, {interactive: false, keyboard: false,
          icon: L.divIcon({className: "tpsmap-area-label", html: label, iconSize: null})}));
      }
    });
    return group;
  }

  function tpsLooks() {  // the look of every TPS: risk colour, anchor ring, not covered
    var looks = {};
    return function (i) {
      var anchor = T.anchor ? T.anchor[i] : 0, uncovered = T.uncovered && T.uncovered[i] ? 1 : 0;
      var key = T.risk[i] + ":" + anchor + ":" + uncovered;
      if (!looks[key]) {
        looks[key] = {key: key, radius: anchor ? 7 : 5, fillOpacity: 0.92,
          fill: uncovered ? D.colours.uncovered : D.risks[T.risk[i]].colour,
          color: uncovered ? "#000" : (anchor ? "#1a1a1a" : "#fff"),
          weight: uncovered ? 2 : (anchor ? 2.5 : 1)};
      }
      return looks[key];
    };
  }
  function tpsLayer() {
    var dots = new Dots(T.id.map(function (_, i) { return i; }), tpsLooks(),
      {renderer: canvas});
    S.filters.push(function (key) { dots.show(function (i) { return !key || T.kec[i] === key; }); });
    function at(i) { return L.latLng(T.lat[i], T.lon[i]); }
    dots.on("click", function () {
      if (S.measuring) { S.measure(at(dots.hit)); } else { showPopup(at(dots.hit), tpsBox(dots.hit)); }
    });
    var tip = L.tooltip({direction: "top", offset: [0, -6]}), hovered = -1;
    dots.on("mousemove", function () {
      if (dots.hit !== hovered && dots.hit >= 0) {
        hovered = dots.hit;
        tip.setLatLng(at(hovered)).setContent(el("span", null, tpsTitle(hovered)));
        map.openTooltip(tip);
      }
    });
    dots.on("mouseout", function () { hovered = -1; map.closeTooltip(tip); });
    return dots;
  }
  function patrolVisits() {  // per TPS: its planned visits, from the routes of every shift
    if (S.visits) { return S.visits; }
    S.visits = {};
    (D.patrols ? D.patrols.shifts : []).forEach(function (shift) {
      shift.routes.forEach(function (route) {
        route.stops.forEach(function (stop) {
          (S.visits[stop[0]] = S.visits[stop[0]] || []).push(
            [stop[1], route.name, stop[3], shift.label]);
        });
      });
    });
    return S.visits;
  }
  function tpsBox(i) {
    var t = D.t, rows = [[t.tps_id, T.id[i]], [t.tps_number, T.no[i] ? String(T.no[i]) : ""],
      [t.name, T.name[i]], [t.address, T.address[i]], [t.kelurahan, T.kel[i]],
      [t.kecamatan, T.kec[i]], [t.polsek, polsekOf(T.kec[i])], [t.voters, num(T.voters[i])],
      [t.risk, D.risks[T.risk[i]].label]];
    if (T.group) {
      var group = T.group[i] >= 0 ? D.groups[T.group[i]] : null;
      if (group) {
        var anchor = group.anchor === i ? t.anchor_here : tpsTitle(group.anchor);
        rows.push([t.group, group.id], [t.anchor, anchor]);
        if (group.officers !== undefined) {
          rows.push([t.officers, group.officers + " " + t.personnel +
            (group.pairs ? " (" + group.pairs + ")" : "")]);
        }
      }
      if (T.linmas) { rows.push([t.linmas, String(T.linmas[i])]); }
      if (T.uncovered[i]) { rows.push([t.uncovered, T.uncovered[i]]); }
    }
    if (T.reserve && T.reserve[i] >= 0) {
      rows.push([t.reserve, D.reserve[T.reserve[i]].name + ", " + minutes(T.response[i])]);
    }
    if (D.patrols) {
      var visits = (patrolVisits()[i] || []).map(function (v) {
        return (v[0] ? v[0] + " " : "") + v[1] + " (" + t.visit + v[2] + ", " + v[3] + ")";
      });
      rows.push([t.patrol_visits, visits.length ? visits.join("; ") : t.no_visit]);
      var missed = D.patrols.missed.filter(function (m) { return m[0] === i; })
        .map(function (m) { return t.visit + m[2] + " (" + m[1] + "): " + m[3]; });
      rows.push([t.dropped_visits, missed.join("; ")]);
    }
    rows.push([t.notes, T.notes[i]]);
    return box(tpsTitle(i), rows);
  }

  function groupLayer() {
    var segments = {};
    D.groups.forEach(function (group) {
      var a = group.anchor, list = segments[T.kec[a]] = segments[T.kec[a]] || [];
      group.members.forEach(function (m) {
        if (m !== a) { list.push([[T.lat[m], T.lon[m]], [T.lat[a], T.lon[a]]]); }
      });
    });
    return filtered(L.featureGroup(), Object.keys(segments).map(function (k) {
      return [k, L.polyline(segments[k], {renderer: canvas, color: D.colours.group, weight: 1.5,
        opacity: 0.75, dashArray: "4 3", interactive: false})];
    }));
  }

  function routeLayer(routes, style, content) {
    return lazy(function (group) {
      filtered(group, routes.map(function (route) {
        var line = new ArrowLine(decode(route.line), L.extend({renderer: canvas,
          color: route.colour, weight: 4, opacity: 0.85, bubblingMouseEvents: false}, style));
        onTap(line, function (e) { return e.latlng; }, function () { return content(route); });
        hoverText(line, route.name);
        return [route.kecamatan, line];
      }));
    });
  }
  function patrolBox(route, shift) {
    var t = D.t, root = box(route.name, [[t.home_post, route.post], [t.shift, shift.label],
      [t.vehicle_type, route.type], [t.time, route.time], [t.duration, route.duration],
      [t.stops, String(route.stops.length)]]);
    return withList(root, t.stop_order, route.stops.map(function (s) {
      return tpsTitle(s[0]) + (s[1] ? " · " + s[1] + "–" + s[2] : "") + " (" + t.visit + s[3] + ")";
    }));
  }
  function missedLayer() {  // dashed red: no patrol at all; orange: a visit was dropped
    var missed = {}, none = {};
    D.patrols.missed.forEach(function (m) { missed[m[0]] = true; });
    D.patrols.unpatrolled.forEach(function (i) { none[i] = true; });
    var looks = {
      none: {key: "none", radius: 11, color: D.colours.unpatrolled, weight: 2.5, dash: [3, 3]},
      missed: {key: "missed", radius: 8.5, color: D.colours.missed, weight: 2.5}
    };
    var items = T.id.map(function (_, i) { return i; }).filter(function (i) {
      return none[i] || missed[i];
    });
    var dots = new Dots(items, function (i) { return none[i] ? looks.none : looks.missed; },
      {renderer: canvas, interactive: false});
    S.filters.push(function (key) { dots.show(function (i) { return !key || T.kec[i] === key; }); });
    return dots;
  }

  function reserveLayer() {
    var t = D.t, group = L.featureGroup();
    D.reserve.forEach(function (point) {
      var at = [point.lat, point.lon];
      if (point.reach_m > 0) {
        group.addLayer(L.circle(at, {renderer: canvas, radius: point.reach_m,
          color: D.colours.reserve, weight: 1.5, dashArray: "6 4", fill: false,
          interactive: false}));
      }
      var marker = L.circleMarker(at, {renderer: canvas, radius: 8, color: D.colours.reserve,
        weight: 3, fillColor: "#fff", fillOpacity: 1, bubblingMouseEvents: false});
      onTap(marker, function () { return at; }, function () {
        return box(t.staging + ": " + point.name, [[t.kind, point.kind], [t.served,
          String(point.served)], [t.longest_response, minutes(point.worst_s)],
          [t.response_limit, minutes(point.limit_s)], [t.reach, num(point.reach_m) + " m"],
          [t.location, point.approximate ? t.approximate : ""]]);
      });
      hoverText(marker, point.name);
      group.addLayer(marker);
    });
    return group;
  }

  function pointMarker(point, cls, short, rows) {
    var marker = L.marker([point.lat, point.lon], {keyboard: false, icon: L.divIcon({
      className: cls + (point.approximate ? " tpsmap-approx" : ""), html: short,
      iconSize: [24, 24]})});
    onTap(marker, function () { return marker.getLatLng(); }, function () {
      return box(point.name, rows);
    });
    hoverText(marker, point.approximate ? point.name + " (" + D.t.approximate + ")" : point.name);
    return marker;
  }
  function postLayer() {
    var t = D.t, group = L.featureGroup();
    D.posts.forEach(function (post) {
      var polresta = post.kind === "polresta";
      group.addLayer(pointMarker(post, "tpsmap-post tpsmap-" + (polresta ? "polresta" : "polsek"),
        polresta ? "PR" : "P", [[t.kind, post.kind_label], [t.kecamatan, post.kecamatan],
          [t.address, post.address], [t.officers, post.officers === undefined ? "" :
            num(post.officers)], [t.location, post.approximate ? t.approximate : ""],
          [t.notes, post.notes]]));
    });
    return group;
  }
  function siteLayer() {
    var t = D.t;
    return lazy(function (group) {
      filtered(group, D.logistics.sites.map(function (site) {
        return [site.kecamatan, pointMarker(site, "tpsmap-site", site.short,
          [[t.kind, site.kind_label], [t.kecamatan, site.kecamatan], [t.kelurahan, site.kelurahan],
            [t.address, site.address], [t.guard_days, site.guard_days],
            [t.guard_shifts, site.guard_shifts], [t.guard_post, site.guard_post],
            [t.location, site.approximate ? t.approximate : ""], [t.notes, site.notes]])];
      }));
    });
  }
  function escortBox(route, layer) {
    var t = D.t, root = box(route.name, [[t.leg, layer.leg], [t.day, layer.day],
      [t.time, route.time], [t.duration, route.duration], [t.truck, route.truck],
      [t.escort, route.escort], [t.home_post, route.post], [t.stops, String(route.stops.length)]]);
    return withList(root, t.stop_order, route.stops);
  }

  /* ---- panels and tools ---- */
  function panel(position, cls, head, body, collapsed) {
    var control = L.control({position: position});
    control.onAdd = function () {
      var root = el("div", "leaflet-control tpsmap-panel " + cls);
      var button = el("button", "tpsmap-panel-head");
      button.type = "button";
      button.appendChild(el("span", null, head));
      var inner = el("div", "tpsmap-panel-body");
      inner.appendChild(body);
      root.appendChild(button);
      root.appendChild(inner);
      function show(open) {
        root.classList.toggle("tpsmap-collapsed", !open);
        button.setAttribute("aria-expanded", String(open));
      }
      button.addEventListener("click", function () {
        show(root.classList.contains("tpsmap-collapsed"));
        fit();
      });
      show(!collapsed);
      L.DomEvent.disableClickPropagation(root);
      L.DomEvent.disableScrollPropagation(root);
      return root;
    };
    control.addTo(map);
    return control.getContainer();
  }
  function table(rows, head, cls) {
    var node = el("table", cls);
    if (head) {
      var tr = el("tr");
      head.forEach(function (h) { tr.appendChild(el("th", null, h)); });
      node.appendChild(tr);
    }
    rows.forEach(function (row) {
      var line = el("tr");
      row.forEach(function (cell, k) { line.appendChild(el(k || head ? "td" : "th", null, cell)); });
      node.appendChild(line);
    });
    return node;
  }
  function titleBody() {
    var p = D.panel, body = el("div", "tpsmap-" + D.edition);
    body.appendChild(el("h1", null, p.scenario));
    body.appendChild(el("div", "tpsmap-edition", p.edition));
    body.appendChild(el("div", "tpsmap-meta", p.meta));
    p.sections.forEach(function (section, n) {
      var details = el("details");
      details.open = n === 0;
      details.appendChild(el("summary", null, section.title));
      details.appendChild(table(section.rows, section.head, section.head ? null : "tpsmap-figures"));
      body.appendChild(details);
    });
    var label = el("label", "tpsmap-filter-label", D.t.show + ": ");
    var select = el("select", "tpsmap-filter");
    select.appendChild(new Option(D.t.all_polsek, ""));
    p.filter.forEach(function (option) { select.appendChild(new Option(option[1], option[0])); });
    select.addEventListener("change", function () { applyFilter(select.value); });
    label.appendChild(select);
    body.appendChild(label);
    S.notice = body.appendChild(el("div", "tpsmap-notice"));
    S.select = select;
    return body;
  }
  function legendBody() {
    var body = el("div");
    D.legend.forEach(function (item) {
      var row = el("div", "tpsmap-legend-row"), symbol = el("i", "tpsmap-sym tpsmap-sym-" + item[0]);
      if (item[0] === "post" || item[0] === "site") { symbol.textContent = item[0] === "post" ? "P" : "S"; }
      symbol.style.color = item[1];
      symbol.style[/dot|ring|uncov/.test(item[0]) ? "background" : "borderColor"] = item[1];
      row.appendChild(symbol);
      row.appendChild(el("span", null, item[2]));
      body.appendChild(row);
    });
    return body;
  }
  function applyFilter(key) {
    S.key = key;
    S.filters.forEach(function (apply) { apply(key); });
    if (S.layers.tps && map.hasLayer(S.layers.tps)) { S.layers.tps.bringToFront(); }
  }
  function labelZoom() {  // kelurahan names once streets are in view
    map.getContainer().classList.toggle("tpsmap-zoomed", map.getZoom() >= 14);
  }

  function normal(text) {
    return String(text).toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9]+/g, " ").trim();
  }
  function searchIndex() {
    if (S.index) { return S.index; }
    S.index = T.id.map(function (id, i) {
      return {kel: " " + normal(T.kel[i]), text: " " + normal([id, T.kel[i], T.kec[i], T.name[i],
        T.address[i]].join(" "))};
    });
    return S.index;
  }
  function search(query) {  // TPS indices: "Kauman 1", "TPS 001 Kauman", a name, an address, an id
    var words = normal(query).split(" ").filter(function (w) {
      return w && w !== "tps" && w !== "no";
    });
    if (!words.length) { return []; }
    var index = searchIndex(), found = [];
    for (var i = 0; i < index.length; i++) {
      var score = 0;
      for (var k = 0; k < words.length && score >= 0; k++) {
        var word = words[k];
        if (/^\d+$/.test(word) && T.no[i] === parseInt(word, 10)) { score += 4; }
        else if (index[i].kel.indexOf(" " + word) >= 0) { score += 3; }
        else if (index[i].text.indexOf(" " + word) >= 0) { score += 2; }
        else if (index[i].text.indexOf(word) >= 0) { score += 1; }
        else { score = -1; }
      }
      if (score > 0) { found.push([score, i]); }
    }
    found.sort(function (x, y) {
      return y[0] - x[0] || (T.kel[x[1]] < T.kel[y[1]] ? -1 : T.kel[x[1]] > T.kel[y[1]] ? 1 : 0) ||
        T.no[x[1]] - T.no[y[1]] || x[1] - y[1];
    });
    return found.slice(0, 12).map(function (f) { return f[1]; });
  }
  function openTps(i) {
    if (S.key && S.key !== T.kec[i]) { S.select.value = ""; applyFilter(""); }
    if (!map.hasLayer(S.layers.tps)) { map.addLayer(S.layers.tps); }
    var at = [T.lat[i], T.lon[i]];
    map.setView(at, Math.max(map.getZoom(), 17), {animate: false});
    showPopup(at, tpsBox(i));
  }
  function searchControl() {
    var control = L.control({position: "topleft"});
    control.onAdd = function () {
      var root = el("div", "leaflet-control leaflet-bar tpsmap-search");
      var input = el("input");
      input.type = "search";
      input.placeholder = D.t.search;
      input.setAttribute("aria-label", D.t.search);
      var list = el("ul");
      list.hidden = true;
      function show() {
        list.textContent = "";
        var hits = search(input.value);
        list.hidden = !input.value.trim();
        if (!hits.length) { list.appendChild(el("li", "tpsmap-none", D.t.not_found)); }
        hits.forEach(function (i) {
          var item = el("li"), button = el("button", null, tpsTitle(i));
          button.type = "button";
          button.appendChild(el("small", null, [T.kec[i], T.name[i], T.address[i], T.id[i]]
            .filter(Boolean).join(" · ")));
          button.addEventListener("click", function () { list.hidden = true; openTps(i); });
          item.appendChild(button);
          list.appendChild(item);
        });
      }
      input.addEventListener("input", show);
      input.addEventListener("keydown", function (e) {
        if (e.key === "Enter") {
          var first = list.querySelector("button");
          if (first) { first.click(); }
        } else if (e.key === "Escape") {
          input.value = "";
          list.hidden = true;
        }
      });
      root.appendChild(input);
      root.appendChild(list);
      L.DomEvent.disableClickPropagation(root);
      L.DomEvent.disableScrollPropagation(root);
      return root;
    };
    control.addTo(map);
  }
  function toolButtons() {
    var control = L.control({position: "topleft"});
    control.onAdd = function () {
      var root = el("div", "leaflet-control leaflet-bar tpsmap-bar");
      var full = el("button", "tpsmap-button tpsmap-fullscreen");
      full.type = "button";
      full.title = D.t.fullscreen;
      full.setAttribute("aria-label", D.t.fullscreen);
      full.addEventListener("click", function () {
        if (document.fullscreenElement) { document.exitFullscreen(); }
        else if (document.documentElement.requestFullscreen) {
          document.documentElement.requestFullscreen();
        }
      });
      var ruler = el("button", "tpsmap-button tpsmap-ruler");
      ruler.type = "button";
      ruler.title = D.t.measure;
      ruler.setAttribute("aria-label", D.t.measure);
      ruler.addEventListener("click", function () {
        S.measuring = !S.measuring;
        ruler.classList.toggle("tpsmap-on", S.measuring);
        S.measure(null);
      });
      root.appendChild(full);
      root.appendChild(ruler);
      L.DomEvent.disableClickPropagation(root);
      return root;
    };
    control.addTo(map);
    var points = [], line = null, label = null;
    S.measure = function (latlng) {  // add a point; null clears
      if (!latlng) {
        points = [];
        if (line) { map.removeLayer(line); map.removeLayer(label); line = label = null; }
        return;
      }
      points.push(latlng);
      if (!line) {
        line = L.polyline(points, {renderer: canvas, color: "#111", weight: 2, dashArray: "6 5",
          interactive: false}).addTo(map);
        label = L.tooltip({permanent: true, direction: "right", className: "tpsmap-measure"});
      }
      line.setLatLngs(points);
      var metres = 0;
      for (var i = 1; i < points.length; i++) { metres += map.distance(points[i - 1], points[i]); }
      label.setLatLng(latlng).setContent(el("span", null, metres < 1000 ? num(metres) + " m" :
        num(metres / 1000, 2) + " km"));
      map.openTooltip(label);
    };
    map.on("click", function (e) { if (S.measuring) { S.measure(e.latlng); } });
  }

  function fit() {  // every panel and layer toggle inside the map, the layer list scrolling
    var list = document.querySelector(".leaflet-control-layers-list");
    var box = map.getContainer().getBoundingClientRect();
    document.querySelectorAll(".tpsmap-panel-body").forEach(function (body) {
      var top = body.getBoundingClientRect().top - box.top;
      body.style.maxHeight = Math.max(120, box.height * (S.small ? 0.45 : 0.55) - top) + "px";
    });
    if (list) {
      var legend = document.querySelector(".tpsmap-legend");
      var bottom = legend ? legend.getBoundingClientRect().top : box.bottom;
      list.style.maxHeight = Math.max(80, bottom - list.getBoundingClientRect().top - 16) + "px";
    }
  }

  function baseLayers(roads) {
    var osm = null;
    map.eachLayer(function (layer) { if (layer instanceof L.TileLayer) { osm = layer; } });
    var bases = {};
    if (osm) { bases[escapeHtml(D.t.base_osm)] = osm; }
    if (roads) { bases[escapeHtml(D.t.base_roads)] = roads; }
    map.on("baselayerchange", function (e) {
      map.getContainer().classList.toggle("tpsmap-offline", e.layer === roads);
    });
    function useRoads() {  // tiles unreachable: the plan's own roads instead
      if (!roads || map.hasLayer(roads)) { return; }
      if (osm) { map.removeLayer(osm); }
      map.addLayer(roads);
      map.getContainer().classList.add("tpsmap-offline");
      S.offline = true;
      if (S.notice) { S.notice.textContent = D.t.offline_notice; }
    }
    if (osm) {
      var loaded = 0;
      osm.on("tileload", function () { loaded += 1; });
      osm.on("tileerror", function () { if (!loaded) { useRoads(); } });
    }
    S.base = {osm: osm, roads: roads};
    S.useRoads = useRoads;
    return bases;
  }

  function start(leafletMap) {
    map = leafletMap;
    D = JSON.parse(document.getElementById("tpsmap-data").textContent);
    T = D.tps;
    S.small = window.matchMedia(SMALL_SCREEN).matches;
    canvas = L.canvas({padding: 0.1, tolerance: L.Browser.touch ? 8 : 2});

    var overlays = {}, shown = [], t = D.t, layers = S.layers;
    function overlay(key, name, layer, show) {  // made now, drawn once the view is set
      layers[key] = layer;
      overlays[escapeHtml(name)] = layer;
      if (show) { shown.push(layer); }
    }
    if (D.kecamatan) {
      overlay("kecamatan", t.layer_kecamatan, areaLayer(D.kecamatan, {color: "#263238",
        weight: 2.5}), true);
    }
    if (D.kelurahan) {
      overlay("kelurahan", t.layer_kelurahan, areaLayer(D.kelurahan, {color: "#78909c",
        weight: 1}, true), true);
    }
    if (D.groups) { overlay("groups", t.layer_groups, groupLayer(), true); }
    if (D.patrols) {
      D.patrols.shifts.forEach(function (shift, n) {
        overlay("routes_" + shift.key, t.layer_routes + ": " + shift.label,
          routeLayer(shift.routes, {}, function (route) { return patrolBox(route, shift); }),
          n === 0);
      });
      if (D.patrols.missed) { overlay("missed", t.layer_missed, missedLayer(), true); }
    }
    if (D.logistics) {
      D.logistics.layers.forEach(function (layer, n) {
        overlay("logistics" + n, t.layer_logistics + ": " + layer.leg + " · " + layer.day,
          routeLayer(layer.routes, {dashArray: "8 4"}, function (route) {
            return escortBox(route, layer);
          }), false);
      });
      overlay("sites", t.layer_sites, siteLayer(), false);
    }
    overlay("reserve", t.layer_reserve, reserveLayer(), true);
    overlay("posts", t.layer_posts, postLayer(), true);
    overlay("tps", t.layer_tps, tpsLayer(), true);

    var roads = roadsBase();
    var control = L.control.layers(baseLayers(roads), overlays, {position: "topleft",
      collapsed: S.small || window.innerHeight < 900, sortLayers: false});
    var title = panel("topright", "tpsmap-title", t.title, titleBody(), S.small);
    searchControl();
    toolButtons();
    control.addTo(map);
    control.getContainer().querySelector(".leaflet-control-layers-toggle").title = t.layers;
    if (map.zoomControl) {
      map.zoomControl._zoomInButton.title = t.zoom_in;
      map.zoomControl._zoomOutButton.title = t.zoom_out;
    }
    panel("bottomleft", "tpsmap-legend", t.legend, legendBody(),
      S.small || window.innerHeight < 820);
    map.fitBounds(D.bounds, S.small ? {padding: [12, 12], animate: false} : {animate: false,
      paddingTopLeft: [control.getContainer().offsetWidth + 24, 12],
      paddingBottomRight: [title.offsetWidth + 24, 12]});
    shown.forEach(function (layer) { map.addLayer(layer); });
    if (!S.base.osm || navigator.onLine === false) { S.useRoads(); }
    map.on("zoomend", labelZoom);
    map.on("overlayadd", function () {
      if (map.hasLayer(layers.tps)) { layers.tps.bringToFront(); }
    });
    window.addEventListener("resize", fit);
    control.getContainer().addEventListener("mouseenter", fit);
    control.getContainer().addEventListener("click", fit);
    labelZoom();
    fit();
    window.tpsPlanner = {map: map, layers: layers, data: D, base: S.base, count: function (key) {
      var layer = layers[key];
      return layer.count ? layer.count() : layer.getLayers().length;
    }, search: function (q) {
      return search(q).map(function (i) { return T.id[i]; });
    }, openTps: function (id) { openTps(T.id.indexOf(id)); }, filter: function (key) {
      S.select.value = key;
      applyFilter(key);
    }, offline: function () { return Boolean(S.offline); }};
    setTimeout(function () {
      requestAnimationFrame(function () { window.tpsPlanner.readyMs = performance.now(); });
    }, 0);
  }
  return {start: start, decode: decode};
}());
