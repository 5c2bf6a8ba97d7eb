// The live view: plain JavaScript, every request to this gateway's admin API (nothing from elsewhere).
// With an admin token, the page asks for it once and sends it as a bearer token with each request;
// the event stream is read with fetch() so that it carries the token too (EventSource cannot).
(function () {
  'use strict';
  const MAX_ROWS = 300;
  let token = sessionStorage.getItem('portcullis-token') || '';
  let writable = false;
  const flows = [];
  const $ = (id) => document.getElementById(id);

  function headers(extra) {
    const h = Object.assign({ 'Accept': 'application/json' }, extra || {});
    if (token) { h['Authorization'] = 'Bearer ' + token; }
    return h;
  }

  async function api(path, options) {
    const r = await fetch(path, Object.assign({ headers: headers(options && options.headers) }, options || {}));
    if (r.status === 401 || r.status === 403) { $('tokenbox').hidden = false; throw new Error('the admin token is required'); }
    return r;
  }

  function text(s) { return s === null || s === undefined ? '' : String(s); }

  function cell(tr, value) { const td = document.createElement('td'); td.textContent = text(value); tr.appendChild(td); return td; }

  function matches(f) {
    const d = $('fdest').value.trim(), c = $('fcaller').value.trim(), v = $('fverdict').value, r = $('freason').value.trim();
    return (!d || text(f.destination).includes(d)) && (!c || text(f.caller).includes(c))
      && (!v || f.verdict === v) && (!r || text(f.reason).includes(r));
  }

  function renderFlows() {
    const body = $('flows').tBodies[0];
    body.textContent = '';
    for (const f of flows) {
      if (!matches(f)) { continue; }
      const tr = document.createElement('tr');
      tr.className = f.verdict;
      cell(tr, new Date(f.at).toLocaleTimeString());
      cell(tr, f.verdict);
      cell(tr, f.destination + ':' + f.port);
      cell(tr, f.protocol);
      cell(tr, f.caller);
      cell(tr, f.reason).title = text(f.message);
      cell(tr, f.bytes);
      body.appendChild(tr);
    }
  }

  const same = (a, b) => a.at === b.at && a.destination === b.destination && a.port === b.port
    && a.caller === b.caller && a.reason === b.reason && a.bytes === b.bytes;

  function addFlow(f) {
    // The first state fetch and the stream can both carry the newest flows: show each once.
    if (flows.slice(0, 50).some((g) => same(g, f))) { return; }
    flows.unshift(f);
    if (flows.length > MAX_ROWS) { flows.length = MAX_ROWS; }
    renderFlows();
  }

  function openAllow(b) {
    $('allowpanel').hidden = false;
    $('allowtitle').textContent = 'Suggested for ' + b.destination + ':' + b.port;
    $('allowyaml').textContent = b.yaml;
    $('allowresult').textContent = writable ? '' : 'The admin API cannot write here: copy the YAML.';
    $('allowapply').disabled = !writable;
    $('allowapply').onclick = async () => {
      $('allowapply').disabled = true;
      try {
        const r = await api('/apply?source=ui-allow.yaml', { method: 'POST', headers: { 'Content-Type': 'application/yaml' }, body: b.yaml });
        const j = await r.json();
        $('allowresult').textContent = r.ok ? (j.results || []).map((x) => x.kind + '/' + x.name + ' ' + x.action).join(', ')
          : 'refused: ' + text(j.message);
        refresh();
      } catch (e) { $('allowresult').textContent = e.message; }
    };
  }

  function renderBlocked(list) {
    const body = $('blocked').tBodies[0];
    body.textContent = '';
    for (const b of list) {
      const tr = document.createElement('tr');
      cell(tr, b.destination + ':' + b.port);
      cell(tr, b.denied);
      cell(tr, (b.reasons || []).join(', ')).title = text(b.message);
      cell(tr, (b.callers || []).join(', '));
      const td = cell(tr, '');
      const btn = document.createElement('button');
      btn.className = 'allow';
      btn.textContent = 'Allow';
      btn.dataset.destination = b.destination;
      btn.onclick = () => openAllow(b);
      td.appendChild(btn);
      body.appendChild(tr);
    }
  }

  let connPlot = null, bytePlot = null;
  function plot(el, title, series, data, old) {
    const opts = { title: title, width: Math.max(300, el.clientWidth || 500), height: 160,
      series: [{}].concat(series.map((s) => ({ label: s[0], stroke: s[1] }))) };
    if (typeof uPlot === 'undefined') { return null; }
    if (old) { old.setData(data); return old; }
    return new uPlot(opts, data, el);
  }

  function renderRates(rates) {
    const t = rates.map((p) => p.at);
    connPlot = plot($('connplot'), 'connections/s', [['allowed', '#2e7d32'], ['denied', '#c62828']],
      [t, rates.map((p) => p.allowed), rates.map((p) => p.denied)], connPlot);
    bytePlot = plot($('byteplot'), 'bytes/s', [['bytes', '#1565c0']], [t, rates.map((p) => p.bytes)], bytePlot);
  }

  async function refresh() {
    try {
      const s = await (await api('/ui/state')).json();
      writable = s.writable;
      $('mode').textContent = s.outboundPolicy + ' · ' + s.learned.candidates + '/' + s.learned.limit + ' learned';
      renderBlocked(s.blocked);
      renderRates(s.rates);
      $('suggestions').textContent = s.suggestions;
      if (flows.length === 0) { s.flows.forEach((f) => flows.push(f)); renderFlows(); }
      const se = await (await api('/apis/networking.istio.io/v1/serviceentries')).json();
      $('config').textContent = (se.items || []).map((i) => 'ServiceEntry/' + i.metadata.namespace + '/' + i.metadata.name
        + '  hosts=' + JSON.stringify(i.spec.hosts) + (i.spec.addresses ? ' addresses=' + JSON.stringify(i.spec.addresses) : '')
        + ' ports=' + JSON.stringify((i.spec.ports || []).map((p) => p.number + '/' + p.protocol))).join('\n') || '(no ServiceEntry)';
    } catch (e) { $('status').textContent = e.message; }
  }

  // A burst of refusals (a scan) redraws the blocked list at most once a second.
  let refreshTimer = null;
  function refreshSoon() {
    if (refreshTimer === null) { refreshTimer = setTimeout(() => { refreshTimer = null; refresh(); }, 1000); }
  }

  async function stream() {
    try {
      const r = await api('/ui/events', { headers: { 'Accept': 'text/event-stream' } });
      $('status').textContent = 'live';
      const reader = r.body.getReader();
      const decoder = new TextDecoder();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) { break; }
        buf += decoder.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const ev = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = ev.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('');
          if (data) {
            const f = JSON.parse(data);
            addFlow(f);
            if (f.verdict === 'denied') { refreshSoon(); }
          }
        }
      }
    } catch (e) { $('status').textContent = 'disconnected: ' + e.message; }
    $('status').textContent = 'reconnecting…';
    setTimeout(stream, 2000);
  }

  $('tokenset').onclick = () => { token = $('token').value.trim(); sessionStorage.setItem('portcullis-token', token);
    $('tokenbox').hidden = true; refresh(); };
  $('allowcancel').onclick = () => { $('allowpanel').hidden = true; };
  ['fdest', 'fcaller', 'fverdict', 'freason'].forEach((id) => $(id).addEventListener('input', renderFlows));
  refresh();
  stream();
  setInterval(refresh, 3000);
})();
