// What the two mentoring screens (mentoring.js for the candidate, mentor.js for the mentor)
// share: building elements, showing a time in two zones, keeping what a person is typing across
// re-renders, the .ics download, and the screens' few styles. No mentoring rule lives here:
// slots, the booking checks and the calendar text come from the core (db.slots, the mutators,
// db.meetingIcs); this file only presents them.

import { zoneFormatter } from '../zones.js';
// h('button', {class: 'x', onclick: f}, 'text', child) -> element. Attributes starting with
// "on" become listeners; false/null attributes are left out; children may be strings, nodes,
// arrays or null.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// A device-made id for a new row (mentorship thread, meeting, referral): the same UUIDv7 as
// every other id the app makes.
export { newId } from './util.js';

const locales = { fr: 'fr-CA', en: 'en-CA' };
export const localeOf = (lang) => locales[lang] || 'en-CA';

// The hour comes from the core's zone data (../zones.js), Intl only spells it.
function formatter(lang, zone, options) {
  return zoneFormatter(localeOf(lang), zone, options);
}

// "mardi 3 mars" of an instant, in `zone`.
export const dayLabel = (iso, zone, lang) =>
  formatter(lang, zone, { weekday: 'long', day: 'numeric', month: 'long' }).format(new Date(iso));
// "19 h 00" / "7:00 p.m." of an instant, in `zone`.
export const timeLabel = (iso, zone, lang) =>
  formatter(lang, zone, { hour: 'numeric', minute: '2-digit' }).format(new Date(iso));
// "mardi 3 mars, 19 h 00".
export const dateTimeLabel = (iso, zone, lang) =>
  formatter(lang, zone, { weekday: 'long', day: 'numeric', month: 'long', hour: 'numeric', minute: '2-digit' }).format(new Date(iso));
// "mar. 8 déc., 19 h 00": the short form, beside another time.
export const shortDateTimeLabel = (iso, zone, lang) =>
  formatter(lang, zone, { weekday: 'short', day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' }).format(new Date(iso));
// The local date of an instant in `zone` as YYYY-MM-DD: the key slots are grouped by.
export const dayKey = (iso, zone) => formatter('en', zone, { year: 'numeric', month: '2-digit', day: '2-digit' })
  .formatToParts(new Date(iso)).filter((p) => p.type !== 'literal').map((p) => p.value).join('-')
  .replace(/^(\d\d)-(\d\d)-(\d{4})$/, '$3-$1-$2');
// The city part of an IANA zone, as people name it: "America/Toronto" -> "Toronto".
export const zoneCity = (zone) => (zone || '').split('/').pop().replace(/_/g, ' ');
// "heure de l’Est" / "Eastern Time" for a zone where the browser knows a generic name, else the
// city of its IANA name.
export function zoneName(zone, lang) {
  try {
    const part = new Intl.DateTimeFormat(localeOf(lang), { timeZone: zone, timeZoneName: 'longGeneric' })
      .formatToParts(new Date()).find((p) => p.type === 'timeZoneName');
    if (part && !/^(GMT|UTC)/.test(part.value)) return part.value;
  } catch (e) { /* unknown zone or option */ }
  return zoneCity(zone);
}
// Today's date on this device, YYYY-MM-DD, in `zone`.
export const todayIn = (zone) => dayKey(new Date().toISOString(), zone);

// A date YYYY-MM-DD shown as "mardi 3 mars 2027" (noon UTC: the same day in every zone).
export const dateLabel = (ymd, lang) =>
  formatter(lang, 'UTC', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(new Date(ymd + 'T12:00:00Z'));

// Calls fn, returning [value, null] or [null, error]: the screens show errors, never throw.
export async function attempt(fn) {
  try { return [await fn(), null]; } catch (e) { return [null, e]; }
}

// Whether the binding has a call (core-web-api adds db.slots, db.get, ... ): a screen says what
// is missing rather than failing.
export const has = (db, name) => db && typeof db[name] === 'function';

// A row by id: db.get where the binding has it, else the collection's rows.
export async function getRow(db, collection, id) {
  if (!id) return null;
  if (has(db, 'get')) return db.get(collection, id);
  const rows = await db.rows(collection);
  return rows.find((r) => r.id === id) || null;
}

// The person's own zone, asked of the core at each render: the shell's ctx.zone may have been
// read before the first sync brought the profile (then the core answers 'UTC'), and the core's
// answer is the zone the slots are computed in.
export async function ownZone(ctx) {
  let zone = null;
  if (has(ctx.db, 'personTimeZone')) zone = await ctx.db.personTimeZone(ctx.account.user.id).catch(() => null);
  if (zone && zone !== 'UTC') return zone;
  return ctx.zone || zone || Intl.DateTimeFormat().resolvedOptions().timeZone;
}

export async function rowsWhere(db, collection, field, value) {
  const rows = await db.rows(collection, { field, value });
  return Array.isArray(rows) ? rows : [];
}

// What a person typed in `view`'s fields (by id), and where the focus and caret were, so that a
// re-render (rows changed, language switched) puts it all back.
export function snapshot(view) {
  const values = {};
  for (const el of view.querySelectorAll('input[id], select[id], textarea[id]'))
    values[el.id] = el.type === 'checkbox' || el.type === 'radio' ? { checked: el.checked } : { value: el.value };
  const a = document.activeElement;
  const focus = a && view.contains(a) && a.id ? { id: a.id, start: safe(() => a.selectionStart), end: safe(() => a.selectionEnd) } : null;
  return { values, focus };
}

export function restore(view, snap) {
  for (const [id, v] of Object.entries(snap.values)) {
    const el = view.querySelector('#' + CSS.escape(id));
    if (!el || el.dataset.fresh === '1') continue;
    if ('checked' in v) el.checked = v.checked; else if (el.value !== v.value) el.value = v.value;
  }
  if (snap.focus) {
    const el = view.querySelector('#' + CSS.escape(snap.focus.id));
    if (el) {
      el.focus({ preventScroll: true });
      if (snap.focus.start !== null && snap.focus.start !== undefined) safe(() => el.setSelectionRange(snap.focus.start, snap.focus.end));
    }
  }
}

function safe(f) { try { return f(); } catch (e) { return null; } }

// The screen's root element. These screens keep what is typed themselves (state kept across
// renders, then snapshot/restore at the very moment the view is replaced), so the fields' input
// events stop here: the shell's own restore would otherwise put back text a form had just
// emptied after saving it.
export function screenRoot(name, ...children) {
  const root = h('section', { 'data-screen': name }, ...children);
  root.addEventListener('input', (e) => e.stopPropagation());
  return root;
}

// Saves the meeting's calendar file (written by the core) as a download.
export async function downloadIcs(db, meetingId, fileName) {
  const text = await db.meetingIcs(meetingId);
  const url = URL.createObjectURL(new Blob([text], { type: 'text/calendar;charset=utf-8' }));
  const a = h('a', { href: url, download: fileName });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// A labelled field: <div class="m-field"><label for>..</label><input id>..<p class="m-field-error"></div>.
export function field(id, label, control, hint = null, error = null) {
  control.id = id;
  const describedBy = control.getAttribute('aria-describedby') ? [control.getAttribute('aria-describedby')] : [];
  const hintEl = hint ? h('p', { class: 'm-hint', id: id + '-hint' }, hint) : null;
  const errEl = error ? h('p', { class: 'm-field-error', id: id + '-error', role: 'alert' }, error) : null;
  if (hintEl) describedBy.push(hintEl.id);
  if (errEl) { describedBy.push(errEl.id); control.setAttribute('aria-invalid', 'true'); }
  if (describedBy.length) control.setAttribute('aria-describedby', describedBy.join(' '));
  // The hint sits between the label and the field: still in view once a phone's keyboard is open.
  return h('div', { class: 'm-field' }, h('label', { for: id }, label), hintEl, control, errEl);
}

// A progress bar toward a goal ("2 of 3").
export function progress(id, label, value, goal, text) {
  return h('div', { class: 'm-progress' },
    h('label', { for: id }, label),
    h('progress', { id, max: goal, value: Math.min(value, goal) }),
    h('span', { class: 'm-progress-text' }, text));
}

const css = `
[data-screen="mentoring"], [data-screen="mentor"] { font-size: 1rem; }
.m-section { background: #fff; border: 1px solid #d5dbe3; border-radius: .5rem; padding: .75rem 1rem; margin: 0 0 1rem; }
.m-section > h2 { font-size: 1.125rem; margin: 0 0 .5rem; }
.m-section h3 { font-size: 1.0625rem; margin: .75rem 0 .25rem; }
.m-section h4 { font-size: 1rem; margin: 1rem 0 .25rem; }
.m-section h5 { font-size: .9375rem; margin: .75rem 0 .25rem; color: #5b6776; }
.m-section article.m-card { border-top: 2px solid #d5dbe3; padding-top: .5rem; margin-top: .75rem; }
.m-section article.m-card:first-of-type { border-top: 0; margin-top: 0; }
.m-disclosure { margin: .5rem 0; }
.m-disclosure > summary { list-style: none; width: fit-content; }
.m-disclosure > summary::-webkit-details-marker { display: none; }
.m-disclosure[open] > summary { margin-bottom: .5rem; }
.m-outcome { border: 1px solid #d5dbe3; border-radius: .375rem; padding: .5rem .75rem; margin: .5rem 0; }
.m-outcome legend { font-weight: 600; padding: 0 .25rem; }
.m-muted, .m-hint { color: #5b6776; font-size: .875rem; margin: .25rem 0; }
.m-status { display: inline-block; padding: .125rem .5rem; border-radius: 1rem; background: #e8edf3; font-size: .875rem; font-weight: 600; }
.m-status.active, .m-status.accepted, .m-status.met, .m-status.held { background: #dcf3e4; color: #12753a; }
.m-status.declined, .m-status.cancelled, .m-status.closed { background: #fde4e1; color: #b42318; }
.m-status.queued { background: #fff3cd; color: #7a5a00; }
.m-reasons { margin: .25rem 0 .5rem; padding-left: 1.25rem; }
.m-actions { display: flex; flex-wrap: wrap; gap: .5rem; margin: .5rem 0; }
[data-screen] .m-btn { min-height: 44px; min-width: 44px; padding: .5rem 1rem; border-radius: .375rem; border: 1px solid #0a5fb4; background: #0a5fb4; color: #fff; font: inherit; cursor: pointer; text-decoration: none; display: inline-flex; align-items: center; justify-content: center; }
[data-screen] .m-btn.secondary { background: #fff; color: #0a5fb4; }
[data-screen] .m-btn.danger { background: #fff; color: #b42318; border-color: #b42318; }
[data-screen] .m-btn:disabled { opacity: .55; cursor: default; }
.m-days { list-style: none; margin: 0; padding: 0; }
.m-days > li { margin: 0 0 .75rem; }
.m-days h3::first-letter { text-transform: uppercase; }
.m-slots { display: grid; grid-template-columns: repeat(auto-fill, minmax(9.5rem, 1fr)); gap: .5rem; list-style: none; margin: 0; padding: 0; }
[data-screen] .m-slot { width: 100%; min-height: 44px; flex-direction: column; align-items: flex-start; text-align: left; padding: .5rem .75rem; border: 1px solid #0a5fb4; background: #fff; color: #1d2733; border-radius: .375rem; font: inherit; cursor: pointer; display: flex; }
[data-screen] .m-slot[aria-pressed="true"] { background: #0a5fb4; color: #fff; }
.m-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.m-slot strong { font-size: 1.0625rem; }
.m-slot span { font-size: .8125rem; }
.m-list { list-style: none; margin: 0; padding: 0; }
.m-list > li { border-top: 1px solid #d5dbe3; padding: .625rem 0; }
.m-list > li:first-child { border-top: 0; }
.m-field { margin: 0 0 .75rem; }
.m-field label { display: block; font-weight: 600; margin-bottom: .25rem; }
.m-field input, .m-field select, .m-field textarea { width: 100%; min-height: 44px; padding: .5rem; border: 1px solid #8a96a5; border-radius: .375rem; font: inherit; background: #fff; }
.m-field textarea { min-height: 5rem; }
.m-field input[aria-invalid="true"], .m-field select[aria-invalid="true"] { border-color: #b42318; border-width: 2px; }
.m-field-error, .m-alert { color: #b42318; font-weight: 600; margin: .25rem 0; }
.m-alert { background: #fde4e1; border-radius: .375rem; padding: .625rem .75rem; }
.m-note { background: #e3eefa; border-radius: .375rem; padding: .625rem .75rem; margin: .5rem 0; }
.m-row { display: grid; grid-template-columns: 1fr 1fr; gap: .5rem; align-items: end; border-top: 1px solid #d5dbe3; padding: .5rem 0; }
.m-row .m-field { margin: 0; }
.m-row .m-wide { grid-column: 1 / -1; }
.m-progress { display: grid; grid-template-columns: 1fr auto; gap: .25rem .5rem; align-items: center; margin: .5rem 0; }
.m-progress label { grid-column: 1 / -1; font-weight: 600; }
.m-progress progress { width: 100%; height: 1rem; }
.m-card dl { display: grid; grid-template-columns: max-content 1fr; gap: .125rem .75rem; margin: .25rem 0; }
.m-card dt { color: #5b6776; }
.m-card dd { margin: 0; }
.m-checkbox { display: flex; gap: .5rem; align-items: center; min-height: 44px; }
.m-checkbox input { width: 1.5rem; height: 1.5rem; }
`;

export function injectStyles() {
  if (document.getElementById('mentoring-styles')) return;
  document.head.append(h('style', { id: 'mentoring-styles' }, css));
}
