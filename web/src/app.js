// Barri's page glue: loads the translations and app.wasm (the sim core and
// the Ebiten map), and drives the HTML panels. Go calls window.barriUI; the
// page calls window.barriCore (registered by the wasm). Participants' and
// residents' text is always set as text, never as HTML.
'use strict';
(() => {
  const $ = (s) => document.querySelector(s);
  const LANGS = ['ca', 'es', 'en'];
  const dict = {};
  let lang = 'en';
  let catalog = null;
  let state = null;
  let legend = null;
  let lastInput = 0;
  let op = 'select';
  let toolInfo = { points: 0, selected: [] };
  let autosaveOn = false;
  let lastErrorField = ''; // the option the core refused in the last apply
  const SAVE_KEY = 'barri.proposal';

  // Ops by the kind of target they take.
  const POLY_OPS = ['superblock', 'park', 'rezone', 'add_housing', 'retrofit', 'solar'];
  const STREET_OPS = ['pedestrianize', 'green_axis', 'bike_lane'];
  // Parameters a resident can set (a policy), with their step.
  const POLICY = { car_cost_eur_km: 0.05, parking_eur: 0.5, pt_fare_eur: 0.1, grid_co2_kg_per_kwh: 0.01,
    elec_price_eur_kwh: 0.01, gas_price_eur_kwh: 0.01, through_vehicles_day: 1000 };
  // Which way is better for each indicator: +1 more is better, -1 less is
  // better, 0 neither.
  const DIR = {
    'housing.dwellings': 1, 'housing.affordable_dwellings': 1, 'housing.rent_eur_month': -1,
    'housing.rent_burden_share': -1, 'housing.displacement_risk': -1, 'energy.demand_gwh_year': -1,
    'energy.pv_gwh_year': 1, 'energy.co2_t_year': -1, 'energy.poverty_share': -1, 'mobility.trips_day': 0,
    'mobility.share.walk': 1, 'mobility.share.bike': 1, 'mobility.share.pt': 1, 'mobility.share.car': -1,
    'mobility.car_vkm_day': -1, 'mobility.mean_trip_min': -1, 'mobility.co2_t_year': -1, 'mobility.nox_kg_day': -1,
    'access.15min_share': 1, 'green.m2_per_resident': 1,
  };
  const dir = (k) => (k in DIR ? DIR[k] : (k.startsWith('access.walk_min.') ? -1 : 0));

  // t translates a key, filling {name} placeholders.
  function t(key, vars) {
    let s = (dict[lang] && dict[lang][key]) ?? (dict.en && dict.en[key]) ?? key;
    if (vars) for (const [k, v] of Object.entries(vars)) s = s.split('{' + k + '}').join(String(v));
    return s;
  }

  // loc shows a number printed by the core (barri run's digits) in the
  // page's language: decimal comma in ca/es, digits grouped, a true minus.
  function loc(s, signed) {
    if (s == null) return '';
    let neg = s.startsWith('-');
    let body = neg ? s.slice(1) : s;
    let [int, frac] = body.split('.');
    const group = lang === 'en' ? ',' : '.';
    if (int.length > 4 || (int.length === 4 && lang === 'en')) int = int.replace(/\B(?=(\d{3})+(?!\d))/g, group);
    let out = int + (frac !== undefined ? (lang === 'en' ? '.' : ',') + frac : '');
    if (neg) out = '−' + out;
    else if (signed && s.replace(/[0.]/g, '') !== '') out = '+' + out;
    return out;
  }

  function chooseLang() {
    const q = new URLSearchParams(location.search).get('lang');
    if (LANGS.includes(q)) return q;
    try { const s = localStorage.getItem('barri.lang'); if (LANGS.includes(s)) return s; } catch (e) { /* private mode */ }
    for (const l of navigator.languages || [navigator.language || 'en']) {
      const b = l.toLowerCase().split('-')[0];
      if (LANGS.includes(b)) return b;
    }
    return 'en';
  }

  function applyStatic() {
    document.documentElement.lang = lang;
    document.title = t('app.title');
    for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
    for (const el of document.querySelectorAll('[data-i18n-aria]')) el.setAttribute('aria-label', t(el.dataset.i18nAria));
    const cv = document.querySelector('canvas');
    if (cv) { cv.setAttribute('aria-label', t('map.label')); cv.setAttribute('aria-roledescription', t('map.role')); }
    $('#lang').value = lang;
  }

  // isDefaultName tells a proposal still under the default name of one of
  // the languages ("La meva proposta", "Mi propuesta", "My proposal").
  function isDefaultName(name) {
    return LANGS.some((x) => dict[x] && dict[x]['prop.default'] === name);
  }

  function setLang(l) {
    // A proposal still under its default name takes the new language's.
    if (state && isDefaultName(state.name)) {
      state.name = dict[l]['prop.default'];
      barriCore.setName(state.name);
    }
    lang = l;
    try { localStorage.setItem('barri.lang', l); } catch (e) { /* private mode */ }
    applyStatic();
    if (catalog) { fillLayerSelect(); fillListEditor(); fillZoneSelect(); showTool(); showLegend(); }
    if (state) render(JSON.stringify(state), true);
    if (tourOpen()) showTour();
    if (window.barriWS) barriWS.lang(); // workshop hook (issue 14)
  }

  // --- loading ---
  function progress(stage, frac) {
    $('#loading-text').textContent = t('load.' + stage);
    if (frac !== undefined) $('#loading-bar').value = Math.round(frac * 100);
    else $('#loading-bar').removeAttribute('value');
  }

  async function fetchWasm() {
    // app.wasm.gz is decompressed here, so any static host serves it
    // compressed without configuration; app.wasm is the fallback.
    const tryGz = typeof DecompressionStream === 'function';
    let resp = tryGz ? await fetch('app.wasm.gz').catch(() => null) : null;
    let gz = true;
    if (!resp || !resp.ok) { resp = await fetch('app.wasm'); gz = false; }
    if (!resp.ok) throw new Error('app.wasm: HTTP ' + resp.status);
    // A host that compresses on the fly (Content-Encoding) gives the
    // compressed length, while the body arrives decompressed: the length
    // then says nothing about progress.
    const total = resp.headers.get('Content-Encoding') ? 0 : Number(resp.headers.get('Content-Length')) || 0;
    let got = 0;
    const counted = resp.body.pipeThrough(new TransformStream({
      transform(chunk, ctl) { got += chunk.byteLength; if (total) progress('wasm', Math.min(1, got / total)); ctl.enqueue(chunk); },
    }));
    const body = gz && resp.headers.get('Content-Encoding') !== 'gzip' ? counted.pipeThrough(new DecompressionStream('gzip')) : counted;
    return new Response(body, { headers: { 'Content-Type': 'application/wasm' } });
  }

  async function boot() {
    lang = chooseLang();
    await Promise.all(LANGS.map(async (l) => {
      const r = await fetch('i18n/' + l + '.json');
      dict[l] = await r.json();
    }));
    applyStatic();
    progress('wasm', 0);
    const go = new Go();
    const resp = await fetchWasm();
    // Compile while the bytes arrive.
    const { instance } = await WebAssembly.instantiateStreaming(resp, go.importObject);
    performance.mark('barri:wasm-compiled');
    progress('start');
    window.barriWasm = instance;
    go.run(instance).then(() => showError(t('err.stopped')));
  }

  // --- called from Go ---
  function started(catJSON, stateJSON) {
    catalog = JSON.parse(catJSON);
    const cv = document.querySelector('canvas');
    if (cv) {
      // The map sits in the tab order after the tools, and gives Tab back
      // to the page (Ebiten would keep every key).
      cv.setAttribute('tabindex', '0'); cv.setAttribute('role', 'application'); cv.setAttribute('aria-describedby', 'map-keys');
      window.addEventListener('keydown', (e) => { if (e.target === cv && (e.key === 'Tab' || mapKey(e, true))) e.stopPropagation(); }, true);
      window.addEventListener('keyup', (e) => { if (e.target === cv && (e.key === 'Tab' || mapKey(e, false))) e.stopPropagation(); }, true);
      if (document.activeElement === cv) cv.blur();
      // Ebiten sees no pointer over the panels: the hover box goes when the
      // pointer leaves the map.
      cv.addEventListener('mouseleave', () => hover(''));
      // A click on the map acts at once, not at the map engine's next frame.
      cv.addEventListener('pointerup', (e) => { if (e.pointerType === 'mouse' && e.button === 0) barriCore.pointerUp(e.clientX, e.clientY); });
    }
    applyStatic();
    fillLayerSelect(); fillListEditor(); fillZoneSelect();
    insets();
    let st = JSON.parse(stateJSON);
    if (location.hash.startsWith('#p=')) {
      // Go has opened the shared proposal (or shown why not): drop the
      // fragment, so that a reload does not bring it back over newer edits.
      history.replaceState(null, '', location.pathname + location.search);
    } else {
      const saved = restoreSaved();
      if (saved) st = saved;
    }
    // A proposal with no name, or still under the default name of another
    // language (saved on a page in English, opened in Catalan), takes this
    // page's.
    if (!st.name || (st.name !== t('prop.default') && isDefaultName(st.name))) {
      barriCore.setName(t('prop.default'));
      st.name = t('prop.default');
    }
    autosaveOn = true;
    render(JSON.stringify(st), true);
    showLegend(barriCore.legend());
    showTool();
    if (window.barriWS) barriWS.started(); // workshop hook (issue 14)
  }

  // mapKey handles a key pressed on the map by what it types (e.key), not
  // by where it sits: the map engine reads the physical key, so "+" on a
  // Catalan or Spanish keyboard (another key than on an English one) did
  // not zoom. It returns whether the key was the map's; the map engine
  // then does not see it.
  const MAP_KEYS = {
    ArrowLeft: 'left', ArrowRight: 'right', ArrowUp: 'up', ArrowDown: 'down', a: 'left', d: 'right', w: 'up', s: 'down',
    '+': 'in', '=': 'in', PageUp: 'in', '-': 'out', '−': 'out', _: 'out', PageDown: 'out', 0: 'fit', Home: 'fit',
    ' ': 'pen', Enter: 'finish', Escape: 'cancel', Backspace: 'undoPoint',
  };
  function mapKey(e, down) {
    if (e.ctrlKey || e.metaKey || e.altKey) return false;
    const k = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    const act = MAP_KEYS[k];
    if (!act) return false;
    e.preventDefault();
    if (!down) return true;
    if (act === 'finish') barriCore.finish();
    else if (act === 'cancel') barriCore.cancel();
    else if (act === 'undoPoint') barriCore.undoPoint();
    else barriCore.view(act, e.shiftKey);
    return true;
  }

  // focusMap puts the keyboard on the map (the map engine puts its canvas at
  // the end of the page, far from the tools in the tab order).
  function focusMap(e) {
    const cv = document.querySelector('canvas');
    if (!cv) return;
    if (e) e.preventDefault();
    cv.focus();
    announce(t('map.keys'));
  }

  // The tools are one stop in the tab order (the chosen one); arrow keys
  // move between them, Enter or Space chooses.
  function rovingTools() {
    const tools = [...document.querySelectorAll('.tool')];
    const sync = () => { for (const b of tools) b.tabIndex = b.getAttribute('aria-pressed') === 'true' ? 0 : -1; };
    sync();
    $('.tools').addEventListener('keydown', (e) => {
      const i = tools.indexOf(document.activeElement);
      if (i < 0) return;
      let j = -1;
      if (e.key === 'ArrowRight' || e.key === 'ArrowDown') j = (i + 1) % tools.length;
      if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') j = (i + tools.length - 1) % tools.length;
      if (e.key === 'Home') j = 0;
      if (e.key === 'End') j = tools.length - 1;
      if (j < 0) return;
      e.preventDefault();
      for (const b of tools) b.tabIndex = -1;
      tools[j].tabIndex = 0;
      tools[j].focus();
    });
    return sync;
  }
  let syncTools = () => {};

  // moreTools marks which edges of the tool row have tools beyond them (on a
  // phone the row scrolls sideways; the marked edge fades out).
  function moreTools() {
    const r = $('.tools');
    r.classList.toggle('more-left', r.scrollLeft > 1);
    r.classList.toggle('more-right', r.scrollLeft + r.clientWidth < r.scrollWidth - 1);
  }

  // restoreSaved opens the proposal autosaved on the last visit, if any,
  // says so in the page, and returns its state.
  function restoreSaved() {
    if (window.barriWS && barriWS.active()) return null; // workshop hook (issue 14): a workshop keeps its own draft
    let text = null;
    try { text = localStorage.getItem(SAVE_KEY); } catch (e) { /* private mode */ }
    if (!text) return null;
    const r = barriCore.load(text);
    if (!r.ok) {
      console.warn('web: the autosaved proposal did not open:', r.error);
      return null;
    }
    $('#restored').hidden = false;
    return JSON.parse(r.state);
  }

  // autosave keeps the proposal in this browser after every change, so that
  // a reload or a closed tab loses nothing.
  function autosave() {
    if (!autosaveOn || !state || (window.barriWS && barriWS.active())) return; // workshop hook (issue 14)
    try {
      if (state.edits.length || (state.name && !isDefaultName(state.name))) {
        localStorage.setItem(SAVE_KEY, barriCore.scenario());
      } else {
        localStorage.removeItem(SAVE_KEY);
      }
    } catch (e) { /* private mode, or storage full */ }
  }

  // scheduleAutosave saves once the page is idle (or within a second), not
  // in the frame that shows the edit; a page being left saves at once.
  let autosavePending = 0;
  function scheduleAutosave() {
    if (autosavePending) return;
    const run = () => { autosavePending = 0; autosave(); };
    autosavePending = window.requestIdleCallback ? requestIdleCallback(run, { timeout: 1000 }) : setTimeout(run, 200);
  }
  function flushAutosave() {
    if (!autosavePending) return;
    if (window.cancelIdleCallback) cancelIdleCallback(autosavePending); else clearTimeout(autosavePending);
    autosavePending = 0;
    autosave();
  }

  // afresh starts a new, empty proposal.
  function afresh() {
    const sc = JSON.parse(barriCore.scenario());
    sc.edits = [];
    sc.name = t('prop.default');
    const r = barriCore.load(JSON.stringify(sc));
    if (!r.ok) { showError(r); return; }
    $('#restored').hidden = true;
    showError('');
    render(r.state, true);
    showLegend(barriCore.legend());
    announce(t('prop.afreshDone'));
  }

  function ready() {
    $('#loading').classList.add('done');
    // Ebiten sizes its canvas from the body: have it measure again now that
    // the page is laid out.
    window.dispatchEvent(new Event('resize'));
    const q = new URLSearchParams(location.search);
    let seen = false;
    try { seen = localStorage.getItem('barri.tour') === 'done'; } catch (e) { /* private mode */ }
    // workshop hook (issue 14): no guide over a workshop.
    if (!seen && !q.has('notour') && !(window.barriWS && barriWS.active())) { tourStep = 0; $('#tour').showModal(); showTour(); }
    // Offline from the next visit on (a service worker needs http(s)).
    if ('serviceWorker' in navigator && location.protocol.startsWith('http')) navigator.serviceWorker.register('sw.js').catch(() => {});
    // The full model description, fetched once while the page is idle so
    // that the service worker keeps it for offline use.
    if (!modelsFetch) (window.requestIdleCallback || setTimeout)(() => { if (!modelsFetch) loadModels().catch(() => {}); }, { timeout: 10000 });
  }

  // showError shows what went wrong: a string, or an error of the core as
  // barriCore gives it (wasm/bridge.go's errorInfo), said in the page's
  // language; file names what it happened to. Empty clears it. at is the
  // box beside what the resident just did (the list editor's #list-error),
  // shown and scrolled into view; otherwise the proposal's #error.
  function showError(err, file, at) {
    // The Go package that speaks goes to the console; residents read the
    // message without it.
    if (err) console.warn(typeof err === 'string' ? err : err.error);
    let m = err ? errorText(err) : '';
    // A file is opened, not done: "Could not open foto.json: …". One that
    // is no proposal at all says so, the parser's words on a second line.
    let head = t('err.prefix');
    let detail = '';
    if (file) head = fill(t('err.open'), { file });
    if (m && err && err.notProposal) { detail = m; m = t('err.notProposal'); }
    const box = at || $('#error');
    for (const b of [$('#error'), $('#list-error')].filter(Boolean)) b.textContent = b === box && m ? head + ' ' + m : '';
    if ($('#error-detail')) $('#error-detail').textContent = box === $('#error') ? detail : '';
    if (m) {
      announce(head + ' ' + m);
      if (at) box.scrollIntoView({ block: 'nearest' });
    }
  }

  // notProposal says whether a file's text is no Barri proposal at all (a
  // photo, a GeoJSON, a list): not a JSON object, or one with none of a
  // proposal's fields. A proposal with a typo is one: its parser's words
  // say where.
  function notProposal(text) {
    const s = text.replace(/^\uFEFF/, '').trimStart();
    if (!s.startsWith('{')) return true;
    let o;
    try { o = JSON.parse(s); } catch (e) { return false; }
    return !o || typeof o !== 'object' || Array.isArray(o) || !['barri', 'name', 'description', 'city', 'seed', 'params', 'edits'].some((k) => Object.hasOwn(o, k));
  }

  // errorText says an error in the page's language: the core's message from
  // its code (err.<code> in i18n), its arguments put in as text, numbers as
  // the language writes them, then where it is (the line of a file, the
  // edit, numbered from 1 as the list numbers them). An English page shows
  // the core's own words, as barri run prints them (en.json's templates
  // give the same, web/messages_test.go checks), within the page's "edit
  // N (op)"; a code the page does not know is said in the core's English
  // too. A refusal of the page's own edit (err.own) that names a field the
  // tool or list editor shows says the field's label and a readable range
  // (ownFieldText), in English too: a file's messages keep the file's
  // field names, which the file must hold exactly.
  function errorText(err) {
    if (typeof err === 'string') return english(err);
    if (!err.why) return english(err.error);
    const own = err.own ? ownFieldText(err.why) : '';
    const page = (err.why.code || '').startsWith('wasm.');
    if (lang === 'en' && !own && !page && err.edit == null) return english(err.error);
    let s = own || (lang === 'en' && !page ? coreText(err.why) : sayMessage(err.why));
    if (err.line) s = fill(t('err.line'), { line: sayNumber(err.line), column: sayNumber(err.column), why: s });
    if (err.edit != null) s = fill(t('err.edit'), { n: sayNumber(err.edit), op: opName(err.op), why: s });
    return s;
  }

  function coreText(m) { return ((m && m.text) || '').replace(/^(?:(?:sim|wasm|proposal): )+/, ''); }

  // OWN_FIELDS are the fields of an edit the tool and the list editor show:
  // their label, and the factor from the edit's value to the field's
  // (shares are shown in per cent).
  const OWN_FIELDS = {
    add_floors: ['opt.add_floors', 1], dwellings: ['opt.dwellings', 1], affordable_share: ['opt.affordable', 100],
    roof_coverage: ['opt.coverage', 100], headway_min: ['opt.headway', 1],
  };

  // ownFieldText says a refusal of one of OWN_FIELDS with the field's label
  // and its range as the field shows it ("Plantes a afegir: 25 és fora de
  // l'interval de −20 a 20"); '' for any other message.
  function ownFieldText(m) {
    const a = m.args || [];
    const num = (x, k) => sayNumber(String(Number(((x && typeof x === 'object' ? x.value : x) * (k || 1)).toPrecision(12))));
    const range = (f, v, lo, hi) => {
      const [key, k] = OWN_FIELDS[f];
      return fill(t('err.own.range'), { field: t(key), v: num(v, k), lo: num(lo, k), hi: num(hi, k) });
    };
    switch (m.code) {
      case 'sim.rezone.add_floors': return range('add_floors', a[0], -20, 20);
      case 'sim.housing.dwellings': return fill(t('err.own.whole'), { field: t('opt.dwellings'), lo: num(1), hi: num(100000) });
      case 'sim.field.range': return Object.hasOwn(OWN_FIELDS, a[0]) ? range(a[0], a[1], a[2], a[3]) : '';
      case 'sim.param.range':
        if (typeof a[0] !== 'string' || !Object.hasOwn(POLICY, a[0])) return '';
        return fill(t('err.own.range'), { field: t('param.' + a[0]), v: num(a[1]), lo: num(a[2]), hi: num(a[3]) + (a[4] ? ' ' + sayArg(a[4]) : '') });
      default: return '';
    }
  }

  // fill puts vars into a template's {name} places in one pass: a value
  // that holds a "{...}" of its own is left as it is.
  function fill(tpl, vars) {
    return tpl.replace(/\{(\w+)\}/g, (all, k) => (Object.hasOwn(vars, k) ? String(vars[k]) : all));
  }

  function sayMessage(m) {
    const k = m && m.code ? 'err.' + m.code : '';
    const d = dict[lang] || {};
    if (!k || !Object.hasOwn(d, k)) return ((m && m.text) || '').replace(/^(?:(?:sim|wasm|proposal): )+/, '');
    const args = m.args || [];
    return d[k].replace(/\{(\d+)\}/g, (all, i) => (+i < args.length ? sayArg(args[+i]) : all));
  }

  // english is the core's English text without the Go packages' prefixes.
  function english(s) { return (s || '').replace(/^(?:[a-z]+: )+/, ''); }

  function sayArg(a) {
    if (typeof a === 'number') return sayNumber(a);
    if (typeof a === 'string') return a;
    if (a && typeof a === 'object') {
      if ('places' in a && typeof a.value === 'number') return loc(a.value.toFixed(a.places));
      return sayMessage(a);
    }
    return String(a);
  }

  function sayNumber(n) {
    const s = String(n);
    return /^-?\d+(\.\d+)?$/.test(s) ? loc(s) : s;
  }

  // opName is an op as the page names it (an op it does not know, from a
  // file, as written).
  function opName(o) {
    const k = 'op.' + o;
    return o && dict.en && Object.hasOwn(dict.en, k) ? t(k).toLowerCase() : String(o ?? '');
  }

  function toolOptions() {
    return JSON.stringify(readOpts($('#tool-opts'), op));
  }

  function toolChanged(j) {
    toolInfo = JSON.parse(j);
    showToolStatus();
  }

  // hover fills the box that describes what the pointer is over. On a
  // phone there is no pointer over the map: the box is a card that a tap
  // in Inspect fills (tapped) and that stays until it is closed or another
  // tap replaces it.
  function hover(j, tapped) {
    const box = $('#hoverinfo');
    const phone = window.matchMedia('(max-width: 700px)').matches;
    if (phone && !tapped) return;
    box.textContent = '';
    box.classList.toggle('card', !!tapped && !!j);
    if (!j) return;
    describe(JSON.parse(j)).forEach((line, i) => {
      const p = document.createElement(i ? 'div' : 'strong');
      p.textContent = line;
      box.appendChild(p);
      if (!i) box.appendChild(document.createElement('br'));
    });
    if (tapped) {
      // The card's close button is for fingers; screen readers have the
      // live region (the box is aria-hidden), so it is out of the Tab order.
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'close';
      b.tabIndex = -1;
      b.textContent = '×';
      b.title = t('info.close');
      b.setAttribute('aria-label', t('info.close'));
      b.addEventListener('click', () => { box.textContent = ''; box.classList.remove('card'); });
      box.prepend(b);
    }
  }

  function inspect(j) {
    const lines = describe(JSON.parse(j));
    hover(j, true);
    announce(lines.join('. '));
  }

  function describe(o) {
    if (o.kind === 'building') {
      const l = [t('info.building', { use: t('use.' + o.use), zone: o.zone || '' }),
        t('info.floors', { n: o.floors, year: o.year })];
      // First the value the map is coloured by, in the legend's unit
      // (today's beside it for a change from today).
      if (o.layer) {
        const a = { name: t('layer.' + o.layer), v: loc(o.value), v0: loc(o.value0), d: loc(o.change, true), unit: o.unit ? t('unit.' + o.unit) : '' };
        l.splice(1, 0, t(o.value0 !== undefined ? 'info.layerChange' : 'info.layer', a).trim());
      }
      if (o.dwellings) l.push(t('info.homes', { n: o.dwellings, rent: loc(o.rent) }));
      l.push(t('info.energy', { e: loc(o.energy), pv: loc(o.pv) }));
      if (o.co2 !== undefined) l.push(t('info.co2', { c: loc(o.co2) }));
      if (o.walk !== undefined) l.push(t('info.walk', { kind: t('legend.' + o.walkKind), m: loc(o.walk) }));
      return l;
    }
    const l = [o.name || t('info.street')];
    if (o.flow !== undefined) l.push(t('info.flow', { f: loc(o.flow), f0: loc(o.flow0), vc: loc(o.vc), v: loc(o.speed) }));
    l.push(t('access.' + o.access) + (o.bike ? ' · ' + t('legend.bike') : ''));
    return l;
  }

  function labels(j) {
    const o = JSON.parse(j);
    const box = $('#labels');
    if (!catalog) return;
    // Below about 0.1 CSS px a metre the barri names are wider than their
    // barris and cover each other: the boundaries say enough.
    box.hidden = o.scale < 0.1;
    box.classList.toggle('small', o.scale < 0.16);
    if (box.children.length !== o.zones.length) {
      box.textContent = '';
      for (const z of catalog.zones) { const s = document.createElement('span'); s.textContent = z.name; box.appendChild(s); }
    }
    // A barri's name that would run under one of the page's boxes (the
    // tools, the legend, the zoom buttons, the panel) is hidden there, as
    // the street names keep clear of them: it showed cut at the panel's edge
    // and faintly through the legend. Every size is read before any style
    // is written, so that the page lays out once.
    const obstacles = LABEL_OBSTACLES.map((sel) => document.querySelector(sel)).filter(Boolean)
      .map((e) => e.getBoundingClientRect()).filter((r) => r.width > 0 && r.height > 0);
    const sizes = [...box.children].map((c) => [c.offsetWidth, c.offsetHeight]);
    o.zones.forEach((p, i) => {
      const [w, h] = sizes[i];
      // (A few pixels of its halo may touch a box: the name still reads.)
      const l = p[0] - w / 2 + LABEL_SLACK, r = p[0] + w / 2 - LABEL_SLACK, tp = p[1] - h / 2 + LABEL_SLACK, b = p[1] + h / 2 - LABEL_SLACK;
      const under = obstacles.some((o) => l < o.right && r > o.left && tp < o.bottom && b > o.top);
      const st = box.children[i].style;
      st.left = p[0] + 'px';
      st.top = p[1] + 'px';
      st.visibility = under ? 'hidden' : '';
    });
  }
  const LABEL_OBSTACLES = ['header.top', '#toolbar .tools', '#tool-card', '#legend', '#mapctl .zoom', '#hoverinfo', '#panel'];
  const LABEL_SLACK = 4;

  // --- panels ---
  function indName(k) { return t('ind.' + k); }

  // afterFrame runs f once the current frame's rendering is done: a message
  // posted from a requestAnimationFrame callback is handled after the
  // frame's style, layout and paint.
  const frameChannel = new MessageChannel();
  const afterFrameQueue = [];
  frameChannel.port1.onmessage = () => { const f = afterFrameQueue.shift(); if (f) f(); };
  function afterFrame(f) { afterFrameQueue.push(f); frameChannel.port2.postMessage(0); }

  // measureEdit records how long the edit that render just showed took to
  // reach the screen, from the resident's action (the input event that
  // caused it; an input older than 2 s did not, and the measure then starts
  // at render) to:
  // - barri:edit, the frame whose content shows it: the map engine's Draw
  //   has put this state's recolouring on screen (barriCore.shown) and the
  //   panel is updated. It ends in a microtask when the edit came from the
  //   map engine's own frame (a click on the map: Update applies the edit
  //   and Draw follows in the same callback), else in the
  //   requestAnimationFrame callback after the map engine's.
  // - barri:edit-painted, the end of that frame's rendering in the page
  //   (style, layout, paint and the hand-over to the compositor, which waits
  //   for a slow GPU), where a message posted in that frame runs.
  function measureEdit(renderStart) {
    const now = performance.now();
    const start = lastInput && now - lastInput < 2000 ? lastInput : now;
    lastInput = 0;
    const detail = { op: state.lastOp, coreMs: state.coreMs, goMs: state.goMs, toRender: renderStart - start, domMs: now - renderStart, frames: 0 };
    const seq = state.seq;
    const check = () => {
      const sh = barriCore.shown();
      if (sh.seq < seq && detail.frames < 60) { detail.frames++; requestAnimationFrame(check); return; }
      const end = performance.now();
      Object.assign(detail, { renderMs: sh.renderMs, updateMs: sh.updateMs, drawMs: sh.drawMs, gcs: sh.gc - (state.gc0 || 0) });
      try {
        performance.measure('barri:edit', { start, end, detail });
      } catch (e) { /* an old browser without measure options */ }
      afterFrame(() => {
        try {
          performance.measure('barri:edit-painted', { start, end: performance.now(), detail });
        } catch (e) { /* as above */ }
      });
    };
    queueMicrotask(check);
  }

  // The panel's tables are built once per language (and the barri table
  // per indicator), and an edit then changes only the cells whose text or
  // exact digits moved: an edit costs a few text updates, opened
  // explanations stay open and the focus stays put.
  const built = { ind: '', zones: '', groups: '', edits: '' };
  function setText(el, s) { if (el.textContent !== s) el.textContent = s; }
  function setTitle(el, s) { if (el.title !== s) el.title = s; }
  // fillRow fills row i of a table's body from r unless the row already
  // shows a row with the same digits: an edit moves few of the panel's
  // rows, and the others cost no work. A table's body built again starts
  // with nothing filled (tb.filled = []).
  function sameRow(a, b) {
    return !!a && !!b && a.k === b.k && a.b === b.b && a.s === b.s && a.d === b.d && a.sign === b.sign && a.share === b.share &&
      a.x[0] === b.x[0] && a.x[1] === b.x[1] && a.x[2] === b.x[2];
  }
  function fillRow(tb, i, r, fill) {
    const done = tb.filled || (tb.filled = []);
    if (sameRow(done[i], r)) return;
    fill();
    done[i] = r;
  }

  function render(j, quiet) {
    const renderStart = performance.now();
    const prev = state;
    state = JSON.parse(j);
    if ($('#prop-name').value !== state.name) $('#prop-name').value = state.name;
    renderEdits();
    $('#undo').disabled = !state.undo;
    $('#redo').disabled = !state.redo;
    const tb = $('#ind-table tbody');
    if (built.ind !== lang || tb.rows.length !== state.city.length) {
      // Explanations a resident opened stay open, and the focus stays put.
      const open = new Set([...tb.querySelectorAll('details[open]')].map((d) => d.closest('tr').dataset.key));
      const focusKey = document.activeElement && tb.contains(document.activeElement) ? document.activeElement.closest('tr').dataset.key : null;
      tb.textContent = '';
      tb.filled = [];
      for (const r of state.city) {
        const tr = document.createElement('tr');
        tr.dataset.key = r.k;
        const th = document.createElement('th');
        th.scope = 'row';
        const det = document.createElement('details');
        const sum = document.createElement('summary');
        sum.textContent = indName(r.k);
        det.append(sum, explanation(r.k));
        if (open.has(r.k)) det.open = true;
        th.appendChild(det);
        tr.append(th, numCell(null, 'base'), numCell(null, 'prop'), changeCell());
        tb.appendChild(tr);
      }
      built.ind = lang;
      if (focusKey) { const s = tb.querySelector('tr[data-key="' + focusKey + '"] summary'); if (s) s.focus(); }
    }
    state.city.forEach((r, i) => fillRow(tb, i, r, () => {
      const c = tb.rows[i].cells;
      fillNum(c[1], r.b, r, 0);
      fillNum(c[2], r.s, r, 1);
      fillChange(c[3], r.k, r.d, r.sign, r);
    }));
    renderZones();
    renderGroups();
    // A change from today is re-scaled to the largest change: the legend
    // follows every edit, undo and redo (rewritten only when it moved).
    if (state.legend && JSON.stringify(state.legend) !== JSON.stringify(legend)) showLegend(JSON.stringify(state.legend));
    scheduleAutosave();
    if (window.barriWS) barriWS.rendered(state); // workshop hook (issue 14)
    if (!quiet && state.lastOp && state.lastOp !== 'load') {
      measureEdit(renderStart);
      announceChange(prev, state);
    }
  }

  // renderEdits lists the edits, when they changed.
  function renderEdits() {
    const key = lang + JSON.stringify(state.edits) + JSON.stringify(state.where || []);
    if (built.edits === key) return;
    built.edits = key;
    const list = $('#edit-list');
    list.textContent = '';
    state.edits.forEach((e, i) => { const li = document.createElement('li'); li.textContent = editLabel(e, (state.where || [])[i]); list.appendChild(li); });
    $('#edit-none').hidden = state.edits.length > 0;
  }

  // explanation is an indicator's plain-words explanation, and a link to
  // how its model works (the page's own explanation, in the page's
  // language: docs/MODELS.md is not something residents can open).
  const MODEL_OF = { housing: 'housing', energy: 'energy', mobility: 'mobility', access: 'access', green: 'access' };
  function explanation(k) {
    const p = document.createElement('p');
    const group = k.split('.')[0];
    p.textContent = t('help.' + k) + ' ';
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'link';
    b.textContent = t('help.source', { section: t('section.' + (MODEL_OF[group] || group)) });
    b.addEventListener('click', () => showModels(MODEL_OF[group]));
    p.appendChild(b);
    return p;
  }

  // loadModels fetches models.json: docs/MODELS.md as blocks of text
  // (web/mdblocks, at make web time). A failed fetch may be tried again.
  let modelsFetch = null;
  function loadModels() {
    if (!modelsFetch) {
      modelsFetch = fetch('models.json').then((r) => (r.ok ? r.json() : Promise.reject(new Error('HTTP ' + r.status))));
      modelsFetch.catch(() => { modelsFetch = null; });
    }
    return modelsFetch;
  }

  // showFullModels builds the full model description into its box, once,
  // every piece of text as text: nothing of the document is parsed as HTML.
  function showFullModels() {
    const box = $('#models-full');
    const status = $('#models-full-status');
    if (box.childElementCount) return;
    status.textContent = t('models.fullLoading');
    loadModels().then((blocks) => {
      if (box.childElementCount) return;
      const where = { head: '', n: 0 };
      box.append(...blocks.map((b) => modelBlock(b, where)).filter(Boolean));
      status.textContent = '';
    }).catch((e) => { status.textContent = t('models.fullFailed', { why: String(e && e.message ? e.message : e) }); });
  }

  // modelBlock makes the element of one block (see web/mdblocks): its
  // headings one level under the dialog's sections. where is the last
  // heading and the tables under it, for each table's label.
  function modelBlock(b, where) {
    const el = (tag, runs) => {
      const e = document.createElement(tag);
      for (const [style, text] of runs || []) {
        if (!style) { e.append(text); continue; }
        const r = document.createElement({ code: 'code', em: 'em', strong: 'strong' }[style] || 'span');
        r.textContent = text;
        e.append(r);
      }
      return e;
    };
    const list = (l) => {
      const e = document.createElement(l.k === 'ol' ? 'ol' : 'ul');
      for (const it of l.items || []) {
        const li = el('li', it.r);
        if (it.sub) li.append(list(it.sub));
        if (it.after && it.after.length) li.append(el('p', it.after));
        e.append(li);
      }
      return e;
    };
    const m = /^h([2-6])$/.exec(b.k);
    if (m) {
      const h = el('h' + Math.min(6, +m[1] + 1), b.r);
      if (where) { where.head = h.textContent; where.n = 0; }
      return h;
    }
    if (b.k === 'p') return el('p', b.r);
    if (b.k === 'ul' || b.k === 'ol') return list(b);
    if (b.k === 'table') {
      // Wide: it scrolls sideways, from the keyboard too. Its label is in
      // English, like the table, inside the lang="en" box, and names the
      // heading it is under (each region's label differs from the others').
      const wrap = document.createElement('div');
      wrap.className = 'scroll-x';
      wrap.tabIndex = 0;
      wrap.setAttribute('role', 'region');
      const n = where ? ++where.n : 1;
      const head = where && where.head ? where.head : 'Models';
      wrap.setAttribute('aria-label', 'Table' + (n > 1 ? ' ' + n : '') + ' of ' + head + ', scrolls sideways');
      const table = document.createElement('table');
      const tr = document.createElement('tr');
      for (const c of b.head || []) { const th = el('th', c); th.scope = 'col'; tr.append(th); }
      table.createTHead().append(tr);
      const body = table.createTBody();
      for (const row of b.rows || []) {
        const r = document.createElement('tr');
        for (const c of row) r.append(el('td', c));
        body.append(r);
      }
      wrap.append(table);
      return wrap;
    }
    return null;
  }

  // showModels opens how Barri computes the indicators, at a section.
  function showModels(section) {
    const d = $('#models');
    for (const s of d.querySelectorAll('section')) s.classList.toggle('here', s.id === 'model-' + section);
    if (!d.open) d.showModal();
    const s = section && $('#model-' + section);
    if (s) { s.scrollIntoView({ block: 'start' }); s.querySelector('h3').setAttribute('tabindex', '-1'); s.querySelector('h3').focus(); }
  }

  // numCell makes a cell for a value, filled when r is given.
  function numCell(s, cls, r, i) {
    const td = document.createElement('td');
    td.className = 'num ' + cls;
    if (r) fillNum(td, s, r, i);
    return td;
  }

  // fillNum shows a value; a share as a percentage. Its title carries barri
  // run's exact digits.
  function fillNum(td, s, r, i) {
    setText(td, loc(s) + (r && r.share ? ' %' : ''));
    if (r) {
      setTitle(td, t('ind.exact', { v: loc(r.x[i]) }));
      if (td.dataset.exact !== r.x[i]) td.dataset.exact = r.x[i];
    }
  }

  function verdict(k, sign) {
    if (sign === 0) return ['same', t('ch.same')];
    const d = dir(k);
    if (d === 0) return [sign > 0 ? 'more' : 'less', t(sign > 0 ? 'ch.more' : 'ch.less')];
    return sign * d > 0 ? ['better', t('ch.better')] : ['worse', t('ch.worse')];
  }

  // changeCell makes a cell for a change: the value with its arrow, and a
  // word (not colour alone); fillChange fills it.
  function changeCell() {
    const td = document.createElement('td');
    td.className = 'num change';
    const v = document.createElement('span');
    v.className = 'delta';
    const w = document.createElement('span');
    w.className = 'word';
    td.append(v, w);
    return td;
  }

  // (unitInHead: the column's heading names the unit, points.)
  function fillChange(td, k, d, sign, r, unitInHead) {
    const [cls, word] = verdict(k, sign);
    setText(td.firstChild, (sign === 0 ? loc(d) : (sign > 0 ? '▲ ' : '▼ ') + loc(d, true)) + (r && r.share && sign !== 0 && !unitInHead ? ' ' + t('unit.points') : ''));
    if (r && r.x) {
      setTitle(td, t('ind.exact', { v: loc(r.x[2], true) }));
      if (td.dataset.exact !== r.x[2]) td.dataset.exact = r.x[2];
    }
    const w = td.lastChild;
    setText(w, word);
    if (w.className !== 'word ' + cls) w.className = 'word ' + cls;
    td.classList.toggle('better', cls === 'better');
    td.classList.toggle('worse', cls === 'worse');
  }

  function renderZones() {
    if (!state || !catalog) return;
    const k = $('#zone-ind').value || 'mobility.share.car';
    const ki = catalog.indicators.indexOf(k);
    const tb = $('#zone-table tbody');
    if (built.zones !== lang + k || tb.rows.length !== state.zones.length) {
      tb.textContent = '';
      tb.filled = [];
      for (const z of state.zones) {
        const tr = document.createElement('tr');
        const th = document.createElement('th');
        th.scope = 'row';
        th.textContent = z.name;
        tr.append(th, numCell(null, 'base'), numCell(null, 'prop'), changeCell());
        tb.appendChild(tr);
      }
      built.zones = lang + k;
    }
    state.zones.forEach((z, i) => {
      const r = z.v[ki];
      fillRow(tb, i, r, () => {
        const c = tb.rows[i].cells;
        fillNum(c[1], r.b, r, 0);
        fillNum(c[2], r.s, r, 1);
        fillChange(c[3], k, r.d, r.sign, r);
      });
    });
  }

  // renderGroups fills "who gains, who loses": a row per group, the change of
  // each headline indicator as the main table shows it (shares in points,
  // with the word), and the count of better / worse as barri run counts.
  function renderGroups() {
    if (!state || !catalog || !state.groups) return;
    const tb = $('#eq-table tbody');
    if (built.groups !== lang || tb.rows.length !== state.groups.length) {
      const head = $('#eq-table thead tr');
      head.textContent = '';
      const th0 = document.createElement('th');
      th0.scope = 'col';
      th0.textContent = t('eq.group');
      head.appendChild(th0);
      for (const k of catalog.headline) {
        const th = document.createElement('th');
        th.scope = 'col';
        // A share's change in points, said once in its heading.
        th.textContent = t('eq.col.' + k) + (k.includes('share') ? ' (' + t('unit.points') + ')' : '');
        head.appendChild(th);
      }
      const thc = document.createElement('th');
      thc.scope = 'col';
      thc.textContent = t('eq.count');
      head.appendChild(thc);
      tb.textContent = '';
      tb.filled = [];
      for (const g of state.groups) {
        const tr = document.createElement('tr');
        tr.dataset.group = g.g;
        const th = document.createElement('th');
        th.scope = 'row';
        th.textContent = t('group.' + g.g);
        tr.appendChild(th);
        for (let i = 0; i < catalog.headline.length; i++) tr.appendChild(changeCell());
        const td = document.createElement('td');
        td.className = 'num count';
        tr.appendChild(td);
        tb.appendChild(tr);
      }
      built.groups = lang;
    }
    state.groups.forEach((g, gi) => {
      const c = tb.rows[gi].cells;
      g.d.forEach((r, i) => fillRow(tb, gi * catalog.headline.length + i, r, () => fillChange(c[1 + i], catalog.headline[i], r.d, r.sign, r, true)));
      setText(c[c.length - 1], t('eq.countValue', { b: g.better, w: g.worse }));
    });
  }

  // announceChange says what the last action did: the indicators whose
  // proposal value (as the panel shows it) moved between the state before
  // it (prev) and after it (cur), before → after with the panel's units,
  // the largest relative moves first, and whether that move is better or
  // worse. After an undo that is what the undone edit had done, reversed;
  // after a new edit, that edit's own effect, not the whole proposal's.
  function announceChange(prev, cur) {
    const before = new Map(((prev && prev.city) || []).map((r) => [r.k, r.s]));
    const val = (s, r) => loc(s) + (r.share ? ' %' : '');
    const moved = [];
    for (const r of cur.city) {
      const from = before.has(r.k) ? before.get(r.k) : r.b;
      if (from === r.s) continue;
      const d = parseFloat(r.s) - parseFloat(from);
      moved.push({ r, from, d, rel: Math.abs(d / (parseFloat(from) || 1)) });
    }
    moved.sort((a, b) => b.rel - a.rel);
    const parts = moved.slice(0, 3).map(({ r, from, d }) => t('live.row', { name: indName(r.k), b: val(from, r), s: val(r.s, r), word: verdict(r.k, Math.sign(d))[1] }));
    const head = t('live.' + (cur.lastOp === 'undo' ? 'undo' : cur.lastOp === 'redo' ? 'redo' : 'applied'), { op: t('op.' + cur.lastOp) });
    announce(head + ' ' + (parts.length ? parts.join('; ') + '.' : t('live.nothing')));
  }

  function announce(msg) {
    const live = $('#live');
    live.textContent = '';
    setTimeout(() => { live.textContent = msg; }, 30);
  }

  // editLabel names an edit as the list shows it: what, where (w, the
  // place Go found: the blocks and barri of an area, the street of a stop),
  // and its options.
  function editLabel(e, w) {
    let where = '';
    w = w || { block: -1 };
    const zones = (w.zones || []).join(', ');
    const block = w.block >= 0 && catalog && catalog.blocks[w.block] ? blockName(catalog.blocks[w.block]) : '';
    if (e.streets) {
      if (e.streets.name) where = e.streets.name;
      else if (w.streets && w.streets.length) where = t('edit.streetsOf', { n: (e.streets.ids || []).length, names: w.streets.join(', ') });
      else where = t('edit.streets', { n: (e.streets.ids || []).length });
    } else if (e.area) {
      if (!block) where = t('edit.area');
      else if (w.blocks > 1) where = t('edit.areaBlocks', { n: w.blocks, name: block, zone: zones });
      else where = t(w.blocks === 1 ? 'edit.areaBlock' : 'edit.areaIn', { name: block, zone: zones });
    } else if (e.at) {
      where = w.street ? t('edit.atStreet', { street: w.street, zone: zones })
        : t('edit.at', { lon: loc(e.at[0].toFixed(5)), lat: loc(e.at[1].toFixed(5)) });
    } else if (e.building !== undefined) where = t('edit.building', { id: e.building }) + (zones ? ' (' + zones + ')' : '');
    let extra = '';
    if (e.op === 'param') extra = t('param.' + e.name) + ' = ' + loc(String(e.value));
    if (e.op === 'rezone') extra = [e.use ? t('use.' + e.use) : '', e.add_floors ? t('edit.floors', { n: e.add_floors }) : ''].filter(Boolean).join(', ');
    if (e.op === 'add_housing') extra = t('edit.homes', { n: e.dwellings });
    if (e.op === 'retrofit') extra = t('opt.level.' + e.level);
    if (e.op === 'solar') extra = Math.round(e.roof_coverage * 100) + ' %';
    if (e.op === 'transit_stop') extra = t('opt.mode.' + e.mode) + ', ' + t('edit.every', { n: e.headway_min });
    return [t('op.' + e.op), where, extra].filter(Boolean).join(' — ');
  }

  // --- options of each op ---
  function field(box, id, labelKey, input) {
    const d = document.createElement('div');
    const l = document.createElement('label');
    l.htmlFor = id;
    l.textContent = t(labelKey);
    input.id = id;
    d.append(l, input);
    box.appendChild(d);
    return input;
  }
  function numInput(v, min, max, step) {
    const i = document.createElement('input');
    i.type = 'number'; i.value = v; i.min = min; i.max = max; i.step = step;
    return i;
  }
  function selectInput(values, labelPrefix, v) {
    const s = document.createElement('select');
    for (const x of values) { const o = document.createElement('option'); o.value = x; o.textContent = t(labelPrefix + x); s.appendChild(o); }
    s.value = v;
    return s;
  }

  function renderOpts(box, o) {
    const keep = {};
    for (const el of box.querySelectorAll('input,select')) keep[el.dataset.name] = el.value;
    box.textContent = '';
    const p = box.id;
    const add = (name, labelKey, input) => { input.dataset.name = name; if (keep[name] !== undefined && box.dataset.op === o) input.value = keep[name]; field(box, p + '-' + name, labelKey, input); };
    switch (o) {
      case 'rezone':
        add('use', 'opt.use', selectInput(['residential', 'mixed', 'office', 'retail', 'public', 'industrial'], 'use.', 'residential'));
        add('add_floors', 'opt.add_floors', numInput(1, -20, 20, 1));
        add('affordable_share', 'opt.affordable', numInput(30, 0, 100, 5));
        break;
      case 'add_housing':
        add('dwellings', 'opt.dwellings', numInput(100, 1, 100000, 10));
        add('affordable_share', 'opt.affordable', numInput(30, 0, 100, 5));
        break;
      case 'retrofit':
        add('level', 'opt.level', selectInput(['light', 'deep'], 'opt.level.', 'deep'));
        break;
      case 'solar':
        add('roof_coverage', 'opt.coverage', numInput(60, 0, 100, 5));
        break;
      case 'transit_stop':
        add('mode', 'opt.mode', selectInput(['bus', 'tram', 'metro'], 'opt.mode.', 'bus'));
        add('headway_min', 'opt.headway', numInput(6, 1, 120, 1));
        break;
      case 'param': {
        const names = Object.keys(POLICY);
        const s = selectInput(names, 'param.', 'car_cost_eur_km');
        add('name', 'opt.param', s);
        const def = (n) => catalog.params.find((q) => q.name === n);
        const v = numInput(0.35, 0, 10, POLICY.car_cost_eur_km);
        add('value', 'opt.value', v);
        const unit = document.createElement('p');
        unit.className = 'small';
        box.appendChild(unit);
        const sync = (reset) => {
          const d = def(s.value);
          v.min = d.min; v.max = d.max; v.step = POLICY[s.value];
          if (reset) v.value = d.default;
          unit.textContent = t('opt.paramNow', { v: loc(String(d.default)), unit: d.unit, min: loc(String(d.min)), max: loc(String(d.max)) });
        };
        s.addEventListener('change', () => sync(true));
        sync(keep.value === undefined || box.dataset.op !== o);
        break;
      }
      default:
    }
    box.dataset.op = o;
  }

  function readOpts(box, o) {
    const v = {};
    for (const el of box.querySelectorAll('input,select')) v[el.dataset.name] = el.value;
    const num = (x) => Number(String(x).replace(',', '.'));
    const e = { op: o };
    switch (o) {
      case 'rezone':
        e.use = v.use; e.add_floors = Math.round(num(v.add_floors)); e.affordable_share = num(v.affordable_share) / 100;
        break;
      case 'add_housing':
        e.dwellings = Math.round(num(v.dwellings)); e.affordable_share = num(v.affordable_share) / 100;
        break;
      case 'retrofit': e.level = v.level; break;
      case 'solar': e.roof_coverage = num(v.roof_coverage) / 100; break;
      case 'transit_stop': e.mode = v.mode; e.headway_min = num(v.headway_min); break;
      case 'param': e.name = v.name; e.value = num(v.value); break;
      default:
    }
    return e;
  }

  // --- tools on the map ---
  function mapTool(o) {
    if (POLY_OPS.includes(o)) return 'polygon';
    if (STREET_OPS.includes(o)) return 'streets';
    if (o === 'transit_stop') return 'point';
    return 'select';
  }

  function setOp(o) {
    op = o;
    // On a phone a drawing tool gets the map: the sheet folds down to its
    // heading and the layer menu steps aside (styles in app.css).
    document.body.classList.toggle('drawing', mapTool(o) !== 'select' || o === 'param');
    for (const b of document.querySelectorAll('.tool')) b.setAttribute('aria-pressed', String(b.dataset.op === o));
    syncTools();
    barriCore.setTool(mapTool(o));
    showTool();
    insets();
  }

  function showTool() {
    $('#tool-help').textContent = t('tool.' + op + '.help');
    renderOpts($('#tool-opts'), op);
    showToolStatus();
  }

  function showToolStatus() {
    const kind = mapTool(op);
    const show = (id, on) => { $(id).hidden = !on; };
    show('#tool-finish', kind === 'polygon');
    show('#tool-undo-point', kind === 'polygon');
    show('#tool-pen', kind === 'polygon' || kind === 'point');
    show('#tool-apply', kind === 'streets' || op === 'param');
    show('#tool-cancel', kind !== 'select');
    show('#tool-map', kind !== 'select');
    $('#tool-finish').disabled = toolInfo.points < 3;
    $('#tool-undo-point').disabled = toolInfo.points < 1;
    let s = '';
    if (kind === 'polygon') s = t('tool.points', { n: toolInfo.points });
    if (kind === 'streets') {
      const names = [...new Set(toolInfo.selected.map((x) => x.name))];
      s = t('tool.selected', { n: toolInfo.selected.length }) + (names.length ? ': ' + names.join(', ') : '');
      $('#tool-apply').disabled = toolInfo.selected.length === 0;
    }
    if (op === 'param') $('#tool-apply').disabled = false;
    $('#tool-status').textContent = s;
  }

  function applyJS(edit, at) {
    const r = barriCore.apply(JSON.stringify(edit));
    lastErrorField = r.ok ? '' : (r.field || '');
    if (!r.ok) { showError(r, '', at); return false; }
    showError('');
    render(r.state);
    return true;
  }

  // --- list editor ---
  // shortStreet drops the "Carrer de" and "Avinguda" of a street's name,
  // as people say it ("Mallorca", "Diagonal").
  function shortStreet(n) {
    return (n || '?').replace(/^(Carrer|Avinguda)( de la | de les | dels | del | de | d'| d’| )/i, '');
  }

  // blockName names a block by its two pairs of streets, each pair and the
  // pairs in alphabetical order, so that it reads the same from any side. A
  // side with no street (the edge of the city) is left out.
  function blockName(b) {
    const s = b.sides.map((n) => (n ? shortStreet(n) : ''));
    const pair = (x, y) => [...new Set([x, y].filter(Boolean))].sort((p, q) => p.localeCompare(q, lang)).join('–');
    const p = [pair(s[0], s[2]), pair(s[1], s[3])].filter(Boolean).sort((x, y) => x.localeCompare(y, lang));
    return p.join(' × ') || '?';
  }

  function fillListEditor() {
    const kind = $('#list-kind').value;
    const item = $('#list-item');
    const prev = item.value;
    item.textContent = '';
    if (kind === 'street') {
      for (const n of catalog.streets) { const o = document.createElement('option'); o.value = n; o.textContent = n; item.appendChild(o); }
    } else if (kind === 'zone') {
      for (const z of catalog.zones) { const o = document.createElement('option'); o.value = z.i; o.textContent = z.name; item.appendChild(o); }
    } else {
      for (const z of catalog.zones) {
        const g = document.createElement('optgroup');
        g.label = z.name;
        const bs = catalog.blocks.filter((b) => b.zone === z.i).map((b) => [blockName(b), b.i]);
        bs.sort((x, y) => x[0].localeCompare(y[0], lang));
        for (const [name, i] of bs) { const o = document.createElement('option'); o.value = i; o.textContent = name; g.appendChild(o); }
        item.appendChild(g);
      }
    }
    if ([...item.options].some((o) => o.value === prev)) item.value = prev;
    $('#list-size-row').hidden = kind !== 'block';
    const ops = kind === 'street' ? STREET_OPS : POLY_OPS;
    const sel = $('#list-op');
    const prevOp = sel.value;
    sel.textContent = '';
    for (const o of ops) { const x = document.createElement('option'); x.value = o; x.textContent = t('op.' + o); sel.appendChild(x); }
    if (ops.includes(prevOp)) sel.value = prevOp;
    listOpChanged(true);
  }

  function listOpChanged(quiet) {
    const o = $('#list-op').value;
    // What the change does to the chosen place (not the map tool's drawing
    // help: the resident chooses by name here).
    $('#list-op-help').textContent = t('list.' + o + '.help');
    renderOpts($('#list-opts'), o);
    if (quiet !== true) listHighlight();
  }

  function listHighlight() {
    const kind = $('#list-kind').value;
    barriCore.highlight(kind, $('#list-item').value, $('#list-size').value);
  }

  function listApply() {
    for (const el of $('#list-opts').querySelectorAll('[aria-invalid]')) { el.removeAttribute('aria-invalid'); el.removeAttribute('aria-describedby'); }
    const kind = $('#list-kind').value;
    const o = $('#list-op').value;
    const e = readOpts($('#list-opts'), o);
    if (kind === 'street') {
      e.streets = { name: $('#list-item').value };
    } else {
      const area = barriCore.areaFor(kind, $('#list-item').value, $('#list-size').value);
      if (typeof area !== 'string') { showError(area.error, '', $('#list-error')); return; }
      e.area = JSON.parse(area);
    }
    // A refusal is said beside the Apply button, where the resident is.
    const r = applyJS(e, $('#list-error'));
    // Mark the option the core refused, tie it to the message, and take
    // the resident to it.
    if (!r && lastErrorField) {
      const el = $('#list-opts').querySelector('[data-name="' + CSS.escape(lastErrorField) + '"]');
      if (el) { el.setAttribute('aria-invalid', 'true'); el.setAttribute('aria-describedby', 'list-error'); el.focus(); $('#list-error').scrollIntoView({ block: 'nearest' }); }
    }
  }

  function fillLayerSelect() {
    const s = $('#layer');
    const v = s.value || 'plain';
    s.textContent = '';
    // The walking-minute layers (walk, walk.<kind>) go in a group of their own.
    let walk = null;
    for (const l of catalog.layers) {
      const o = document.createElement('option'); o.value = l; o.textContent = t('layer.' + l);
      if (l === 'walk' || l.startsWith('walk.')) {
        if (!walk) { walk = document.createElement('optgroup'); walk.label = t('layer.group.walk'); s.appendChild(walk); }
        walk.appendChild(o);
      } else s.appendChild(o);
    }
    s.value = v;
  }

  function fillZoneSelect() {
    const s = $('#zone-ind');
    const v = s.value || 'mobility.share.car';
    s.textContent = '';
    for (const k of catalog.indicators) { const o = document.createElement('option'); o.value = k; o.textContent = indName(k); s.appendChild(o); }
    s.value = v;
  }

  function showLegend(j) {
    if (j) legend = JSON.parse(j);
    if (!legend) return;
    const scaled = !!legend.gradient;
    // The plain map has nothing to compare with today.
    $('#layer-change').disabled = !scaled;
    $('#legend-scale').hidden = !scaled;
    $('#legend-plain').hidden = scaled;
    if (!scaled) return;
    $('#legend-bar').style.background = legend.gradient;
    // Values past an end take its colour: ≤ and ≥ say so.
    $('#legend-lo').textContent = (legend.below ? '≤ ' : '') + loc(legend.lo, legend.change);
    $('#legend-hi').textContent = (legend.above ? '≥ ' : '') + loc(legend.hi, legend.change);
    $('#legend-unit').textContent = legend.unit ? t('unit.' + legend.unit) : '';
    // Marks on the bar (the walks' 15 minutes): a tick, its value above.
    const marks = legend.marks || [];
    const at = m => (100 * m.at).toFixed(2) + '%';
    $('#legend-marks').hidden = !marks.length;
    $('#legend-marks').replaceChildren(...marks.map(m => { const e = document.createElement('span'); e.style.left = at(m); e.textContent = loc(m.label); return e; }));
    $('#legend-bar').replaceChildren(...marks.map(m => { const e = document.createElement('span'); e.className = 'tick'; e.style.left = at(m); return e; }));
    // A layer may say in a line what it shows (layer.<name>.note).
    const nk = 'layer.' + legend.layer + '.note';
    const notes = dict.en && dict.en[nk] ? [t(nk)] : [];
    if (legend.homes) notes.push(t('legend.homesScale'));
    if (legend.below || legend.above) notes.push(t('legend.beyond'));
    // On the walking layers grey is a building without homes.
    const grey = legend.layer.startsWith('walk') ? 'legend.noHomes' : 'legend.valueNote';
    notes.push(legend.change ? t('legend.changeNote') : t(grey));
    $('#legend-note').textContent = notes.join(' ');
  }

  // setLayer colours the map by the chosen layer and says so in the live
  // region: which layer, and its scale as the legend shows it.
  function setLayer() {
    showLegend(barriCore.setLayer($('#layer').value, $('#layer-change').checked));
    const opt = $('#layer').selectedOptions[0];
    let name = opt ? opt.textContent : '';
    if (legend && legend.change) name += ', ' + $('#layer-change').closest('label').textContent.trim();
    if (legend && legend.gradient) {
      announce(t('live.layer', { name, lo: $('#legend-lo').textContent, hi: $('#legend-hi').textContent, unit: $('#legend-unit').textContent }).replace(/ +\./, '.'));
    } else {
      announce(t('live.layerPlain', { name }));
    }
  }

  // insets tells the map which part of the window the panels cover.
  function insets() {
    const phone = window.matchMedia('(max-width: 700px)').matches;
    const panel = $('#panel').getBoundingClientRect();
    const tools = $('.tools').getBoundingClientRect();
    const leg = $('#legend').getBoundingClientRect();
    if (phone) {
      const top = Math.max(tools.bottom, leg.bottom) + 4;
      const card = $('#tool-card').getBoundingClientRect();
      const bottom = card.height ? Math.min(card.top, panel.top) : panel.top;
      barriCore.setInsets(0, window.innerHeight - bottom + 4, top, 0);
    } else {
      // The whole city below the tools and right of the legend (the city
      // runs from south-west to north-east, so the tool card's corner, top
      // left, is empty).
      barriCore.setInsets(window.innerWidth - panel.left, 0, tools.bottom + 4, leg.width ? leg.right + 4 : 0);
    }
  }

  // --- proposal file and link ---
  function download() {
    const text = barriCore.scenario();
    const name = (state.name || 'barri').normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase() || 'barri';
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    a.download = name + '.json';
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    announce(t('prop.downloaded', { file: a.download }));
  }

  function upload(ev) {
    const f = ev.target.files[0];
    if (!f) return;
    f.text().then((text) => {
      const r = barriCore.load(text);
      if (!r.ok) { showError(notProposal(text) ? { ...r, notProposal: true } : r, f.name); return; }
      showError('');
      render(r.state, true);
      showLegend(barriCore.legend());
      announce(t('prop.opened', { file: f.name }));
    }).catch((e) => showError(String(e && e.message ? e.message : e), f.name));
    ev.target.value = '';
  }

  function share() {
    const frag = barriCore.share();
    // Not the sharer's ?lang= or ?notour: the recipient gets their own.
    const url = location.origin + location.pathname + '#' + frag;
    // The address bar keeps no fragment: a reload must not bring back the
    // proposal as it was here over the edits made after sharing.
    $('#share-box').hidden = false;
    $('#share-url').value = url;
    $('#share-url').select();
    if (navigator.clipboard) navigator.clipboard.writeText(url).then(() => announce(t('prop.copied')), () => announce(t('prop.linkReady')));
    else announce(t('prop.linkReady'));
  }

  // --- guided first use ---
  const TOUR = ['map', 'tools', 'panel', 'list'];
  let tourStep = 0;
  const tourOpen = () => $('#tour').open;
  function showTour() {
    const k = TOUR[tourStep];
    $('#tour-title').textContent = t('tour.' + k + '.title');
    $('#tour-text').textContent = t('tour.' + k + '.text');
    $('#tour-step').textContent = t('tour.step', { n: tourStep + 1, of: TOUR.length });
    $('#tour-prev').disabled = tourStep === 0;
    $('#tour-next').hidden = tourStep === TOUR.length - 1;
  }
  function closeTour() {
    $('#tour').close();
    try { localStorage.setItem('barri.tour', 'done'); } catch (e) { /* private mode */ }
  }

  function wire() {
    for (const ev of ['pointerdown', 'pointerup', 'keydown', 'touchend', 'click', 'change']) {
      // The event's own time stamp: when the input happened, not when the
      // page got round to it.
      window.addEventListener(ev, (e) => { lastInput = e.timeStamp || performance.now(); }, true);
    }
    $('#lang').addEventListener('change', (e) => setLang(e.target.value));
    for (const b of document.querySelectorAll('.tool')) b.addEventListener('click', () => setOp(b.dataset.op));
    $('#tool-finish').addEventListener('click', () => barriCore.finish());
    $('#tool-undo-point').addEventListener('click', () => barriCore.undoPoint());
    $('#tool-pen').addEventListener('click', () => barriCore.view('pen'));
    $('#tool-map').addEventListener('click', () => focusMap());
    $('#skip-map').addEventListener('click', focusMap);
    syncTools = rovingTools();
    $('.tools').addEventListener('scroll', moreTools, { passive: true });
    window.addEventListener('resize', moreTools);
    moreTools();
    $('#tool-cancel').addEventListener('click', () => { barriCore.cancel(); setOp('select'); });
    $('#tool-apply').addEventListener('click', () => {
      if (op === 'param') { applyJS(readOpts($('#tool-opts'), 'param')); return; }
      const ids = [...new Set(toolInfo.selected.map((x) => x.id))];
      if (applyJS({ op, streets: { ids } })) barriCore.clearSelection();
    });
    for (const b of document.querySelectorAll('[data-view]')) b.addEventListener('click', () => barriCore.view(b.dataset.view));
    $('#layer').addEventListener('change', setLayer);
    $('#layer-change').addEventListener('change', setLayer);
    $('#undo').addEventListener('click', () => { const r = barriCore.undo(); if (r.ok) { showError(''); render(r.state); } });
    $('#redo').addEventListener('click', () => { const r = barriCore.redo(); if (r.ok) { showError(''); render(r.state); } });
    $('#afresh').addEventListener('click', afresh);
    $('#download').addEventListener('click', download);
    $('#upload').addEventListener('change', upload);
    $('#share').addEventListener('click', share);
    $('#prop-name').addEventListener('change', (e) => { barriCore.setName(e.target.value); state.name = e.target.value; autosave(); });
    $('#list-kind').addEventListener('change', () => { fillListEditor(); listHighlight(); });
    $('#list-item').addEventListener('change', listHighlight);
    $('#list-size').addEventListener('change', listHighlight);
    $('#list-op').addEventListener('change', () => listOpChanged());
    $('#list-apply').addEventListener('click', listApply);
    $('#zone-ind').addEventListener('change', renderZones);
    $('#help-btn').addEventListener('click', () => { tourStep = 0; $('#tour').showModal(); showTour(); });
    $('#tour-prev').addEventListener('click', () => { tourStep = Math.max(0, tourStep - 1); showTour(); });
    $('#tour-next').addEventListener('click', () => { tourStep = Math.min(TOUR.length - 1, tourStep + 1); showTour(); });
    $('#tour-close').addEventListener('click', closeTour);
    $('#models-open').addEventListener('click', () => showModels(''));
    $('#models-close').addEventListener('click', () => $('#models').close());
    $('#models-full-box').addEventListener('toggle', () => { if ($('#models-full-box').open) showFullModels(); });
    $('#tour').addEventListener('cancel', closeTour);
    window.addEventListener('resize', () => { if (catalog) insets(); });
    window.addEventListener('pagehide', flushAutosave);
    document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') flushAutosave(); });
    window.addEventListener('hashchange', () => {
      if (!location.hash.startsWith('#p=') || !catalog) return;
      const r = barriCore.openShare(location.hash);
      history.replaceState(null, '', location.pathname + location.search);
      if (r.ok) { showError(''); render(r.state, true); showLegend(barriCore.legend()); } else showError(r);
    });
  }

  window.barriUI = { progress, ready, started, render, showError, toolOptions, toolChanged, hover, inspect, labels };
  // workshop hook (issue 14): what web/src/workshop.js uses of this page.
  window.barriApp = { t, loc, verdict, render, showLegend, showError, errorText, announce, insets, lang: () => lang };
  wire();
  boot().catch((e) => { progress('failed'); showError(String(e)); console.error(e); });
})();
