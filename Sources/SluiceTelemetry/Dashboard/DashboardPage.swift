/// The live dashboard served at `GET /`: one self-contained page (inline CSS and JavaScript, charts drawn as
/// SVG, nothing fetched but `/api/status`). It polls the status every second and keeps the last few minutes of
/// throughput and latency in the browser. Every section tolerates missing or odd data: a section the status
/// lacks shows "no data". All text from the status is inserted as text, never as markup.
///
/// For tests and monitoring of the page itself, `<body>` carries `data-updates` (statuses drawn),
/// `data-errors` (uncaught errors and rejections), `data-render-errors` (sections that failed to draw),
/// `data-fetch-failures`, `data-chart-version` (changes to the throughput chart) and `data-last-error`.
enum DashboardPage {
    /// Inline script and style only; requests only to this origin.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
        + "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    static let html = #"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Sluice</title>
        <link rel="icon" href="data:,">
        <script>
        (function () {
          var count = 0;
          function record(message) {
            count += 1;
            var body = document.body || document.documentElement;
            body.setAttribute('data-errors', String(count));
            body.setAttribute('data-last-error', String(message).slice(0, 300));
          }
          window.addEventListener('error', function (event) { record(event.message || 'error'); });
          window.addEventListener('unhandledrejection', function (event) {
            record('unhandled rejection: ' + (event.reason && event.reason.message ? event.reason.message : event.reason));
          });
        })();
        </script>
        <style>
        :root {
          --bg: #f3f5f8; --card: #ffffff; --ink: #1d2433; --muted: #6b7385; --line: #e3e7ee;
          --blue: #2f6fdf; --teal: #14a38b; --amber: #e0a100; --red: #d64545; --violet: #7a5af5; --bar: #2f6fdf;
        }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.4 -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
               background: var(--bg); color: var(--ink); }
        header { display: flex; align-items: center; gap: 18px; padding: 12px 22px; background: #172033;
                 color: #f4f6fb; flex-wrap: wrap; }
        header .brand { font-weight: 700; font-size: 18px; letter-spacing: 0.5px; }
        header .topology { font-size: 16px; font-weight: 600; }
        header .hash { font-family: ui-monospace, "DejaVu Sans Mono", monospace; color: #9fb0cf; font-size: 12px; }
        header .spacer { flex: 1; }
        header .meta { color: #c6d0e4; font-size: 13px; }
        .badge { display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: 12px; font-weight: 600; }
        .badge.ok { background: #1f8a4c; color: #fff; }
        .badge.warn { background: var(--amber); color: #1d2433; }
        .badge.bad { background: var(--red); color: #fff; }
        .badge.info { background: #4a5875; color: #fff; }
        #banner { display: none; margin: 12px 22px 0; padding: 8px 12px; border-radius: 6px; background: #fdecec;
                  color: #8a1f1f; border: 1px solid #f3b9b9; }
        main { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 16px; padding: 16px 22px 28px; }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px 14px; min-width: 0; }
        .card.wide { grid-column: span 2; }
        @media (max-width: 960px) { .card.wide { grid-column: span 1; } }
        .card h2 { margin: 0 0 8px; font-size: 14px; font-weight: 600; color: #33405a; display: flex; gap: 10px; align-items: baseline; }
        .card h2 .note { font-weight: 400; color: var(--muted); font-size: 12px; }
        .empty { color: var(--muted); font-style: italic; padding: 18px 0; text-align: center; }
        .kpis { display: flex; gap: 24px; margin-bottom: 6px; flex-wrap: wrap; }
        .kpi .value { font-size: 20px; font-weight: 700; white-space: nowrap; }
        .card:not(.wide) .kpis { gap: 18px; }
        .card:not(.wide) .kpi .value { font-size: 17px; }
        .kpi .label { color: var(--muted); font-size: 12px; }
        svg { display: block; width: 100%; height: auto; overflow: visible; }
        svg text { font-size: 11px; fill: #4f5870; }
        .legend { display: flex; gap: 14px; font-size: 12px; color: var(--muted); margin-top: 4px; }
        .legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
        table { width: 100%; border-collapse: collapse; font-size: 13px; }
        th { text-align: left; color: var(--muted); font-weight: 500; font-size: 12px; border-bottom: 1px solid var(--line); padding: 4px 6px; }
        td { padding: 4px 6px; border-bottom: 1px solid #f0f2f6; vertical-align: middle; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        td:first-child { white-space: nowrap; }
        td.bar { width: 42%; }
        .alerts { list-style: none; margin: 0; padding: 0; max-height: 260px; overflow: auto; }
        .alerts li { display: flex; gap: 10px; align-items: baseline; padding: 5px 0; border-bottom: 1px solid #f0f2f6; }
        .alerts .time { color: var(--muted); font-size: 12px; white-space: nowrap; font-variant-numeric: tabular-nums; }
        .scroll { max-height: 300px; overflow: auto; }
        </style>
        </head>
        <body data-updates="0" data-errors="0" data-render-errors="0" data-fetch-failures="0" data-chart-version="0">
        <header>
          <span class="brand">Sluice</span>
          <span class="topology" id="topology">—</span>
          <span class="hash" id="topology-hash"></span>
          <span class="spacer"></span>
          <span class="meta">uptime <b id="uptime">—</b></span>
          <span class="meta" id="updated">waiting for status…</span>
          <span class="badge info" id="readiness">connecting</span>
        </header>
        <div id="banner"></div>
        <main>
          <section class="card wide" id="card-throughput"><h2>Throughput <span class="note">events per second, last 3 minutes</span></h2><div class="content"></div></section>
          <section class="card" id="card-latency"><h2>Stage latency <span class="note">per event: p50 · p90 · p99, log scale</span></h2><div class="content"></div></section>
          <section class="card" id="card-e2e"><h2>End-to-end latency <span class="note">consumed → outputs acknowledged</span></h2><div class="content"></div></section>
          <section class="card wide" id="card-lag"><h2>Consumer lag <span class="note">messages behind, per partition</span></h2><div class="content"></div></section>
          <section class="card" id="card-models"><h2>Models</h2><div class="content"></div></section>
          <section class="card" id="card-shadows"><h2>Shadow agreement <span class="note">with the primary</span></h2><div class="content"></div></section>
          <section class="card" id="card-drift"><h2>Drift <span class="note">statistic against its thresholds</span></h2><div class="content"></div></section>
          <section class="card" id="card-deadletters"><h2>Dead letters <span class="note">by reason, since start</span></h2><div class="content"></div></section>
          <section class="card wide" id="card-alerts"><h2>Recent alerts</h2><div class="content"></div></section>
        </main>
        <script>
        (function () {
          'use strict';
          var SVG_NS = 'http://www.w3.org/2000/svg';
          var HISTORY = 180;
          var body = document.body;
          var counters = { updates: 0, renderErrors: 0, fetchFailures: 0, chartVersion: 0 };
          var history = [];
          var previous = null;
          var lastThroughputPath = '';

          function publish() {
            body.setAttribute('data-updates', String(counters.updates));
            body.setAttribute('data-render-errors', String(counters.renderErrors));
            body.setAttribute('data-fetch-failures', String(counters.fetchFailures));
            body.setAttribute('data-chart-version', String(counters.chartVersion));
          }

          // ---- values that may be missing or of the wrong type ----
          function num(value) { return typeof value === 'number' && isFinite(value) ? value : null; }
          function text(value) { return value === null || value === undefined ? '' : String(value); }
          function list(value) { return Array.isArray(value) ? value.filter(function (item) { return item && typeof item === 'object'; }) : []; }
          function obj(value) { return value && typeof value === 'object' && !Array.isArray(value) ? value : null; }

          // ---- formatting ----
          function fmtSeconds(value) {
            value = num(value);
            if (value === null) return '—';
            var abs = Math.abs(value);
            if (abs === 0) return '0';
            if (abs < 1e-3) return (value * 1e6).toFixed(abs < 1e-5 ? 2 : 1) + ' µs';
            if (abs < 1) return (value * 1e3).toFixed(abs < 1e-2 ? 2 : 1) + ' ms';
            return value.toFixed(2) + ' s';
          }
          function fmtCount(value) {
            value = num(value);
            if (value === null) return '—';
            var abs = Math.abs(value);
            if (abs >= 1e9) return (value / 1e9).toFixed(2) + 'G';
            if (abs >= 1e6) return (value / 1e6).toFixed(2) + 'M';
            if (abs >= 1e4) return (value / 1e3).toFixed(1) + 'k';
            if (abs >= 100 || value === Math.round(value)) return String(Math.round(value));
            return value.toFixed(2);
          }
          function fmtUptime(value) {
            value = num(value);
            if (value === null) return '—';
            var s = Math.floor(value), d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
            if (d > 0) return d + 'd ' + h + 'h ' + m + 'm';
            if (h > 0) return h + 'h ' + m + 'm';
            if (m > 0) return m + 'm ' + (s % 60) + 's';
            return (s % 60) + 's';
          }
          function fmtTime(epochSeconds) {
            var value = num(epochSeconds);
            if (value === null) return '';
            var date = new Date(value * 1000);
            function two(n) { return (n < 10 ? '0' : '') + n; }
            return two(date.getHours()) + ':' + two(date.getMinutes()) + ':' + two(date.getSeconds());
          }

          // ---- DOM helpers: text only, never markup from the status ----
          function el(tag, className, content) {
            var node = document.createElement(tag);
            if (className) node.className = className;
            if (content !== undefined && content !== null) node.textContent = String(content);
            return node;
          }
          function svgNode(tag, attributes, content) {
            var node = document.createElementNS(SVG_NS, tag);
            for (var key in attributes) {
              if (Object.prototype.hasOwnProperty.call(attributes, key)) node.setAttribute(key, String(attributes[key]));
            }
            if (content !== undefined && content !== null) node.textContent = String(content);
            return node;
          }
          function svgRoot(width, height) {
            return svgNode('svg', { viewBox: '0 0 ' + width + ' ' + height, preserveAspectRatio: 'xMidYMid meet', role: 'img' });
          }
          function empty(message) { return el('div', 'empty', message || 'no data yet'); }
          function setContent(cardId, node) {
            var holder = document.querySelector('#' + cardId + ' .content');
            while (holder.firstChild) holder.removeChild(holder.firstChild);
            holder.appendChild(node);
          }
          function section(cardId, draw) {
            try {
              setContent(cardId, draw());
            } catch (error) {
              counters.renderErrors += 1;
              body.setAttribute('data-last-error', cardId + ': ' + (error && error.message ? error.message : error));
              setContent(cardId, empty('could not draw this section'));
            }
          }
          function legend(entries) {
            var box = el('div', 'legend');
            entries.forEach(function (entry) {
              var item = el('span');
              var swatch = el('i');
              swatch.style.background = entry.color;
              if (entry.line) { swatch.style.width = '3px'; swatch.style.height = '13px'; swatch.style.borderRadius = '0'; }
              item.appendChild(swatch);
              item.appendChild(document.createTextNode(entry.name));
              box.appendChild(item);
            });
            return box;
          }
          function niceMax(value) {
            if (!(value > 0)) return 1;
            var power = Math.pow(10, Math.floor(Math.log10(value)));
            var steps = [1, 2, 2.5, 5, 10];
            for (var i = 0; i < steps.length; i++) if (steps[i] * power >= value) return steps[i] * power;
            return 10 * power;
          }

          // ---- charts ----
          function lineChart(series, format, options) {
            options = options || {};
            var width = options.width || 860, height = options.height || 200;
            var left = 56, right = 12, top = 10, bottom = 22;
            var root = svgRoot(width, height);
            var maxValue = 0, count = 0;
            series.forEach(function (s) {
              count = Math.max(count, s.values.length);
              s.values.forEach(function (v) { if (v !== null && v > maxValue) maxValue = v; });
            });
            var yMax = niceMax(maxValue * 1.1);
            var plotWidth = width - left - right, plotHeight = height - top - bottom;
            for (var tick = 0; tick <= 4; tick++) {
              var y = top + plotHeight - plotHeight * tick / 4;
              root.appendChild(svgNode('line', { x1: left, x2: width - right, y1: y, y2: y, stroke: '#e8ebf1' }));
              root.appendChild(svgNode('text', { x: left - 6, y: y + 4, 'text-anchor': 'end' }, format(yMax * tick / 4)));
            }
            root.appendChild(svgNode('text', { x: left, y: height - 4 }, options.startLabel || ''));
            root.appendChild(svgNode('text', { x: width - right, y: height - 4, 'text-anchor': 'end' }, 'now'));
            var paths = [];
            series.forEach(function (s) {
              var d = '', pen = false;
              s.values.forEach(function (v, index) {
                if (v === null) { pen = false; return; }
                // The newest point sits at the right edge; older ones move left, one slot per poll.
                var x = left + plotWidth - plotWidth * (count - 1 - index) / (HISTORY - 1);
                var y = top + plotHeight - plotHeight * v / yMax;
                d += (pen ? 'L' : 'M') + x.toFixed(1) + ' ' + y.toFixed(1) + ' ';
                pen = true;
              });
              var path = svgNode('path', { d: d.trim(), fill: 'none', stroke: s.color, 'stroke-width': 2, 'stroke-linejoin': 'round', 'data-series': s.name });
              if (s.dashed) path.setAttribute('stroke-dasharray', '6 4');
              root.appendChild(path);
              paths.push(d);
            });
            root.setAttribute('data-paths', String(paths.length));
            return { svg: root, signature: paths.join('|') };
          }

          function horizontalBars(rows, options) {
            options = options || {};
            var width = 420, rowHeight = 24, labelWidth = options.labelWidth || 150, valueWidth = 70;
            var height = rows.length * rowHeight + 4;
            var root = svgRoot(width, height);
            var maxValue = options.max || 0;
            rows.forEach(function (row) {
              if (row.value !== null && row.value > maxValue) maxValue = row.value;
              (row.markers || []).forEach(function (m) { if (m.value !== null && m.value > maxValue) maxValue = m.value; });
            });
            maxValue = maxValue > 0 ? maxValue * 1.05 : 1;
            var barWidth = width - labelWidth - valueWidth - 8;
            rows.forEach(function (row, index) {
              var y = index * rowHeight + 2;
              var label = svgNode('text', { x: 0, y: y + 15 }, row.label);
              label.appendChild(svgNode('title', {}, row.title || row.label));
              root.appendChild(label);
              root.appendChild(svgNode('rect', { x: labelWidth, y: y + 4, width: barWidth, height: 14, fill: '#f0f2f6', rx: 2 }));
              if (row.value !== null) {
                var w = Math.max(1, barWidth * Math.min(row.value, maxValue) / maxValue);
                root.appendChild(svgNode('rect', { x: labelWidth, y: y + 4, width: w.toFixed(1), height: 14, fill: row.color || 'var(--bar)', rx: 2, 'class': 'bar' }));
              }
              (row.markers || []).forEach(function (m) {
                if (m.value === null) return;
                var x = labelWidth + barWidth * Math.min(m.value, maxValue) / maxValue;
                root.appendChild(svgNode('line', { x1: x, x2: x, y1: y + 1, y2: y + 21, stroke: m.color, 'stroke-width': m.width || 2 }));
              });
              root.appendChild(svgNode('text', { x: width, y: y + 15, 'text-anchor': 'end' }, row.valueText));
            });
            return root;
          }

          // ---- sections ----
          function drawHeader(status) {
            var topology = obj(status.topology);
            document.getElementById('topology').textContent = topology && topology.name ? text(topology.name) : 'topology —';
            var hash = topology ? text(topology.hash) : '';
            document.getElementById('topology-hash').textContent = hash ? '#' + hash.slice(0, 12) : '';
            document.getElementById('uptime').textContent = fmtUptime(status.uptimeSeconds);
            document.getElementById('updated').textContent = 'updated ' + (fmtTime(status.generatedAt) || fmtTime(Date.now() / 1000));
            var badge = document.getElementById('readiness');
            var readiness = obj(status.readiness);
            if (!readiness) { badge.className = 'badge info'; badge.textContent = 'readiness unknown'; badge.title = ''; }
            else if (readiness.ready === true) { badge.className = 'badge ok'; badge.textContent = 'ready'; badge.title = ''; }
            else { badge.className = 'badge warn'; badge.textContent = 'not ready'; badge.title = text(readiness.reason); }
            if (topology && topology.name) document.title = 'Sluice · ' + text(topology.name);
          }

          function rates(status) {
            var throughput = obj(status.throughput) || {};
            var consumed = num(throughput.consumedPerSecond), produced = num(throughput.producedPerSecond);
            var at = num(status.generatedAt);
            if (previous && at !== null && previous.at !== null && at > previous.at) {
              var span = at - previous.at;
              if (consumed === null && num(throughput.consumedTotal) !== null && previous.consumed !== null)
                consumed = Math.max(0, (throughput.consumedTotal - previous.consumed) / span);
              if (produced === null && num(throughput.producedTotal) !== null && previous.produced !== null)
                produced = Math.max(0, (throughput.producedTotal - previous.produced) / span);
            }
            previous = { at: at, consumed: num(throughput.consumedTotal), produced: num(throughput.producedTotal) };
            return { consumed: consumed, produced: produced, inflight: num(throughput.inflight),
                     consumedTotal: num(throughput.consumedTotal), producedTotal: num(throughput.producedTotal) };
          }

          function drawThroughput(rate) {
            var box = el('div');
            var kpis = el('div', 'kpis');
            [['consumed / s', fmtCount(rate.consumed)], ['produced / s', fmtCount(rate.produced)],
             ['consumed total', fmtCount(rate.consumedTotal)], ['in flight', fmtCount(rate.inflight)]].forEach(function (pair) {
              var kpi = el('div', 'kpi');
              kpi.appendChild(el('div', 'value', pair[1]));
              kpi.appendChild(el('div', 'label', pair[0]));
              kpis.appendChild(kpi);
            });
            box.appendChild(kpis);
            var hasData = history.some(function (point) { return point.consumed !== null || point.produced !== null; });
            if (!hasData) { box.appendChild(empty('no throughput reported yet')); return box; }
            var chart = lineChart([
              { name: 'consumed', color: '#2f6fdf', values: history.map(function (p) { return p.consumed; }) },
              { name: 'produced', color: '#14a38b', dashed: true, values: history.map(function (p) { return p.produced; }) }
            ], fmtCount, { startLabel: '−3 min' });
            chart.svg.setAttribute('id', 'throughput-chart');
            if (chart.signature !== lastThroughputPath) { counters.chartVersion += 1; lastThroughputPath = chart.signature; }
            box.appendChild(chart.svg);
            box.appendChild(legend([{ name: 'consumed', color: '#2f6fdf' }, { name: 'produced', color: '#14a38b' }]));
            return box;
          }

          // A log scale over the decades the rows span (at least two), so sub-microsecond stages stay apart.
          function latencyScale(rows) {
            var low = Infinity, high = -Infinity;
            rows.forEach(function (row) {
              [row.p50, row.p90, row.p99].forEach(function (value) {
                value = num(value);
                if (value !== null && value > 0) { low = Math.min(low, value); high = Math.max(high, value); }
              });
            });
            if (low === Infinity) { low = 1e-6; high = 1e-3; }
            var from = Math.floor(Math.log10(low)), to = Math.ceil(Math.log10(high));
            if (to - from < 2) to = from + 2;
            return { from: from, to: to, position: function (value) {
              return Math.max(0, Math.min(1, (Math.log10(Math.max(value, Math.pow(10, from))) - from) / (to - from)));
            } };
          }
          function fmtDecade(exponent) {
            var units = [[-9, 'ns'], [-6, 'µs'], [-3, 'ms'], [0, 's']];
            for (var i = units.length - 1; i >= 0; i--) {
              if (exponent >= units[i][0]) return Math.pow(10, exponent - units[i][0]).toFixed(0) + ' ' + units[i][1];
            }
            return '1e' + exponent + ' s';
          }

          function latencyTable(rows, scale) {
            var table = el('table');
            var head = el('tr');
            ['', 'p50', 'p90', 'p99', fmtDecade(scale.from) + ' … ' + fmtDecade(scale.to)].forEach(function (title, index) { head.appendChild(el('th', index > 0 && index < 4 ? 'num' : '', title)); });
            table.appendChild(head);
            var position = scale.position;
            rows.forEach(function (row) {
              var tr = el('tr');
              tr.appendChild(el('td', '', text(row.name)));
              tr.appendChild(el('td', 'num', fmtSeconds(row.p50)));
              tr.appendChild(el('td', 'num', fmtSeconds(row.p90)));
              tr.appendChild(el('td', 'num', fmtSeconds(row.p99)));
              var cell = el('td', 'bar');
              var root = svgRoot(200, 16);
              root.appendChild(svgNode('rect', { x: 0, y: 7, width: 200, height: 2, fill: '#eef0f4' }));
              for (var decade = 1; decade < scale.to - scale.from; decade++) {
                var x = 200 * decade / (scale.to - scale.from);
                root.appendChild(svgNode('line', { x1: x, x2: x, y1: 3, y2: 13, stroke: '#e3e7ee' }));
              }
              var p50 = num(row.p50), p90 = num(row.p90), p99 = num(row.p99);
              if (p50 !== null && p99 !== null) {
                root.appendChild(svgNode('rect', { x: (200 * position(p50)).toFixed(1), y: 4, width: Math.max(2, 200 * (position(p99) - position(p50))).toFixed(1), height: 8, fill: '#b9cdf3', rx: 2 }));
              }
              [[p50, '#2f6fdf'], [p90, '#7a5af5'], [p99, '#d64545']].forEach(function (mark) {
                if (mark[0] === null) return;
                root.appendChild(svgNode('circle', { cx: (200 * position(mark[0])).toFixed(1), cy: 8, r: 3.5, fill: mark[1] }));
              });
              cell.appendChild(root);
              tr.appendChild(cell);
              table.appendChild(tr);
            });
            return table;
          }

          function drawLatency(status) {
            var rows = list(status.stages).filter(function (row) { return row.name !== undefined; });
            if (rows.length === 0) return empty('no stage latency reported yet');
            var box = el('div');
            box.appendChild(latencyTable(rows, latencyScale(rows)));
            box.appendChild(legend([{ name: 'p50', color: '#2f6fdf' }, { name: 'p90', color: '#7a5af5' }, { name: 'p99', color: '#d64545' }]));
            return box;
          }

          function drawEndToEnd(status) {
            var latency = obj(status.endToEndLatency);
            var hasHistory = history.some(function (p) { return p.e2e50 !== null || p.e2e99 !== null; });
            if (!latency && !hasHistory) return empty('no end-to-end latency reported yet');
            var box = el('div');
            var kpis = el('div', 'kpis');
            [['p50', latency ? latency.p50 : null], ['p90', latency ? latency.p90 : null], ['p99', latency ? latency.p99 : null], ['max', latency ? latency.max : null]].forEach(function (pair) {
              var kpi = el('div', 'kpi');
              kpi.appendChild(el('div', 'value', fmtSeconds(pair[1])));
              kpi.appendChild(el('div', 'label', pair[0]));
              kpis.appendChild(kpi);
            });
            box.appendChild(kpis);
            if (hasHistory) {
              var chart = lineChart([
                { name: 'p50', color: '#2f6fdf', values: history.map(function (p) { return p.e2e50; }) },
                { name: 'p99', color: '#d64545', values: history.map(function (p) { return p.e2e99; }) }
              ], fmtSeconds, { width: 420, height: 150, startLabel: '−3 min' });
              box.appendChild(chart.svg);
              box.appendChild(legend([{ name: 'p50', color: '#2f6fdf' }, { name: 'p99', color: '#d64545' }]));
            }
            return box;
          }

          function drawLag(status) {
            var partitions = list(status.partitions).slice().sort(function (a, b) {
              var topic = text(a.topic).localeCompare(text(b.topic));
              return topic !== 0 ? topic : (num(a.partition) || 0) - (num(b.partition) || 0);
            });
            if (partitions.length === 0) return empty('no partitions assigned');
            var width = 860, height = 190, left = 56, bottom = 34, top = 8;
            var root = svgRoot(width, height);
            var maxLag = 0;
            partitions.forEach(function (p) { var lag = num(p.lag); if (lag !== null && lag > maxLag) maxLag = lag; });
            var yMax = niceMax(maxLag * 1.1);
            var plotWidth = width - left - 8, plotHeight = height - top - bottom;
            for (var tick = 0; tick <= 4; tick++) {
              var y = top + plotHeight - plotHeight * tick / 4;
              root.appendChild(svgNode('line', { x1: left, x2: width - 8, y1: y, y2: y, stroke: '#e8ebf1' }));
              root.appendChild(svgNode('text', { x: left - 6, y: y + 4, 'text-anchor': 'end' }, fmtCount(yMax * tick / 4)));
            }
            var slot = plotWidth / partitions.length;
            var labelEvery = Math.max(1, Math.ceil(partitions.length / 24));
            var colors = { running: '#2f6fdf', assigned: '#2f6fdf', paused: '#e0a100', restoring: '#7a5af5', draining: '#d64545', revoking: '#d64545' };
            partitions.forEach(function (p, index) {
              var lag = num(p.lag);
              var x = left + index * slot;
              var h = lag === null ? 0 : Math.max(lag > 0 ? 1 : 0, plotHeight * lag / yMax);
              var state = text(p.state);
              var bar = svgNode('rect', { x: (x + slot * 0.15).toFixed(1), y: (top + plotHeight - h).toFixed(1), width: Math.max(1, slot * 0.7).toFixed(1), height: h.toFixed(1), fill: colors[state] || '#2f6fdf', 'class': 'bar' });
              bar.appendChild(svgNode('title', {}, text(p.topic) + '/' + text(p.partition) + ': lag ' + (lag === null ? 'unknown' : lag) + (state ? ' (' + state + ')' : '')));
              root.appendChild(bar);
              if (index % labelEvery === 0) {
                root.appendChild(svgNode('text', { x: (x + slot / 2).toFixed(1), y: height - bottom + 14, 'text-anchor': 'middle' }, text(p.partition)));
              }
            });
            var topics = [];
            partitions.forEach(function (p) { var t = text(p.topic); if (topics.indexOf(t) < 0) topics.push(t); });
            root.appendChild(svgNode('text', { x: left, y: height - 4 }, 'partitions of ' + topics.join(', ')));
            var box = el('div');
            box.appendChild(root);
            var states = {};
            partitions.forEach(function (p) { var s = text(p.state) || 'unknown'; states[s] = (states[s] || 0) + 1; });
            box.appendChild(legend(Object.keys(states).sort().map(function (s) { return { name: s + ' (' + states[s] + ')', color: colors[s] || '#2f6fdf' }; })));
            return box;
          }

          function drawModels(status) {
            var models = list(status.models);
            if (models.length === 0) return empty('no models reported yet');
            var table = el('table');
            var head = el('tr');
            [['model', ''], ['version', ''], ['role', ''], ['p50', 'num'], ['p99', 'num'], ['scored', 'num']].forEach(function (h) { head.appendChild(el('th', h[1], h[0])); });
            table.appendChild(head);
            models.forEach(function (model) {
              var latency = obj(model.latency) || {};
              var tr = el('tr');
              tr.appendChild(el('td', '', text(model.name)));
              tr.appendChild(el('td', '', text(model.version) || '—'));
              var roleCell = el('td');
              var role = text(model.role) || '—';
              roleCell.appendChild(el('span', 'badge ' + (role === 'primary' ? 'ok' : 'info'), role));
              tr.appendChild(roleCell);
              tr.appendChild(el('td', 'num', fmtSeconds(latency.p50)));
              tr.appendChild(el('td', 'num', fmtSeconds(latency.p99)));
              tr.appendChild(el('td', 'num', fmtCount(model.scored)));
              table.appendChild(tr);
            });
            return table;
          }

          function drawShadows(status) {
            var shadows = list(status.shadows);
            if (shadows.length === 0) return empty('no shadow models');
            var box = el('div');
            box.appendChild(horizontalBars(shadows.map(function (shadow) {
              var agreement = num(shadow.agreement);
              return { label: text(shadow.model), value: agreement === null ? null : agreement * 100,
                       color: agreement === null ? '#ccc' : agreement >= 0.95 ? '#14a38b' : agreement >= 0.8 ? '#e0a100' : '#d64545',
                       valueText: agreement === null ? '—' : (agreement * 100).toFixed(1) + '%',
                       title: text(shadow.model) + (shadow.primary ? ' vs ' + text(shadow.primary) : '') };
            }), { max: 100 / 1.05 }));
            var table = el('table');
            var head = el('tr');
            [['shadow', ''], ['vs primary', ''], ['compared', 'num'], ['skipped', 'num']].forEach(function (h) { head.appendChild(el('th', h[1], h[0])); });
            table.appendChild(head);
            shadows.forEach(function (shadow) {
              var tr = el('tr');
              tr.appendChild(el('td', '', text(shadow.model)));
              tr.appendChild(el('td', '', text(shadow.primary) || '—'));
              tr.appendChild(el('td', 'num', fmtCount(shadow.compared)));
              tr.appendChild(el('td', 'num', fmtCount(shadow.skipped)));
              table.appendChild(tr);
            });
            box.appendChild(table);
            return box;
          }

          function drawDrift(status) {
            var rows = list(status.drift);
            if (rows.length === 0) return empty('no drift statistics yet');
            var severityColor = { ok: '#14a38b', warn: '#e0a100', alert: '#d64545' };
            var box = el('div', 'scroll');
            box.appendChild(horizontalBars(rows.map(function (row) {
              var value = num(row.value), warn = num(row.warn), alert = num(row.alert);
              var severity = text(row.severity) || (value === null ? '' : alert !== null && value >= alert ? 'alert' : warn !== null && value >= warn ? 'warn' : 'ok');
              var label = text(row.feature) + (row.statistic ? ' · ' + text(row.statistic) : '');
              return { label: label, value: value, color: severityColor[severity] || '#2f6fdf',
                       valueText: value === null ? '—' : value.toFixed(3),
                       title: (row.model ? text(row.model) + ' / ' : '') + label + (severity ? ' (' + severity + ')' : ''),
                       markers: [{ value: warn, color: '#e0a100', width: 1.5 }, { value: alert, color: '#d64545', width: 2.5 }] };
            }), { labelWidth: 170 }));
            var wrapper = el('div');
            wrapper.appendChild(box);
            wrapper.appendChild(legend([{ name: 'ok', color: '#14a38b' }, { name: 'warn', color: '#e0a100' }, { name: 'alert', color: '#d64545' }, { name: 'warn threshold', color: '#e0a100', line: true }, { name: 'alert threshold', color: '#d64545', line: true }]));
            return wrapper;
          }

          function drawDeadLetters(status) {
            var rows = list(status.deadLetters).filter(function (row) { return num(row.count) !== null; })
              .sort(function (a, b) { return b.count - a.count; });
            if (rows.length === 0) return empty('no dead letters');
            var total = rows.reduce(function (sum, row) { return sum + row.count; }, 0);
            var box = el('div');
            var kpis = el('div', 'kpis');
            var kpi = el('div', 'kpi');
            kpi.appendChild(el('div', 'value', fmtCount(total)));
            kpi.appendChild(el('div', 'label', 'dead letters'));
            kpis.appendChild(kpi);
            box.appendChild(kpis);
            box.appendChild(horizontalBars(rows.map(function (row) {
              return { label: text(row.reason), value: row.count, color: '#d64545', valueText: fmtCount(row.count) };
            })));
            return box;
          }

          function drawAlerts(status) {
            var alerts = list(status.alerts);
            if (alerts.length === 0) return empty('no alerts');
            var ul = el('ul', 'alerts');
            alerts.slice(0, 50).forEach(function (alert) {
              var li = el('li');
              li.appendChild(el('span', 'time', fmtTime(alert.time) || '—'));
              var severity = text(alert.severity) || 'info';
              li.appendChild(el('span', 'badge ' + (severity === 'alert' ? 'bad' : severity === 'warn' ? 'warn' : 'info'), severity));
              var subject = [text(alert.model), text(alert.feature)].filter(function (s) { return s; }).join(' / ');
              if (subject) li.appendChild(el('b', '', subject));
              li.appendChild(el('span', '', text(alert.message)));
              ul.appendChild(li);
            });
            return ul;
          }

          function render(status) {
            section('card-throughput', function () {
              var rate = rates(status);
              var e2e = obj(status.endToEndLatency) || {};
              history.push({ consumed: rate.consumed, produced: rate.produced, e2e50: num(e2e.p50), e2e99: num(e2e.p99) });
              while (history.length > HISTORY) history.shift();
              return drawThroughput(rate);
            });
            try { drawHeader(status); } catch (error) { counters.renderErrors += 1; body.setAttribute('data-last-error', 'header: ' + error.message); }
            section('card-latency', function () { return drawLatency(status); });
            section('card-e2e', function () { return drawEndToEnd(status); });
            section('card-lag', function () { return drawLag(status); });
            section('card-models', function () { return drawModels(status); });
            section('card-shadows', function () { return drawShadows(status); });
            section('card-drift', function () { return drawDrift(status); });
            section('card-deadletters', function () { return drawDeadLetters(status); });
            section('card-alerts', function () { return drawAlerts(status); });
          }

          function showBanner(message) {
            var banner = document.getElementById('banner');
            banner.textContent = message || '';
            banner.style.display = message ? 'block' : 'none';
          }

          function poll() {
            fetch('/api/status', { cache: 'no-store', headers: { 'Accept': 'application/json' } })
              .then(function (response) {
                if (!response.ok) throw new Error('status answered ' + response.status);
                return response.json();
              })
              .then(function (status) {
                render(obj(status) || {});
                counters.updates += 1;
                showBanner('');
              })
              .catch(function (error) {
                counters.fetchFailures += 1;
                showBanner('Status unavailable: ' + (error && error.message ? error.message : error) + '. Retrying…');
                var badge = document.getElementById('readiness');
                badge.className = 'badge bad';
                badge.textContent = 'unreachable';
              })
              .then(function () {
                publish();
                setTimeout(poll, 1000);
              });
          }

          publish();
          poll();
        })();
        </script>
        </body>
        </html>
        """#
}
