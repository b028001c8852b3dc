/*
 * lianjian points: many points drawn straight onto one Leaflet canvas.
 *
 * One L.CircleMarker per point costs an object, a projection and a draw call each, and
 * Leaflet reprojects every one on each zoom: with 100,000 points a zoom takes seconds.
 * This layer keeps the points in typed arrays, projects each once (at zoom 0) and
 * scales on redraw, and fills all points of one style as a single canvas path. It
 * extends L.Canvas (Leaflet 1.9.4, vendored beside it) so padding, zoom animation and
 * retina scaling are Leaflet's own; `_draw` and the pointer handlers are replaced.
 *
 * data = {points: [[lat, lon, group, style, title, value...]], groups: [name],
 *         styles: [{l: label, c: colour, r: radius, o: fill opacity, w: outline}],
 *         fields: [{l: label, v: [choices] (coded) or absent}], groupTitle, styleTitle,
 *         shrink: {zoom: full-size zoom, per: factor per zoom level out, min: px}}
 * Points shrink as the map zooms out, so a whole district reads as a density picture
 * with its high-risk points on top rather than one blot.
 * After each draw the map container carries data-drawn (points drawn) and, once,
 * data-markers (points in the layer); the body's data-markers adds up all layers.
 */
(function () {
  'use strict';
  var HIT_TOLERANCE_PX = 3;
  var HOVER_EVERY_MS = 32;

  L.LianjianPoints = L.Canvas.extend({
    options: { padding: 0.3 },

    initialize: function (data, options) {
      L.Canvas.prototype.initialize.call(this, options);
      var n = data.points.length;
      this._data = data;
      this._group = new Uint16Array(n);
      this._style = new Uint16Array(n);
      this._x = new Float32Array(n);  // layer point of the last draw; NaN = not drawn
      this._y = new Float32Array(n);
      this._visible = data.groups.map(function () { return true; });
      this._byStyle = data.styles.map(function () { return []; });
      for (var i = 0; i < n; i++) {
        var p = data.points[i];
        this._group[i] = p[2];
        this._style[i] = p[3];
        this._byStyle[p[3]].push(i);
      }
      // Small points first, so the large (high-risk, overdue) ones are drawn on top.
      this._drawOrder = data.styles.map(function (s, k) { return k; }).sort(function (a, b) {
        return data.styles[a].r - data.styles[b].r || a - b;
      });
      this._onMouseMove = L.Util.throttle(this._onMouseMove, HOVER_EVERY_MS, this);
    },

    // One switch per group, for L.control.layers: adding or removing it shows or hides
    // that group's points.
    groupToggle: function (k) {
      var points = this;
      return new (L.Layer.extend({
        onAdd: function () { points._setVisible(k, true); },
        onRemove: function () { points._setVisible(k, false); }
      }))();
    },

    _setVisible: function (k, on) {
      if (this._visible[k] === on) { return; }
      this._visible[k] = on;
      if (this._map) {
        this._redrawBounds = null;
        this._redraw();
      }
    },

    _project: function () {
      // World pixels at zoom 0; at zoom z a point is (world * 2^z - pixel origin).
      var map = this._map, points = this._data.points, n = points.length;
      this._wx = new Float64Array(n);
      this._wy = new Float64Array(n);
      for (var i = 0; i < n; i++) {
        var w = map.project([points[i][0], points[i][1]], 0);
        this._wx[i] = w.x;
        this._wy[i] = w.y;
      }
    },

    _draw: function () {
      var map = this._map;
      if (!map || !this._ctx || !this._bounds) { return; }
      if (!this._wx) { this._project(); }
      var ctx = this._ctx, b = this._bounds, styles = this._data.styles;
      var f = map.options.crs.scale(map.getZoom()) / map.options.crs.scale(0);
      var origin = map.getPixelOrigin(), drawn = 0, shrink = this._shrink(map.getZoom());
      this._x.fill(NaN);
      this._y.fill(NaN);
      ctx.save();
      for (var o = 0; o < this._drawOrder.length; o++) {
        var k = this._drawOrder[o], s = styles[k], idx = this._byStyle[k], count = 0;
        var r = Math.max(this._data.shrink.min, s.r * shrink);
        ctx.beginPath();
        for (var j = 0; j < idx.length; j++) {
          var i = idx[j];
          if (!this._visible[this._group[i]]) { continue; }
          var x = this._wx[i] * f - origin.x, y = this._wy[i] * f - origin.y;
          if (x < b.min.x - r || x > b.max.x + r || y < b.min.y - r || y > b.max.y + r) { continue; }
          ctx.moveTo(x + r, y);
          ctx.arc(x, y, r, 0, 2 * Math.PI);
          this._x[i] = x;
          this._y[i] = y;
          count++;
        }
        if (!count) { continue; }
        drawn += count;
        ctx.globalAlpha = s.o;
        ctx.fillStyle = s.c;
        ctx.fill();
        if (s.w > 0) {
          ctx.globalAlpha = 1;
          ctx.lineWidth = s.w * Math.max(shrink, 0.5);
          ctx.strokeStyle = s.c;
          ctx.stroke();
        }
      }
      ctx.restore();
      this._drawnShrink = shrink;
      this._reportDrawn(drawn);
    },

    // Radius factor at a zoom: 1 from the full-size zoom in, times `per` each level out.
    _shrink: function (zoom) {
      var s = this._data.shrink;
      return Math.pow(s.per, Math.max(0, s.zoom - zoom));
    },

    _reportDrawn: function (drawn) {
      var container = this._map.getContainer();
      container.dataset.drawn = drawn;
      if (!this._reported) {
        this._reported = true;
        var n = this._data.points.length, body = document.body.dataset;
        container.dataset.markers = (+(container.dataset.markers || 0)) + n;
        body.markers = (+(body.markers || 0)) + n;
      }
    },

    // The drawn point under a layer point (the topmost if several), or -1.
    _hit: function (p) {
      var best = -1, bestD = Infinity, styles = this._data.styles;
      if (this._drawnShrink === undefined) { return best; }
      for (var i = 0, n = this._x.length; i < n; i++) {
        var x = this._x[i];
        if (x !== x) { continue; }  // NaN: not drawn
        var dx = x - p.x, dy = this._y[i] - p.y, d = dx * dx + dy * dy;
        var r = Math.max(this._data.shrink.min, styles[this._style[i]].r * this._drawnShrink) +
          HIT_TOLERANCE_PX;
        if (d <= r * r && d <= bestD) { best = i; bestD = d; }
      }
      return best;
    },

    _onClick: function (e) {
      var map = this._map;
      if (map && e.type === 'click' && !map._draggableMoved(this)) {
        var i = this._hit(map.mouseEventToLayerPoint(e));
        if (i >= 0) {
          var p = this._data.points[i];
          L.popup().setLatLng([p[0], p[1]]).setContent(this._popup(i)).openOn(map);
          return;
        }
      }
      L.Canvas.prototype._onClick.call(this, e);
    },

    _onMouseMove: function (e) {
      var map = this._map;
      if (!map || map.dragging.moving() || map._animatingZoom) { return; }
      var i = this._hit(map.mouseEventToLayerPoint(e));
      this._container.style.cursor = i >= 0 ? 'pointer' : '';
    },

    _popup: function (i) {
      var data = this._data, p = data.points[i];
      var box = document.createElement('div');
      box.className = 'lj-popup';
      var title = document.createElement('strong');
      title.textContent = p[4];
      box.appendChild(title);
      data.fields.forEach(function (f, k) {
        var v = p[5 + k];
        line(box, f.l, f.v ? f.v[v] : v);
      });
      if (data.groupTitle) { line(box, data.groupTitle, data.groups[p[2]]); }
      line(box, data.styleTitle, data.styles[p[3]].l);
      return box;
    }
  });

  // Text goes in as text nodes: entity names are data, never markup.
  function line(box, label, text) {
    if (text === null || text === undefined || text === '') { return; }
    var row = document.createElement('div');
    var name = document.createElement('span');
    name.className = 'lj-label';
    name.textContent = label + '：';
    row.appendChild(name);
    row.appendChild(document.createTextNode(String(text)));
    box.appendChild(row);
  }

  // The layer plus a layer control listing each group with its count.
  L.lianjianPoints = function (data, map, options) {
    var layer = new L.LianjianPoints(data, options).addTo(map);
    var counts = data.groups.map(function () { return 0; });
    data.points.forEach(function (p) { counts[p[2]]++; });
    var overlays = {};
    data.groups.forEach(function (name, k) {
      overlays[name + ' (' + counts[k].toLocaleString() + ')'] = layer.groupToggle(k).addTo(map);
    });
    L.control.layers(null, overlays, { collapsed: data.collapsed }).addTo(map);
    return layer;
  };
})();
