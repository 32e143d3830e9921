/**
 * The page script, as text inlined after plotly. It reads the JSON data island and builds the
 * page with createElement + textContent only — no innerHTML anywhere — so a task named
 * `<script>` or a symbol holding `"><img onerror=…>` is shown as text and never parsed as markup.
 * Chart figures arrive ready (labels already entity-escaped for plotly's own text renderer);
 * this script only places them. Plain ES2017, no modules: it must run from file:// years later.
 */
export const CLIENT_SCRIPT = String.raw`(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('data').textContent);
  var root = document.getElementById('report');
  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined && text !== null) n.textContent = String(text);
    return n;
  }
  function add(parent, child) { parent.appendChild(child); return child; }
  function table(head, rows) {
    var t = el('table');
    var tr = add(add(t, el('thead')), el('tr'));
    head.forEach(function (h) { add(tr, el('th', null, h)); });
    var body = add(t, el('tbody'));
    rows.forEach(function (r) {
      var row = add(body, el('tr'));
      // Counts get thousands separators; the first column names the row (a pCPU id stays as is).
      r.forEach(function (c, i) {
        var num = typeof c === 'number';
        add(row, el('td', num ? 'num' : null, num && i > 0 && Number.isInteger(c) ? c.toLocaleString('en-US') : c));
      });
    });
    return t;
  }
  function fmt(v) {
    if (v === null) return '—';
    if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en-US') : String(v);
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v);
  }

  add(root, el('h1', null, 'tracelens report'));
  add(root, el('p', 'muted', data.tool.name + ' ' + data.tool.version + ' · ' + data.inputs.map(function (i) { return i.summary.path; }).join(', ')));

  var fs = add(root, el('section'));
  add(fs, el('h2', null, data.findings.length === 0 ? 'Findings: none' : 'Findings (' + data.findings.length + ', worst first)'));
  data.findings.forEach(function (f) {
    var card = add(fs, el('div', 'finding ' + f.severity));
    var h = add(card, el('h3'));
    add(h, el('span', 'sev', f.severity));
    add(h, el('span', 'det', f.detector));
    add(h, document.createTextNode(f.title));
    add(card, el('p', null, f.message));
    var keys = Object.keys(f.metrics);
    if (keys.length > 0) add(card, table(keys, [keys.map(function (k) { return fmt(f.metrics[k]); })]));
    add(card, el('p', 'rec', '→ ' + f.recommendation));
    if (f.window) add(card, el('p', 'muted', 'window: ' + (f.window.start_ns / 1e6).toFixed(3) + ' – ' + (f.window.end_ns / 1e6).toFixed(3) + ' ms'));
    var ev = add(card, el('details'));
    add(ev, el('summary', null, 'evidence'));
    add(ev, el('pre', null, JSON.stringify(f.evidence, null, 2)));
  });
  if (data.skipped.length > 0) {
    add(fs, el('h3', null, 'Not checked (the trace lacks the signal)'));
    add(fs, table(['detector', 'reason', 'capture'], data.skipped.map(function (s) { return [s.detector, s.reason, s.capture_hint]; })));
  }

  var pending = [];
  data.inputs.forEach(function (input) {
    var s = input.summary;
    var sec = add(root, el('section', 'input'));
    add(sec, el('h2', null, s.path));
    add(sec, table(['format', 'bytes', 'events', 'samples', 'CPUs', 'duration'], [[s.format, s.bytes, s.events, s.samples, s.cpus, s.duration_ns === null ? 'no timestamps' : (s.duration_ns / 1e6).toFixed(3) + ' ms']]));
    add(sec, el('p', 'muted', 'by kind: ' + Object.keys(s.by_kind).map(function (k) { return k + ' ' + s.by_kind[k]; }).join(' · ')));
    add(sec, el('h3', null, s.diagnostics.length === 0 ? 'Diagnostics: none' : 'Diagnostics'));
    if (s.diagnostics.length > 0) {
      add(sec, table(['severity', 'code', 'count', 'message', 'first at', 'excerpt'], s.diagnostics.map(function (d) {
        var where = d.first.line !== undefined ? 'line ' + d.first.line : d.first.byte !== undefined ? 'byte ' + d.first.byte : '';
        return [d.severity, d.code, d.count, d.message, where, d.first.excerpt || ''];
      })));
    }
    input.sections.forEach(function (b) {
      if (b.text) { add(sec, el('pre', 'block', b.text.join('\n'))); return; }
      var box = add(sec, el('div', 'section-tables'));
      add(box, el('h3', null, b.heading));
      b.tables.forEach(function (t) {
        add(box, el('h4', null, t.title));
        add(box, table(t.head, t.rows));
      });
    });
    input.charts.forEach(function (c) {
      var box = add(sec, el('div', 'chart-box'));
      add(box, el('h3', null, c.title));
      if (c.note) { add(box, el('p', 'note', c.note)); return; }
      var div = add(box, el('div', 'chart'));
      div.id = c.id;
      pending.push([div, c]);
    });
    input.tables.forEach(function (t) {
      add(sec, el('h3', null, t.title));
      if (t.note) add(sec, el('p', 'note', t.note));
      if (t.rows.length > 0) add(sec, table(t.head, t.rows));
    });
  });
  // Plot after the DOM is built, one by one, so a failure names its chart in the console.
  pending.forEach(function (p) {
    Plotly.newPlot(p[0], p[1].data, p[1].layout, { displaylogo: false, responsive: true, showLink: false, showSendToCloud: false, showEditInChartStudio: false, typesetMath: false })
      .catch(function (err) { console.error('chart ' + p[1].id + ': ' + err); });
  });
})();`;
