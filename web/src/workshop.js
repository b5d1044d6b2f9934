// Barri in a workshop (issue 14): joining with a code, the live proposals,
// comments and votes, the facilitator's bar and the projector's wall. The
// connection, the replica of the workshop and the numbers are Go's
// (wasm/workshop.go: barriCore.ws*); Go pushes the workshop's state with
// barriUI.wsState and answers with barriUI.wsAnswer. Participants' text is
// always set as text (textContent), never as HTML.
'use strict';
(() => {
  const $ = (s) => document.querySelector(s);
  const A = () => window.barriApp;
  const t = (k, v) => A().t(k, v);
  const q = new URLSearchParams(location.search);
  const PHASES = ['explore', 'propose', 'discuss', 'vote', 'results'];
  const MAX_COMMENT = 1000;

  // The page's part in a workshop, from its link.
  let mode = 'solo'; // solo | participant | facilitator | projector
  let wid = q.get('workshop') || '';
  let token = '';
  let code = (q.get('join') || '').toUpperCase();
  if (code) mode = 'participant';
  else if (wid) mode = q.get('view') === 'projector' ? 'projector' : 'facilitator';

  let ws = null; // the last state Go pushed
  let started = false; // the wasm is up
  let loaded = false; // the first state has put a draft (or the spotlight) on the map
  let viewing = ''; // the proposal on the map, '' for the resident's draft
  let cmp = []; // the two proposals compared
  let cmpShown = 0; // which of them is on the map
  const commentText = {}; // comments being written, by proposal
  const commentErr = {}; // why the server refused a proposal's last comment
  const openComments = new Set();
  let timerTick = null;
  let connected = false; // wsStart was called (the wasm takes one workshop a page)
  let busy = false; // a join or create is on its way: a second tap is ignored

  function store(k, v) { try { if (v == null) localStorage.removeItem(k); else localStorage.setItem(k, v); } catch (e) { /* private mode */ } }
  function load(k) { try { return localStorage.getItem(k); } catch (e) { return null; } }

  // The token: in the link's fragment (the facilitator's and projector's
  // links), else kept in this browser since joining.
  if (mode === 'participant') {
    const saved = load('barri.ws.join.' + code);
    if (saved) { try { const o = JSON.parse(saved); wid = o.workshop; token = o.token; } catch (e) { /* damaged */ } }
  } else if (mode !== 'solo') {
    const m = location.hash.match(/^#token=([A-Za-z0-9_.-]+)$/);
    const key = 'barri.ws.tok.' + wid + (mode === 'projector' ? '.projector' : '');
    if (m) { token = m[1]; store(key, token); } else token = load(key) || '';
  }

  function draftKey() { return 'barri.ws.' + wid + '.' + (ws && ws.actor ? ws.actor : 'me') + '.draft'; }
  function ownKey() { return 'barri.ws.' + wid + '.' + (ws && ws.actor ? ws.actor : 'me') + '.mine'; }

  // --- called by app.js ---
  function active() { return mode !== 'solo'; }

  function onStarted() {
    started = true;
    document.body.classList.add('ws-' + mode);
    const bar = $('.top-actions');
    if (mode === 'solo') {
      const b = $('#ws-create-open');
      b.hidden = false;
      bar.prepend(b);
      const j = $('#ws-join-open');
      j.hidden = false;
      bar.prepend(j);
      return;
    }
    bar.prepend($('#ws-badge'));
    $('#ws-badge').hidden = false;
    $('#ws').hidden = false;
    if (mode === 'projector') { $('#ws-wall').hidden = false; $('#panel').prepend($('#ws-wall')); $('#panel').tabIndex = 0; }
    A().insets();
    window.dispatchEvent(new Event('resize'));
    if (!token) {
      if (mode === 'participant') openJoin(!/^[A-Z0-9]{6}$/.test(code)); else alertBox(t('ws.noToken'));
      return;
    }
    connect();
  }

  function connect() {
    connected = true;
    const r = barriCore.wsStart(wid, token);
    if (!r.ok) msg(wasmErr(r));
    window.addEventListener('online', () => barriCore.wsOnline(true));
    window.addEventListener('offline', () => barriCore.wsOnline(false));
    if (!timerTick) timerTick = setInterval(showTimer, 1000);
  }

  // rendered: the resident's draft is kept in this browser as they draw.
  function rendered(st) {
    if (viewing && st.lastOp && st.lastOp !== 'load' && mode !== 'projector') msg(t('ws.editingOther', { name: propName(viewing) }));
    if (!active() || !loaded || viewing || mode === 'projector') return;
    store(draftKey(), barriCore.scenario());
    checkOwn();
  }

  function onLang() { if (ws) showState(); }

  // --- join and create ---
  // openJoin opens the join dialog; withCode shows the code field (from
  // the start page, or when the link's code is missing or wrong).
  function openJoin(withCode, why) {
    $('#ws-join-code-box').hidden = !withCode;
    $('#ws-join-code').required = withCode;
    if (withCode && !$('#ws-join-code').value) $('#ws-join-code').value = code;
    $('#ws-join-cancel').hidden = mode !== 'solo';
    $('#ws-join-err').textContent = why || '';
    if (!$('#ws-join').open) $('#ws-join').showModal();
    (withCode && !/^[A-Z0-9]{6}$/.test($('#ws-join-code').value) ? $('#ws-join-code') : $('#ws-join-name')).focus();
  }

  async function join(ev) {
    ev.preventDefault();
    if (busy) return;
    const name = clean($('#ws-join-name').value);
    const typed = $('#ws-join-code-box').hidden ? code : $('#ws-join-code').value.replace(/\s+/g, '').toUpperCase();
    $('#ws-join-err').textContent = '';
    if (!/^[A-Z0-9]{6}$/.test(typed)) { $('#ws-join-err').textContent = t('ws.codeNeeded'); $('#ws-join-code').focus(); return; }
    if (!name) { $('#ws-join-err').textContent = t('ws.nameNeeded'); $('#ws-join-name').focus(); return; }
    busy = true;
    $('#ws-join-go').disabled = true;
    try {
      const resp = await fetch('/api/join', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ code: typed, name }) });
      const body = await resp.json();
      if (!resp.ok) {
        const e = body && body.error;
        if (e && e.code === 'not_found') { openJoin(true, t('ws.noSuchCode', { code: typed })); $('#ws-join-code').select(); } else $('#ws-join-err').textContent = t('ws.joinFailed', { why: errText(body) });
        return;
      }
      store('barri.ws.join.' + typed, JSON.stringify({ workshop: body.workshop, token: body.token, participant: body.participant }));
      if (connected || typed !== code || mode !== 'participant') {
        // The page's link is the workshop's: ?join=CODE rejoins with the
        // stored token (and a page that was refused starts over).
        const u = new URLSearchParams({ join: typed });
        if (q.get('lang')) u.set('lang', q.get('lang'));
        location.href = location.pathname + '?' + u;
        return;
      }
      wid = body.workshop; token = body.token;
      $('#ws-join').close();
      connect();
    } catch (e) {
      $('#ws-join-err').textContent = t('ws.joinFailed', { why: t('ws.noNetwork') });
    } finally {
      busy = false;
      $('#ws-join-go').disabled = false;
    }
  }

  // clean turns tabs, line breaks and other control characters into spaces
  // (the server refuses them in a name) and trims.
  // cleanText keeps a text's line breaks, turns tabs into spaces and drops
  // the other control characters (pasted from a word processor): all that
  // the server refuses in a text (workshop.checkText: controls, the
  // direction marks and overrides, the line and paragraph separators, a
  // byte order mark).
  function cleanText(s) { return s.replace(/\r\n?/g, '\n').replace(/\t/g, ' ').replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g, '').trim(); }
  function clean(s) { return s.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]+/g, ' ').replace(/ {2,}/g, ' ').trim(); }

  // alertBox says, until the page is reloaded, why this page is not in
  // the workshop (the facilitator's and projector's links).
  function alertBox(s) {
    $('#ws-alert').textContent = s;
    $('#ws-alert').hidden = false;
    $('#ws-submit').hidden = true;
  }

  // errText is a refusal in the page's language: the core's message when
  // the server sent it (an invalid edit: said as the solo page says it,
  // by app.js's errorText, its arguments as text), else the code's text,
  // with the change or field it names; on English pages the server's own
  // words too when the code's text says less. A code the page does not
  // know is said in the server's English.
  function errText(body) {
    const e = body && body.error;
    if (!e) return '';
    let rule = e.rule && sayRule(e.rule);
    if (rule && e.rule.code === 'proposals.max') {
      // Withdrawn proposals count too (docs/WORKSHOPS.md: at most 20
      // made): say how many of them are, as the list shows fewer.
      const n = ws && ws.view ? ws.view.proposals.filter((p) => p.author === ws.actor && p.withdrawn).length : 0;
      if (n) rule += t('ws.maxWithdrawn', { n: A().loc(String(n)) });
    }
    if (rule) return e.edit != null ? t('ws.err.editN', { n: e.edit + 1, why: rule }) : rule;
    if (e.why) {
      // (English pages: the core's words as they are; errorText would
      // take a leading "within: " for a Go package's name.)
      const why = A().lang() === 'en' ? e.why.text : A().errorText({ error: e.why.text, why: e.why });
      return e.edit != null ? t('ws.err.editN', { n: e.edit + 1, why }) : why;
    }
    const k = 'ws.err.' + e.code;
    let s = t(k);
    const detail = (e.message || '').replace(/^(?:[a-z]+: )+/, '');
    if (s === k) return detail || e.code;
    if (e.edit != null) s = t('ws.err.editN', { n: e.edit + 1, why: s });
    // A refused text says what is wrong with it (ws.err.CODE.FIELD), or
    // names the field.
    const ck = k + '.' + (e.field || ''), fk = 'ws.field.' + (e.field || '');
    if (e.field && e.edit == null && t(ck) !== ck) s = t(ck);
    else if (e.field && t(fk) !== fk) s += ' (' + t(fk) + ')';
    if (detail && (e.code === 'invalid' || e.code === 'invalid_edit' || e.code === 'too_large') && A().lang() === 'en') s += ': ' + detail;
    return s;
  }

  // sayRule is the workshop's own reason for a refusal (the server's
  // "rule": a code of workshop.RuleCodes and its arguments) in the page's
  // language, from its template ws.rule.CODE: {i} is argument i, a number
  // written as the page writes numbers or a text as it is; {i:phase} a
  // phase by its name, {i:proposal} a proposal by its name. The template
  // is filled in one pass, so an argument (a participant's text) is never
  // read as a template; the result is set as text by the callers. '' when
  // the page has no template for the code or the arguments do not fit it.
  function sayRule(r) {
    const k = 'ws.rule.' + (r && r.code);
    const tpl = t(k);
    if (tpl === k || typeof r.code !== 'string') return '';
    const args = Array.isArray(r.args) ? r.args : [];
    let ok = true;
    const s = tpl.replace(/\{(\d+)(?::(phase|proposal))?\}/g, (all, i, kind) => {
      if (+i >= args.length) { ok = false; return all; }
      const a = args[+i];
      if (kind === 'phase') { const pk = 'ws.phaseIn.' + a; return t(pk) !== pk ? t(pk) : String(a); }
      if (kind === 'proposal') return propName(String(a));
      if (typeof a === 'number') return A().loc(String(a));
      return String(a);
    });
    return ok ? s : '';
  }

  // wasmErr is one of this page's own refusals (barriCore.ws*) in the
  // page's language.
  function wasmErr(r) {
    const k = 'ws.wasm.' + (r.code || '');
    return r.code && t(k) !== k ? t(k) : t('ws.wasm.other');
  }

  async function create(ev) {
    ev.preventDefault();
    if (busy) return;
    $('#ws-create-err').textContent = '';
    const title = $('#ws-create-name').value.trim();
    if (!title) { $('#ws-create-err').textContent = t('ws.titleNeeded'); return; }
    const rule = $('#ws-create-rule').value;
    const voting = { rule };
    if (rule === 'dots') voting.dots = Number($('#ws-create-dots').value) || 3;
    const body = { title, city: 'eixample', voting };
    if ($('#ws-create-base').value) body.scenario = $('#ws-create-base').value;
    busy = true;
    const go = $('#ws-create-form button[type=submit]');
    go.disabled = true;
    let leaving = false;
    try {
      const resp = await fetch('/api/workshops', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      const out = await resp.json();
      if (!resp.ok) { $('#ws-create-err').textContent = errText(out); return; }
      store('barri.ws.links.' + out.id, JSON.stringify({ code: out.code, join_url: out.join_url, projector_url: out.projector_url }));
      leaving = true; // still guarded while the page goes
      location.href = out.facilitator_url;
    } catch (e) {
      $('#ws-create-err').textContent = t('ws.noNetwork');
    } finally {
      if (!leaving) { busy = false; go.disabled = false; }
    }
  }

  async function eraseName() {
    if (!confirm(t('ws.eraseConfirm'))) return;
    try {
      const resp = await fetch('/api/workshops/' + encodeURIComponent(wid) + '/erase_name', { method: 'POST', headers: { Authorization: 'Bearer ' + token } });
      if (resp.ok || resp.status === 409) msg(t('ws.erased'));
      else msg(errText(await resp.json()));
    } catch (e) { msg(t('ws.noNetwork')); }
  }

  // --- from Go ---
  function wsState(j) {
    ws = JSON.parse(j);
    if (ws.view && !loaded) firstLoad();
    showState();
  }

  function wsAnswer(j) {
    const a = JSON.parse(j);
    if (a.fatal) {
      const why = errText({ error: a });
      $('#ws-submit').hidden = true;
      if (mode === 'participant' && (a.code === 'unauthorized' || a.code === 'forbidden' || a.code === 'not_found')) {
        // The stored key is dead (left, or the server's data was reset):
        // forget it and ask again.
        store('barri.ws.join.' + code, null);
        token = '';
        openJoin(a.code === 'not_found', t('ws.fatal', { why }));
      } else alertBox(t('ws.fatal', { why }) + (a.code === 'unauthorized' ? ' ' + t('ws.openWhole') : ''));
      return;
    }
    if (a.code) {
      const why = errText({ error: a });
      if (a.type === 'comment' && a.proposal) {
        // The text is not lost: back in its box, the reason beside it.
        putBack(a.proposal, a.text || '');
        commentErr[a.proposal] = why;
        openComments.add(a.proposal);
        if (ws) showState();
        // The box takes the focus, unless the participant is typing
        // somewhere else.
        const ta = document.getElementById('ws-c-' + a.proposal);
        const ae = document.activeElement;
        if (ta && !(ae && ae !== ta && /^(INPUT|TEXTAREA|SELECT)$/.test(ae.tagName))) ta.focus();
      }
      msg(t('ws.refused', { why }), true);
      return;
    }
    // Accepted: a comment's earlier refusal goes from beside its box, and
    // a "Not done" line from the top (or it says what was done).
    if (a.type === 'comment' && a.proposal && commentErr[a.proposal]) {
      delete commentErr[a.proposal];
      if (ws) showState();
    }
    if (a.type === 'propose' && a.proposal) { store(ownKey(), a.proposal); msg(t('ws.sent')); } else if (a.type === 'update') msg(t('ws.updated'));
    else if (refusalShown) msg('');
  }

  // putBack puts a refused comment back in its box: before what the
  // participant has typed there since (their caret moves with their text).
  function putBack(id, back) {
    const ta = document.getElementById('ws-c-' + id);
    const live = ta && ta === document.activeElement;
    const cur = (live ? ta.value : commentText[id]) || '';
    if (!back || cur === back || cur.startsWith(back + '\n')) return;
    const text = cur ? back + '\n' + cur : back;
    commentText[id] = text;
    if (live) {
      // (The box kept while it has the focus: showList leaves its text.)
      const d = text.length - ta.value.length, s0 = ta.selectionStart, s1 = ta.selectionEnd;
      ta.value = text;
      ta.setSelectionRange(s0 + d, s1 + d);
    }
  }

  // loadDraft opens the resident's saved draft, else the workshop's base
  // scenario, under the page's default name ("La meva proposta") when it
  // has no name of its own: the base has none, and drafts saved before
  // were named "proposal".
  function loadDraft(saved) {
    let r = saved ? barriCore.load(saved) : null;
    if (!r || !r.ok) { const b = barriCore.wsBase(); r = b.ok ? barriCore.load(b.scenario) : b; }
    if (!r.ok) return r;
    const st = JSON.parse(r.state);
    if (st.name && st.name !== 'proposal') return r;
    st.name = t('prop.default');
    barriCore.setName(st.name);
    return { ok: true, state: JSON.stringify(st) };
  }

  // firstLoad puts the resident's draft (or the workshop's base scenario)
  // on the map; on the projector the spotlighted proposal.
  function firstLoad() {
    loaded = true;
    if (mode === 'projector') { showSpotlightOnWall(); return; }
    const r = loadDraft(load(draftKey()));
    if (!r.ok) { msg(wasmErr(r)); return; }
    A().render(r.state, true);
    A().showLegend(barriCore.legend());
  }

  let wallShown = null;
  function showSpotlightOnWall() {
    const v = ws && ws.view;
    if (!v) return;
    const id = v.spotlight || '';
    if (id === wallShown) return;
    wallShown = id;
    if (id) show(id, true);
    else {
      const b = barriCore.wsBase();
      if (b.ok) { const r = barriCore.load(b.scenario); if (r.ok) { A().render(r.state, true); A().showLegend(barriCore.legend()); } }
      viewing = '';
    }
  }

  // followSpotlight shows a newly spotlighted proposal on the map, except
  // while participants draw their own (the propose phase): then the banner
  // offers it.
  let lastSpot = null;
  function followSpotlight(v) {
    if (v.spotlight === lastSpot) return;
    const first = lastSpot === null;
    lastSpot = v.spotlight;
    if (first || !v.spotlight || v.phase === 'propose' || !loaded) return;
    show(v.spotlight, true);
    A().announce(t('ws.spotlight') + ' ' + propName(v.spotlight));
  }

  // show puts a proposal on the map (the draft stays saved).
  function show(id, quiet, outline) {
    if (!viewing && loaded && mode !== 'projector') store(draftKey(), barriCore.scenario());
    const r = barriCore.wsShow(id, outline || '');
    if (!r.ok) { msg(wasmErr(r)); return; }
    viewing = id;
    A().render(r.state, true);
    A().showLegend(barriCore.legend());
    if (!quiet) A().announce(t('ws.showing', { name: propName(id) }));
    showState();
  }

  function backToDraft() {
    viewing = '';
    cmp = [];
    const r = loadDraft(load(draftKey()));
    if (!r.ok) { msg(wasmErr(r)); return; }
    A().render(r.state, true);
    A().showLegend(barriCore.legend());
    showState();
    $('#ws-pname').focus();
  }

  // checkOwn compares the server's numbers of the resident's own proposal
  // with the page's, when the map holds it.
  function checkOwn() {
    if (!ws || !ws.view || viewing) return;
    const mine = load(ownKey());
    const p = mine && ws.view.proposals.find((x) => x.id === mine);
    if (p && p.indicators && !(ws.agree[p.id] && ws.agree[p.id].version === p.version)) barriCore.wsCheck(p.id);
  }

  // --- drawing the state ---
  function name(actor) {
    if (actor === 'facilitator') return t('ws.facilitator');
    const p = ws.view.participants.find((x) => x.id === actor);
    if (!p) return actor;
    return p.erased || !p.name ? t('ws.nameErased') : p.name;
  }
  function propName(id) { const p = ws && ws.view && ws.view.proposals.find((x) => x.id === id); return p ? p.name : id; }
  // msg says something in the workshop section (and to screen readers);
  // it goes after 10 s.
  // refusal: s is a "Not done" line, which the next accepted command of
  // this page clears.
  let msgTimer = null;
  let refusalShown = false;
  function msg(s, refusal) {
    refusalShown = !!(s && refusal);
    $('#ws-msg').textContent = s || '';
    if (s) A().announce(s);
    clearTimeout(msgTimer);
    if (s) msgTimer = setTimeout(() => { $('#ws-msg').textContent = ''; refusalShown = false; }, 10000);
  }

  function el(tag, cls, text) { const e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; }

  function showBadge() {
    const b = $('#ws-badge');
    const s = ws.fatal ? 'offline' : ws.sync;
    b.className = 'ws-badge ws-' + s.replace(' ', '-');
    b.textContent = s === 'in sync' ? t('ws.inSync') : s === 'syncing' ? t('ws.syncing') : t('ws.offline');
    if (ws.pending && s !== 'in sync') b.textContent += ' · ' + t('ws.waiting', { n: ws.pending });
    // Screen readers hear when the page goes offline and comes back, not
    // every command's round trip.
    if ((s === 'offline') !== (b.dataset.sync === 'offline') && b.dataset.sync) A().announce(b.textContent);
    b.dataset.sync = s;
  }

  let timeUpSaid = '';
  function showTimer() {
    if (!ws || !ws.view) return;
    const tm = ws.view.timer;
    let text = '';
    if (tm && tm.seconds > 0) {
      const left = Math.max(0, Math.round((tm.started_at + tm.seconds * 1000 - (Date.now() + (ws.skew || 0))) / 1000));
      text = t('ws.timeLeft', { t: Math.floor(left / 60) + ':' + String(left % 60).padStart(2, '0') });
      if (left === 0) {
        text = t('ws.timeUp');
        // Said once, when this timer reaches 0.
        const k = tm.started_at + ':' + tm.seconds;
        if (timeUpSaid !== k) { timeUpSaid = k; A().announce(text); }
      }
    }
    document.body.classList.toggle('ws-time-up', text === t('ws.timeUp'));
    $('#ws-timer').textContent = text;
    $('#ws-wall-timer').textContent = text;
  }

  function ruleHelp(v, me) {
    const r = v.voting.rule;
    if (r === 'dots') {
      const used = Object.values(me).reduce((a, b) => a + b, 0);
      return t('ws.ruleDotsHelp', { n: v.voting.dots, left: v.voting.dots - used });
    }
    return t(r === 'single' ? 'ws.ruleSingleHelp' : 'ws.ruleApprovalHelp');
  }

  function showState() {
    if (!started) return;
    showBadge();
    const v = ws.view;
    document.body.classList.toggle('ws-is-fac', ws.role === 'facilitator');
    if ($('#ws-fac').hidden !== (ws.role !== 'facilitator')) {
      $('#ws-fac').hidden = ws.role !== 'facilitator';
      facHeight();
    }
    if (!v) return;
    $('#ws-title').textContent = v.title;
    $('#ws-phase').textContent = t('ws.phaseNow', { phase: t('ws.phase.' + v.phase) });
    $('#ws-locked').hidden = !v.locked;
    // Locked: the facilitator has paused new proposals, and a participant's
    // map tools are off meanwhile (drawing could not be sent).
    const toolsOff = v.locked && ws.role === 'participant';
    if ($('#toolbar').inert !== toolsOff) { $('#toolbar').inert = toolsOff; document.body.classList.toggle('ws-tools-off', toolsOff); }
    showTimer();
    const spot = v.proposals.find((p) => p.id === v.spotlight);
    $('#ws-spot').hidden = !spot;
    if (spot) $('#ws-spot-name').textContent = spot.name;
    $('#ws-spot-show').hidden = mode === 'projector';
    $('#ws-viewing').hidden = !viewing || mode === 'projector';
    if (viewing) $('#ws-viewing-text').textContent = t('ws.viewing', { name: propName(viewing) });
    const canPropose = mode !== 'projector' && (v.phase === 'propose' || (v.phase === 'discuss' && load(ownKey()))) && !v.locked;
    $('#ws-submit').hidden = !canPropose || !!viewing || !!ws.fatal;
    const mine = load(ownKey());
    const own = mine && v.proposals.find((p) => p.id === mine && !p.withdrawn);
    $('#ws-send').textContent = own ? t('ws.update') : t('ws.send');
    $('#ws-send-new').hidden = !own || v.phase !== 'propose';
    if (own && !$('#ws-pname').value) $('#ws-pname').value = own.name;
    const me = ballot(v);
    const voting = v.phase === 'vote' && ws.role === 'participant';
    $('#ws-vote-help').textContent = voting ? ruleHelp(v, me) : '';
    // A proposal's numbers change from the workshop's starting point (its
    // base scenario), evaluated on this page, not from today's city.
    $('#ws-delta-note').textContent = ws.fromBase ? t('ws.fromBase') : t('ws.fromToday');
    $('#ws-cmp-note').textContent = $('#ws-delta-note').textContent;
    showList(v, me, voting);
    showCompare();
    if (ws.role === 'participant') {
      const p = v.participants.find((x) => x.id === ws.actor);
      $('#ws-me-text').textContent = p ? t('ws.youAre', { name: p.erased || !p.name ? t('ws.nameErased') : p.name }) : '';
      $('#ws-me').hidden = false;
    } else $('#ws-me').hidden = true;
    if (ws.role === 'facilitator') showFac(v);
    if (mode === 'projector') { showWall(v); showSpotlightOnWall(); }
    else followSpotlight(v);
    if (!viewing) checkOwn();
  }

  function count(v, n) {
    const dots = v.voting.rule === 'dots';
    return n === 1 ? t(dots ? 'ws.dotsOne' : 'ws.votesOne') : t(dots ? 'ws.dotsCount' : 'ws.votesCount', { n });
  }

  // ballot is this participant's ballot as it will be once the votes
  // waiting in the outbox (made offline) are sent.
  function ballot(v) {
    const me = Object.assign({}, (v.ballots && v.ballots[ws.actor]) || {});
    for (const m of ws.outbox || []) {
      if (m.type === 'vote') {
        if (v.voting.rule === 'single') for (const k of Object.keys(me)) delete me[k];
        me[m.proposal] = m.dots || 1;
      } else if (m.type === 'unvote') delete me[m.proposal];
    }
    return me;
  }

  function sumText(s) {
    const word = A().verdict(s.k, s.sign)[1];
    const unit = s.k.includes('share') && s.sign !== 0 ? ' ' + t('unit.points') : '';
    return t('ind.' + s.k) + ': ' + (s.sign === 0 ? A().loc(s.d) : (s.sign > 0 ? '▲ ' : '▼ ') + A().loc(s.d, true)) + unit + ' (' + word + ')';
  }

  // showList draws the proposals. The comment box someone is typing in is
  // never rebuilt or moved (a phone keyboard would lose its word, and the
  // caret its place): its proposal's item is updated around it, and the
  // other items before and after it, so phases, withdrawals, new
  // proposals, comments and votes all come through while they type.
  function showList(v, me, voting) {
    const list = $('#ws-list');
    const act = document.activeElement && list.contains(document.activeElement) ? document.activeElement : null;
    const props = v.proposals.slice();
    if (v.phase === 'results') props.sort((a, b) => b.votes - a.votes || (a.id < b.id ? -1 : 1));
    $('#ws-none').hidden = props.length > 0;
    const canComment = ['propose', 'discuss', 'vote'].includes(v.phase) && mode !== 'projector';
    let kept = act && act.tagName === 'TEXTAREA' ? act.closest('li.ws-prop') : null;
    const items = props.map((p) => {
      const li = item(v, p, me, voting, canComment);
      if (kept && kept.dataset.id === p.id) {
        // (No box any more, out of the comment phases: the item goes too.)
        if (li.querySelector('textarea')) return refresh(kept, li);
        kept = null;
      }
      return li;
    });
    if (kept && !items.includes(kept)) kept = null;
    for (const c of [...list.children]) if (c !== kept) c.remove();
    const k = items.indexOf(kept);
    items.forEach((li, i) => {
      if (li === kept) return;
      if (i < k) list.insertBefore(li, kept); else list.appendChild(li);
    });
    if (act && !kept) {
      // A button (or a box that went) had the focus: its new self, or its
      // proposal's comments.
      const key = act.dataset.key || '';
      const f = list.querySelector('[data-key="' + key + '"]') || (key.startsWith('ct-') && list.querySelector('[data-key="cs-' + key.slice(3) + '"]'));
      if (f) f.focus();
    }
  }

  // refresh updates a proposal's item in place from a fresh one, keeping
  // its comment box (and the box's label): the text, the caret and the
  // focus stay.
  function refresh(old, fresh) {
    old.className = fresh.className;
    const od = old.querySelector(':scope > .ws-comments'), fd = fresh.querySelector(':scope > .ws-comments');
    while (old.firstChild !== od) old.firstChild.remove();
    while (fresh.firstChild !== fd) old.insertBefore(fresh.firstChild, od);
    const ta = od.querySelector('textarea'), lab = od.querySelector('label');
    const fta = fd.querySelector('textarea'), flab = fd.querySelector('label');
    for (const c of [...od.children]) if (c !== ta && c !== lab) c.remove();
    let before = true; // the summary and the comments go before the label
    for (const c of [...fd.children]) {
      if (c === flab) { before = false; continue; }
      if (c === fta) continue;
      if (before) od.insertBefore(c, lab); else od.appendChild(c);
    }
    lab.textContent = flab.textContent;
    const desc = fta.getAttribute('aria-describedby');
    if (desc) ta.setAttribute('aria-describedby', desc); else ta.removeAttribute('aria-describedby');
    return old;
  }

  // item is a proposal's entry in the list.
  function item(v, p, me, voting, canComment) {
    const li = el('li', 'ws-prop' + (p.withdrawn ? ' withdrawn' : '') + (p.id === v.spotlight ? ' spot' : '') + (p.id === viewing ? ' viewing' : ''));
    li.dataset.id = p.id;
    const h = el('h4', null, p.name);
    li.appendChild(h);
    const meta = [t('ws.by', { name: name(p.author) })];
    if (p.version > 1) meta.push(t('ws.version', { n: p.version }));
    if (p.withdrawn) meta.push(t('ws.withdrawn'));
    if (p.id === v.spotlight) meta.push(t('ws.inSpotlight'));
    li.appendChild(el('p', 'small ws-meta', meta.join(' · ')));
    if (p.description) li.appendChild(el('p', 'ws-desc', p.description));
    const ag = ws.agree[p.id];
    if (ag) {
      const m = el('p', 'ws-agree ' + (ag.equal ? 'yes' : 'no'), ag.equal ? '✓ ' + t('ws.agree') : '✗ ' + t('ws.disagree'));
      li.appendChild(m);
    }
    const sums = ws.sums[p.id];
    if (sums) {
      const ul = el('ul', 'ws-sums small');
      for (const s of sums) ul.appendChild(el('li', null, sumText(s)));
      li.appendChild(ul);
    }
    if (v.phase === 'vote' || v.phase === 'results') {
      li.appendChild(el('p', 'ws-votes', count(v, p.votes)));
    }
    const row = el('div', 'row');
    if (mode !== 'projector') {
      const b = el('button', null, t('ws.show'));
      b.type = 'button'; b.dataset.key = 'show-' + p.id;
      b.setAttribute('aria-pressed', String(p.id === viewing));
      b.setAttribute('aria-label', t('ws.showNamed', { name: p.name }));
      b.onclick = () => show(p.id);
      row.appendChild(b);
      const c = el('button', null, t('ws.compareWith'));
      c.type = 'button'; c.dataset.key = 'cmp-' + p.id;
      c.setAttribute('aria-pressed', String(cmp.includes(p.id)));
      c.setAttribute('aria-label', t('ws.compareNamed', { name: p.name }));
      c.onclick = () => toggleCompare(p.id);
      c.disabled = !p.indicators;
      row.appendChild(c);
    }
    if (voting && !p.withdrawn) row.append(...voteControls(v, p, me));
    if ((p.author === ws.actor || ws.role === 'facilitator') && !p.withdrawn && v.phase !== 'results' && mode !== 'projector') {
      const w = el('button', null, t('ws.withdraw'));
      w.type = 'button'; w.dataset.key = 'wd-' + p.id;
      w.onclick = () => { if (confirm(t('ws.withdrawConfirm'))) send({ type: 'withdraw', proposal: p.id }); };
      row.appendChild(w);
    }
    li.appendChild(row);
    li.appendChild(comments(p, canComment && !p.withdrawn));
    return li;
  }

  function voteControls(v, p, me) {
    const mine = me[p.id] || 0;
    const out = [];
    if (v.voting.rule === 'dots') {
      const minus = el('button', null, '−');
      minus.type = 'button'; minus.dataset.key = 'dm-' + p.id;
      minus.setAttribute('aria-label', t('ws.dotLess', { name: p.name }));
      minus.disabled = mine === 0;
      minus.onclick = () => send(mine - 1 > 0 ? { type: 'vote', proposal: p.id, dots: mine - 1 } : { type: 'unvote', proposal: p.id });
      const n = el('span', 'ws-mydots', t('ws.myDots', { n: mine }));
      const plus = el('button', null, '+');
      plus.type = 'button'; plus.dataset.key = 'dp-' + p.id;
      plus.setAttribute('aria-label', t('ws.dotMore', { name: p.name }));
      const used = Object.values(me).reduce((a, b) => a + b, 0);
      plus.disabled = used >= v.voting.dots;
      plus.onclick = () => send({ type: 'vote', proposal: p.id, dots: mine + 1 });
      out.push(minus, n, plus);
    } else {
      const b = el('button', 'ws-vote', mine ? t('ws.voted') : t('ws.vote'));
      b.type = 'button'; b.dataset.key = 'vote-' + p.id;
      b.setAttribute('aria-pressed', String(!!mine));
      b.setAttribute('aria-label', (mine ? t('ws.voted') : t('ws.vote')) + ': ' + p.name);
      b.onclick = () => send(mine ? { type: 'unvote', proposal: p.id } : { type: 'vote', proposal: p.id });
      out.push(b);
    }
    return out;
  }

  function comments(p, canComment) {
    const d = el('details', 'ws-comments');
    d.open = openComments.has(p.id);
    d.addEventListener('toggle', () => { if (d.open) openComments.add(p.id); else openComments.delete(p.id); });
    const s = el('summary', null, t('ws.comments', { n: p.comments.length }));
    s.dataset.key = 'cs-' + p.id;
    d.appendChild(s);
    const ol = el('ol', 'ws-clist');
    for (const c of p.comments) {
      const li = el('li');
      li.appendChild(el('strong', null, name(c.author) + ': '));
      li.appendChild(el('span', 'ws-ctext', c.text));
      ol.appendChild(li);
    }
    d.appendChild(ol);
    if (canComment) {
      const id = 'ws-c-' + p.id;
      const lab = el('label', null, t('ws.commentLabel'));
      lab.htmlFor = id;
      const ta = el('textarea');
      ta.id = id; ta.maxLength = MAX_COMMENT; ta.rows = 2; ta.dataset.key = 'ct-' + p.id;
      ta.value = commentText[p.id] || '';
      ta.oninput = () => { commentText[p.id] = ta.value; };
      if (commentErr[p.id]) {
        const er = el('p', 'ws-cerr', commentErr[p.id]);
        er.id = id + '-err';
        ta.setAttribute('aria-describedby', er.id);
        d.append(lab, ta, er, el('div', 'row'));
      }
      const b = el('button', null, t('ws.commentSend'));
      b.type = 'button'; b.dataset.key = 'cb-' + p.id;
      b.onclick = () => {
        // (The box, kept while it had the focus, may be an older one.)
        const box = b.closest('details').querySelector('textarea');
        const text = cleanText(box.value);
        if (!text) return;
        commentText[p.id] = '';
        box.value = '';
        send({ type: 'comment', proposal: p.id, text });
      };
      if (!commentErr[p.id]) d.append(lab, ta, el('div', 'row'));
      d.lastChild.appendChild(b);
    }
    return d;
  }

  function send(cmd) {
    const r = barriCore.wsSend(JSON.stringify(cmd));
    if (!r.ok) msg(wasmErr(r));
    return r;
  }

  // submit sends the draft: an update of the resident's last proposal, or
  // (asNew, or none yet) a new one.
  function submit(asNew) {
    const nm = clean($('#ws-pname').value);
    if (!nm) { msg(t('ws.pnameNeeded')); $('#ws-pname').focus(); return; }
    const mine = asNew === true ? null : load(ownKey());
    const own = mine && ws.view.proposals.find((p) => p.id === mine && !p.withdrawn);
    const r = barriCore.wsSubmit(nm, cleanText($('#ws-pdesc').value), own ? own.id : '');
    if (!r.ok) msg(wasmErr(r));
    else msg(t('ws.sending'));
  }

  // --- comparing two proposals ---
  function toggleCompare(id) {
    if (cmp.includes(id)) cmp = cmp.filter((x) => x !== id);
    else cmp = [...cmp.slice(-1), id];
    if (cmp.length === 2) { cmpShown = 0; show(cmp[0], true, cmp[1]); }
    showState();
    if (cmp.length === 2) $('#ws-compare-heading').scrollIntoView({ block: 'nearest' });
  }

  function showCompare() {
    const box = $('#ws-compare');
    const ok = cmp.length === 2 && cmp.every((id) => ws.view.proposals.some((p) => p.id === id));
    box.hidden = !ok;
    if (!ok) return;
    const r = barriCore.wsCompare(cmp[0], cmp[1]);
    if (!r.ok) { box.hidden = true; msg(wasmErr(r)); return; }
    const [na, nb] = cmp.map(propName);
    $('#ws-cmp-a').textContent = 'A: ' + na; $('#ws-cmp-b').textContent = 'B: ' + nb;
    $('#ws-cmp-a').setAttribute('aria-pressed', String(cmpShown === 0));
    $('#ws-cmp-b').setAttribute('aria-pressed', String(cmpShown === 1));
    $('#ws-cmp-ha').textContent = 'A: ' + na; $('#ws-cmp-hb').textContent = 'B: ' + nb;
    const tb = $('#ws-cmp-table tbody');
    tb.textContent = '';
    for (const row of JSON.parse(r.rows)) {
      const tr = el('tr');
      tr.dataset.key = row.k;
      const th = el('th', null, t('ind.' + row.k));
      th.scope = 'row';
      tr.appendChild(th);
      row.cells.forEach((c, i) => {
        const td = el('td', 'num ' + (i ? 'ws-b-cell' : 'ws-a-cell'));
        td.textContent = A().loc(c.v) + (row.share ? ' %' : '');
        const [cls, word] = A().verdict(row.k, c.sign);
        const d = el('span', 'word ' + cls, (c.sign === 0 ? '' : (c.sign > 0 ? '▲ ' : '▼ ') + A().loc(c.d, true) + ' ') + word);
        td.appendChild(d);
        tr.appendChild(td);
      });
      tb.appendChild(tr);
    }
  }

  // cmpShow puts one of the two on the map, the other's places outlined.
  function cmpShow(i) { cmpShown = i; show(cmp[i], true, cmp[1 - i]); }

  // --- the facilitator's bar ---
  // facHeight moves the tools and the panel below the bar, however many
  // rows it takes.
  function facHeight() {
    const bar = $('#ws-fac');
    document.body.style.setProperty('--facbar', bar.hidden ? '0px' : bar.offsetHeight + 'px');
    A().insets();
  }

  function showFac(v) {
    for (const b of document.querySelectorAll('#ws-fac [data-phase]')) {
      b.textContent = t('ws.phase.' + b.dataset.phase);
      b.setAttribute('aria-pressed', String(b.dataset.phase === v.phase));
    }
    const sel = $('#ws-fac-spot');
    const keep = document.activeElement === sel;
    if (!keep) {
      sel.textContent = '';
      const none = el('option', null, t('ws.spotNone'));
      none.value = '';
      sel.appendChild(none);
      for (const p of v.proposals) if (!p.withdrawn) { const o = el('option', null, p.name); o.value = p.id; sel.appendChild(o); }
      sel.value = v.spotlight || '';
    }
    const people = v.participants.filter((p) => !p.left).length;
    $('#ws-fac-people').textContent = t(people === 1 ? 'ws.peopleOne' : 'ws.people', { n: people });
    $('#ws-fac-lock').setAttribute('aria-pressed', String(v.locked));
    $('#ws-fac-lock').textContent = t(v.locked ? 'ws.unlock' : 'ws.lock');
    const links = load('barri.ws.links.' + wid);
    if (links) {
      try {
        const l = JSON.parse(links);
        $('#ws-fac-code').textContent = l.code;
        if (l.projector_url) { $('#ws-fac-proj').href = l.projector_url; $('#ws-fac-proj').hidden = false; }
      } catch (e) { /* damaged */ }
    } else if (!$('#ws-fac-code').textContent) joinInfo().then((j) => { if (j) $('#ws-fac-code').textContent = j.code; });
  }

  let joinCache = null;
  async function joinInfo() {
    if (joinCache) return joinCache;
    try {
      const r = await fetch('/api/workshops/' + encodeURIComponent(wid) + '/join', { headers: { Authorization: 'Bearer ' + token } });
      if (r.ok) joinCache = await r.json();
    } catch (e) { /* offline: later */ }
    return joinCache;
  }

  async function exportFile(file) {
    try {
      const r = await fetch('/api/workshops/' + encodeURIComponent(wid) + '/export/' + file, { headers: { Authorization: 'Bearer ' + token } });
      if (!r.ok) { msg(errText(await r.json())); return; }
      const blob = await r.blob();
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = wid + '-' + file;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    } catch (e) { msg(t('ws.noNetwork')); }
  }

  // --- the projector's wall ---
  let qrShown = false;
  function showWall(v) {
    $('#ws-wall-phase').textContent = v.title + ' · ' + t('ws.phase.' + v.phase);
    const spot = v.proposals.find((p) => p.id === v.spotlight);
    $('#ws-wall-spot').textContent = spot ? t('ws.spotlight') + ' ' + spot.name + ' — ' + t('ws.by', { name: name(spot.author) }) : '';
    const ol = $('#ws-wall-tally');
    ol.textContent = '';
    ol.hidden = v.phase !== 'results' && v.phase !== 'vote';
    document.body.classList.toggle('ws-wall-tallies', !ol.hidden);
    const ranked = v.proposals.filter((p) => !p.withdrawn).sort((a, b) => b.votes - a.votes || (a.id < b.id ? -1 : 1));
    for (const p of ranked) ol.appendChild(el('li', null, p.name + ': ' + count(v, p.votes)));
    if (!qrShown) {
      qrShown = true;
      joinInfo().then((j) => {
        if (!j) { qrShown = false; return; }
        $('#ws-wall-code').textContent = j.code;
        $('#ws-wall-url').textContent = j.join_url.replace(/\?join=.*$/, '');
        const img = $('#ws-wall-qr');
        img.src = URL.createObjectURL(new Blob([j.qr_svg], { type: 'image/svg+xml' }));
        img.alt = t('ws.qrAlt', { code: j.code });
      });
    }
  }

  // --- wiring ---
  function wire() {
    $('#ws-join-form').addEventListener('submit', join);
    // Joining is the way in: Escape does not leave the page without it.
    $('#ws-join').addEventListener('cancel', (e) => { if (!token && mode !== 'solo') e.preventDefault(); });
    $('#ws-join-cancel').addEventListener('click', () => $('#ws-join').close());
    $('#ws-join-open').addEventListener('click', () => openJoin(true));
    $('#ws-create-form').addEventListener('submit', create);
    $('#ws-create-open').addEventListener('click', () => { $('#ws-create').showModal(); $('#ws-create-name').focus(); });
    $('#ws-create-cancel').addEventListener('click', () => $('#ws-create').close());
    $('#ws-create-rule').addEventListener('change', () => { $('#ws-create-dots').disabled = $('#ws-create-rule').value !== 'dots'; });
    $('#ws-send').addEventListener('click', () => submit(false));
    $('#ws-send-new').addEventListener('click', () => submit(true));
    $('#ws-pname').addEventListener('keydown', (e) => { if (e.key === 'Enter' && !e.isComposing) { e.preventDefault(); submit(false); } });
    $('#ws-back').addEventListener('click', backToDraft);
    $('#ws-spot-show').addEventListener('click', () => { if (ws && ws.view.spotlight) show(ws.view.spotlight); });
    $('#ws-erase').addEventListener('click', eraseName);
    $('#ws-cmp-a').addEventListener('click', () => cmpShow(0));
    $('#ws-cmp-b').addEventListener('click', () => cmpShow(1));
    $('#ws-cmp-close').addEventListener('click', () => { cmp = []; showState(); });
    for (const b of document.querySelectorAll('#ws-fac [data-phase]')) b.addEventListener('click', () => send({ type: 'phase', phase: b.dataset.phase }));
    $('#ws-fac-spot').addEventListener('change', () => send({ type: 'spotlight', proposal: $('#ws-fac-spot').value }));
    $('#ws-fac-timer').addEventListener('click', () => {
      const m = Number($('#ws-fac-min').value);
      if (!(m >= 1 && m <= 120)) { msg(t('ws.minutesRange')); $('#ws-fac-min').focus(); return; }
      send({ type: 'timer', seconds: Math.round(60 * m) });
    });
    $('#ws-fac-stop').addEventListener('click', () => send({ type: 'timer', seconds: 0 }));
    $('#ws-fac-lock').addEventListener('click', () => send({ type: 'lock', locked: !(ws && ws.view && ws.view.locked) }));
    for (const b of document.querySelectorAll('#ws-fac [data-export]')) b.addEventListener('click', () => exportFile(b.dataset.export));
  }

  window.addEventListener('resize', () => { if (!$('#ws-fac').hidden) facHeight(); });
  window.barriWS = { active, started: onStarted, rendered, lang: onLang, debug: () => ws };
  if (window.barriUI) Object.assign(window.barriUI, { wsState, wsAnswer });
  wire();
})();
