// The phone app's shell (docs/app.md): opens the client core on this device (./passerelle.mjs,
// the core compiled to WebAssembly, in a Worker), shows the sign-in, invitation and password
// screens when no one is signed in, and otherwise the sync line, the tab bar and one screen of
// web/app/screens/ at a time, chosen by the path (History API, everything under /app/). Every
// read is local; sync runs in the background and the screens are drawn again when rows change.
import { open, PasserelleError } from './passerelle.mjs';
import { languages, locale, makeT, pickLanguage, rememberLanguage } from './i18n.js';
import { loadZone, useCoreZones, zoneFormatter } from './zones.js';
import { showFormError as fieldError } from './screens/util.js';

const $ = (sel) => document.querySelector(sel);
const view = $('#view');
const kBase = '/app/';

const state = {
  db: null,
  account: null,
  lang: pickLanguage(null),
  status: null,
  zone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
  screen: null,        // the screen module shown
  screenName: null,
  shellScreen: null,   // 'signin' | 'forgot' | 'invite' | 'reset' when signed out
  notice: '',          // a message for the sign-in screen (session ended, password changed)
};

export function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

let t = makeT(state.lang);

// --- formatting (presentation only: every rule comes from the core) ---------------------------

function formatDateTime(rfc3339, zone = state.zone) {
  if (!rfc3339) return '';
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return String(rfc3339);
  return zoneFormatter(locale(state.lang), zone, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

// A calendar date (YYYY-MM-DD) is a day in the person's life, not an instant: shown as is.
function formatDate(day) {
  if (!day) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return String(day);
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], 12));
  return new Intl.DateTimeFormat(locale(state.lang), { weekday: 'short', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(d);
}

function sinceText(rfc3339) {
  if (!rfc3339) return t('sync.never');
  const seconds = (Date.now() - new Date(rfc3339).getTime()) / 1000;
  if (seconds < 60) return t('sync.last', { when: t('sync.now') });
  const rtf = new Intl.RelativeTimeFormat(locale(state.lang), { numeric: 'auto' });
  let when;
  if (seconds < 3600) when = rtf.format(-Math.round(seconds / 60), 'minute');
  else if (seconds < 86400) when = rtf.format(-Math.round(seconds / 3600), 'hour');
  else when = formatDateTime(rfc3339);
  return t('sync.last', { when });
}

function announce(text) {
  const a = $('#announcer');
  a.textContent = '';
  setTimeout(() => { a.textContent = text; }, 50);
}

// Errors are values: a PasserelleError's message (the core's and the server's are written for
// people), a network failure said plainly, never a stack.
function errorText(err) {
  if (!err) return '';
  if (typeof err === 'string') return err;
  if (err.origin === 'network') return t('error.network');
  return err.message || String(err.code || err);
}

function showError(err) {
  const box = $('#alert');
  if (!err) { box.hidden = true; box.textContent = ''; return; }
  box.innerHTML = `<p>${esc(errorText(err))}</p><button type="button" class="secondary small" id="alert-close">${esc(t('app.close'))}</button>`;
  box.hidden = false;
  $('#alert-close').addEventListener('click', () => showError(null));
}

// --- the shell's frame ----------------------------------------------------------------------

function applyLanguage() {
  t = makeT(state.lang);
  document.documentElement.lang = state.lang;
  $('#lang').value = state.lang;
  $('#lang-label').textContent = t('app.language');
  $('#skip').textContent = t('app.skip');
  document.title = t('app.name');
}

$('#lang').addEventListener('change', (ev) => {
  if (!languages.includes(ev.target.value)) return;
  state.lang = ev.target.value;
  rememberLanguage(state.lang);
  applyLanguage();
  renderTabs();
  renderSyncLine();
  renderRejections();
  if (state.account) { renderScreen(); return; }
  const keep = snapshotFields();
  renderShellScreen();
  restoreFields(keep);
});

function navigate(path, { replace = false } = {}) {
  const url = path.startsWith('/') ? path : kBase + path;
  if (replace) history.replaceState(null, '', url); else history.pushState(null, '', url);
  route();
}

// Links inside the app move without reloading the page.
document.addEventListener('click', (ev) => {
  const a = ev.target.closest && ev.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download') || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !url.pathname.startsWith(kBase) || /\.[a-z0-9]+$/i.test(url.pathname)) return;
  ev.preventDefault();
  navigate(url.pathname + url.hash);
});
window.addEventListener('popstate', () => route());

const icons = {
  home: '<path d="M3 11 12 3l9 8v10h-6v-6H9v6H3z"/>',
  plan: '<path d="M9 5h11M9 12h11M9 19h11"/><path d="m3 5 1.5 1.5L7 4M3 12l1.5 1.5L7 11M3 19l1.5 1.5L7 18"/>',
  messages: '<path d="M4 4h16v12H8l-4 4z"/>',
  mentoring: '<circle cx="8" cy="8" r="3.5"/><circle cx="17" cy="9" r="2.5"/><path d="M2 20c0-3.5 2.7-6 6-6s6 2.5 6 6M14 14.5c3 0 7 1.2 7 5"/>',
  profile: '<circle cx="12" cy="8" r="4"/><path d="M4 21c0-4.4 3.6-7 8-7s8 2.6 8 7"/>',
  company: '<path d="M4 21V5l8-2v18M12 9h8v12M7 8h2M7 12h2M7 16h2M15 13h2M15 17h2"/><path d="M2 21h20"/>',
  activities: '<rect x="3" y="5" width="18" height="16" rx="2"/><path d="M3 10h18M8 3v4M16 3v4M8 14h3M8 17h6"/>',
};

function tabsFor(role) {
  if (role === 'employer') {
    return [['employer', '', 'tab.employer', 'company'], ['employer_candidates', 'candidates', 'tab.candidates', 'mentoring'],
      ['activities', 'activities', 'tab.activities', 'activities'], ['profile', 'profile', 'tab.profile', 'profile']];
  }
  if (role === 'mentor') {
    return [['home', '', 'tab.home', 'home'], ['mentor', 'mentoring', 'tab.mentor', 'mentoring'],
      ['messages', 'messages', 'tab.messages', 'messages'], ['profile', 'profile', 'tab.profile', 'profile']];
  }
  return [['home', '', 'tab.home', 'home'], ['plan', 'plan', 'tab.plan', 'plan'], ['messages', 'messages', 'tab.messages', 'messages'],
    ['mentoring', 'mentoring', 'tab.mentoring', 'mentoring'], ['activities', 'activities', 'tab.activities', 'activities'],
    ['profile', 'profile', 'tab.profile', 'profile']];
}

let unread = 0;
function renderTabs() {
  const nav = $('#tabs');
  if (!state.account) { nav.hidden = true; nav.innerHTML = ''; delete document.body.dataset.role; return; }
  nav.hidden = false;
  // The employer's page is laid out for a desktop first (style.css widens it).
  document.body.dataset.role = state.account.user.role;
  nav.setAttribute('aria-label', t('tab.label'));
  nav.innerHTML = tabsFor(state.account.user.role).map(([screen, path, label, icon]) => {
    const current = state.screenName === screen;
    const badge = screen === 'messages' && unread > 0
      ? `<span class="badge" aria-hidden="true">${unread > 99 ? '99+' : unread}</span><span class="sr-only">, ${esc(t('tab.unread', { n: unread }))}</span>` : '';
    return `<a href="${kBase}${path}" data-tab="${screen}"${current ? ' aria-current="page"' : ''}>
      <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">${icons[icon]}</svg><span>${esc(t(label))}</span>${badge}</a>`;
  }).join('');
}

async function refreshUnread() {
  if (!state.db || !state.account || !state.db.unreadTotal) return;
  try {
    const n = await state.db.unreadTotal();
    if (n !== unread) { unread = n; renderTabs(); }
  } catch (e) { /* the badge is a convenience; the Messages screen shows the counts */ }
}

// --- the sync line --------------------------------------------------------------------------

function renderSyncLine() {
  const line = $('#syncline');
  if (!state.account) { line.hidden = true; return; }
  line.hidden = false;
  const s = state.status || {};
  const online = navigator.onLine && s.state !== 'offline';
  let text, kind;
  const p = s.progress;
  // Before its first attempt the engine says offline; with a network and no failure yet that
  // is a connection starting.
  const starting = navigator.onLine && s.state === 'offline' && !s.last_error && !s.last_synced_at;
  if (starting) { text = t('sync.connecting'); kind = 'busy'; }
  else if (!navigator.onLine || s.state === 'offline') { text = t('sync.offline'); kind = 'offline'; }
  else if (s.state === 'connecting') { text = t('sync.connecting'); kind = 'busy'; }
  else if (s.state === 'syncing') {
    kind = 'busy';
    if (p && p.pulling) text = t('sync.receiving', { n: p.pulled_rows || 0 });
    else if (p && s.pending_ops) text = t('sync.sending', { n: (p.pushed || 0) + 1, m: (p.pushed || 0) + s.pending_ops });
    else text = t('sync.syncing');
  } else if (s.state === 'error') { text = t('sync.error', { message: errorText(s.last_error) }); kind = 'error'; }
  else if (s.state === 'up_to_date') { text = t('sync.up_to_date'); kind = 'ok'; }
  else { text = online ? t('sync.online') : t('sync.offline'); kind = online ? 'ok' : 'offline'; }
  const waiting = s.pending_ops ? t('sync.waiting', { n: s.pending_ops }) : '';
  const first = !s.last_synced_at && (starting || s.state === 'syncing' || s.state === 'connecting');
  // The phone has a network but the server could not be reached: the engine waits longer after
  // each failure (up to a minute); someone who knows the link is back need not wait for it.
  const canRetry = navigator.onLine && s.state === 'offline' && !starting;
  const hadFocus = document.activeElement?.id === 'sync-retry';
  line.className = `syncline ${kind}${canRetry ? ' has-retry' : ''}`;
  line.innerHTML = `
    <p role="status" aria-label="${esc(t('sync.label'))}"><span class="dot" aria-hidden="true"></span><strong>${esc(text)}</strong>
      ${waiting ? `<span class="waiting">· ${esc(waiting)}</span>` : ''}
      <span class="last">· ${esc(sinceText(s.last_synced_at))}</span></p>
    ${canRetry ? `<button type="button" class="secondary retry" id="sync-retry">${esc(t('sync.try_now'))}</button>` : ''}
    ${first ? `<div class="first-sync"><label for="first-progress">${esc(t('sync.first'))}</label>
      <progress id="first-progress"${p && p.pulled_rows ? ` aria-valuetext="${esc(t('sync.receiving', { n: p.pulled_rows }))}"` : ''}></progress></div>` : ''}`;
  const retry = $('#sync-retry');
  if (retry) {
    retry.addEventListener('click', () => { syncNow(); });
    if (hadFocus) retry.focus();
  }
}

// Writes the server refused: listed with the reason until the person dismisses each.
let rejections = [];
async function refreshRejections() {
  if (!state.db || !state.account) { rejections = []; renderRejections(); return; }
  try { rejections = await state.db.rejections(); } catch (e) { rejections = []; }
  renderRejections();
}

function opLabel(name) {
  const key = 'op.' + name;
  const text = t(key);
  return text === key ? name : text;
}

function renderRejections() {
  const box = $('#rejections');
  if (!rejections.length || !state.account) { box.innerHTML = ''; box.className = ''; return; }
  box.className = 'rejections';
  box.innerHTML = `<h2>${esc(t('rejected.title'))}</h2><ul>${rejections.map((r) => {
    const what = opLabel(r.name);
    const code = r.error && r.error.code;
    const said = t('rejected.code.' + code);
    const reason = said === 'rejected.code.' + code ? (r.error && r.error.message) || code || '' : `${said} (${(r.error && r.error.message) || code})`;
    return `<li><span>${esc(t('rejected.item', { what, reason }))}</span>
      <button type="button" class="secondary small" data-dismiss="${esc(r.op_id)}" aria-label="${esc(t('rejected.dismiss_label', { what }))}">${esc(t('rejected.dismiss'))}</button></li>`;
  }).join('')}</ul>`;
  box.querySelectorAll('[data-dismiss]').forEach((b) => b.addEventListener('click', async () => {
    try {
      await state.db.dismissRejection(b.dataset.dismiss);
    } catch (e) { showError(e); return; }
    rejections = rejections.filter((r) => r.op_id !== b.dataset.dismiss);
    renderRejections();
  }));
}

// --- screens --------------------------------------------------------------------------------

function routeOf(pathname) {
  const rest = pathname.startsWith(kBase) ? pathname.slice(kBase.length) : '';
  const parts = rest.split('/').filter(Boolean).map(decodeURIComponent);
  const role = state.account && state.account.user.role;
  switch (parts[0]) {
    case undefined: return { name: role === 'employer' ? 'employer' : 'home', params: {} };
    case 'candidates': return { name: role === 'employer' ? 'employer_candidates' : 'home', params: {} };
    case 'activities': return { name: 'activities', params: { id: parts[1] || null } };
    case 'plan': return { name: 'plan', params: { step: parts[1] || null } };
    case 'messages': return { name: 'messages', params: { thread: parts[1] || null } };
    case 'mentoring': case 'mentor': return { name: role === 'mentor' ? 'mentor' : 'mentoring', params: { id: parts[1] || null } };
    case 'profile': return { name: 'profile', params: {} };
    default: return { name: role === 'employer' ? 'employer' : 'home', params: {} };
  }
}

const loaded = new Map();
async function loadScreen(name) {
  if (!loaded.has(name)) loaded.set(name, import(`./screens/${name}.js`).catch((e) => { loaded.delete(name); throw e; }));
  return loaded.get(name);
}

function makeCtx(mod, params) {
  return {
    db: state.db,
    account: state.account,
    lang: state.lang,
    t: makeT(state.lang, mod.strings),
    navigate,
    params,
    zone: state.zone,
    formatDateTime,
    formatDate,
    announce,
    showError,
    // Read when used, not when the screen was drawn: a screen redraws itself with the ctx it got,
    // and a tap just after the network went away must not be told it was sent.
    get online() { return navigator.onLine && (!state.status || state.status.state !== 'offline'); },
    get status() { return state.status; },
    signOut,
    esc,
  };
}

// What the person is typing survives a re-render: values of fields they changed (marked on
// input) and the focus and caret are put back on the fields of the same id.
view.addEventListener('input', (ev) => { if (ev.target.id) ev.target.dataset.dirty = '1'; });

// The fields are read when they are put back, not when the redraw starts: a form sent meanwhile
// (its handler empties the field and clears the mark) is not refilled.
function snapshotFields() {
  const fields = [];
  view.querySelectorAll('input[id], textarea[id], select[id]').forEach((el) => {
    if (el.dataset.dirty && el.type !== 'file' && el.type !== 'password') fields.push({ id: el.id, el, check: el.type === 'checkbox' || el.type === 'radio' });
  });
  const active = document.activeElement;
  const focus = active && view.contains(active) && active.id ? { id: active.id, start: active.selectionStart, end: active.selectionEnd } : null;
  return { fields, focus };
}

function restoreFields({ fields, focus }) {
  for (const f of fields) {
    const el = document.getElementById(f.id);
    if (!el || !view.contains(el) || el === f.el || !f.el.dataset.dirty) continue;
    if (f.check) el.checked = f.el.checked; else el.value = f.el.value;
    el.dataset.dirty = '1';
  }
  if (focus) {
    const el = document.getElementById(focus.id);
    if (el && view.contains(el) && document.activeElement !== el) {
      el.focus({ preventScroll: true });
      try { if (focus.start !== null && focus.start !== undefined) el.setSelectionRange(focus.start, focus.end); } catch (e) { /* not a text field */ }
    }
  }
}

let rendering = null;
let renderAgain = false;
async function renderScreen({ fresh = false } = {}) {
  if (rendering) { renderAgain = true; return rendering; }
  rendering = (async () => {
    do {
      renderAgain = false;
      const { name, params } = routeOf(location.pathname);
      const changed = name !== state.screenName || JSON.stringify(params) !== JSON.stringify(state.params);
      state.screenName = name;
      state.params = params;
      if (changed) renderTabs();
      let mod;
      try {
        mod = await loadScreen(name);
      } catch (e) {
        view.innerHTML = `<section data-screen="${esc(name)}"><p class="card">${esc(t('app.screen_missing'))}</p></section>`;
        continue;
      }
      const keep = changed || fresh ? { fields: [], focus: null } : snapshotFields();
      const y = window.scrollY;
      try {
        await mod.render(view, makeCtx(mod, params));
      } catch (e) {
        console.error(e);
        showError(e instanceof PasserelleError ? e : errorText(e));
      }
      restoreFields(keep);
      if (changed) { window.scrollTo(0, 0); if (!fresh) view.focus({ preventScroll: true }); } else window.scrollTo(0, y);
    } while (renderAgain);
  })();
  try { await rendering; } finally { rendering = null; }
}

// Rows change in bursts (a pull brings many): one redraw per burst.
let redrawTimer = null;
function redrawSoon() {
  clearTimeout(redrawTimer);
  redrawTimer = setTimeout(() => {
    if (!state.account) return;
    // A local write changes what waits to be sent even when no sync is running (offline).
    state.db.syncStatus().then((s) => { if (s) { state.status = s; renderSyncLine(); } }).catch(() => {});
    renderScreen();
    refreshUnread();
    refreshRejections();
    scheduleReminder();
  }, 80);
}

// --- signed out: sign in, forgotten password, invitation, reset ------------------------------

function passwordProblem(p, confirm) {
  if (p.length < 10) return t('form.too_short');
  if (p !== confirm) return t('form.mismatch');
  return '';
}


function renderShellScreen() {
  $('#tabs').hidden = true;
  $('#syncline').hidden = true;
  const which = state.shellScreen;
  const token = decodeURIComponent(location.hash.replace(/^#/, ''));
  if (which === 'invite') return renderInvite(token);
  if (which === 'reset') return renderReset(token);
  if (which === 'forgot') return renderForgot();
  return renderSignIn();
}

function shellForm(screen, title, intro, fields, submit, extra = '') {
  return `<section class="shell-screen" data-screen="${screen}">
    <div class="hero"><svg viewBox="0 0 64 40" aria-hidden="true" class="logo"><path d="M4 30 Q32 0 60 30" /><path d="M2 30h60" /><path d="M18 30V20M32 30V16M46 30V20"/></svg>
    <h1>${esc(title)}</h1>${intro ? `<p>${esc(intro)}</p>` : ''}</div>
    <form class="card form" id="${screen}-form" novalidate>
      ${fields}
      <p class="form-error" role="alert" tabindex="-1" hidden></p>
      <button type="submit" class="primary wide">${esc(submit)}</button>
    </form>${extra}</section>`;
}

function field(id, label, type, attrs = '') {
  return `<div class="field"><label for="${id}">${esc(label)}</label><input id="${id}" name="${id}" type="${type}" ${attrs}></div>`;
}

function renderSignIn() {
  const notice = state.notice;
  view.innerHTML = shellForm('signin', t('signin.title'), t('signin.intro'),
    `${notice ? `<p class="notice" role="status">${esc(notice)}</p>` : ''}
     ${field('signin-email', t('signin.email'), 'email', 'autocomplete="username" inputmode="email" autocapitalize="off" spellcheck="false" required')}
     ${field('signin-password', t('signin.password'), 'password', 'autocomplete="current-password" required')}
     <label class="check"><input type="checkbox" id="signin-show"> ${esc(t('signin.show_password'))}</label>`,
    t('signin.submit'),
    `<p class="center"><a href="${kBase}forgot" id="forgot-link">${esc(t('signin.forgot'))}</a></p>
     <p class="center muted small">${t('signin.staff', { link: '<a href="/">' + esc(location.host) + '</a>' })}</p>`);
  const form = $('#signin-form');
  $('#signin-show').addEventListener('change', (ev) => { $('#signin-password').type = ev.target.checked ? 'text' : 'password'; });
  $('#forgot-link').addEventListener('click', (ev) => { ev.preventDefault(); state.shellScreen = 'forgot'; history.pushState(null, '', kBase + 'forgot'); renderShellScreen(); });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const email = $('#signin-email').value.trim();
    const password = $('#signin-password').value;
    if (!email || !password) return fieldError(form, t('form.required'));
    if (!navigator.onLine) return fieldError(form, t('signin.offline'));
    const button = form.querySelector('button[type=submit]');
    button.disabled = true; button.textContent = t('signin.busy');
    try {
      await (await core()).signIn(location.origin, email, password);
      state.notice = '';
      await signedIn(true);
    } catch (e) {
      button.disabled = false; button.textContent = t('signin.submit');
      fieldError(form, e.code === 'unauthenticated' ? t('signin.wrong')
        : e.code === 'rate_limited' ? t('signin.rate_limited') : t('signin.failed', { message: errorText(e) }));
    }
  });
}

// An anonymous request on a connection of its own (the reset flow has no session yet).
function oneShot(type, fields) {
  return new Promise((resolve, reject) => {
    const url = location.origin.replace(/^http/, 'ws') + '/v1/ws';
    let ws;
    try { ws = new WebSocket(url); } catch (e) { reject(new PasserelleError({ code: 'internal', origin: 'network', message: e.message })); return; }
    let done = false;
    const finish = (f) => { if (done) return; done = true; clearTimeout(timer); try { ws.close(1000); } catch (e) { /* closing */ } f(); };
    const timer = setTimeout(() => finish(() => reject(new PasserelleError({ code: 'internal', origin: 'network', message: 'no answer' }))), 20000);
    ws.onopen = () => ws.send(JSON.stringify({ id: 1, type: 'hello', protocol: 1 }));
    ws.onmessage = (m) => {
      let a;
      try { a = JSON.parse(m.data); } catch (e) { return; }
      if (a.re === 1) {
        if (a.ok) ws.send(JSON.stringify({ id: 2, type, ...fields }));
        else finish(() => reject(new PasserelleError({ code: a.error?.code || 'internal', origin: 'server', message: a.error?.message || '' })));
      } else if (a.re === 2) {
        finish(() => (a.ok ? resolve(a) : reject(new PasserelleError({ code: a.error?.code || 'internal', origin: 'server', message: a.error?.message || '' }))));
      }
    };
    ws.onclose = () => finish(() => reject(new PasserelleError({ code: 'internal', origin: 'network', message: 'closed' })));
  });
}

function renderForgot() {
  view.innerHTML = shellForm('forgot', t('forgot.title'), t('forgot.intro'),
    field('forgot-email', t('signin.email'), 'email', 'autocomplete="username" inputmode="email" autocapitalize="off" spellcheck="false" required'),
    t('forgot.submit'), `<p class="center"><a href="${kBase}" id="back-link">${esc(t('forgot.back'))}</a></p>`);
  const form = $('#forgot-form');
  $('#back-link').addEventListener('click', (ev) => { ev.preventDefault(); state.shellScreen = 'signin'; history.pushState(null, '', kBase); renderShellScreen(); });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const email = $('#forgot-email').value.trim();
    if (!email) return fieldError(form, t('form.required'));
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      await oneShot('auth.reset.request', { email });
      form.outerHTML = `<p class="card notice" role="status" id="forgot-sent">${esc(t('forgot.sent', { email }))}</p>`;
    } catch (e) {
      button.disabled = false;
      fieldError(form, errorText(e));
    }
  });
}

function renderInvite(token) {
  if (!token) {
    view.innerHTML = `<section class="shell-screen" data-screen="invite"><h1>${esc(t('invite.title'))}</h1><p class="card error-box" role="alert">${esc(t('invite.no_token'))}</p></section>`;
    return;
  }
  const already = state.db && state.db.account;
  view.innerHTML = shellForm('invite', t('invite.title'), t('invite.intro'),
    `${already ? `<p class="notice">${esc(t('invite.signed_in_as', { name: already.user.name }))}</p>` : ''}
     ${field('invite-name', t('invite.name'), 'text', 'autocomplete="name" required maxlength="200"')}
     ${field('invite-password', t('invite.password'), 'password', 'autocomplete="new-password" minlength="10" required')}
     ${field('invite-confirm', t('invite.confirm'), 'password', 'autocomplete="new-password" minlength="10" required')}`,
    t('invite.submit'));
  const form = $('#invite-form');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const name = $('#invite-name').value.trim();
    const password = $('#invite-password').value;
    if (!name) return fieldError(form, t('form.required'));
    const problem = passwordProblem(password, $('#invite-confirm').value);
    if (problem) return fieldError(form, problem);
    if (!navigator.onLine) return fieldError(form, t('signin.offline'));
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const db = await core();
      if (db.account) await db.signOut();
      await db.acceptInvite(location.origin, token, name, password);
      history.replaceState(null, '', kBase);
      await signedIn(true);
    } catch (e) {
      button.disabled = false;
      fieldError(form, t('invite.failed', { message: errorText(e) }));
    }
  });
}

function renderReset(token) {
  if (!token) {
    view.innerHTML = `<section class="shell-screen" data-screen="reset"><h1>${esc(t('reset.title'))}</h1><p class="card error-box" role="alert">${esc(t('reset.no_token'))}</p></section>`;
    return;
  }
  view.innerHTML = shellForm('reset', t('reset.title'), '',
    `${field('reset-password', t('reset.password'), 'password', 'autocomplete="new-password" minlength="10" required')}
     ${field('reset-confirm', t('reset.confirm'), 'password', 'autocomplete="new-password" minlength="10" required')}`,
    t('reset.submit'));
  const form = $('#reset-form');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const password = $('#reset-password').value;
    const problem = passwordProblem(password, $('#reset-confirm').value);
    if (problem) return fieldError(form, problem);
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      await oneShot('auth.reset.confirm', { token, new_password: password });
      // Every session of the account ended: this device signs in again with the new password.
      const db = await core();
      if (db.account) { try { await db.signOut(); } catch (e) { /* already ended */ } }
      state.account = null;
      state.notice = t('reset.done');
      state.shellScreen = 'signin';
      history.replaceState(null, '', kBase);
      renderShellScreen();
    } catch (e) {
      button.disabled = false;
      fieldError(form, t('reset.failed', { message: errorText(e) }));
    }
  });
}

// --- signed in ----------------------------------------------------------------------------

// The person's zone as the core reads it from her rows (the browser's until they say), with
// its offsets from the core (zones.js). True when it changed.
async function refreshZone() {
  let zone = state.zone;
  try { zone = (await state.db.personTimeZone(state.account.user.id)) || zone; } catch (e) { /* the browser's zone */ }
  await loadZone(zone);
  if (zone === state.zone) return false;
  state.zone = zone;
  return true;
}

let unsubscribe = [];
async function signedIn(fresh) {
  state.db = state.db || await core();
  state.account = state.db.account;
  localStorage.setItem(kSignedInHint, '1');
  state.shellScreen = null;
  if (fresh && !localStorage.getItem('passerelle.app.lang')) {
    state.lang = pickLanguage(state.account.user.locale);
    applyLanguage();
  }
  useCoreZones(state.db, () => redrawSoon());
  await refreshZone();
  for (const u of unsubscribe) u();
  unsubscribe = [
    // A first sync on a new phone brings her profile, and with it her zone.
    state.db.observe(() => { refreshZone().then((changed) => { if (changed) redrawSoon(); }); redrawSoon(); }),
    state.db.onSyncState((s) => {
      const before = state.status;
      state.status = s;
      renderSyncLine();
      if (!before || before.pending_ops !== s.pending_ops || before.state !== s.state || before.last_synced_at !== s.last_synced_at) redrawSoon();
    }),
    state.db.onRejection(() => refreshRejections()),
    state.db.onSessionEnded(() => { sessionEnded(); }),
  ];
  try { state.status = await state.db.syncStatus(); } catch (e) { state.status = null; }
  renderSyncLine();
  if (location.pathname.startsWith(kBase + 'invite') || location.pathname.startsWith(kBase + 'reset') || location.pathname.startsWith(kBase + 'forgot')) history.replaceState(null, '', kBase);
  await renderScreen({ fresh: true });
  refreshUnread();
  refreshRejections();
  startSync();
  scheduleReminder();
}

function startSync() {
  if (!state.db || !state.account) return;
  state.db.startSync().catch((e) => { if (e.code !== 'conflict') showError(e); });
}

// The network is back or the app came to the foreground: reconnect now rather than at the end
// of the engine's backoff (a socket may also have died silently while the phone slept). A sync
// under way is left alone.
async function syncNow() {
  if (!state.db || !state.account) return;
  if (state.status && state.status.state === 'syncing') return;
  try { await state.db.stopSync(); } catch (e) { /* not started */ }
  startSync();
}

async function sessionEnded() {
  localStorage.removeItem(kSignedInHint);
  for (const u of unsubscribe) u();
  unsubscribe = [];
  state.account = null;
  state.notice = t('signin.session_ended');
  state.shellScreen = 'signin';
  renderTabs();
  renderRejections();
  renderShellScreen();
}

// Sign out keeps this account's rows and queue on the phone for the next sign-in; `erase`
// removes every trace of Passerelle from this browser (a shared or lent phone).
async function signOut({ erase = false } = {}) {
  localStorage.removeItem(kSignedInHint);
  for (const u of unsubscribe) u();
  unsubscribe = [];
  try { await state.db.signOut(); } catch (e) { /* the session is forgotten either way below */ }
  if (erase) {
    try { await state.db.close(); } catch (e) { /* erasing anyway */ }
    await eraseDevice();
    location.replace(kBase);
    return;
  }
  state.account = null;
  state.status = null;
  state.notice = '';
  state.shellScreen = 'signin';
  history.replaceState(null, '', kBase);
  renderTabs();
  renderRejections();
  renderShellScreen();
}

async function eraseDevice() {
  try {
    const root = await navigator.storage.getDirectory();
    for await (const name of root.keys()) await root.removeEntry(name, { recursive: true });
  } catch (e) { /* no OPFS */ }
  try {
    if (indexedDB.databases) for (const d of await indexedDB.databases()) indexedDB.deleteDatabase(d.name);
  } catch (e) { /* no IndexedDB */ }
  try { for (const k of await caches.keys()) await caches.delete(k); } catch (e) { /* no caches */ }
  try {
    const regs = await navigator.serviceWorker.getRegistrations();
    for (const r of regs) await r.unregister();
  } catch (e) { /* no service worker */ }
  localStorage.clear();
  sessionStorage.clear();
}

// --- meeting reminder while the app is open --------------------------------------------------

let reminderTimer = null;
async function scheduleReminder() {
  clearTimeout(reminderTimer);
  if (!state.account || !('Notification' in window) || Notification.permission !== 'granted') return;
  let meetings = [];
  try { meetings = await state.db.rows('meetings'); } catch (e) { return; }
  const now = Date.now();
  const next = meetings.filter((m) => m.status === 'scheduled' && new Date(m.start).getTime() > now)
    .sort((a, b) => new Date(a.start) - new Date(b.start))[0];
  if (!next) return;
  const at = new Date(next.start).getTime() - 3600 * 1000;
  const key = 'passerelle.app.reminded.' + next.id + '.' + next.start;
  if (localStorage.getItem(key)) return;
  const fire = () => {
    localStorage.setItem(key, '1');
    const other = state.account.user.id === next.mentor_id ? next.candidate_name : next.mentor_name;
    try {
      new Notification(t('notify.title'), { body: t('notify.body', { name: other || '', time: formatDateTime(next.start) }), icon: kBase + 'icons/icon-192.png', tag: next.id });
    } catch (e) { /* Android Chrome wants a service worker notification */
      navigator.serviceWorker?.ready.then((r) => r.showNotification(t('notify.title'), { body: t('notify.body', { name: other || '', time: formatDateTime(next.start) }), tag: next.id }));
    }
  };
  if (at <= now) fire();
  else if (at - now < 2 ** 31 - 1) reminderTimer = setTimeout(fire, at - now);
}

// --- routing and boot -------------------------------------------------------------------------

function route() {
  showError(null);
  const path = location.pathname;
  if (path.startsWith(kBase + 'invite')) { state.shellScreen = 'invite'; return renderShellScreen(); }
  if (path.startsWith(kBase + 'reset')) { state.shellScreen = 'reset'; return renderShellScreen(); }
  if (!state.account) {
    state.shellScreen = path.startsWith(kBase + 'forgot') ? 'forgot' : 'signin';
    return renderShellScreen();
  }
  if (path.startsWith(kBase + 'forgot')) history.replaceState(null, '', kBase);
  return renderScreen();
}

// Sync runs when the app opens, comes back to the foreground and when the network returns.
document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') { syncNow(); renderSyncLine(); } });
window.addEventListener('online', () => { syncNow(); renderSyncLine(); redrawSoon(); });
window.addEventListener('offline', () => { renderSyncLine(); redrawSoon(); });
// "Last synced 3 minutes ago" stays true.
setInterval(() => { if (state.account && document.visibilityState === 'visible') renderSyncLine(); }, 30000);

// Whether someone was signed in on this phone when the app last ran: with no one, the sign-in
// screen is shown at once, while the core (2 MB of WebAssembly: seconds on a slow link) loads
// behind it; its buttons wait for the core.
const kSignedInHint = 'passerelle.app.signed-in';
let dbReady = null;
function core() { return dbReady; }

async function boot() {
  applyLanguage();
  dbReady = open(self.passerelleEarly || {}); // started by index.html with the page
  self.passerelleEarly = null;
  // Registered once the core has loaded: the worker's install fetches the whole app (the .wasm
  // too), which on a slow first visit would share the link with the core the sign-in waits for;
  // afterwards its fetches are revalidations the HTTP cache answers.
  if ('serviceWorker' in navigator) {
    dbReady.catch(() => {}).finally(() =>
      navigator.serviceWorker.register(kBase + 'sw.js', { scope: kBase }).catch((e) => console.warn('service worker not registered', e.message)));
  }
  const path = location.pathname;
  const shellPath = ['invite', 'reset', 'forgot'].some((p) => path.startsWith(kBase + p));
  const early = shellPath || !localStorage.getItem(kSignedInHint);
  if (early) route();
  else view.innerHTML = `<p class="loading" role="status">${esc(t('app.loading'))}</p>`;
  try {
    state.db = await dbReady;
  } catch (e) {
    view.innerHTML = `<section class="shell-screen" data-screen="open-failed"><p class="card error-box" role="alert">${esc(e.code === 'conflict' ? t('app.other_tab') : t('app.open_failed', { message: errorText(e) }))}</p>
      <button type="button" class="primary wide" id="retry">${esc(t('app.retry'))}</button></section>`;
    $('#retry').addEventListener('click', () => location.reload());
    return;
  }
  // A screen that shows a refusal where it happened (a booking) may dismiss it there: the
  // shell's list follows.
  const dismiss = state.db.dismissRejection && state.db.dismissRejection.bind(state.db);
  if (dismiss) state.db.dismissRejection = async (opId) => { const r = await dismiss(opId); refreshRejections(); return r; };
  window.passerelle = state.db; // for the browser tests and a curious developer's console
  state.db.onCoreError((e) => showError(e));
  if (state.account) return; // signed in from the early screen meanwhile
  if (state.db.account && !location.pathname.startsWith(kBase + 'invite') && !location.pathname.startsWith(kBase + 'reset')) {
    state.lang = pickLanguage(state.db.account.user.locale); // the one chosen on this phone, else the account's
    applyLanguage();
    await signedIn(false);
  } else if (!early) {
    route();
  }
}

boot();
