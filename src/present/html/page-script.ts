/**
 * The page's script: plain DOM, no framework. It reads the embedded JSON, draws only the ladder
 * rows in view (so 100,000 frames scroll as smoothly as 100), and steps through frames by keys
 * and buttons. Written as a string (no backquotes or dollar-brace inside) so the build inlines it.
 */
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('lvscope-data').textContent);
  // Each phrase beside its translation: [English, Chinese], indexed by L().
  var T = {
    first: ['First frame', '第一帧'], prev: ['Previous', '上一帧'], next: ['Next', '下一帧'], last: ['Last frame', '最后一帧'],
    frameOf: ['Frame {0} of {1}', '第 {0} 帧，共 {1} 帧'], keys: ['keys: \u2190 \u2192  j k  Home End', '按键：\u2190 \u2192  j k  Home End'],
    print: ['Print handout', '打印讲义'], packet: ['Packet', '报文'], conns: ['Connections', '连接表'],
    cluster: ['Cluster', '集群'], findings: ['Findings', '问题'], bytes: ['Bytes', '字节'],
    shownOf: ['This page holds the first {0} frames of {1}; the cluster and the findings cover the whole capture.', '本页包含前 {0} 帧（共 {1} 帧）；集群和问题基于整个抓包。'],
    broadcast: ['broadcast', '广播'], none: ['No connection entries yet.', '还没有连接条目。'], noFindings: ['No findings.', '没有发现问题。'],
    connCols: [['#', 'pro', 'state', 'expire', 'client', 'virtual', 'real server'], ['#', '协议', '状态', '剩余', '客户端', '虚拟服务', 'Real Server']],
    asOf: ['as IPVS holds it just after frame {0}', '第 {0} 帧之后 IPVS 中的状态'],
    rsCols: [['real server', 'forward', 'weight', 'ActiveConn', 'InActConn'], ['Real Server', '转发', '权重', '活动连接', '非活动连接']],
    summary: ['What lvscope worked out', 'lvscope 的推断'], endList: ['ipvsadm -Ln (reconstructed, end of capture)', 'ipvsadm -Ln（重建，抓包结束时）'], frame: ['frame', '帧'],
    beyond: ['frame {0} (not in this page)', '第 {0} 帧（不在本页）'],
    sev: [{ error: 'error', warning: 'warning', info: 'info' }, { error: '错误', warning: '警告', info: '提示' }],
    handout: ['Walkthrough', '逐帧分析'], hCols: [['No.', 'Time', 'From \u2192 To', 'Explanation'], ['编号', '时间', '发送 \u2192 接收', '说明']],
    bytesOf: ['first {0} of {1} bytes', '前 {0} 字节，共 {1} 字节'],
    finding: ['finding', '问题'], langName: ['English', '中文'], captured: ['{0} bytes captured of {1}', '抓到 {0} 字节，原长 {1} 字节']
  };
  var ROW = 40, GUTTER = 64, MAX_HEX = 4096;
  var frames = D.frames, cols = D.columns;
  var state = { i: 0, lang: D.lang === 'zh' ? 'zh' : 'en', tab: 'packet' };
  var L = function () { return state.lang === 'zh' ? 1 : 0; };
  var t = function (k) { return T[k][L()]; };
  function fmt(s) { var a = arguments; return s.replace(/\{(\d)\}/g, function (_, d) { return a[+d + 1]; }); }
  function num(n) { return Number(n).toLocaleString('en'); }
  function $(id) { return document.getElementById(id); }
  function el(tag, attrs) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'cls') e.className = attrs[k];
      else if (k === 'on') e.addEventListener('click', attrs[k]);
      else e.setAttribute(k, attrs[k]);
    }
    for (var j = 2; j < arguments.length; j++) { var c = arguments[j]; if (c != null) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); }
    return e;
  }
  var SVG = 'http://www.w3.org/2000/svg';
  function sv(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }
  var ROLE_VAR = { client: '--client', gateway: '--gateway', director: '--director', 'real-server': '--rs', other: '--other', mixed: '--other' };
  var css = getComputedStyle(document.documentElement);
  function roleColour(i) { var c = cols[i]; return c ? css.getPropertyValue(ROLE_VAR[c.role]).trim() : '#6b6b6b'; }
  function colName(i) { return i < 0 ? t('broadcast') : cols[i] ? cols[i].label[L()] : '?'; }

  // ---------------------------------------------------------------- ladder
  var ladder = $('ladder'), head = $('ladder-head'), svg = $('ladder-svg'), space = $('ladder-space');
  // Many hosts: give the ladder more of the width.
  if (cols.length > 4) document.querySelector('main').style.gridTemplateColumns = 'minmax(0, ' + Math.min(cols.length, 8) + 'fr) minmax(0, 4fr)';
  space.style.height = (frames.length * ROW) + 'px';
  function colX(i) {
    var w = ladder.clientWidth - GUTTER - 16, n = Math.max(cols.length, 1);
    return GUTTER + 8 + w * (i + 0.5) / n;
  }
  function drawHead() {
    head.textContent = '';
    for (var i = 0; i < cols.length; i++) {
      var c = cols[i];
      var d = el('div', { cls: 'col r-' + c.role, title: c.label[L()] + ' ' + c.sub }, el('b', { text: c.label[L()] }), el('small', { text: c.sub }));
      d.style.left = colX(i) + 'px';
      d.style.maxWidth = Math.max(40, colX(1) - colX(0) - 6) + 'px';
      head.appendChild(d);
    }
  }
  function shortLabel(f) {
    var s = f.s, m = /\[([^\]]+)\](.*)$/.exec(s);
    if (m) return m[1] + m[2];
    m = /^ARP who has (\S+) tell/.exec(s);
    if (m) return 'ARP who has ' + m[1];
    m = /^ARP (\S+) is at (?:[0-9a-f]{2}:){3}(\S+)/.exec(s);
    if (m) return 'ARP ' + m[1] + ' is at \u2026:' + m[2];
    if (s.length > 34) return s.slice(0, 33) + '\u2026';
    return s;
  }
  var drawn = { from: -1, to: -1, sel: -1, w: -1, lang: '' };
  function drawLadder(force) {
    var top = ladder.scrollTop, h = ladder.clientHeight, w = ladder.clientWidth;
    var from = Math.max(0, Math.floor(top / ROW) - 5), to = Math.min(frames.length, Math.ceil((top + h) / ROW) + 5);
    if (!force && from === drawn.from && to === drawn.to && state.i === drawn.sel && w === drawn.w && state.lang === drawn.lang) return;
    drawn = { from: from, to: to, sel: state.i, w: w, lang: state.lang };
    svg.textContent = '';
    svg.setAttribute('width', w);
    svg.setAttribute('height', Math.max(0, (to - from) * ROW));
    svg.style.top = (from * ROW) + 'px';
    var defs = sv('defs', {});
    for (var c = 0; c < cols.length; c++) {
      var mk = sv('marker', { id: 'ah' + c, viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '13', markerHeight: '13', markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse' });
      mk.appendChild(sv('path', { d: 'M0,0 L10,5 L0,10 z', fill: roleColour(c) }));
      defs.appendChild(mk);
    }
    svg.appendChild(defs);
    var hgt = (to - from) * ROW, marks = [];
    if (state.i >= from && state.i < to) svg.appendChild(sv('rect', { 'class': 'row-sel', x: 0, y: (state.i - from) * ROW, width: w, height: ROW }));
    for (c = 0; c < cols.length; c++) svg.appendChild(sv('line', { 'class': 'life', x1: colX(c), x2: colX(c), y1: 0, y2: hgt }));
    for (var i = from; i < to; i++) {
      var f = frames[i], y = (i - from) * ROW, mid = y + ROW / 2 + 4;
      var g = sv('g', { 'data-i': i });
      g.appendChild(sv('rect', { 'class': 'row-hit', x: 0, y: y, width: w, height: ROW }));
      g.appendChild(sv('text', { 'class': 'n', x: 6, y: y + ROW / 2 + 5 }, String(f.n)));
      if (f.f.length) g.appendChild(sv('text', { 'class': 'warn', x: GUTTER - 14, y: y + ROW / 2 + 5 }, '!'));
      var colour = roleColour(f.a), xa = colX(f.a);
      if (f.b < 0) {
        var xl = colX(0), xr = colX(Math.max(cols.length - 1, 0));
        g.appendChild(sv('line', { x1: xl, x2: xr, y1: mid, y2: mid, stroke: colour, 'stroke-width': 2.5, 'stroke-dasharray': '7 5' }));
        g.appendChild(sv('circle', { cx: xa, cy: mid, r: 6, fill: colour }));
        g.appendChild(sv('text', { 'class': 'lbl', x: xa + (xa > (xl + xr) / 2 ? -10 : 10), y: mid - 7, 'text-anchor': xa > (xl + xr) / 2 ? 'end' : 'start' }, shortLabel(f) + ' \u00b7 ' + t('broadcast')));
      } else if (f.b === f.a) {
        g.appendChild(sv('path', { d: 'M' + xa + ',' + (mid - 8) + ' h26 v16 h-24', fill: 'none', stroke: colour, 'stroke-width': 2.5, 'marker-end': 'url(#ah' + f.a + ')' }));
        g.appendChild(sv('text', { 'class': 'lbl', x: xa + 32, y: mid }, shortLabel(f)));
      } else {
        var xb = colX(f.b), dir = xb > xa ? 1 : -1;
        g.appendChild(sv('line', { x1: xa, x2: xb - dir * 2, y1: mid, y2: mid, stroke: colour, 'stroke-width': 3, 'marker-end': 'url(#ah' + f.a + ')' }));
        g.appendChild(sv('circle', { cx: xa, cy: mid, r: 4, fill: colour }));
        var cx = (xa + xb) / 2;
        if (f.m) {
          var label = sv('text', { 'class': 'mark', x: cx, y: mid - 9, 'text-anchor': 'middle' }, f.m[L()]);
          var bg = sv('rect', { 'class': 'mark-bg', y: mid - 24, height: 20, rx: 4 });
          g.appendChild(bg); g.appendChild(label);
          marks.push([bg, label, cx]);
        } else {
          g.appendChild(sv('text', { 'class': 'lbl', x: cx, y: mid - 8, 'text-anchor': 'middle' }, shortLabel(f)));
        }
      }
      svg.appendChild(g);
    }
    // Measured once they are in the document: CJK and Latin glyphs differ in width.
    marks.forEach(function (m) { var w2 = m[1].getComputedTextLength() + 14; m[0].setAttribute('x', m[2] - w2 / 2); m[0].setAttribute('width', w2); });
  }
  var pending = false;
  ladder.addEventListener('scroll', function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; drawLadder(false); });
  });
  svg.addEventListener('click', function (ev) {
    var g = ev.target.closest('g[data-i]');
    if (g) go(+g.getAttribute('data-i'));
  });
  window.addEventListener('resize', function () { drawHead(); drawLadder(true); });
  function reveal() {
    var y = state.i * ROW, top = ladder.scrollTop, h = ladder.clientHeight;
    if (y < top + ROW) ladder.scrollTop = Math.max(0, y - ROW * 2);
    else if (y + ROW > top + h - ROW) ladder.scrollTop = y + ROW * 3 - h;
  }

  // ---------------------------------------------------------------- connections as of a frame
  var connCache = { upto: -1, last: [] };
  /** For each connection: index of its last frame up to frame i (inclusive). */
  function connsAt(i) {
    if (connCache.upto > i) connCache = { upto: -1, last: [] };
    for (var k = connCache.upto + 1; k <= i; k++) { var c = frames[k].c; if (c > 0) connCache.last[c] = k; }
    connCache.upto = i;
    var now = frames[i] ? frames[i].t : 0, out = [];
    connCache.last.forEach(function (k, c) {
      if (k === undefined) return;
      var st = frames[k].st, left = frames[k].t + (D.timeouts[st] || 60) - now;
      if (left <= 0) return;
      out.push({ c: c, st: st, left: left, info: D.conns[c - 1] || { p: '?', client: '?', virtual: '?', rs: null } });
    });
    return out;
  }
  function mmss(s) { s = Math.floor(s); var m = Math.floor(s / 60), r = s % 60; return (m < 10 ? '0' : '') + m + ':' + (r < 10 ? '0' : '') + r; }

  // ---------------------------------------------------------------- frame panel
  function b64(s) { var bin = atob(s), a = new Uint8Array(bin.length); for (var i = 0; i < bin.length; i++) a[i] = bin.charCodeAt(i); return a; }
  function renderPacket(body, f) {
    var bytes = b64(f.x), hexSpans = [];
    var layers = el('div');
    f.L.forEach(function (layer) {
      var grid = el('div', { cls: 'fields' });
      layer[1].forEach(function (fld) {
        var k = el('span', { cls: 'k', text: fld[0] }), v = el('span', { text: fld[1] });
        var on = function () { mark(fld[2], fld[3], true, k, v); }, off = function () { mark(fld[2], fld[3], false, k, v); };
        [k, v].forEach(function (x) { x.addEventListener('mouseenter', on); x.addEventListener('mouseleave', off); });
        grid.appendChild(k); grid.appendChild(v);
      });
      layers.appendChild(el('div', { cls: 'layer' }, el('h3', { text: layer[0] }), grid));
    });
    body.appendChild(layers);
    body.appendChild(el('h3', { text: t('bytes') + ' \u00b7 ' + fmt(t('captured'), num(bytes.length), num(f.len)) }));
    var hex = el('div', { cls: 'hex', 'aria-label': t('bytes') });
    var n = Math.min(bytes.length, MAX_HEX);
    for (var r = 0; r < n; r += 16) {
      hex.appendChild(el('span', { cls: 'off', text: ('000' + r.toString(16)).slice(-4) + '  ' }));
      var ascii = '';
      for (var j = r; j < r + 16; j++) {
        if (j < n) {
          var s = el('span', { text: ('0' + bytes[j].toString(16)).slice(-2) });
          hexSpans[j] = s; hex.appendChild(s);
          ascii += bytes[j] >= 32 && bytes[j] < 127 ? String.fromCharCode(bytes[j]) : '.';
        } else hex.appendChild(document.createTextNode('  '));
        hex.appendChild(document.createTextNode(j === r + 7 ? '  ' : ' '));
      }
      hex.appendChild(el('span', { cls: 'off', text: ' ' + ascii + '\n' }));
    }
    if (bytes.length > MAX_HEX) hex.appendChild(el('span', { cls: 'off', text: fmt(t('bytesOf'), num(MAX_HEX), num(bytes.length)) }));
    body.appendChild(hex);
    function mark(a, b, on, k, v) {
      k.classList.toggle('hi', on); v.classList.toggle('hi', on);
      for (var x = a; x < b; x++) if (hexSpans[x]) hexSpans[x].classList.toggle('hi', on);
    }
  }
  function table(headers, rows, cur) {
    var tb = el('table', null, el('thead', null, el('tr', null)));
    headers.forEach(function (h) { tb.firstChild.firstChild.appendChild(el('th', { text: h })); });
    var body = el('tbody');
    rows.forEach(function (r) {
      var tr = el('tr', r.cur ? { cls: 'cur' } : null);
      r.cells.forEach(function (c, i) { tr.appendChild(el('td', { cls: i > 0 ? 'mono' : '', text: String(c) })); });
      body.appendChild(tr);
    });
    tb.appendChild(body);
    return tb;
  }
  function renderConns(body, f) {
    var list = connsAt(state.i);
    body.appendChild(el('p', { text: fmt(t('asOf'), f.n) }));
    if (!list.length) { body.appendChild(el('p', { cls: 'empty', text: t('none') })); return; }
    body.appendChild(table(t('connCols'), list.map(function (x) {
      return { cur: x.c === f.c, cells: [x.c, x.info.p, x.st, mmss(x.left), x.info.client, x.info.virtual, x.info.rs || '-'] };
    })));
  }
  function renderCluster(body, f) {
    var list = connsAt(state.i);
    D.services.forEach(function (s) {
      body.appendChild(el('h3', { text: s.protocol + ' ' + s.virtual + '  ' + s.method.toUpperCase() + '  ' + s.scheduler[L()] }));
      body.appendChild(el('p', { text: fmt(t('asOf'), f.n) }));
      body.appendChild(table(t('rsCols'), s.dests.map(function (d) {
        var act = 0, inact = 0;
        list.forEach(function (x) {
          if (x.info.virtual !== s.virtual || x.info.rs !== d.rs) return;
          if (D.active.indexOf(x.st) >= 0) act++; else inact++;
        });
        return { cur: !!(f.c && D.conns[f.c - 1] && D.conns[f.c - 1].rs === d.rs), cells: [d.rs + (d.name ? ' (' + d.name + ')' : ''), d.forward, d.weight, act, inact] };
      })));
    });
    body.appendChild(el('h3', { text: t('summary') }));
    body.appendChild(el('pre', { text: D.cluster[L()] }));
    body.appendChild(el('h3', { text: t('endList') }));
    body.appendChild(el('pre', { text: D.ipvsadmList }));
  }
  function renderFindings(body) {
    if (!D.findings.length) { body.appendChild(el('p', { cls: 'empty', text: t('noFindings') })); return; }
    D.findings.forEach(function (x) {
      var jumps = el('div', { cls: 'jumps' });
      x.frames.slice(0, 40).forEach(function (n) {
        if (n <= frames.length) jumps.appendChild(el('button', { type: 'button', text: t('frame') + ' ' + n, on: function () { go(n - 1); } }));
        else jumps.appendChild(el('span', { cls: 'empty', text: fmt(t('beyond'), num(n)) }));
      });
      body.appendChild(el('div', { cls: 'finding' }, el('span', { cls: 'sev sev-' + x.severity, text: t('sev')[x.severity] || x.severity }), el('div', null, el('b', { text: x.code }), el('div', { text: x.message[L()] })), jumps));
    });
  }
  var TABS = ['packet', 'conns', 'cluster', 'findings'];
  function renderTabs() {
    var bar = $('tabs');
    bar.textContent = '';
    TABS.forEach(function (name) {
      var label = t(name) + (name === 'findings' ? ' (' + D.findings.length + ')' : '');
      bar.appendChild(el('button', { type: 'button', role: 'tab', 'aria-selected': String(state.tab === name), 'data-tab': name, text: label, on: function () { state.tab = name; renderTabs(); renderBody(); } }));
    });
  }
  function renderBody() {
    var body = $('tab-body'), f = frames[state.i];
    body.textContent = '';
    if (!f) return;
    if (state.tab === 'packet') renderPacket(body, f);
    else if (state.tab === 'conns') renderConns(body, f);
    else if (state.tab === 'cluster') renderCluster(body, f);
    else renderFindings(body);
  }
  function renderFrame() {
    var f = frames[state.i];
    $('pos').textContent = f ? fmt(t('frameOf'), num(f.n), num(D.total)) : '';
    if (!f) return;
    var route = $('route');
    route.textContent = '';
    route.appendChild(el('span', { cls: 'who', text: colName(f.a) + ' \u2192 ' + colName(f.b) }));
    route.appendChild(document.createTextNode('  +' + f.t.toFixed(6) + ' s'));
    route.appendChild(el('code', { text: f.s }));
    $('explain').textContent = f.e[L()];
    $('hop').textContent = f.h ? f.h[L()] : '';
    $('flags').textContent = f.f.length ? t('finding') + ': ' + f.f.join(', ') : '';
    renderBody();
  }
  function go(i) {
    if (!frames.length) return;
    state.i = Math.max(0, Math.min(frames.length - 1, i));
    reveal();
    drawLadder(true);
    renderFrame();
    if (history.replaceState) history.replaceState(null, '', '#frame=' + frames[state.i].n);
  }

  // ---------------------------------------------------------------- language, chrome, handout
  function setLang(lang) {
    state.lang = lang;
    document.documentElement.lang = lang === 'zh' ? 'zh-Hans' : 'en';
    document.querySelectorAll('[data-lang]').forEach(function (b) { b.setAttribute('aria-pressed', String(b.getAttribute('data-lang') === lang)); });
    document.querySelectorAll('[data-t]').forEach(function (e) { e.textContent = t(e.getAttribute('data-t')); });
    document.querySelectorAll('[data-tl]').forEach(function (e) { e.setAttribute('aria-label', t(e.getAttribute('data-tl'))); e.title = t(e.getAttribute('data-tl')); });
    var note = $('limit');
    if (D.shown < D.total) { note.hidden = false; note.textContent = fmt(t('shownOf'), num(D.shown), num(D.total)); }
    handoutLang = '';
    $('service').textContent = D.services.map(function (s) { return s.protocol + ' ' + s.virtual + ' \u00b7 ' + s.method.toUpperCase() + ' \u00b7 ' + s.scheduler[L()]; }).join('   ');
    drawHead(); renderTabs(); drawLadder(true); renderFrame();
  }
  var handoutLang = '';
  function buildHandout() {
    if (handoutLang === state.lang) return;
    handoutLang = state.lang;
    var h = $('handout');
    h.textContent = '';
    h.appendChild(el('h1', { text: 'lvscope \u00b7 ' + D.title + ' \u00b7 ' + t('handout') }));
    if (D.shown < D.total) h.appendChild(el('p', { text: fmt(t('shownOf'), num(D.shown), num(D.total)) }));
    h.appendChild(el('pre', { text: D.cluster[L()] }));
    if (D.findings.length) {
      var fl = el('ul');
      D.findings.forEach(function (x) { fl.appendChild(el('li', null, el('b', { text: (t('sev')[x.severity] || x.severity) + ' \u00b7 ' + x.code + ': ' }), x.message[L()] + ' (' + t('frame') + ' ' + x.frames.slice(0, 12).join(', ') + (x.frames.length > 12 ? ', \u2026' : '') + ')')); });
      h.appendChild(el('h2', { text: t('findings') }));
      h.appendChild(fl);
    }
    var tb = el('table', null, el('thead', null, el('tr')));
    t('hCols').forEach(function (c) { tb.firstChild.firstChild.appendChild(el('th', { text: c })); });
    var body = el('tbody');
    frames.forEach(function (f) {
      var ex = el('td', { cls: 'ex' }, f.e[L()]);
      if (f.m) ex.appendChild(el('div', { cls: 'mark', text: f.m[L()] }));
      body.appendChild(el('tr', null, el('td', { text: String(f.n) }), el('td', { text: f.t.toFixed(6) }), el('td', { text: colName(f.a) + ' \u2192 ' + colName(f.b) }), ex));
    });
    tb.appendChild(body);
    h.appendChild(tb);
  }
  window.addEventListener('beforeprint', buildHandout);
  if (window.matchMedia) { var mq = window.matchMedia('print'); if (mq.addEventListener) mq.addEventListener('change', function (e) { if (e.matches) buildHandout(); }); }
  $('print').addEventListener('click', function () { buildHandout(); window.print(); });
  document.querySelectorAll('[data-lang]').forEach(function (b) { b.addEventListener('click', function () { setLang(b.getAttribute('data-lang')); }); });
  $('first').addEventListener('click', function () { go(0); });
  $('prev').addEventListener('click', function () { go(state.i - 1); });
  $('next').addEventListener('click', function () { go(state.i + 1); });
  $('last').addEventListener('click', function () { go(frames.length - 1); });
  document.addEventListener('keydown', function (ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    var tag = ev.target && ev.target.tagName;
    if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') return;
    var to = null;
    switch (ev.key) {
      case 'ArrowRight': case 'j': to = state.i + 1; break;
      case 'ArrowLeft': case 'k': to = state.i - 1; break;
      case 'Home': to = 0; break;
      case 'End': to = frames.length - 1; break;
      case 'PageDown': to = state.i + 10; break;
      case 'PageUp': to = state.i - 10; break;
    }
    if (to === null) return;
    ev.preventDefault();
    go(to);
  });
  var m = /frame=(\d+)/.exec(location.hash);
  setLang(state.lang);
  go(m ? +m[1] - 1 : 0);
  document.body.setAttribute('data-ready', '1');
})();
`;
