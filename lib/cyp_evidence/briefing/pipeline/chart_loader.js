/* The annex's chart loader (export.CHART_LOADER): draws every chart from its JSON data block
   (html.chart_html) and lays it out for the width it has, in the reader's browser, offline.

   A chart is specified for a desktop column. Scaled down to fit a phone (320 CSS px) or a
   zoomed window (200% or 400%), its text would shrink to 4 to 9 px. Instead each chart is laid
   out for its column: measured off screen (a vega view that renders nothing), and while it is
   wider than the column, narrowed (fewer panels a row, a narrower plot, long category labels
   and axis titles wrapped onto more lines, bands grown to hold them, a top legend one entry a
   line); then drawn in place with its text at its own size, never below MIN_TEXT px. Long
   labels wrap rather than being cut off ("..."), at every width. When the column's width
   changes (window resized or zoomed, phone rotated), the chart is laid out again. */
(function () {
  "use strict";
  var MIN_TEXT = 11; // no chart text smaller than this (CSS px)
  var MIN_PLOT = 90; // the narrowest plot (px)
  var MIN_PANEL = 95; // the narrowest panel of small multiples, two a row (px)
  var MIN_CHARS = 10; // the narrowest wrap of a label (characters a line)
  var EM = 0.56; // width of an average character, in em (Arial)
  var PASSES = 10; // narrowing steps at most, before the chart is left to CSS scaling
  var SETTLE_MS = 150; // a resize is acted on once it has stopped for this long

  // every view of a spec (layers, concatenations, the inner spec of a facet)
  function views(s, f) {
    if (!s || typeof s !== "object") return;
    f(s);
    ["layer", "hconcat", "vconcat", "concat"].forEach(function (k) {
      (s[k] || []).forEach(function (v) { views(v, f); });
    });
    if (s.spec) views(s.spec, f);
  }

  // ``text`` as lines of at most ``n`` characters where its words allow. Its own line breaks
  // (charts.wrap_label's, which may break after a hyphen) are undone first. Words are never cut,
  // except after a hyphen or a slash when a word alone is longer than a line.
  function unwrap(text) {
    return String(text).split("\n").reduce(function (acc, line) {
      if (!acc) return line;
      return /\w-$/.test(acc) ? acc + line : acc + " " + line;
    }, "");
  }
  function wrap(text, n) {
    var pieces = [];
    unwrap(text).split(/\s+/).filter(Boolean).forEach(function (w) {
      if (w.length <= n) { pieces.push({ t: w, glue: " " }); return; }
      (w.match(/[^-\/]+[-\/]*|[-\/]+/g) || [w]).forEach(function (part, i) {
        pieces.push({ t: part, glue: i ? "" : " " });
      });
    });
    var lines = [], line = "";
    pieces.forEach(function (p) {
      if (!line) line = p.t;
      else if ((line + p.glue + p.t).length > n) { lines.push(line); line = p.t; }
      else line += p.glue + p.t;
    });
    if (line) lines.push(line);
    return lines.length ? lines : [""];
  }

  function fieldValues(spec, field) {
    var seen = {}, out = [];
    function add(rows) {
      (rows || []).forEach(function (r) {
        var v = r && r[field];
        if (typeof v === "string" && !seen[v]) { seen[v] = true; out.push(v); }
      });
    }
    Object.keys(spec.datasets || {}).forEach(function (k) { add(spec.datasets[k]); });
    views(spec, function (v) { if (v.data && Array.isArray(v.data.values)) add(v.data.values); });
    return out;
  }

  // a Vega expression giving each value its lines (a chain of conditions: no lookup tables in
  // Vega's expression language); values not listed keep their own line breaks
  function linesExpr(values, n) {
    var most = 1;
    var expr = values.reduceRight(function (rest, v) {
      var lines = wrap(v, n);
      most = Math.max(most, lines.length);
      return "datum.value === " + JSON.stringify(v) + " ? " + JSON.stringify(lines) + " : " + rest;
    }, "split(datum.value, '\\n')");
    return { expr: expr, lines: most };
  }

  function longest(values) {
    return values.reduce(function (m, v) {
      return Math.max(m, unwrap(v).length);
    }, 0);
  }

  function fontOf(obj, key, fallback) {
    var f = obj && obj[key];
    return typeof f === "number" ? Math.max(f, MIN_TEXT) : fallback;
  }

  // text at least MIN_TEXT px everywhere the spec (or Vega's defaults) would make it smaller
  function readable(spec) {
    (function walk(o) {
      if (!o || typeof o !== "object") return;
      Object.keys(o).forEach(function (k) {
        var v = o[k];
        if (/fontsize$/i.test(k) && typeof v === "number" && v < MIN_TEXT) o[k] = MIN_TEXT;
        else if (k !== "datasets" && k !== "values") walk(v);
      });
    })(spec);
    var c = (spec.config = spec.config || {});
    [["axis", ["labelFontSize", "titleFontSize"]], ["legend", ["labelFontSize", "titleFontSize"]],
     ["header", ["labelFontSize", "titleFontSize"]], ["text", ["fontSize"]], ["title", ["fontSize", "subtitleFontSize"]]]
      .forEach(function (p) {
        var o = (c[p[0]] = c[p[0]] || {});
        p[1].forEach(function (k) { if (typeof o[k] !== "number" || o[k] < MIN_TEXT) o[k] = Math.max(o[k] || 0, MIN_TEXT); });
      });
    return spec;
  }

  // What the layout can change in a chart: its category labels and facet headers (wrapped),
  // its quantitative axis titles (wrapped), its plot widths, facet columns, a top legend.
  function plan(spec) {
    var cfg = spec.config || {};
    var axisFont = fontOf(cfg.axis, "labelFontSize", 12), titleFont = fontOf(cfg.axis, "titleFontSize", 13);
    var p = { labels: [], headers: [], titles: [], widths: [], steps: [], legends: [], columns: spec.columns || 0 };
    views(spec, function (v) {
      var enc = v.encoding || {};
      var y = enc.y;
      if (y && y.type === "nominal" && y.field && y.axis !== null) {
        var values = fieldValues(spec, y.field);
        if (values.length) {
          y.axis = y.axis || {};
          var limit = y.axis.labelLimit;
          var font = fontOf(y.axis, "labelFontSize", axisFont);
          // the widest line the chart was specified with: its label limit, or the lines it wrote
          var chars = limit > 0 ? Math.floor(limit / (font * EM)) : limit === 0 ? Math.max.apply(null, values.map(function (t) {
            return Math.max.apply(null, String(t).split("\n").map(function (l) { return l.length; }));
          })) : Math.floor(180 / (font * EM));
          p.labels.push({ enc: y, axis: y.axis, values: values, chars: Math.max(MIN_CHARS, chars), font: font });
        }
      }
      ["x", "y"].forEach(function (ch) {
        var e = enc[ch];
        if (e && e.type === "quantitative" && typeof e.title === "string" && e.title.length) {
          p.titles.push({ enc: e, text: e.title, ch: ch, font: fontOf(e.axis, "titleFontSize", titleFont), view: v });
        }
      });
      if (typeof v.width === "number") p.widths.push({ view: v, width: v.width });
      if (v.height && typeof v.height.step === "number") p.steps.push({ height: v.height, step: v.height.step });
      var legend = enc.color && enc.color.legend;
      if (legend && legend.orient === "top") p.legends.push(legend);
    });
    var f = spec.facet || {};
    [f.row, f.column, f.field ? f : null].forEach(function (ch) {
      if (!ch || !ch.field) return;
      var values = fieldValues(spec, ch.field);
      if (!values.length) return;
      ch.header = ch.header || {};
      var font = fontOf(ch.header, "labelFontSize", fontOf(cfg.header, "labelFontSize", MIN_TEXT));
      var bold = ch.header.labelFontWeight === "bold" ? 1.12 : 1;
      var limit = ch.header.labelLimit;
      var chars = limit > 0 ? Math.floor(limit / (font * EM * bold)) : longest(values);
      p.headers.push({ header: ch.header, values: values, chars: Math.max(MIN_CHARS, chars), font: font * bold, wrapOwn: ch === f });
    });
    return p;
  }

  // Category labels above their bars instead of beside them (a layered chart, or the layered
  // panels of a facet, whose layers share one category axis): the plot gets the whole width,
  // each label the whole line.
  function host(s) {
    if (Array.isArray(s.layer) && !s.facet) return s;
    if (s.facet && s.spec && Array.isArray(s.spec.layer)) return s.spec;
    return null;
  }
  function canAbove(p, s) {
    if (!host(s) || !p.labels.length) return false;
    var field = p.labels[0].enc.field;
    return p.labels.every(function (l) { return l.enc.field === field; });
  }
  // bars on the category axis keep the thickness they had when their bands grow
  function keepBars(s, field, step) {
    views(s, function (v) {
      var m = v.mark, t = typeof m === "string" ? m : m && m.type;
      if (t === "bar" && v.encoding && v.encoding.y && v.encoding.y.field === field) {
        v.mark = typeof m === "string" ? { type: "bar" } : m;
        if (typeof v.mark.height !== "number") v.mark.height = Math.round(step * 0.9);
      }
    });
  }
  function labelsAbove(s, p, room) {
    var first = p.labels[0], y = first.enc, font = first.font, lh = font + 2, h = host(s);
    var n = Math.max(MIN_CHARS, Math.floor((room - 12) / (font * EM)));
    var most = 1, wrapped = {};
    first.values.forEach(function (v) {
      wrapped[v] = wrap(v, n);
      most = Math.max(most, wrapped[v].length);
    });
    // shorter labels start with empty lines, so that every label's last line sits just above
    // its bar (Vega draws a label's lines downwards from its first)
    Object.keys(wrapped).forEach(function (v) {
      while (wrapped[v].length < most) wrapped[v].unshift("");
    });
    var step0 = p.steps.length ? p.steps[0].step : 20;
    var block = most * lh + 12; // the label's lines and a gap from the bar above
    keepBars(s, y.field, step0);
    p.labels.forEach(function (l) { l.enc.axis = { labels: false, ticks: false, title: null }; });
    // what the band held moves down by half the label block; the band grows by the block
    h.layer.forEach(function (v) {
      if (!v.mark || !v.encoding || !v.encoding.y || v.encoding.y.field !== y.field) return;
      v.mark = typeof v.mark === "string" ? { type: v.mark } : v.mark;
      v.mark.yOffset = (v.mark.yOffset || 0) + block / 2;
    });
    p.steps.forEach(function (st) { st.height.step = st.step + block; });
    var cfg = s.config || {};
    var label = {
      mark: {
        type: "text", align: "left", baseline: "top", fontSize: font, aria: false, lineHeight: lh,
        dy: Math.round(block / 2 - step0 / 2 - 2 - most * lh),
        color: (cfg.axis && cfg.axis.labelColor) || "#0B0C0C"
      },
      encoding: {
        y: { field: y.field, type: "nominal", sort: y.sort, scale: y.scale, axis: { labels: false, ticks: false, title: null } },
        x: { value: 0 },
        text: { field: "cypLabelLines" }
      }
    };
    if (s.data || h !== s) {
      // the rows the chart draws (a facet's panels share theirs): their lines computed
      var ref = "datum[" + JSON.stringify(y.field) + "]";
      label.transform = [{
        calculate: Object.keys(wrapped).reduceRight(function (rest, v) {
          return ref + " === " + JSON.stringify(v) + " ? " + JSON.stringify(wrapped[v]) + " : " + rest;
        }, "split(" + ref + ", '\\n')"),
        as: "cypLabelLines"
      }];
    } else {
      label.data = { values: first.values.map(function (v) {
        var r = {};
        r[y.field] = v;
        r.cypLabelLines = wrapped[v];
        return r;
      }) };
    }
    h.layer.push(label);
  }

  // The spec as laid out in ``state`` (all optional): plot (the widest plot, px), labelPx (the
  // widest category label, px), headerPx (the widest facet row header, px), above (category
  // labels above their bars), columns (facet columns), legend1 (a top legend one entry a line)
  function apply(base, state, room) {
    var s = JSON.parse(JSON.stringify(base));
    var p = plan(s);
    var lines = 1;
    p.widths.forEach(function (w) { if (state.plot) w.view.width = Math.max(MIN_PLOT, Math.min(w.width, state.plot)); });
    var plot = p.widths.reduce(function (m, w) { return Math.max(m, w.view.width); }, 0) || 0;
    var tall = 0; // the plot's height where it is fixed (a layer's views inherit it)
    views(s, function (v) { if (typeof v.height === "number") tall = Math.max(tall, v.height); });
    if (state.above && canAbove(p, s)) {
      labelsAbove(s, p, room);
    } else {
      p.labels.forEach(function (l) {
        var n = state.labelPx ? Math.max(MIN_CHARS, Math.min(l.chars, Math.floor(state.labelPx / (l.font * EM)))) : l.chars;
        var e = linesExpr(l.values, n);
        l.axis.labelExpr = e.expr;
        l.axis.labelLimit = 0;
        lines = Math.max(lines, e.lines);
        l.lineHeight = l.font + 2;
      });
    }
    p.headers.forEach(function (h) {
      // a panel's header may use its panel's width (small multiples) or, for rows, the room
      var width = h.wrapOwn ? plot : state.headerPx || 0;
      var n = width ? Math.max(MIN_CHARS, Math.min(h.chars, Math.floor(width / (h.font * EM)))) : h.chars;
      h.header.labelExpr = linesExpr(h.values, n).expr;
      h.header.labelLimit = 0;
    });
    p.titles.forEach(function (t) {
      // an axis title no longer than its axis (the plot's width or height)
      var len = t.ch === "x" ? (t.view.width || plot) : typeof t.view.height === "number" ? t.view.height : tall;
      if (!len) return;
      var n = Math.max(MIN_CHARS, Math.floor(len / (t.font * EM * 1.1)));
      var w = wrap(t.text, n);
      t.enc.title = w.length > 1 ? w : t.text;
    });
    if (lines > 1) {
      var lh = p.labels.reduce(function (m, l) { return Math.max(m, l.lineHeight); }, 14);
      p.labels.forEach(function (l) { if (p.steps.length) keepBars(s, l.enc.field, p.steps[0].step); });
      p.steps.forEach(function (st) { st.height.step = Math.max(st.step, lh * lines + 8); });
    }
    if (p.columns && state.columns) s.columns = Math.max(1, Math.min(p.columns, state.columns));
    if (state.legend1) p.legends.forEach(function (l) { l.columns = 1; });
    return s;
  }

  // the width the spec draws at (its svg's width), measured without drawing anything
  function measure(spec, opts) {
    var probe = document.createElement("div");
    probe.setAttribute("aria-hidden", "true");
    probe.style.cssText = "position:absolute;left:-99999px;top:0;visibility:hidden;width:10px";
    document.body.appendChild(probe);
    var done = function () { probe.remove(); };
    return window.vegaEmbed(probe, spec, Object.assign({}, opts, { renderer: "none", tooltip: false })).then(function (res) {
      var v = res.view, pad = v.padding(), b = v.scenegraph().root.bounds;
      var inner = typeof v._viewWidth === "number" ? v._viewWidth : Math.ceil(b.x2 - b.x1);
      var w = inner + (pad.left || 0) + (pad.right || 0);
      res.finalize();
      done();
      return w;
    }, function (err) { done(); throw err; });
  }

  // the spec laid out for ``room`` CSS px: as specified if it fits, else narrowed step by step
  function layout(base, opts, room) {
    var p = plan(JSON.parse(JSON.stringify(base)));
    var above = canAbove(p, base);
    var plot0 = p.widths.reduce(function (m, w) { return Math.max(m, w.width); }, 0);
    var state = {};
    function step(w) {
      var over = w - room;
      var cols = state.columns || p.columns;
      if (cols > 1) {
        // small multiples: fewer panels a row (two at least, while they can be narrowed), then
        // narrower panels, then one a row at their own width
        var panel = state.plot || plot0;
        if (cols > 2) { state.columns = Math.max(2, Math.min(cols - 1, Math.floor(cols * room / w))); return true; }
        if (plot0 && panel > MIN_PANEL) { state.plot = Math.max(MIN_PANEL, panel - Math.ceil(over / cols)); return true; }
        state.columns = 1;
        state.plot = plot0;
        return true;
      }
      if (!state.labelPx && (p.labels.length || p.headers.length)) {
        // first narrowing: category labels take at most 40% of the room, row headers its width
        state.labelPx = Math.max(MIN_CHARS * 7, Math.round(room * 0.4));
        state.headerPx = Math.max(MIN_CHARS * 8, room - 20);
        if (plot0) state.plot = Math.max(MIN_PLOT, Math.min(plot0, Math.round(room * 0.45)));
        return true;
      }
      var plot = state.plot || plot0;
      // beside the labels, a plot no narrower than a third of the room: then labels go above
      var least = above && !state.above ? Math.max(MIN_PLOT, Math.round(room * 0.35)) : MIN_PLOT;
      if (plot0 && plot > least) { state.plot = Math.max(least, Math.round(plot - over)); return true; }
      if (above && !state.above) {
        state.above = true;
        if (plot0) state.plot = Math.max(MIN_PLOT, Math.min(plot0, Math.round(room * 0.7)));
        return true;
      }
      if (!state.above && state.labelPx && state.labelPx > MIN_CHARS * 6) {
        state.labelPx = Math.max(MIN_CHARS * 6, Math.round(state.labelPx - over));
        state.headerPx = Math.max(MIN_CHARS * 7, state.headerPx - over);
        return true;
      }
      if (p.legends.length && !state.legend1) { state.legend1 = true; return true; }
      return false;
    }
    function pass(n) {
      var s = apply(base, state, room);
      return measure(s, opts).then(function (w) {
        if (w <= room || n >= PASSES || !step(w)) return { spec: s, width: w, narrowed: n > 0 };
        return pass(n + 1);
      });
    }
    return pass(0);
  }

  function roomOf(el) {
    return Math.floor(el.getBoundingClientRect().width);
  }

  // One chart: laid out and drawn for the width of its element, and again whenever that width
  // changes so that the drawing no longer fits, or was narrowed and may now be wider. Draws run
  // one after another; a draw superseded by a newer width before it touches the page is
  // skipped. ``data-laid-out-for`` holds the width the drawing is right for ("" while one is due).
  function chart(el, raw) {
    var opts = Object.assign({}, raw.embed, { ast: true }); // the policy refuses eval
    var base = readable(JSON.parse(JSON.stringify(raw.spec)));
    var drawn = null, laidFor = 0, fits = 0, narrowed = false, gen = 0, pending = false, timer = 0;
    var slack = 0, retried = false; // px the drawing came out wider than measured (text metrics)
    var queue = Promise.resolve();
    function fail(err) {
      pending = false;
      var d = document.createElement("div");
      d.className = "error";
      d.textContent = "This chart could not be drawn: " + ((err && err.message) || String(err));
      el.appendChild(d);
    }
    function due() {
      pending = true;
      el.setAttribute("data-laid-out-for", "");
    }
    function draw() {
      var mine = ++gen;
      due();
      queue = queue.then(function () {
        if (mine !== gen) return null; // a newer width is waiting
        var room = roomOf(el);
        return layout(base, opts, room - slack).then(function (laid) {
          if (mine !== gen) return null;
          if (drawn) {
            el.style.minHeight = el.getBoundingClientRect().height + "px"; // no jump while redrawn
            drawn.finalize();
            drawn = null;
            while (el.firstChild) el.removeChild(el.firstChild);
          }
          return window.vegaEmbed(el, laid.spec, opts).then(function (res) {
            drawn = res;
            var svg = el.querySelector("svg");
            var real = svg ? parseFloat(svg.getAttribute("width")) || 0 : 0;
            fits = Math.max(laid.width, real);
            if (real > room + 0.5 && !retried) {
              // drawn a little wider than measured: once more, that much narrower
              retried = true;
              slack += Math.ceil(real - room);
              if (mine === gen) draw();
              return;
            }
            retried = false;
            narrowed = laid.narrowed;
            laidFor = room;
            el.style.minHeight = "";
            if (mine !== gen) return;
            pending = false;
            el.setAttribute("data-laid-out-for", String(room));
            if (Math.abs(roomOf(el) - room) >= 1) resized(); // the width moved meanwhile
          });
        });
      }).catch(fail);
    }
    function resized() {
      var room = roomOf(el);
      if (!room || pending || Math.abs(room - laidFor) < 1) return;
      if (fits > room || (narrowed && room > laidFor)) {
        due();
        clearTimeout(timer);
        timer = setTimeout(draw, SETTLE_MS);
      } else {
        laidFor = room; // the drawing is right for this width too
        el.setAttribute("data-laid-out-for", String(room));
      }
    }
    draw();
    if (typeof ResizeObserver === "function") new ResizeObserver(resized).observe(el);
    else window.addEventListener("resize", resized);
  }

  function drawAll() {
    var blocks = document.querySelectorAll('script.annex-chart-spec[type="application/json"]');
    Array.prototype.forEach.call(blocks, function (block) {
      var el = document.getElementById(block.getAttribute("data-chart"));
      if (!el) return;
      try {
        chart(el, JSON.parse(block.textContent));
      } catch (err) {
        var d = document.createElement("div");
        d.className = "error";
        d.textContent = "This chart could not be drawn: " + ((err && err.message) || String(err));
        el.appendChild(d);
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
