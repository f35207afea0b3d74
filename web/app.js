// Passerelle coach dashboard: plain ES modules over the WebSocket protocol (docs/dashboard.md).
// The page keeps the rows it pulled (like a device, in memory), sends writes as mutator ops
// (push), pulls again on every poke, and asks the server for the figures it computes
// (dashboard.caseload, dashboard.indicators) and for the audit log.
import { Connection, uuidv7 } from './connection.js';
import { t, language, setLanguage, hasChosenLanguage, translateStatic } from './i18n.js';
import { showInvitations, showAccounts } from './onboarding.js';
import { installEmployerPages, showEmployers, showNeed, showInternships, refreshEmployerPages } from './employers.js';
import { installActivityPages, showActivities, showActivity, refreshActivityPages } from './activities.js';

const $ = (sel, root = document) => root.querySelector(sel);
const main = $('#main');
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

// Re-renders `el` from `html` without losing what the person is doing: the values typed into
// fields marked data-keep (and changed since) and the focused element (by id) are put back.
function rerender(el, html) {
  const typed = [...el.querySelectorAll('[data-keep].dirty')].map((x) => [x.id, x.value]);
  const focused = el.contains(document.activeElement) ? document.activeElement.id : '';
  el.innerHTML = html;
  for (const [id, value] of typed) {
    const x = id && document.getElementById(id);
    if (x) { x.value = value; x.classList.add('dirty'); }
  }
  if (focused) document.getElementById(focused)?.focus();
}
// A submitted form's fields are no longer the person's unsent typing.
function clean(form) { for (const x of form.querySelectorAll('.dirty')) x.classList.remove('dirty'); }
main.addEventListener('input', (ev) => { if (ev.target.matches('[data-keep]')) ev.target.classList.add('dirty'); });
main.addEventListener('change', (ev) => { if (ev.target.matches('[data-keep]')) ev.target.classList.add('dirty'); });

// --- state -------------------------------------------------------------------------------
const state = {
  user: null,
  rows: new Map(),    // collection -> Map(id -> row)
  cursor: 0,
  pulling: null,
  outbox: [],         // ops not yet answered: {op_id, name, args}
  rejected: [],       // {name, error}
  caseload: null,     // last dashboard.caseload answer
  sort: { key: 'name', dir: 1 },
  filter: '', offTrackOnly: false,
  status: 'connecting', statusDetail: null,
  editingStep: null, removingStep: null, openDetails: new Set(),  // the plan editor's state
  suggestions: null,  // last mentors.suggest answer for the open candidate
  caseloadCohort: '',
};
const coll = (name) => { if (!state.rows.has(name)) state.rows.set(name, new Map()); return state.rows.get(name); };
const rowsOf = (name, pred = () => true) => [...coll(name).values()].filter(pred);

const conn = new Connection({
  onStatus: (s, detail) => { state.status = s; state.statusDetail = detail; renderStatus(); },
  onPoke: () => pull(),
  onReady: (user) => { state.user = user; afterSignIn(false); },
  onSignedOut: () => { sessionStorage.removeItem('passerelle.token'); state.user = null; route(); },
});

// --- status line -------------------------------------------------------------------------
function renderStatus() {
  const el = $('#status');
  let text = t(`status.${state.status}`, { s: state.statusDetail ?? '' });
  if (state.outbox.length) text += ' · ' + t('status.pending', { n: state.outbox.length });
  el.textContent = state.user || state.status !== 'connecting' ? text : '';
  el.classList.toggle('offline', state.status === 'offline');
}

// --- sync: pull and push -----------------------------------------------------------------
async function pull() {
  if (state.pulling) { state.pullAgain = true; return state.pulling; }
  state.pulling = (async () => {
    try {
      let changes = 0;
      do {
        state.pullAgain = false;
        let more = true;
        while (more) {
          const page = await conn.request('pull', { cursor: state.cursor, limit: 1000 });
          if (page.resync) { state.rows.clear(); state.cursor = 0; more = true; continue; }
          for (const c of page.changes) {
            if (c.deleted) coll(c.collection).delete(c.id); else coll(c.collection).set(c.id, c.data);
          }
          changes += page.changes.length + (page.resync ? 1 : 0);
          state.cursor = page.cursor;
          more = page.more;
        }
      } while (state.pullAgain);
      onData({ pulled: changes });
    } catch (e) { /* offline: the next reconnect pulls */ } finally { state.pulling = null; }
  })();
  return state.pulling;
}

async function push() {
  if (!conn.ready || !state.outbox.length || state.pushing) return;
  state.pushing = true;
  const ops = state.outbox.slice(0, 100);
  try {
    const a = await conn.request('push', { ops });
    for (const r of a.results) {
      const i = state.outbox.findIndex((o) => o.op_id === r.op_id);
      if (i >= 0) {
        const [op] = state.outbox.splice(i, 1);
        if (r.status === 'rejected') state.rejected.push({ name: op.name, args: op.args, error: r.error });
      }
    }
  } catch (e) { /* kept in the outbox; retried at reconnect */ } finally { state.pushing = false; }
  renderStatus();
  await pull();
  if (state.outbox.length) push();
}

function mutate(name, args) {
  state.outbox.push({ op_id: uuidv7(), name, args });
  renderStatus();
  onData();
  push();
}

// A write the page waits for (the accounts page): pushed now; a refusal rejects.
async function mutateNow(name, args) {
  const op = { op_id: uuidv7(), name, args };
  state.outbox.push(op);
  renderStatus();
  while (state.pushing) await new Promise((r) => setTimeout(r, 50));
  await push();
  const refused = state.rejected.find((r) => r.args === args);
  if (refused) { state.rejected.splice(state.rejected.indexOf(refused), 1); throw refused.error; }
  if (state.outbox.includes(op)) throw { code: 'offline', message: t('status.pending', { n: state.outbox.length }) };
}

// Said to screen readers once (the polite live region of index.html).
function announce(text) {
  const el = $('#announce');
  el.textContent = '';
  setTimeout(() => { el.textContent = text; }, 50);
}

function onboardingContext() {
  return { conn, main, t, esc, fmtTime, mutate: mutateNow, uuidv7, user: state.user, announce };
}

let caseloadTimer = null;
function onData({ pulled } = {}) {
  renderStatus();
  // The employer and activity pages' timed pulls mostly bring nothing: no re-render then (an
  // open list box would close).
  if (pulled === 0 && ['employers', 'need', 'internships', 'activities', 'activity'].includes(current.view) && !main.querySelector('.loading')) return;
  if (current.view === 'caseload') {
    clearTimeout(caseloadTimer);
    caseloadTimer = setTimeout(loadCaseload, 150);
  } else if (['employers', 'need', 'internships'].includes(current.view)) {
    refreshEmployerPages();
  } else if (['activities', 'activity'].includes(current.view)) {
    refreshActivityPages();
  } else if (current.view === 'candidate') {
    renderCandidateSections();
    // New rows may change the suggestions (a proposal, a mentor's capacity): ask again, once.
    clearTimeout(suggestTimer);
    suggestTimer = setTimeout(loadSuggestions, 300);
  }
}

// --- routing -----------------------------------------------------------------------------
const current = { view: null, id: null };
window.addEventListener('hashchange', route);

function route() {
  translateStatic();
  renderStatus();
  $('#nav').hidden = !state.user;
  $('#logout').hidden = !state.user;
  $('#who').textContent = state.user ? `${state.user.name} (${state.user.role})` : '';
  if (!state.user) {
    if (sessionStorage.getItem('passerelle.token') && !state.triedResume) return;
    current.view = 'login';
    return renderLogin();
  }
  $('#nav-audit').hidden = state.user.role !== 'admin';
  $('#nav-accounts').hidden = state.user.role !== 'admin';
  const hash = location.hash.replace(/^#/, '') || '/';
  const m = hash.match(/^\/candidate\/([0-9a-f-]+)$/);
  for (const a of document.querySelectorAll('nav a')) {
    const target = a.getAttribute('href').slice(1);
    a.toggleAttribute('aria-current', target === hash || (target === '/' && m) || (target !== '/' && hash.startsWith(`${target}/`)));
    if (a.hasAttribute('aria-current')) a.setAttribute('aria-current', 'page');
  }
  if (m) return showCandidate(m[1]);
  const need = hash.match(/^\/employers\/need\/([0-9a-f-]+)$/);
  if (need) { current.view = 'need'; current.id = need[1]; return showNeed(need[1]); }
  if (hash === '/employers') { current.view = 'employers'; current.id = null; return showEmployers(); }
  if (hash === '/internships') { current.view = 'internships'; current.id = null; return showInternships(); }
  const act = hash.match(/^\/activities\/([0-9a-f-]+)$/);
  if (act) { current.view = 'activity'; current.id = act[1]; return showActivity(act[1]); }
  if (hash === '/activities') { current.view = 'activities'; current.id = null; return showActivities(); }
  if (hash === '/indicators') return showIndicators();
  if (hash === '/audit' && state.user.role === 'admin') return showAudit();
  if (hash === '/invitations') { current.view = 'invitations'; current.id = null; return showInvitations(onboardingContext()); }
  if (hash === '/accounts' && state.user.role === 'admin') { current.view = 'accounts'; current.id = null; return showAccounts(onboardingContext()); }
  return showCaseload();
}

// --- login -------------------------------------------------------------------------------
function renderLogin(error = '', appLink = false) {
  main.innerHTML = `
    <form class="card login" id="login-form">
      <h1>${esc(t('login.title'))}</h1>
      <label>${esc(t('login.email'))}<input id="email" name="email" type="email" autocomplete="username" required></label>
      <label>${esc(t('login.password'))}<input id="password" name="password" type="password" autocomplete="current-password" required></label>
      <p class="error" role="alert">${esc(error)}</p>
      ${appLink ? `<p><a href="/app/">${esc(t('login.open_app'))}</a></p>` : ''}
      <button type="submit">${esc(t('login.submit'))}</button>
    </form>`;
  $('#login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const button = $('#login-form button');
    button.disabled = true;
    try {
      const user = await conn.login($('#email').value, $('#password').value);
      if (user.role !== 'coach' && user.role !== 'admin') {
        await conn.logout();
        return renderLogin(t('login.staff_only'), true);
      }
      sessionStorage.setItem('passerelle.token', conn.token);
      state.user = user;
      afterSignIn(true);
    } catch (e) {
      renderLogin(t('login.failed', { m: e.message || e.code }));
    }
  });
  $('#email').focus();
}

function afterSignIn(fresh) {
  if (fresh && !hasChosenLanguage()) setLanguage(state.user.locale);
  $('#lang').value = language();
  sessionStorage.setItem('passerelle.token', conn.token);
  route();
  pull().then(push);
}

$('#logout').addEventListener('click', async () => {
  sessionStorage.removeItem('passerelle.token');
  await conn.logout();
  state.user = null; state.rows.clear(); state.cursor = 0; state.caseload = null; state.outbox = [];
  location.hash = '#/';
  route();
});

$('#lang').addEventListener('change', (ev) => { setLanguage(ev.target.value); route(); });

// --- caseload ----------------------------------------------------------------------------
const columns = [
  ['name', 'col.name'], ['country', 'col.country'], ['local_time', 'col.local_time'], ['planned_arrival', 'col.arrival'], ['cohort', 'col.cohort'],
  ['percent_done', 'col.plan'], ['overdue', 'col.overdue'], ['last_activity', 'col.activity'], ['unread', 'col.unread'],
  ['meetings_held', 'col.meetings'], ['referrals', 'col.referrals'], ['mentorship', 'col.mentorship'], ['off_track', 'col.flag'],
];

function showCaseload() {
  current.view = 'caseload'; current.id = null;
  const admin = state.user.role === 'admin';
  main.innerHTML = `
    <h1>${esc(t(admin ? 'caseload.title_admin' : 'caseload.title'))}</h1>
    <div class="filters">
      <label>${esc(t('caseload.filter'))}<br><input id="filter" type="search" value="${esc(state.filter)}"></label>
      <label>${esc(t('caseload.cohort'))}<br><select id="caseload-cohort"></select></label>
      <label><input id="off-track" type="checkbox" ${state.offTrackOnly ? 'checked' : ''}> ${esc(t('caseload.off_track_only'))}</label>
      <button type="button" class="secondary" id="export-caseload">${esc(t('caseload.export'))}</button>
      <span id="caseload-count" class="muted"></span>
    </div>
    <div class="table-wrap" id="caseload"><p class="loading">${esc(t('loading'))}</p></div>`;
  $('#filter').addEventListener('input', (ev) => { state.filter = ev.target.value; renderCaseloadTable(); });
  $('#off-track').addEventListener('change', (ev) => { state.offTrackOnly = ev.target.checked; renderCaseloadTable(); });
  $('#caseload-cohort').addEventListener('change', (ev) => { state.caseloadCohort = ev.target.value; renderCaseloadTable(); });
  // The export takes the same cohort as the table (the server filters with the same rule).
  $('#export-caseload').addEventListener('click', () => {
    const q = state.caseloadCohort ? `?${new URLSearchParams({ cohort: state.caseloadCohort })}` : '';
    download(`/v1/export/caseload.csv${q}`, 'caseload.csv');
  });
  if (state.caseload) renderCaseloadTable();
  loadCaseload();
}

// The caseload in pages (an admin's program may hold tens of thousands of candidates, more
// than one answer carries); the table is replaced once every page is in. The table sorts itself.
const CASELOAD_PAGE = 2000;
async function loadCaseload() {
  try {
    const candidates = [];
    let answer = null, after = null;
    do {
      answer = await conn.request('dashboard.caseload', after ? { limit: CASELOAD_PAGE, after } : { limit: CASELOAD_PAGE });
      candidates.push(...answer.candidates);
      after = answer.next;
    } while (after);
    state.caseload = { ...answer, candidates };
    if (current.view === 'caseload') renderCaseloadTable();
  } catch (e) { /* offline: keep the last table */ }
}

function fmtTime(iso, timeZone) {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleString(language() === 'fr' ? 'fr-CA' : 'en-CA', { dateStyle: 'medium', timeStyle: 'short', ...(timeZone ? { timeZone } : {}) });
}
function fmtDate(iso, timeZone) {
  if (!iso) return '—';
  return new Date(iso).toLocaleDateString(language() === 'fr' ? 'fr-CA' : 'en-CA', { dateStyle: 'medium', ...(timeZone ? { timeZone } : {}) });
}

// As indicators::in_cohort: the candidate's label, or the year of their planned arrival.
function inCohort(row, cohort) { return row.cohort === cohort || (row.planned_arrival || '').slice(0, 4) === cohort; }

function renderCohortChoice() {
  const sel = $('#caseload-cohort');
  if (!sel) return;
  const choices = knownCohorts();
  if (state.caseloadCohort && !choices.includes(state.caseloadCohort)) choices.push(state.caseloadCohort);
  const html = `<option value="">${esc(t('caseload.all_cohorts'))}</option>${choices.map((c) => `<option ${c === state.caseloadCohort ? 'selected' : ''}>${esc(c)}</option>`).join('')}`;
  const key = JSON.stringify([language(), choices, state.caseloadCohort]);
  if (sel.dataset.key !== key) { sel.innerHTML = html; sel.dataset.key = key; }
}

function renderCaseloadTable() {
  const wrap = $('#caseload');
  if (!wrap || !state.caseload) return;
  const q = state.filter.trim().toLowerCase();
  renderCohortChoice();
  const cohort = state.caseloadCohort;
  let list = state.caseload.candidates.filter((c) =>
    (!q || `${c.name} ${c.country} ${c.mentorship} ${c.coach_name} ${c.cohort}`.toLowerCase().includes(q)) && (!state.offTrackOnly || c.off_track) &&
    (!cohort || inCohort(c, cohort)));
  const { key, dir } = state.sort;
  list = list.slice().sort((a, b) => {
    const x = a[key] ?? -1, y = b[key] ?? -1;
    return (x < y ? -1 : x > y ? 1 : 0) * dir || a.name.localeCompare(b.name);
  });
  $('#caseload-count').textContent = t('caseload.count', { n: list.length });
  const admin = state.user.role === 'admin';
  const cols = admin ? [...columns.slice(0, 1), ['coach_name', 'col.coach'], ...columns.slice(1)] : columns;
  const head = cols.map(([k, label]) => {
    const sorted = key === k ? (dir > 0 ? 'ascending' : 'descending') : 'none';
    return `<th scope="col" aria-sort="${sorted}"><button type="button" data-sort="${k}">${esc(t(label))}${key === k ? (dir > 0 ? ' ▲' : ' ▼') : ''}</button></th>`;
  }).join('');
  const body = list.map((c) => `
    <tr class="${c.off_track ? 'off-track' : ''}" data-candidate="${esc(c.candidate_id)}">
      <td><a href="#/candidate/${esc(c.candidate_id)}">${esc(c.name)}</a></td>
      ${admin ? `<td>${esc(c.coach_name)}</td>` : ''}
      <td>${esc(c.country)}</td>
      <td>${esc(c.local_time ? c.local_time.slice(11) : '—')} <span class="muted">${esc(c.time_zone)}</span></td>
      <td>${esc(c.planned_arrival || '—')}</td>
      <td>${esc(c.cohort || '—')}</td>
      <td>${c.percent_done === null ? `<span class="muted">${esc(t('no_plan'))}</span>` : `${c.percent_done} %`}</td>
      <td>${c.overdue || 0}</td>
      <td>${esc(fmtTime(c.last_activity))}</td>
      <td>${c.unread ? `<span class="badge" aria-label="${c.unread} ${esc(t('col.unread'))}">${c.unread}</span>` : '0'}</td>
      <td>${Math.min(c.meetings_held, 2)}/2</td>
      <td>${c.referrals}/3</td>
      <td>${esc(t(`mentorship.${c.mentorship}`))}</td>
      <td>${c.off_track ? `<span class="flag">${esc(t('off_track'))}</span>` : esc(t('on_track'))}</td>
    </tr>`).join('');
  wrap.innerHTML = list.length ? `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>` : `<p class="muted">${esc(t('caseload.empty'))}</p>`;
  for (const b of wrap.querySelectorAll('th button')) b.addEventListener('click', () => {
    const k = b.dataset.sort;
    state.sort = { key: k, dir: state.sort.key === k ? -state.sort.dir : 1 };
    renderCaseloadTable();
    $(`th button[data-sort="${k}"]`)?.focus();
  });
}

// --- candidate page ----------------------------------------------------------------------
async function showCandidate(id) {
  if (current.id !== id) { state.editingStep = null; state.removingStep = null; state.openDetails.clear(); state.suggestions = null; }
  current.view = 'candidate'; current.id = id; current.openError = null; current.planId = null;
  main.innerHTML = `
    <p><a href="#/">${esc(t('candidate.back'))}</a></p>
    <div id="cand-head"><p class="loading">${esc(t('loading'))}</p></div>
    <div class="grid">
      <div>
        <section class="card" aria-labelledby="plan-h"><h2 id="plan-h">${esc(t('candidate.plan'))}</h2><div id="cand-plan"></div></section>
        <section class="card" aria-labelledby="ment-h"><h2 id="ment-h">${esc(t('candidate.mentorships'))}</h2><div id="cand-mentoring"></div>
          <h3 id="sugg-h">${esc(t('suggest.title'))}</h3><div id="cand-suggestions" aria-labelledby="sugg-h"><p class="loading">${esc(t('loading'))}</p></div>
          <div id="cand-outcome-form"></div></section>
      </div>
      <section class="card" aria-labelledby="msg-h"><h2 id="msg-h">${esc(t('candidate.messages'))}</h2>
        <div id="cand-messages" class="messages" role="log" aria-labelledby="msg-h" tabindex="0"></div>
        <form class="reply" id="reply-form">
          <label for="reply">${esc(t('candidate.reply'))}</label>
          <textarea id="reply" name="reply" maxlength="8000"></textarea>
          <label class="field">${esc(t('candidate.attach'))} <input type="file" id="attach" accept=".pdf,.docx,.odt,.png,.jpg,.jpeg"></label>
          <p class="error" role="alert" id="reply-error"></p>
          <button type="submit">${esc(t('candidate.send'))}</button>
        </form>
      </section>
    </div>`;
  $('#reply-form').addEventListener('submit', sendReply);
  renderOutcomeForm();
  try {
    await conn.request('dashboard.open', { candidate_id: id });  // audited on the server
  } catch (e) {
    if (e.code === 'not_found' || e.code === 'forbidden') current.openError = t('candidate.not_found');
  }
  renderCandidateSections();
  loadSuggestions();
}

function candidateProfile() { return coll('profiles').get(current.id); }
function coachingThreadId() {
  const p = candidateProfile();
  if (p?.coach_thread_id) return p.coach_thread_id;
  return rowsOf('threads', (x) => x.candidate_id === current.id && x.kind === 'coaching')[0]?.id;
}

function renderCandidateSections() {
  if (current.view !== 'candidate') return;
  const p = candidateProfile();
  const head = $('#cand-head');
  if (current.openError || (!p && !state.pulling)) { head.innerHTML = `<p class="error">${esc(current.openError || t('candidate.not_found'))}</p>`; return; }
  if (!p) return;
  const local = p.time_zone ? new Date().toLocaleString(language() === 'fr' ? 'fr-CA' : 'en-CA', { timeZone: p.time_zone, dateStyle: 'medium', timeStyle: 'short' }) : '—';
  const year = (p.planned_arrival || '').slice(0, 4);
  rerender(head, `<h1>${esc(p.name)}</h1>
    <p class="muted">${esc([p.country, p.profession].filter(Boolean).join(' · '))} — ${esc(t('candidate.local', { t: local, z: p.time_zone || 'UTC' }))} — ${esc(t('col.arrival'))} : ${esc(p.planned_arrival || '—')}</p>
    <form id="cohort-form" class="filters" data-action="cohort-set">
      <label>${esc(t('cohort.label'))}<br><input id="cohort-input" name="cohort" data-keep list="cohort-list" maxlength="60" size="28" value="${esc(p.cohort || '')}" aria-describedby="cohort-help"></label>
      <button type="submit" class="secondary" id="cohort-save">${esc(t('cohort.save'))}</button>
      <span id="cohort-help" class="muted">${esc(p.cohort ? t('cohort.labelled') : year ? t('cohort.fallback', { y: year }) : t('cohort.none'))}</span>
      <datalist id="cohort-list">${knownCohorts().map((c) => `<option value="${esc(c)}">`).join('')}</datalist>
    </form>
    ${state.rejected.map((r) => `<p class="error">${esc(t('candidate.rejected', { m: r.error?.message || '' }))}</p>`).join('')}`);
  renderPlan(p);
  renderMentoring();
  renderSuggestions();
  renderMessages();
}

// Cohorts named so far: the labels and arrival years of the candidates this person sees.
function knownCohorts() {
  const all = new Set();
  for (const c of state.caseload?.candidates || []) if (c.cohort) all.add(c.cohort);
  for (const p of rowsOf('profiles', (x) => x.role === 'candidate')) {
    if (p.cohort) all.add(p.cohort);
    if (p.planned_arrival) all.add(p.planned_arrival.slice(0, 4));
  }
  return [...all].sort();
}

// --- mentor suggestions (mentors.suggest: the ranking and reasons of shared/mentors/matching.h) ---
let suggestTimer = null;
async function loadSuggestions() {
  const id = current.id;
  if (current.view !== 'candidate' || !id) return;
  try {
    const a = await conn.request('mentors.suggest', { candidate_id: id });
    if (current.id === id) { state.suggestions = a; renderSuggestions(); }
  } catch (e) {
    if (current.id === id) { state.suggestions = { error: e.code === 'not_found' ? t('candidate.not_found') : e.message || e.code }; renderSuggestions(); }
  }
}

function renderSuggestions() {
  const el = $('#cand-suggestions');
  if (!el || !state.suggestions) return;
  const a = state.suggestions;
  if (a.error) { el.innerHTML = `<p class="error">${esc(a.error)}</p>`; return; }
  if (!a.career_profile) { el.innerHTML = `<p class="muted">${esc(t('suggest.no_career'))}</p>`; return; }
  const lang = language();
  const pending = state.outbox.some((o) => o.name === 'mentorship.propose' && o.args.candidate_id === current.id);
  const open = a.open_mentorship_id || pending;
  const note = pending ? t('suggest.pending') : a.open_mentorship_id ? t('suggest.open') : '';
  rerender(el, `${note ? `<p class="muted">${esc(note)}</p>` : ''}
    ${a.suggestions.length ? `<ol class="suggestions">${a.suggestions.map((m) => `
      <li data-mentor="${esc(m.mentor_id)}">
        <strong>${esc(m.name)}</strong> <span class="muted">${esc(t('suggest.meta', { s: m.score, l: m.languages.join(', '), c: m.capacity_left }))}</span>
        <ul class="reasons" aria-label="${esc(t('suggest.reasons', { name: m.name }))}">${m.reasons.map((r) => `<li>${esc(r.text[lang] || r.text.fr)}${r.points ? ` <span class="muted">+${r.points}</span>` : ''}</li>`).join('')}</ul>
        <button type="button" class="secondary" id="propose-${esc(m.mentor_id)}" data-action="propose" data-mentor="${esc(m.mentor_id)}" ${open ? 'aria-disabled="true"' : ''}>${esc(t('suggest.propose', { name: m.name }))}</button>
      </li>`).join('')}</ol>` : `<p class="muted">${esc(t('suggest.none'))}</p>`}`);
}

function proposeMentor(mentorId) {
  const a = state.suggestions;
  if (!a || a.open_mentorship_id || state.outbox.some((o) => o.name === 'mentorship.propose' && o.args.candidate_id === current.id)) return;
  mutate('mentorship.propose', { id: uuidv7(), candidate_id: current.id, mentor_id: mentorId });
}

// The candidate page's buttons and forms, delegated: their elements are re-rendered on pokes.
main.addEventListener('click', (ev) => {
  const b = ev.target.closest('button[data-action]');
  if (!b || current.view !== 'candidate') return;
  if (b.getAttribute('aria-disabled') === 'true') return;
  if (b.dataset.action === 'propose') return proposeMentor(b.dataset.mentor);
  onPlanAction(b.dataset.action, b.dataset.step, ev);
});
main.addEventListener('submit', (ev) => {
  const f = ev.target.closest('form[data-action]');
  if (!f || current.view !== 'candidate') return;
  ev.preventDefault();
  if (f.dataset.action === 'cohort-set') {
    clean(f);
    mutate('candidate.set_cohort', { candidate_id: current.id, cohort: f.elements.cohort.value.trim() });
    return;
  }
  onPlanSubmit(f);
});
main.addEventListener('toggle', (ev) => {
  const d = ev.target;
  if (!(d instanceof HTMLDetailsElement) || !d.id.startsWith('details-')) return;
  if (d.open) state.openDetails.add(d.id.slice(8)); else state.openDetails.delete(d.id.slice(8));
}, true);

// The plan's categories (shared/plans/plan_template.h, kCategories), for a step the coach adds.
const CATEGORIES = ['immigration', 'recognition', 'regulated_profession', 'language', 'job_search', 'networking', 'regions', 'employment_programs', 'settling_in'];

// Who did something, by id: a name from the rows this page holds, else "someone" (an admin's
// profile, for instance, is not replicated to coaches).
function personName(id) {
  if (!id) return t('history.someone');
  if (state.user && id === state.user.id) return state.user.name;
  return coll('profiles').get(id)?.name || coll('mentor_profiles').get(id)?.name || t('history.someone');
}

function stepTitle(s) { return s.title?.[language()] || s.title?.fr || s.title?.en || ''; }

function historyLine(h) {
  const change = `${t(`status.${h.from}`)} → ${t(`status.${h.to}`)}`;
  return t('history.line', { when: fmtTime(h.at), who: personName(h.by), change }) + (h.reason ? ` — ${h.reason}` : '');
}

function renderPlan(profile) {
  const el = $('#cand-plan');
  const plan = profile.plan_id ? coll('plans').get(profile.plan_id) : rowsOf('plans', (x) => x.candidate_id === current.id)[0];
  if (!plan) {
    const templates = rowsOf('templates');
    rerender(el, `<p>${esc(t('candidate.no_plan'))}</p>
      <form id="plan-form" class="filters" data-action="plan-create">
        <label>${esc(t('candidate.template'))}<br><select id="plan-template" data-keep>${templates.map((x) => `<option value="${esc(x.key)}">${esc(x.title?.[language()] || x.key)}</option>`).join('')}</select></label>
        <label>${esc(t('candidate.arrival'))}<br><input type="date" id="plan-arrival" data-keep value="${esc(profile.planned_arrival || '')}"></label>
        <button type="submit" id="plan-create" ${templates.length ? '' : 'disabled'}>${esc(t('candidate.create_plan'))}</button>
      </form>`);
    return;
  }
  current.planId = plan.id;
  const steps = (plan.step_ids || []).map((sid) => coll('plan_steps').get(sid)).filter(Boolean);
  const today = new Date().toISOString().slice(0, 10);
  const open = (s) => s.status !== 'done' && s.status !== 'skipped';
  const counted = steps.filter((s) => s.status !== 'skipped').length;
  const done = steps.filter((s) => s.status === 'done').length;
  const pct = counted ? Math.floor((done * 100) / counted) : 100;
  const overdue = steps.filter((s) => open(s) && s.due_date < today).length;
  // The latest status changes of every step: who, which step, what.
  const recent = steps.flatMap((s) => (s.history || []).map((h) => ({ h, s }))).sort((a, b) => (a.h.at < b.h.at ? 1 : -1)).slice(0, 5);
  const tool = (action, id, label, text, extra = '') =>
    `<button type="button" class="secondary tool" id="${action}-${esc(id)}" data-action="${action}" data-step="${esc(id)}" aria-label="${esc(label)}" title="${esc(label)}" ${extra}>${text}</button>`;
  rerender(el, `<p>${esc(t('candidate.progress', { p: pct, o: overdue }))}</p>
    ${recent.length ? `<h3>${esc(t('history.recent'))}</h3><ul class="recent">${recent.map(({ h, s }) => `<li>${esc(t('history.recent_line', { when: fmtTime(h.at), who: personName(h.by), step: stepTitle(s), change: `${t(`status.${h.from}`)} → ${t(`status.${h.to}`)}` }))}</li>`).join('')}</ul>` : ''}
    <ol class="steps">${steps.map((s, i) => {
      const title = stepTitle(s);
      const editing = state.editingStep === s.id;
      return `
      <li data-step="${esc(s.id)}">
        <div class="step-line">
          <strong>${esc(title)}</strong>
          <span class="step-status ${s.status === 'done' ? 'done' : open(s) && s.due_date < today ? 'overdue' : ''}">${esc(t(`status.${s.status}`))}</span>
          <span class="muted">${esc(t('candidate.due', { d: s.due_date }))}</span>
          <span class="step-tools" role="group" aria-label="${esc(t('plan.tools', { title }))}">
            ${tool('step-up', s.id, t('plan.up', { title }), '↑', i === 0 ? 'aria-disabled="true"' : '')}
            ${tool('step-down', s.id, t('plan.down', { title }), '↓', i === steps.length - 1 ? 'aria-disabled="true"' : '')}
            ${tool('step-edit', s.id, t('plan.edit', { title }), esc(t('plan.edit_short')), `aria-expanded="${editing}"`)}
            ${tool('step-remove', s.id, t('plan.remove', { title }), esc(t('plan.remove_short')))}
          </span>
        </div>
        ${editing ? `
        <form class="step-edit filters" data-action="step-save" data-step="${esc(s.id)}" aria-label="${esc(t('plan.edit', { title }))}">
          <label>${esc(t('plan.title'))}<br><input id="edit-title-${esc(s.id)}" name="title" data-keep maxlength="200" required value="${esc(title)}"></label>
          <label>${esc(t('plan.due'))}<br><input type="date" id="edit-due-${esc(s.id)}" name="due" data-keep required value="${esc(s.due_date)}"></label>
          <button type="submit" id="step-save-${esc(s.id)}">${esc(t('plan.save'))}</button>
          <button type="button" class="secondary" id="step-cancel-${esc(s.id)}" data-action="step-cancel" data-step="${esc(s.id)}">${esc(t('plan.cancel'))}</button>
        </form>` : ''}
        ${state.removingStep === s.id ? `
        <p class="confirm" role="alert">${esc(t('plan.confirm_remove', { title }))}
          <button type="button" id="step-remove-yes-${esc(s.id)}" data-action="step-remove-yes" data-step="${esc(s.id)}">${esc(t('plan.remove_yes'))}</button>
          <button type="button" class="secondary" id="step-remove-no-${esc(s.id)}" data-action="step-remove-no" data-step="${esc(s.id)}">${esc(t('plan.cancel'))}</button>
        </p>` : ''}
        ${(s.comments || []).map((c) => `<div class="muted">💬 ${esc(personName(c.by))} : ${esc(c.text)}</div>`).join('')}
        ${(s.notes || []).map((c) => `<div class="muted">📝 ${esc(c.text)}</div>`).join('')}
        <details id="details-${esc(s.id)}" ${state.openDetails.has(s.id) ? 'open' : ''}><summary>${esc(t('candidate.history'))} (${(s.history || []).length})</summary>
          <ul>${(s.history || []).map((h) => `<li>${esc(historyLine(h))}</li>`).join('')}</ul>
          <form class="comment-form filters" data-action="step-comment" data-step="${esc(s.id)}">
            <label>${esc(t('candidate.comment_label', { title }))}<br><input name="text" id="comment-${esc(s.id)}" data-keep maxlength="2000" required></label>
            <button type="submit" class="secondary">${esc(t('candidate.comment'))}</button>
            ${open(s) ? '' : `<button type="button" class="secondary" id="reopen-${esc(s.id)}" data-action="step-reopen" data-step="${esc(s.id)}">${esc(t('candidate.reopen'))}</button>`}
          </form>
        </details>
      </li>`;
    }).join('')}</ol>
    <form id="step-add-form" class="filters add-step" data-action="step-add" aria-labelledby="step-add-h">
      <h3 id="step-add-h">${esc(t('plan.add'))}</h3>
      <label>${esc(t('plan.title'))}<br><input id="step-add-title" name="title" data-keep maxlength="200" required></label>
      <label>${esc(t('plan.category'))}<br><select id="step-add-category" name="category" data-keep>${CATEGORIES.map((c) => `<option value="${c}">${esc(t(`category.${c}`))}</option>`).join('')}</select></label>
      <label>${esc(t('plan.due'))}<br><input type="date" id="step-add-due" name="due" data-keep required value="${esc(plan.arrival_date || today)}"></label>
      <button type="submit" id="step-add">${esc(t('plan.add_button'))}</button>
    </form>`);
}

// The plan's actions, delegated from #main so they survive the re-renders a poke causes.
function stepIndex(id) {
  const plan = coll('plans').get(current.planId);
  return { ids: plan?.step_ids || [], i: (plan?.step_ids || []).indexOf(id) };
}

function onPlanAction(action, id, ev) {
  const { ids, i } = stepIndex(id);
  switch (action) {
    case 'step-up':
    case 'step-down': {
      const to = action === 'step-up' ? i - 1 : i + 1;
      if (i < 0 || to < 0 || to >= ids.length) return;
      mutate('step.move', { id, index: to });
      return;
    }
    case 'step-edit':
      state.editingStep = state.editingStep === id ? null : id;
      state.removingStep = null;
      renderCandidateSections();
      (state.editingStep ? $(`#edit-title-${CSS.escape(id)}`) : $(`#step-edit-${CSS.escape(id)}`))?.focus();
      return;
    case 'step-cancel':
      state.editingStep = null;
      renderCandidateSections();
      $(`#step-edit-${CSS.escape(id)}`)?.focus();
      return;
    case 'step-remove':
      state.removingStep = id;
      state.editingStep = null;
      renderCandidateSections();
      $(`#step-remove-yes-${CSS.escape(id)}`)?.focus();
      return;
    case 'step-remove-no':
      state.removingStep = null;
      renderCandidateSections();
      $(`#step-remove-${CSS.escape(id)}`)?.focus();
      return;
    case 'step-remove-yes': {
      state.removingStep = null;
      // Focus goes to the next step's remove button (or the add form) once this one is gone.
      const next = ids[i + 1] || ids[i - 1];
      mutate('step.remove', { id });
      (next ? $(`#step-remove-${CSS.escape(next)}`) : $('#step-add-title'))?.focus();
      return;
    }
    case 'step-reopen':
      mutate('step.set_status', { id, status: 'todo' });
      return;
    default:
  }
}

function onPlanSubmit(form) {
  const action = form.dataset.action;
  const id = form.dataset.step;
  clean(form);
  if (action === 'plan-create') {
    const args = { plan_id: uuidv7(), candidate_id: current.id, template_key: $('#plan-template').value };
    if ($('#plan-arrival').value) args.arrival_date = $('#plan-arrival').value;
    mutate('plan.create', args);
  } else if (action === 'step-comment') {
    const text = form.elements.text.value;
    form.elements.text.value = '';
    state.openDetails.add(id);
    mutate('step.comment', { id, entry_id: uuidv7(), text });
  } else if (action === 'step-save') {
    const step = coll('plan_steps').get(id);
    const title = form.elements.title.value.trim();
    const due = form.elements.due.value;
    state.editingStep = null;
    if (step && title && title !== stepTitle(step)) mutate('step.rename', { id, title });
    if (step && due && due !== step.due_date) mutate('step.reschedule', { id, due_date: due });
    renderCandidateSections();
    $(`#step-edit-${CSS.escape(id)}`)?.focus();
  } else if (action === 'step-add') {
    const title = form.elements.title.value.trim();
    if (!title || !current.planId) return;
    const args = { plan_id: current.planId, step_id: uuidv7(), category: form.elements.category.value, title, due_date: form.elements.due.value };
    form.elements.title.value = '';
    mutate('step.add', args);
    $('#step-add-title')?.focus();
  }
}

function renderMentoring() {
  const el = $('#cand-mentoring');
  const ms = rowsOf('mentorships', (x) => x.candidate_id === current.id);
  const meetings = rowsOf('meetings', (x) => x.candidate_id === current.id).sort((a, b) => (a.start < b.start ? -1 : 1));
  const refs = rowsOf('referrals', (x) => x.candidate_id === current.id);
  const outcomes = rowsOf('outcomes', (x) => x.candidate_id === current.id).sort((a, b) => (a.date < b.date ? 1 : -1));
  el.innerHTML = `
    ${ms.length ? `<ul>${ms.map((m) => `<li>${esc(m.mentor_name)} — ${esc(t(`mentorship.${m.status}`))}</li>`).join('')}</ul>` : `<p class="muted">${esc(t('candidate.none'))}</p>`}
    <h3>${esc(t('candidate.meetings'))}</h3>
    ${meetings.length ? `<ul>${meetings.map((m) => `<li>${esc(fmtTime(m.start))} — ${esc(m.mentor_name)} — ${esc(m.outcome || m.status)}</li>`).join('')}</ul>` : `<p class="muted">${esc(t('candidate.none'))}</p>`}
    <h3>${esc(t('candidate.referrals'))}</h3>
    ${refs.length ? `<ul>${refs.map((r) => `<li>${esc(r.name)}, ${esc(r.role)} (${esc(r.organization)}) — ${esc(r.status)}</li>`).join('')}</ul>` : `<p class="muted">${esc(t('candidate.none'))}</p>`}
    <h3>${esc(t('outcome.title'))}</h3>
    ${outcomes.length ? `<ul>${outcomes.map((o) => `<li>${esc(o.date)} — ${esc(t(`outcome.${o.status}`))}${o.sector ? ` (${esc(o.sector)})` : ''}</li>`).join('')}</ul>` : `<p class="muted">${esc(t('candidate.none'))}</p>`}`;
}

// Rendered once per page (not on each poke), so typing is never lost.
function renderOutcomeForm() {
  $('#cand-outcome-form').innerHTML = `
    <form id="outcome-form" class="filters">
      <label>${esc(t('outcome.status'))}<br><select id="outcome-status">${['employed_in_field', 'employed_out_of_field', 'studying', 'searching'].map((k) => `<option value="${k}">${esc(t(`outcome.${k}`))}</option>`).join('')}</select></label>
      <label>${esc(t('outcome.date'))}<br><input type="date" id="outcome-date" required value="${new Date().toISOString().slice(0, 10)}"></label>
      <label>${esc(t('outcome.sector'))}<br><input id="outcome-sector" maxlength="200"></label>
      <button type="submit" class="secondary">${esc(t('outcome.record'))}</button>
    </form>`;
  $('#outcome-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const args = { id: uuidv7(), candidate_id: current.id, status: $('#outcome-status').value, date: $('#outcome-date').value };
    if ($('#outcome-sector').value.trim()) args.sector = $('#outcome-sector').value.trim();
    mutate('outcome.record', args);
  });
}

function renderMessages() {
  const el = $('#cand-messages');
  const threadId = coachingThreadId();
  if (!threadId) { el.innerHTML = `<p class="muted">${esc(t('candidate.no_thread'))}</p>`; return; }
  const sent = rowsOf('messages', (m) => m.thread_id === threadId).sort((a, b) => a.n - b.n);
  const queued = state.outbox.filter((o) => o.name === 'message.send' && o.args.thread_id === threadId && !coll('messages').has(o.args.id));
  const names = new Map(rowsOf('profiles').map((p) => [p.id, p.name]));
  const atBottom = el.scrollTop + el.clientHeight >= el.scrollHeight - 20;
  el.innerHTML = sent.map((m) => `
      <div class="msg ${m.author_id === state.user.id ? 'mine' : ''}" data-n="${m.n}">
        <span class="meta">${esc(names.get(m.author_id) || '')} · ${esc(fmtTime(m.sent_at))}</span>${esc(m.body)}
        ${(m.attachments || []).map((a) => `<br><button type="button" class="secondary file" data-sha="${esc(a.sha256)}" data-name="${esc(a.name)}">📎 ${esc(a.name)}</button>`).join('')}
      </div>`).join('') +
    queued.map((o) => `<div class="msg mine queued"><span class="meta">${esc(t('candidate.queued'))}</span>${esc(o.args.body)}</div>`).join('');
  for (const b of el.querySelectorAll('button.file')) b.addEventListener('click', () => download(`/v1/blobs/${b.dataset.sha}`, b.dataset.name));
  if (atBottom || !state.scrolledOnce) { el.scrollTop = el.scrollHeight; state.scrolledOnce = true; }
  // Opening the thread reads it: raise the read mark to the last message of others.
  const lastOthers = Math.max(0, ...sent.filter((m) => m.author_id !== state.user.id).map((m) => m.n));
  const mine = rowsOf('receipts', (r) => r.thread_id === threadId && r.user_id === state.user.id)[0];
  const pendingMark = state.outbox.some((o) => o.name === 'receipt.update' && o.args.thread_id === threadId && o.args.read_n >= lastOthers);
  if (lastOthers > (mine?.read_n || 0) && !pendingMark) mutate('receipt.update', { thread_id: threadId, read_n: lastOthers });
}

async function sha256Hex(buf) {
  const d = await crypto.subtle.digest('SHA-256', buf);
  return [...new Uint8Array(d)].map((x) => x.toString(16).padStart(2, '0')).join('');
}

async function sendReply(ev) {
  ev.preventDefault();
  const body = $('#reply').value;
  const file = $('#attach').files[0];
  const threadId = coachingThreadId();
  $('#reply-error').textContent = '';
  if (!threadId || (!body.trim() && !file)) return;
  const args = { id: uuidv7(), thread_id: threadId, body, written_at: new Date().toISOString() };
  if (file) {
    try {
      const bytes = await file.arrayBuffer();
      const sha = await sha256Hex(bytes);
      const r = await fetch(`/v1/blobs/${sha}`, { method: 'PUT', body: bytes, headers: { Authorization: `Bearer ${conn.token}` } });
      const info = await r.json();
      if (!r.ok) throw new Error(info.error?.message || r.statusText);
      args.attachments = [{ sha256: sha, name: file.name, size: info.size, type: info.type }];
    } catch (e) {
      $('#reply-error').textContent = e.message;
      return;
    }
  }
  $('#reply').value = '';
  $('#attach').value = '';
  mutate('message.send', args);
}

// Authenticated download: fetch with the token, then a blob URL.
async function download(path, name) {
  const r = await fetch(path, { headers: { Authorization: `Bearer ${conn.token}` } });
  if (!r.ok) { alert((await r.text()) || r.statusText); return; }
  const url = URL.createObjectURL(await r.blob());
  const a = document.createElement('a');
  a.href = url; a.download = name;
  document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// --- indicators --------------------------------------------------------------------------
function showIndicators() {
  current.view = 'indicators'; current.id = null;
  const f = state.indicatorForm || { from: '', to: '', cohort: '' };
  main.innerHTML = `
    <h1>${esc(t('indicators.title'))}</h1>
    <form id="ind-form" class="filters">
      <label>${esc(t('indicators.from'))}<br><input type="date" id="ind-from" value="${esc(f.from)}"></label>
      <label>${esc(t('indicators.to'))}<br><input type="date" id="ind-to" value="${esc(f.to)}"></label>
      <label>${esc(t('indicators.cohort'))}<br><input id="ind-cohort" list="ind-cohort-list" maxlength="60" size="24" value="${esc(f.cohort)}"></label>
      <datalist id="ind-cohort-list">${knownCohorts().map((c) => `<option value="${esc(c)}">`).join('')}</datalist>
      <button type="submit">${esc(t('indicators.compute'))}</button>
      <button type="button" class="secondary" id="ind-export">${esc(t('indicators.export'))}</button>
    </form>
    <p class="error" role="alert" id="ind-error"></p>
    <div id="ind-out"><p class="loading">${esc(t('loading'))}</p></div>`;
  const read = () => ({ from: $('#ind-from').value, to: $('#ind-to').value, cohort: $('#ind-cohort').value.trim() });
  $('#ind-form').addEventListener('submit', (ev) => { ev.preventDefault(); state.indicatorForm = read(); loadIndicators(); });
  $('#ind-export').addEventListener('click', () => {
    const q = new URLSearchParams(Object.entries(read()).filter(([, v]) => v));
    download(`/v1/export/indicators.csv?${q}`, 'indicators.csv');
  });
  loadIndicators();
}

async function loadIndicators() {
  const f = state.indicatorForm || {};
  const req = {};
  for (const k of ['from', 'to', 'cohort']) if (f[k]) req[k] = f[k];
  try {
    const a = await conn.request('dashboard.indicators', req);
    $('#ind-error').textContent = '';
    renderIndicators(a.indicators, a.scope);
  } catch (e) { $('#ind-error').textContent = e.message || e.code; }
}

function renderIndicators(i, scope) {
  const pct = (x) => `${Math.round(x * 1000) / 10} %`;
  const dist = [['ind.none', i.plan_completion.none], ['0–24 %', i.plan_completion['0-24']], ['25–49 %', i.plan_completion['25-49']],
    ['50–74 %', i.plan_completion['50-74']], ['75–99 %', i.plan_completion['75-99']], ['100 %', i.plan_completion['100']]];
  const maxN = Math.max(1, ...dist.map(([, n]) => n));
  const kpi = (label, value) => `<div class="card kpi"><div class="muted">${esc(label)}</div><div class="value">${esc(value)}</div></div>`;
  $('#ind-out').innerHTML = `
    <p class="muted">${esc(t(scope === 'program' ? 'indicators.scope_program' : 'indicators.scope_caseload'))}</p>
    <div class="kpis">
      ${kpi(t('ind.candidates'), i.candidates)}
      ${kpi(t('ind.coached_abroad'), i.coached_abroad)}
      ${kpi(t('ind.share_two'), `${i.with_two_meetings} (${pct(i.share_two_meetings)})`)}
      ${kpi(t('ind.referrals_per'), i.referrals_per_candidate.toFixed(2))}
      ${kpi(t('ind.median_days'), i.median_days_to_first_meeting === null ? '—' : i.median_days_to_first_meeting.toFixed(1))}
      ${kpi(t('ind.no_show'), `${pct(i.no_show_rate)} (${i.no_shows}/${i.meetings_with_outcome})`)}
    </div>
    <section class="card" aria-labelledby="dist-h"><h2 id="dist-h">${esc(t('ind.plan_dist'))}</h2>
      <div class="bars" role="img" aria-label="${esc(t('ind.plan_dist'))}: ${dist.map(([l, n]) => `${t(l)} ${n}`).join(', ')}">
        ${dist.map(([l, n]) => `<span>${esc(t(l))}</span><div class="bar" style="width:${(n / maxN) * 100}%"></div><span>${n}</span>`).join('')}
      </div>
    </section>
    <section class="card" aria-labelledby="emp-h"><h2 id="emp-h">${esc(t('ind.employment'))}</h2>
      <div class="table-wrap" tabindex="0" role="region" aria-labelledby="emp-h"><table>
        <thead><tr><th scope="col">${esc(t('ind.after'))}</th><th scope="col">${esc(t('ind.eligible'))}</th><th scope="col">${esc(t('ind.in_field'))}</th><th scope="col">${esc(t('ind.out_field'))}</th><th scope="col">${esc(t('ind.studying'))}</th><th scope="col">${esc(t('ind.searching'))}</th><th scope="col">${esc(t('ind.unknown'))}</th></tr></thead>
        <tbody>${i.employment.map((e) => `<tr><th scope="row">${esc(t('ind.months', { m: e.months }))}</th><td>${e.eligible}</td><td>${e.employed_in_field}</td><td>${e.employed_out_of_field}</td><td>${e.studying}</td><td>${e.searching}</td><td>${e.unknown}</td></tr>`).join('')}</tbody>
      </table></div>
    </section>${employmentSupportSection(i, pct)}`;
}

// Employers and activities (issue 21; definitions in docs/dashboard.md "Indicators"): counted
// by the server, shown here as a list of label and value (the page's one table stays the employment one).
function employmentSupportSection(i, pct) {
  if (!i.activities || !i.internships || !i.employed_after_support) return '';
  const rows = [
    ['ind.admitted', i.candidates_admitted], ['ind.companies', i.companies_supported],
    ['ind.employed_after', i.employed_after_support.total], ['ind.employed_after_in', i.employed_after_support.in_field],
    ['ind.employed_after_out', i.employed_after_support.out_of_field], ['ind.activities_held', i.activities.held],
    ['ind.activity_seats', i.activities.seats],
    ['ind.attendance', `${i.activities.attended} / ${i.activities.attended + i.activities.absent} (${pct(i.activities.attendance_rate)})`],
    ['ind.attendance_unrecorded', i.activities.unrecorded], ['ind.participants', i.activities.participants],
    ['ind.internships', i.internships.started], ['ind.int_hired_priime', i.internships.hired_priime],
    ['ind.int_hired', i.internships.hired], ['ind.int_not_hired', i.internships.not_hired],
    ['ind.int_ended_early', i.internships.ended_early], ['ind.int_no_outcome', i.internships.no_outcome],
  ];
  return `
    <section class="card" aria-labelledby="sup-h"><h2 id="sup-h">${esc(t('ind.support'))}</h2>
      <dl class="figures">${rows.map(([k, v]) => `<dt>${esc(t(k))}</dt><dd>${esc(String(v))}</dd>`).join('')}</dl>
    </section>`;
}

// --- audit (admin) -----------------------------------------------------------------------
function showAudit() {
  current.view = 'audit'; current.id = null;
  const actions = ['candidate.open', 'export.caseload', 'export.indicators', 'account.invite', 'invite.resend', 'invite.revoke',
    'invite.cohort', 'account.update', 'account.end_sessions', 'caseload.assign'];
  main.innerHTML = `
    <h1>${esc(t('audit.title'))}</h1>
    <form id="audit-form" class="filters">
      <label>${esc(t('audit.action'))}<br><select id="audit-action"><option value="">${esc(t('audit.any'))}</option>${actions.map((a) => `<option>${a}</option>`).join('')}</select></label>
      <label>${esc(t('audit.actor'))}<br><input id="audit-actor" size="38"></label>
      <label>${esc(t('audit.target'))}<br><input id="audit-target" size="38"></label>
      <label>${esc(t('indicators.from'))}<br><input type="date" id="audit-from"></label>
      <label>${esc(t('indicators.to'))}<br><input type="date" id="audit-to"></label>
      <button type="submit">${esc(t('audit.filter'))}</button>
    </form>
    <p class="error" role="alert" id="audit-error"></p>
    <div class="table-wrap" id="audit-out" tabindex="0" role="region" aria-label="${esc(t('audit.title'))}"></div>`;
  $('#audit-form').addEventListener('submit', (ev) => { ev.preventDefault(); loadAudit(); });
  loadAudit();
}

async function loadAudit() {
  const req = {};
  for (const [k, sel] of [['action', '#audit-action'], ['actor_id', '#audit-actor'], ['target_id', '#audit-target'], ['from', '#audit-from'], ['to', '#audit-to']]) {
    const v = $(sel).value.trim();
    if (v) req[k] = v;
  }
  try {
    const a = await conn.request('audit.list', req);
    $('#audit-out').innerHTML = `<table><thead><tr><th scope="col">${esc(t('audit.at'))}</th><th scope="col">${esc(t('audit.who'))}</th><th scope="col">${esc(t('audit.action'))}</th><th scope="col">${esc(t('audit.target'))}</th><th scope="col">${esc(t('audit.from_where'))}</th><th scope="col">${esc(t('audit.details'))}</th></tr></thead>
      <tbody>${a.entries.map((e) => `<tr><td>${esc(fmtTime(e.at))}</td><td>${esc(e.actor_name)} <span class="muted">${esc(e.actor_email)} (${esc(e.actor_role)})</span></td><td>${esc(e.action)}</td><td>${esc(e.target_id)}</td><td>${esc(e.remote_address)}</td><td>${esc(JSON.stringify(e.details))}</td></tr>`).join('')}</tbody></table>`;
  } catch (e) { $('#audit-error').textContent = e.message || e.code; }
}

// --- employers, internships, activities (employers.js, activities.js) ----------------------
const staffContext = {
  main, t, esc, fmtTime, fmtDate, language, coll, rowsOf, rerender, clean, mutate, mutateNow, uuidv7, announce,
  request: (type, fields) => conn.request(type, fields),
  view: () => current,
  pulling: () => !!state.pulling,
  pending: (name, pred = () => true) => state.outbox.some((o) => o.name === name && pred(o.args)),
  pendingArgs: (name) => state.outbox.filter((o) => o.name === name).map((o) => o.args),
  personName: (id, fallback) => {
    const known = id && (coll('profiles').get(id)?.name || coll('employer_profiles').get(id)?.name || coll('candidate_cards').get(id)?.name);
    if (known) return known;
    const other = personName(id);
    return other === t('history.someone') && fallback ? fallback : other;
  },
};
installEmployerPages(staffContext);
installActivityPages(staffContext);
// Employer and activity rows that every coach reads (audience role:coach) bring no poke (a
// role's readers are not known when the server pokes, server/src/sync/live.cpp): while one of
// these pages is open, the page also pulls every 10 s, so an employer's answer shows up alone.
setInterval(() => {
  if (conn.ready && state.user && ['employers', 'need', 'internships', 'activities', 'activity'].includes(current.view)) pull();
}, 10000);

// --- start -------------------------------------------------------------------------------
setLanguage(language());
$('#lang').value = language();
const saved = sessionStorage.getItem('passerelle.token');
if (saved) {
  conn.token = saved;
  main.innerHTML = `<p class="loading">${esc(t('loading'))}</p>`;
  conn.resume().finally(() => { state.triedResume = true; if (!state.user) route(); });
} else {
  state.triedResume = true;
  route();
  conn.open().catch(() => {});
}
