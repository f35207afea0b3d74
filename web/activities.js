// The dashboard's activity pages (docs/dashboard.md, "Activities"): staff create speed-jobbing
// sessions, career exploration days and sector conferences (activity.create), register
// candidates (activity.register with candidate_id), follow seats and the waiting list from the
// registration rows the server writes, build a speed-jobbing rotation (activity.schedule: the
// rotation of shared/activities/rotation.h, built on the server) and print it; the .ics files
// and the printable sheets come from the server (activities.calendar, written by
// shared/activities/schedule.h), never from this page.
//
// ctx: see employers.js.

const KINDS = ['speed_jobbing', 'exploration_day', 'conference'];
// Attendance (activity.attendance): a checkbox per registration not withdrawn (a walk-in from
// the waiting list counts); the server accepts it from one hour before the start.
const ATTENDANCE = true;

let ctx = null;
const page = { id: null, calendar: null, calendarFor: null, errors: {}, timer: null };

export function installActivityPages(context) {
  ctx = context;
  const { main } = ctx;
  main.addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-act]');
    if (!b || !isMine()) return;
    if (b.getAttribute('aria-disabled') === 'true') return;
    onAction(b.dataset.act, b.dataset.id);
  });
  main.addEventListener('submit', (ev) => {
    const f = ev.target.closest('form[data-act]');
    if (!f || !isMine()) return;
    ev.preventDefault();
    onSubmit(f.dataset.act, f);
  });
  main.addEventListener('change', (ev) => {
    if (!isMine()) return;
    if (ev.target.id === 'act-kind' || ev.target.id === 'act-audience') showKindFields();
    if (ev.target.matches('input[data-attended]')) onAttendance(ev.target);
  });
  main.addEventListener('toggle', (ev) => {
    if (ev.target.id === 'sched-people') page.peopleOpen = ev.target.open;
    if (ev.target.id === 'act-cancel-box') page.cancelOpen = ev.target.open;  // stays open across re-renders
  }, true);
}

const isMine = () => ['activities', 'activity'].includes(ctx.view().view);
const zoneOfBrowser = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'America/Toronto';

// --- the list and the creation form ------------------------------------------------------
export function showActivities() {
  const { main, t, esc } = ctx;
  main.innerHTML = `
    <h1>${esc(t('act.title'))}</h1>
    <section class="card" aria-labelledby="act-new-h"><h2 id="act-new-h">${esc(t('act.new'))}</h2>
      <form id="act-form" class="filters" data-act="create">
        <label>${esc(t('act.kind'))}<br><select id="act-kind" name="kind" data-keep>${KINDS.map((k) => `<option value="${k}">${esc(t(`act.kind.${k}`))}</option>`).join('')}</select></label>
        <label>${esc(t('act.name'))}<br><input id="act-title" name="title" data-keep maxlength="200" required size="28"></label>
        <label>${esc(t('act.start'))}<br><input id="act-start" name="start" type="datetime-local" step="60" data-keep required></label>
        <label>${esc(t('act.end'))}<br><input id="act-end" name="end" type="datetime-local" step="60" data-keep required></label>
        <label>${esc(t('act.zone'))}<br><input id="act-zone" name="zone" data-keep size="18" value="${esc(zoneOfBrowser())}" aria-describedby="act-zone-help"></label>
        <span id="act-zone-help" class="muted">${esc(t('act.zone_help'))}</span>
        <label>${esc(t('act.place'))}<br><input id="act-place" name="place" data-keep maxlength="300"></label>
        <label>${esc(t('act.video'))}<br><input id="act-video" name="video" type="url" data-keep placeholder="https://"></label>
        <label>${esc(t('act.capacity'))}<br><input id="act-capacity" name="capacity" type="number" min="1" max="5000" value="20" data-keep required></label>
        <label>${esc(t('act.audience'))}<br><select id="act-audience" name="audience" data-keep><option value="all">${esc(t('act.audience.all'))}</option><option value="invited">${esc(t('act.audience.invited'))}</option></select></label>
        <fieldset id="act-employers-box"><legend>${esc(t('act.employers'))}</legend><div id="act-employers" class="choices"></div></fieldset>
        <fieldset id="act-invited-box" hidden><legend>${esc(t('act.invited'))}</legend><div id="act-invited" class="choices"></div></fieldset>
        <span id="act-slot-fields" class="filters">
          <label>${esc(t('act.slot'))}<br><input id="act-slot" name="slot" type="number" min="3" max="60" value="8" data-keep></label>
          <label>${esc(t('act.break'))}<br><input id="act-break" name="break" type="number" min="0" max="15" value="2" data-keep></label>
        </span>
        <label class="wide">${esc(t('act.description'))}<br><textarea id="act-description" name="description" data-keep maxlength="4000" rows="2"></textarea></label>
        <button type="submit" id="act-create">${esc(t('act.create'))}</button>
      </form>
      <p class="error" role="alert" id="act-error"></p>
    </section>
    <section class="card" aria-labelledby="act-list-h"><h2 id="act-list-h">${esc(t('act.list'))}</h2>
      <div id="act-list" class="table-wrap" tabindex="0" role="region" aria-labelledby="act-list-h"></div></section>`;
  renderActivityList();
  showKindFields();
}

function showKindFields() {
  const kind = document.getElementById('act-kind')?.value;
  if (!kind) return;
  document.getElementById('act-slot-fields').hidden = kind !== 'speed_jobbing';
  // An exploration day is for invited candidates only (the server says so too).
  const audience = document.getElementById('act-audience');
  if (kind === 'exploration_day') audience.value = 'invited';
  document.getElementById('act-invited-box').hidden = audience.value !== 'invited';
}

// A set of checkboxes, rebuilt only when the choices change; ticks are kept.
function fillChoices(el, name, options) {
  if (!el) return;
  const key = JSON.stringify(options);
  if (el.dataset.key === key) return;
  const ticked = new Set([...el.querySelectorAll('input:checked')].map((x) => x.value));
  el.innerHTML = options.length
    ? options.map(([v, label]) => `<label><input type="checkbox" name="${name}" value="${ctx.esc(v)}" ${ticked.has(v) ? 'checked' : ''}> ${ctx.esc(label)}</label>`).join('')
    : `<span class="muted">${ctx.esc(ctx.t('act.no_choice'))}</span>`;
  el.dataset.key = key;
}

function candidatesOfCaseload() {
  return ctx.rowsOf('profiles', (p) => p.role === 'candidate').map((p) => [p.id, p.name]).sort((a, b) => a[1].localeCompare(b[1]));
}

function renderActivityList() {
  const { t, esc } = ctx;
  fillChoices(document.getElementById('act-employers'), 'employer',
    ctx.rowsOf('employer_profiles').map((p) => [p.id, p.organization || p.name || p.id]).sort((a, b) => a[1].localeCompare(b[1])));
  fillChoices(document.getElementById('act-invited'), 'invited', candidatesOfCaseload());
  const el = document.getElementById('act-list');
  if (!el) return;
  const list = ctx.rowsOf('activities').sort((a, b) => (a.start < b.start ? -1 : 1));
  if (!list.length) { ctx.rerender(el, `<p class="muted">${esc(t('act.none'))}</p>`); return; }
  ctx.rerender(el, `<table><thead><tr><th scope="col">${esc(t('act.name'))}</th><th scope="col">${esc(t('act.kind'))}</th>
    <th scope="col">${esc(t('act.when'))}</th><th scope="col">${esc(t('act.where'))}</th><th scope="col">${esc(t('act.seats'))}</th>
    <th scope="col">${esc(t('act.waiting'))}</th><th scope="col">${esc(t('act.state'))}</th></tr></thead>
    <tbody>${list.map((a) => `<tr data-activity="${esc(a.id)}">
      <th scope="row"><a href="#/activities/${esc(a.id)}">${esc(a.title)}</a></th><td>${esc(t(`act.kind.${a.kind}`))}</td>
      <td>${esc(ctx.fmtTime(a.start, a.time_zone))}</td><td>${esc(a.place || (a.video_url ? t('act.online') : '—'))}</td>
      <td>${a.seats_taken ?? 0}/${a.capacity}</td><td>${a.waitlist_length ?? 0}</td>
      <td>${esc(t(`act.status.${a.status || 'open'}`))}</td></tr>`).join('')}</tbody></table>`);
}

// --- one activity ------------------------------------------------------------------------
export function showActivity(id) {
  const { main, t, esc } = ctx;
  if (page.id !== id) { page.calendar = null; page.errors = {}; page.cancelOpen = false; }
  page.id = id;
  main.innerHTML = `
    <p class="no-print"><a href="#/activities">${esc(t('act.back'))}</a></p>
    <div id="act-head"><p class="loading">${esc(t('loading'))}</p></div>
    <section class="card no-print" aria-labelledby="reg-h"><h2 id="reg-h">${esc(t('reg.title'))}</h2>
      <form id="reg-form" class="filters" data-act="register">
        <label>${esc(t('reg.candidate'))}<br><select id="reg-candidate" name="candidate" data-keep required></select></label>
        <button type="submit" class="secondary" id="reg-add">${esc(t('reg.add'))}</button>
      </form>
      <p class="error" role="alert" id="reg-error"></p>
      <div id="act-registrations" class="table-wrap" tabindex="0" role="region" aria-labelledby="reg-h"></div></section>
    <section class="card printable" aria-labelledby="sched-h" id="act-schedule-card"><h2 id="sched-h">${esc(t('sched.title'))}</h2>
      <div id="act-schedule"></div></section>`;
  renderActivity();
  loadCalendar();
}

async function loadCalendar() {
  const id = page.id;
  try {
    const a = await ctx.request('activities.calendar', { activity_id: id, locale: ctx.language() });
    if (page.id === id) { page.calendar = a; page.calendarFor = ctx.language(); renderSchedule(); }
  } catch (e) {
    if (page.id === id) { page.calendar = { error: e.message || e.code }; renderSchedule(); }
  }
}

function activity() { return ctx.coll('activities').get(page.id); }

function agendaName(a, g) { return g.side === 'employer' ? employerLabel(a, g.user_id) : ctx.personName(g.user_id, g.title); }

// An employer as staff know them: the organization, with the contact's name.
function employerLabel(a, id, names = {}) {
  const contact = names[id] || a.employer_names?.[id] || '';
  const org = ctx.coll('employer_profiles').get(id)?.organization;
  return org ? (contact && contact !== org ? `${org} (${contact})` : org) : contact || id;
}

function renderActivity() {
  const { t, esc } = ctx;
  const head = document.getElementById('act-head');
  if (!head) return;
  const a = activity();
  if (!a) {
    ctx.rerender(head, `<p class="${ctx.pulling() ? 'loading' : 'error'}">${esc(t(ctx.pulling() ? 'loading' : 'act.not_found'))}</p>`);
    return;
  }
  const employers = (a.employer_ids || []).map((e) => employerLabel(a, e)).join(', ');
  ctx.rerender(head, `<h1>${esc(a.title)}</h1>
    <p>${esc(t(`act.kind.${a.kind}`))} — ${esc(ctx.fmtTime(a.start, a.time_zone))} → ${esc(ctx.fmtTime(a.end, a.time_zone))} <span class="muted">(${esc(a.time_zone)})</span></p>
    <p>${a.place ? esc(a.place) : ''}${a.place && a.video_url ? ' · ' : ''}${a.video_url ? `<a href="${esc(a.video_url)}" rel="noopener">${esc(a.video_url)}</a>` : ''}</p>
    <p class="muted">${esc(t('act.summary', { seats: a.seats_taken ?? 0, cap: a.capacity, wait: a.waitlist_length ?? 0, who: t(`act.audience.${a.audience}`) }))}
      ${employers ? ` — ${esc(t('act.employers'))} : ${esc(employers)}` : ''}
      ${a.status === 'cancelled' ? ` — <strong class="flag">${esc(t('act.status.cancelled'))}</strong>${a.cancel_reason ? ` « ${esc(a.cancel_reason)} »` : ''}` : ''}</p>
    ${a.description ? `<p>${esc(a.description)}</p>` : ''}
    ${a.status !== 'cancelled' ? `<details id="act-cancel-box" ${page.cancelOpen ? 'open' : ''}><summary>${esc(t('act.cancel'))}</summary>
      <form class="filters" data-act="cancel" aria-label="${esc(t('act.cancel_of', { title: a.title }))}">
        <label>${esc(t('act.cancel_reason'))}<br><input id="act-cancel-reason" name="reason" data-keep maxlength="2000" size="40"></label>
        <button type="submit" id="act-cancel">${esc(t('act.cancel_confirm', { title: a.title }))}</button>
      </form></details>` : ''}
    ${page.errors.cancel ? `<p class="error" role="alert">${esc(page.errors.cancel)}</p>` : ''}`);
  renderRegistrations(a);
  renderSchedule();
}

const STATUS_ORDER = { confirmed: 0, requested: 1, waitlisted: 2, cancelled: 3 };

function renderRegistrations(a) {
  const { t, esc } = ctx;
  const regs = ctx.rowsOf('activity_registrations', (r) => r.activity_id === page.id)
    .sort((x, y) => (STATUS_ORDER[x.status] ?? 9) - (STATUS_ORDER[y.status] ?? 9) || (x.position || 0) - (y.position || 0) || (x.candidate_name || '').localeCompare(y.candidate_name || ''));
  const registered = new Set(regs.filter((r) => r.status !== 'cancelled').map((r) => r.candidate_id));
  const invited = ctx.coll('activity_rosters').get(page.id)?.invited || a.candidate_ids || [];
  const choices = (a.audience === 'invited' ? invited.map((id) => [id, ctx.personName(id)]) : candidatesOfCaseload())
    .filter(([id]) => !registered.has(id));
  // Nobody registers for a cancelled activity (the server would refuse): no form to try.
  const form = document.getElementById('reg-form');
  if (form) form.hidden = a.status === 'cancelled';
  const sel = document.getElementById('reg-candidate');
  if (sel) {
    const key = JSON.stringify(choices);
    if (sel.dataset.key !== key) {
      const v = sel.value;
      sel.innerHTML = `<option value="">${esc(t('intern.choose'))}</option>` + choices.map(([id, name]) => `<option value="${esc(id)}">${esc(name)}</option>`).join('');
      sel.dataset.key = key;
      if (choices.some(([id]) => id === v)) sel.value = v;
    }
  }
  const el = document.getElementById('act-registrations');
  if (!el) return;
  const attendance = ATTENDANCE;
  if (!regs.length) { ctx.rerender(el, `<p class="muted">${esc(t('reg.none'))}</p>`); return; }
  ctx.rerender(el, `<table><thead><tr><th scope="col">${esc(t('reg.candidate'))}</th><th scope="col">${esc(t('reg.status'))}</th>
    <th scope="col">${esc(t('reg.why'))}</th>${a.kind === 'speed_jobbing' ? `<th scope="col">${esc(t('reg.selection'))}</th>` : ''}
    ${attendance ? `<th scope="col">${esc(t('reg.attended'))}</th>` : ''}<th scope="col"><span class="visually-hidden">${esc(t('reg.actions'))}</span></th></tr></thead>
    <tbody>${regs.map((r) => `<tr data-registration="${esc(r.id)}" class="reg-${esc(r.status)}">
      <th scope="row">${esc(r.candidate_name || ctx.personName(r.candidate_id))}</th>
      <td>${esc(t(`reg.st.${r.status}`))}${r.status === 'waitlisted' && r.position ? ` (${esc(t('reg.position', { n: r.position }))})` : ''}</td>
      <td>${esc(t(`reg.reason.${r.reason}`, { n: r.position ?? '' }))}</td>
      ${a.kind === 'speed_jobbing' ? `<td>${esc((r.employer_ids || a.employer_ids || []).map((e) => employerLabel(a, e)).join(', '))}</td>` : ''}
      ${attendance ? `<td>${r.status !== 'cancelled' ? `<label><input type="checkbox" id="attended-${esc(r.candidate_id)}" data-attended="${esc(r.candidate_id)}" ${r.attended ? 'checked' : ''}> <span class="visually-hidden">${esc(t('reg.attended_of', { name: r.candidate_name }))}</span></label>` : ''}</td>` : ''}
      <td>${r.status === 'cancelled' ? '' : `<button type="button" class="secondary tool" id="unregister-${esc(r.candidate_id)}" data-act="unregister" data-id="${esc(r.candidate_id)}">${esc(t('reg.withdraw', { name: r.candidate_name }))}</button>`}</td>
    </tr>`).join('')}</tbody></table>`);
}

function renderSchedule() {
  const { t, esc } = ctx;
  const el = document.getElementById('act-schedule');
  const a = activity();
  if (!el || !a) return;
  const card = document.getElementById('act-schedule-card');
  const s = ctx.coll('activity_schedules').get(page.id);
  const error = page.errors.schedule;
  const building = ctx.pending('activity.schedule', (x) => x.id === page.id);
  const tools = a.kind === 'speed_jobbing' && a.status !== 'cancelled' ? `
    <p class="no-print">${a.schedule_stale ? `<span class="flag">${esc(t('sched.stale'))}</span> ` : ''}
      <button type="button" id="sched-build" data-act="schedule" ${building ? 'aria-disabled="true"' : ''}>${esc(t(s ? 'sched.rebuild' : 'sched.build'))}</button>
      ${building ? `<span class="muted">${esc(t('sched.building'))}</span>` : ''}</p>` : '';
  if (card) card.hidden = false;
  const cal = page.calendar;
  const downloads = cal && !cal.error ? `
    <div class="no-print downloads">
      <button type="button" class="secondary" id="ics-activity" data-act="ics-activity">${esc(t('sched.ics_activity'))}</button>
      ${cal.grid ? `<button type="button" class="secondary" id="grid-text" data-act="grid-text">${esc(t('sched.grid_text'))}</button>
      <button type="button" class="secondary" id="sched-print" data-act="print">${esc(t('sched.print'))}</button>` : ''}
      ${(cal.agendas || []).length ? `<details id="sched-people" ${page.peopleOpen ? 'open' : ''}><summary>${esc(t('sched.people'))}</summary><ul>${cal.agendas.map((g) => `
        <li>${esc(agendaName(a, g))} <span class="muted">(${esc(t(`sched.side.${g.side}`))})</span>
          <button type="button" class="secondary tool" id="ics-${esc(g.user_id)}" data-act="ics-agenda" data-id="${esc(g.agenda_id)}">${esc(t('sched.ics_for', { name: agendaName(a, g) }))}</button></li>`).join('')}</ul></details>` : ''}
    </div>` : cal?.error ? `<p class="error">${esc(cal.error)}</p>` : '';
  if (!s) {
    ctx.rerender(el, `${tools}${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
      ${a.kind === 'speed_jobbing' ? `<p class="muted">${esc(t('sched.none'))}</p>` : `<p class="muted">${esc(t('sched.not_speed'))}</p>`}${downloads}`);
    return;
  }
  // The grid as the server built it: slots down, tables (employers) across.
  const employers = s.employer_ids || [];
  const name = (id) => s.names?.[id] || ctx.personName(id);
  const bySlot = new Map();
  for (const m of s.meetings || []) {
    if (!bySlot.has(m.slot)) bySlot.set(m.slot, { start: m.start, end: m.end, cells: new Map() });
    bySlot.get(m.slot).cells.set(m.employer_id, m);
  }
  const slots = [...bySlot.entries()].sort((x, y) => x[0] - y[0]);
  const time = (iso) => new Date(iso).toLocaleTimeString(ctx.language() === 'fr' ? 'fr-CA' : 'en-CA', { timeZone: a.time_zone, hour: '2-digit', minute: '2-digit' });
  ctx.rerender(el, `${tools}${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
    <p class="print-title">${esc(a.title)} — ${esc(ctx.fmtTime(a.start, a.time_zone))} (${esc(a.time_zone)})${a.place ? ` — ${esc(a.place)}` : ''}</p>
    <p class="muted">${esc(t('sched.summary', { slots: s.slots ?? slots.length, meetings: (s.meetings || []).length, slot: s.slot_minutes, brk: s.break_minutes, when: ctx.fmtTime(s.built_at) }))}</p>
    <div class="table-wrap schedule" tabindex="0" role="region" aria-label="${esc(t('sched.grid'))}"><table id="sched-grid">
      <caption class="visually-hidden">${esc(t('sched.grid'))}</caption>
      <thead><tr><th scope="col">${esc(t('sched.slot'))}</th>${employers.map((e, i) => `<th scope="col">${esc(t('sched.table', { n: i + 1 }))}<br>${esc(employerLabel(a, e, s.names))}</th>`).join('')}</tr></thead>
      <tbody>${slots.map(([n, slot]) => `<tr><th scope="row">${n + 1} · ${esc(time(slot.start))}–${esc(time(slot.end))}</th>${employers.map((e) => {
        const m = slot.cells.get(e);
        return `<td>${m ? esc(name(m.candidate_id)) : '<span class="muted">—</span>'}</td>`;
      }).join('')}</tr>`).join('')}</tbody></table></div>${downloads}`);
}

// --- actions -------------------------------------------------------------------------------
function downloadText(text, filename, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url; link.download = filename;
  document.body.append(link); link.click(); link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function fileName(text) { return String(text || 'activity').normalize('NFD').replace(/[^\w-]+/g, '-').replace(/^-+|-+$/g, '').toLowerCase() || 'activity'; }

async function onAction(action, id) {
  const { t } = ctx;
  const a = activity();
  if (action === 'schedule') {
    delete page.errors.schedule;
    const p = ctx.mutateNow('activity.schedule', { id: page.id });
    renderSchedule();
    try { await p; ctx.announce(t('sched.built')); loadCalendar(); } catch (e) { page.errors.schedule = t('error.server', { m: e.message || e.code }); }
    renderSchedule();
    document.getElementById('sched-build')?.focus();
  } else if (action === 'print') {
    window.print();
  } else if (action === 'ics-activity' && page.calendar?.activity_ics) {
    downloadText(page.calendar.activity_ics, `${fileName(a?.title)}.ics`, 'text/calendar;charset=utf-8');
  } else if (action === 'grid-text' && page.calendar?.grid) {
    downloadText(page.calendar.grid, `${fileName(a?.title)}.txt`, 'text/plain;charset=utf-8');
  } else if (action === 'ics-agenda') {
    const g = (page.calendar?.agendas || []).find((x) => x.agenda_id === id);
    if (g) downloadText(g.ics, `${fileName(a?.title)}-${fileName(agendaName(a, g))}.ics`, 'text/calendar;charset=utf-8');
  } else if (action === 'unregister') {
    try { await ctx.mutateNow('activity.unregister', { activity_id: page.id, candidate_id: id }); ctx.announce(t('reg.withdrawn')); }
    catch (e) { document.getElementById('reg-error').textContent = t('error.server', { m: e.message || e.code }); }
  }
}

async function onAttendance(box) {
  const err = document.getElementById('reg-error');
  try {
    await ctx.mutateNow('activity.attendance', { activity_id: page.id, candidate_id: box.dataset.attended, attended: box.checked });
    err.textContent = '';
  } catch (e) {
    box.checked = !box.checked;
    err.textContent = ctx.t('error.server', { m: e.message || e.code });
  }
}

// A datetime-local value is the browser's wall clock: the instant it names, in RFC 3339.
function instant(local) { return new Date(local).toISOString(); }

async function onSubmit(action, form) {
  const { t } = ctx;
  if (action === 'cancel') {
    // activity.cancel: every registration is cancelled with why, agendas' .ics say CANCELLED.
    const args = { id: page.id };
    const reason = form.elements.reason.value.trim();
    if (reason) args.reason = reason;
    delete page.errors.cancel;
    try {
      await ctx.mutateNow('activity.cancel', args);
      ctx.announce(t('act.cancelled'));
    } catch (e) {
      page.errors.cancel = t('error.server', { m: e.message || e.code });  // the reason typed stays
    }
    renderActivity();
    return;
  }
  if (action === 'create') {
    const err = document.getElementById('act-error');
    const f = form.elements;
    const kind = f.kind.value;
    const args = { id: ctx.uuidv7(), kind, title: f.title.value.trim(), time_zone: f.zone.value.trim() || zoneOfBrowser(),
      capacity: Number(f.capacity.value), audience: kind === 'exploration_day' ? 'invited' : f.audience.value };
    if (!args.title || !f.start.value || !f.end.value) { err.textContent = t('act.missing'); return; }
    args.start = instant(f.start.value);
    args.end = instant(f.end.value);
    if (f.place.value.trim()) args.place = f.place.value.trim();
    if (f.video.value.trim()) args.video_url = f.video.value.trim();
    if (f.description.value.trim()) args.description = f.description.value.trim();
    const employers = [...form.querySelectorAll('input[name=employer]:checked')].map((x) => x.value);
    if (employers.length) args.employer_ids = employers;
    if (args.audience === 'invited') args.candidate_ids = [...form.querySelectorAll('input[name=invited]:checked')].map((x) => x.value);
    if (kind === 'speed_jobbing') { args.slot_minutes = Number(f.slot.value); args.break_minutes = Number(f.break.value); }
    err.textContent = '';
    try {
      await ctx.mutateNow('activity.create', args);
      ctx.clean(form);
      form.reset();
      f.zone.value = zoneOfBrowser();
      for (const x of form.querySelectorAll('input[type=checkbox]')) x.checked = false;
      showKindFields();
      ctx.announce(t('act.created', { title: args.title }));
      location.hash = `#/activities/${args.id}`;
    } catch (e) {
      err.textContent = t('error.server', { m: e.message || e.code });  // the form keeps what was typed
    }
  } else if (action === 'register') {
    const err = document.getElementById('reg-error');
    const candidate = form.elements.candidate.value;
    if (!candidate) return;
    err.textContent = '';
    try {
      await ctx.mutateNow('activity.register', { activity_id: page.id, candidate_id: candidate });
      ctx.clean(form);
      ctx.announce(t('reg.added', { name: ctx.personName(candidate) }));
      document.getElementById('reg-candidate')?.focus();
    } catch (e) {
      err.textContent = t('error.server', { m: e.message || e.code });
    }
  }
}

// After each pull: the open page again; the calendar is asked again when the schedule changed.
export function refreshActivityPages() {
  const v = ctx.view().view;
  if (v === 'activities') renderActivityList();
  else if (v === 'activity') {
    renderActivity();
    const s = ctx.coll('activity_schedules').get(page.id);
    const a = activity();
    const stamp = `${s?.sequence ?? ''}/${a?.updated_at ?? ''}/${ctx.language()}`;
    if (stamp !== page.stamp) {
      page.stamp = stamp;
      clearTimeout(page.timer);
      page.timer = setTimeout(loadCalendar, 300);
    }
  }
}
