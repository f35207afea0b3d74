// The dashboard's employer pages (docs/dashboard.md, "Employers" and "Internships"): employer
// profiles (staff may edit them: employer.update naming the employer) with the
// internship-conditions checklist staff confirm, their needs, the
// preselection of a need (the server runs employers::preselect and sends its reasons in both
// languages; the page ranks nothing itself), proposals with the employer's answer, and
// internships with their outcome. Writes are the shared mutators (employer.update, employer.confirm_conditions,
// need.create, need.close, proposal.create, internship.create, internship.extend,
// internship.outcome); a refusal shows the
// server's reason (the 28 days, an overlap...) beside the form, and what was typed stays.
//
// ctx = { main, t, esc, fmtTime, fmtDate, language, coll, rowsOf, rerender, clean, mutate,
//         mutateNow, uuidv7, request, announce, view }

const CONDITIONS = ['work_station', 'colleagues_on_site', 'coach_on_site'];
const OUTCOMES = ['hired_priime', 'hired', 'not_hired', 'ended_early'];

let ctx = null;
const page = { needId: null, preselect: null, timer: null, errors: {}, openNeedForms: new Set(), openEditForms: new Set(), stamp: '' };

export function installEmployerPages(context) {
  ctx = context;
  const { main } = ctx;
  main.addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-emp]');
    if (!b || !isMine()) return;
    if (b.getAttribute('aria-disabled') === 'true') return;
    onAction(b.dataset.emp, b.dataset.id, b);
  });
  main.addEventListener('submit', (ev) => {
    const f = ev.target.closest('form[data-emp]');
    if (!f || !isMine()) return;
    ev.preventDefault();
    onSubmit(f.dataset.emp, f);
  });
  main.addEventListener('change', (ev) => {
    if (isMine() && ev.target.matches('select[data-outcome-for]')) renderInternships();
  });
  // An open "add a need" or "edit the profile" form stays open across re-renders.
  main.addEventListener('toggle', (ev) => {
    const d = ev.target;
    if (!(d instanceof HTMLDetailsElement)) return;
    if (d.id.startsWith('need-new-')) { if (d.open) page.openNeedForms.add(d.id.slice(9)); else page.openNeedForms.delete(d.id.slice(9)); }
    if (d.id.startsWith('emp-edit-')) { if (d.open) page.openEditForms.add(d.id.slice(9)); else page.openEditForms.delete(d.id.slice(9)); }
  }, true);
}

const isMine = () => ['employers', 'need', 'internships'].includes(ctx.view().view);

// --- employers ---------------------------------------------------------------------------
export function showEmployers() {
  const { main, t, esc } = ctx;
  main.innerHTML = `
    <h1>${esc(t('emp.title'))}</h1>
    <p class="muted">${esc(t('emp.intro'))}</p>
    <div id="emp-list"><p class="loading">${esc(t('loading'))}</p></div>`;
  renderEmployers();
}

function employerNeeds(employerId) {
  return ctx.rowsOf('employer_needs', (n) => n.employer_id === employerId)
    .sort((a, b) => (a.status === b.status ? (a.created_at < b.created_at ? 1 : -1) : a.status === 'open' ? -1 : 1));
}

function renderEmployers() {
  const { t, esc } = ctx;
  const el = document.getElementById('emp-list');
  if (!el) return;
  const profiles = ctx.rowsOf('employer_profiles').sort((a, b) => (a.organization || '').localeCompare(b.organization || ''));
  if (!profiles.length) { ctx.rerender(el, `<p class="muted">${esc(t('emp.none'))}</p>`); return; }
  ctx.rerender(el, profiles.map((p) => {
    const org = p.organization || p.name || p.id;
    const conditions = p.conditions || {};
    const complete = CONDITIONS.every((c) => conditions[c] === true);
    const pending = ctx.pending('employer.confirm_conditions', (a) => a.employer_id === p.id);
    const needs = employerNeeds(p.id);
    const error = page.errors[`confirm-${p.id}`];
    return `
    <section class="card employer" aria-labelledby="emp-h-${esc(p.id)}" data-employer="${esc(p.id)}">
      <h2 id="emp-h-${esc(p.id)}">${esc(org)}</h2>
      <p class="muted">${esc([...new Set([p.sector, p.city, p.region].filter(Boolean))].join(' · ') || t('emp.no_details'))}
        — ${esc(t('emp.contact', { name: p.name || '—' }))}</p>
      <dl class="facts">
        <dt>${esc(t('emp.occupations'))}</dt><dd>${esc((p.occupation_codes || []).join(', ') || '—')}</dd>
        <dt>${esc(t('emp.languages'))}</dt><dd>${esc((p.languages || []).join(', ') || '—')}</dd>
        <dt>${esc(t('emp.positions'))}</dt><dd>${esc(p.positions_open ?? '—')}</dd>
        <dt>${esc(t('emp.capacity'))}</dt><dd>${esc(p.internship_capacity ?? '—')}</dd>
        <dt>${esc(t('emp.priime'))}</dt><dd>${esc(t(p.priime_interest ? 'yes' : 'no'))}</dd>
      </dl>
      <h3 id="cond-h-${esc(p.id)}">${esc(t('emp.conditions'))}</h3>
      <ul class="checklist" aria-labelledby="cond-h-${esc(p.id)}">${CONDITIONS.map((c) => `
        <li><span aria-hidden="true">${conditions[c] ? '☑' : '☐'}</span> ${esc(t(`emp.cond.${c}`))}
          <span class="visually-hidden">${esc(t(conditions[c] ? 'emp.declared' : 'emp.not_declared'))}</span></li>`).join('')}</ul>
      <p class="cond-state ${p.conditions_confirmed ? 'ok' : ''}">${esc(p.conditions_confirmed
        ? t('emp.confirmed', { who: ctx.personName(p.conditions_confirmed_by), when: ctx.fmtTime(p.conditions_confirmed_at) })
        : complete ? t('emp.to_confirm') : t('emp.incomplete'))}</p>
      ${p.conditions_confirmed
        ? `<button type="button" class="secondary" id="unconfirm-${esc(p.id)}" data-emp="unconfirm" data-id="${esc(p.id)}" ${pending ? 'aria-disabled="true"' : ''}>${esc(t('emp.unconfirm', { org }))}</button>`
        : `<button type="button" id="confirm-${esc(p.id)}" data-emp="confirm" data-id="${esc(p.id)}" ${!complete || pending ? 'aria-disabled="true"' : ''}>${esc(t('emp.confirm', { org }))}</button>`}
      ${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
      ${editForm(p, org)}
      <h3 id="needs-h-${esc(p.id)}">${esc(t('emp.needs'))}</h3>
      ${needs.length ? `<ul class="needs" aria-labelledby="needs-h-${esc(p.id)}">${needs.map((n) => `
        <li data-need="${esc(n.id)}"><a href="#/employers/need/${esc(n.id)}" id="need-link-${esc(n.id)}">${esc(n.title)}</a>
          <span class="muted">${esc(needSummary(n))}</span></li>`).join('')}</ul>` : `<p class="muted">${esc(t('emp.no_needs'))}</p>`}
      <details id="need-new-${esc(p.id)}" ${page.openNeedForms.has(p.id) ? 'open' : ''}>
        <summary>${esc(t('need.new'))}</summary>
        <form class="filters" data-emp="need-create" data-employer="${esc(p.id)}" aria-label="${esc(t('need.new_for', { org }))}">
          <label>${esc(t('need.title'))}<br><input id="need-title-${esc(p.id)}" name="title" data-keep maxlength="200" required></label>
          <label>${esc(t('need.kind'))}<br><select id="need-kind-${esc(p.id)}" name="kind" data-keep><option value="job">${esc(t('need.kind.job'))}</option><option value="internship">${esc(t('need.kind.internship'))}</option></select></label>
          <label>${esc(t('need.occupation'))}<br><input id="need-noc-${esc(p.id)}" name="occupation" data-keep inputmode="numeric" maxlength="5" size="6"></label>
          <label>${esc(t('need.languages'))}<br><input id="need-langs-${esc(p.id)}" name="languages" data-keep size="8" placeholder="fr, en"></label>
          <label>${esc(t('need.region'))}<br><input id="need-region-${esc(p.id)}" name="region" data-keep maxlength="100"></label>
          <label>${esc(t('need.start_by'))}<br><input id="need-start-${esc(p.id)}" name="start_by" data-keep type="date"></label>
          <button type="submit" id="need-create-${esc(p.id)}">${esc(t('need.create'))}</button>
        </form>
        ${page.errors[`need-${p.id}`] ? `<p class="error" role="alert">${esc(page.errors[`need-${p.id}`])}</p>` : ''}
      </details>
    </section>`;
  }).join(''));
}

// Staff edit a profile with employer.update naming the employer; only the fields changed are
// sent (the conditions stay the employer's declaration, which staff confirm above).
function editForm(p, org) {
  const { t, esc } = ctx;
  const id = esc(p.id);
  const text = (key, label, extra = '') => `<label>${esc(t(label))}<br><input id="emp-${key}-${id}" name="${key}" data-keep value="${esc(p[key] ?? '')}" ${extra}></label>`;
  return `<details id="emp-edit-${id}" ${page.openEditForms.has(p.id) ? 'open' : ''}>
    <summary>${esc(t('emp.edit'))}</summary>
    <form class="filters" data-emp="employer-update" data-employer="${id}" aria-label="${esc(t('emp.edit_of', { org }))}">
      ${text('organization', 'emp.organization', 'maxlength="200"')}${text('sector', 'emp.sector', 'maxlength="200"')}
      ${text('city', 'emp.city', 'maxlength="200"')}${text('region', 'need.region', 'maxlength="200"')}
      <label>${esc(t('emp.occupations'))}<br><input id="emp-occupation_codes-${id}" name="occupation_codes" data-keep value="${esc((p.occupation_codes || []).join(', '))}" placeholder="31301, 21231"></label>
      <label>${esc(t('need.languages'))}<br><input id="emp-languages-${id}" name="languages" data-keep size="8" value="${esc((p.languages || []).join(', '))}"></label>
      ${text('positions_open', 'emp.positions', 'type="number" min="0" max="1000"')}${text('internship_capacity', 'emp.capacity', 'type="number" min="0" max="1000"')}
      <label>${esc(t('emp.priime'))}<br><select id="emp-priime-${id}" name="priime_interest" data-keep>
        <option value="true" ${p.priime_interest ? 'selected' : ''}>${esc(t('yes'))}</option><option value="false" ${p.priime_interest ? '' : 'selected'}>${esc(t('no'))}</option></select></label>
      <button type="submit" id="emp-save-${id}">${esc(t('emp.save', { org }))}</button>
    </form>
    ${page.errors[`edit-${p.id}`] ? `<p class="error" role="alert">${esc(page.errors[`edit-${p.id}`])}</p>` : ''}
  </details>`;
}

function needSummary(n) {
  const { t } = ctx;
  const proposals = ctx.rowsOf('employer_proposals', (x) => x.need_id === n.id);
  return [t(`need.kind.${n.kind || 'job'}`), n.occupation_code ? t('need.noc', { c: n.occupation_code }) : '',
    (n.languages || []).join(', '), n.region || '', n.start_by ? t('need.start_on', { d: n.start_by }) : '',
    t(`need.status.${n.status || 'open'}`), t('need.proposals', { n: proposals.length })].filter(Boolean).join(' · ');
}

// --- a need: preselection and proposals ----------------------------------------------------
export function showNeed(id) {
  const { main, t, esc } = ctx;
  if (page.needId !== id) { page.preselect = null; page.errors = {}; }
  page.needId = id;
  main.innerHTML = `
    <p><a href="#/employers">${esc(t('need.back'))}</a></p>
    <div id="need-head"><p class="loading">${esc(t('loading'))}</p></div>
    <div class="grid">
      <section class="card" aria-labelledby="presel-h"><h2 id="presel-h">${esc(t('presel.title'))}</h2>
        <p class="muted">${esc(t('presel.intro'))}</p>
        <div id="need-preselect"><p class="loading">${esc(t('loading'))}</p></div></section>
      <section class="card" aria-labelledby="props-h"><h2 id="props-h" tabindex="-1">${esc(t('prop.title'))}</h2><div id="need-proposals"></div></section>
    </div>`;
  renderNeed();
  loadPreselection();
}

async function loadPreselection() {
  const id = page.needId;
  try {
    const a = await ctx.request('employers.preselect', { need_id: id });
    if (page.needId === id) { page.preselect = a; renderNeed(); }
  } catch (e) {
    if (page.needId === id) { page.preselect = { error: e.code === 'not_found' ? ctx.t('need.not_found') : e.message || e.code }; renderNeed(); }
  }
}

function renderNeed() {
  const { t, esc } = ctx;
  const head = document.getElementById('need-head');
  if (!head) return;
  const n = ctx.coll('employer_needs').get(page.needId);
  if (!n) { ctx.rerender(head, `<p class="${ctx.pulling() ? 'loading' : 'error'}">${esc(t(ctx.pulling() ? 'loading' : 'need.not_found'))}</p>`); }
  else {
    const p = ctx.coll('employer_profiles').get(n.employer_id);
    const closing = ctx.pending('need.close', (a) => a.id === n.id);
    ctx.rerender(head, `<h1>${esc(n.title)} — ${esc(n.organization || p?.organization || '')}</h1>
      <p class="muted">${esc(needSummary(n))}${n.closed_at ? ` · ${esc(t('need.closed_on', { when: ctx.fmtTime(n.closed_at) }))}` : ''}</p>
      ${n.status !== 'closed' ? `<button type="button" class="secondary" id="need-close" data-emp="close-need" data-id="${esc(n.id)}"
        ${closing ? 'aria-disabled="true"' : ''}>${esc(t('need.close', { title: n.title }))}</button>` : ''}
      ${page.errors.close ? `<p class="error" role="alert">${esc(page.errors.close)}</p>` : ''}`);
  }
  renderPreselection(n);
  renderProposals();
}

function renderPreselection(need) {
  const { t, esc } = ctx;
  const el = document.getElementById('need-preselect');
  if (!el || !page.preselect) return;
  const a = page.preselect;
  if (a.error) { el.innerHTML = `<p class="error">${esc(a.error)}</p>`; return; }
  const lang = ctx.language();
  const closed = need?.status === 'closed' || a.need_status === 'closed';
  const error = page.errors.propose;
  // A proposal sent but not yet answered by the server: its candidate waits with a note.
  const sent = new Set(ctx.pendingArgs('proposal.create').filter((x) => x.need_id === page.needId).map((x) => x.candidate_id));
  const list = a.candidates.filter((c) => !(need?.proposed_candidate_ids || []).includes(c.candidate_id));
  ctx.rerender(el, `${closed ? `<p class="muted">${esc(t('presel.closed'))}</p>` : ''}
    ${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
    ${list.length ? `<ol class="suggestions preselection">${list.map((c) => {
      const card = ctx.coll('candidate_cards').get(c.candidate_id) || {};
      const meta = [card.profession, card.occupation_code ? t('need.noc', { c: card.occupation_code }) : '',
        (card.languages || []).map((l) => `${l.code} ${l.level || ''}`.trim()).join(', '), card.target_region,
        card.available_from ? t('presel.available', { d: card.available_from }) : ''].filter(Boolean).join(' · ');
      return `
      <li data-candidate="${esc(c.candidate_id)}">
        <strong>${esc(c.name)}</strong> <span class="muted">${esc(t('presel.score', { s: c.score }))}</span>
        ${meta ? `<div class="muted">${esc(meta)}</div>` : ''}
        ${c.reasons.length ? `<ul class="reasons" aria-label="${esc(t('suggest.reasons', { name: c.name }))}">${c.reasons.map((r) => `<li>${esc(r.text[lang] || r.text.fr)} <span class="muted">+${r.points}</span></li>`).join('')}</ul>`
          : `<p class="muted">${esc(t('presel.no_reason'))}</p>`}
        ${sent.has(c.candidate_id) ? `<p class="muted">${esc(t('suggest.pending'))}</p>` : ''}
        <button type="button" class="secondary" id="propose-${esc(c.candidate_id)}" data-emp="propose" data-id="${esc(c.candidate_id)}"
          ${closed || sent.has(c.candidate_id) ? 'aria-disabled="true"' : ''}>${esc(t('presel.propose', { name: c.name }))}</button>
      </li>`;
    }).join('')}</ol>` : `<p class="muted">${esc(t('presel.none'))}</p>`}`);
}

function renderProposals() {
  const { t, esc } = ctx;
  const el = document.getElementById('need-proposals');
  if (!el) return;
  const list = ctx.rowsOf('employer_proposals', (x) => x.need_id === page.needId).sort((a, b) => (a.proposed_at < b.proposed_at ? 1 : -1));
  const lang = ctx.language();
  ctx.rerender(el, list.length ? `<ul class="proposals">${list.map((p) => `
    <li data-proposal="${esc(p.id)}"><strong>${esc(p.candidate_name)}</strong>
      <span class="prop-status prop-${esc(p.status)}">${esc(t(`prop.status.${p.status}`))}</span>
      <span class="muted">${esc(t('prop.meta', { when: ctx.fmtTime(p.proposed_at), who: ctx.personName(p.proposed_by), s: p.score ?? 0 }))}</span>
      ${p.answered_at ? `<div class="muted">${esc(t('prop.answered', { when: ctx.fmtTime(p.answered_at) }))}${p.reason ? ` — « ${esc(p.reason)} »` : ''}</div>` : ''}
      ${(p.reasons || []).length ? `<div class="muted">${esc(p.reasons.map((r) => r.text?.[lang] || r.text?.fr).join(' · '))}</div>` : ''}
    </li>`).join('')}</ul>` : `<p class="muted">${esc(t('prop.none'))}</p>`);
}

// --- internships ---------------------------------------------------------------------------
export function showInternships() {
  const { main, t, esc } = ctx;
  const zone = 'America/Toronto';
  main.innerHTML = `
    <h1>${esc(t('intern.title'))}</h1>
    <p class="muted">${esc(t('intern.intro'))}</p>
    <section class="card" aria-labelledby="intern-new-h"><h2 id="intern-new-h">${esc(t('intern.new'))}</h2>
      <form id="intern-form" class="filters" data-emp="intern-create">
        <label>${esc(t('intern.employer'))}<br><select id="intern-employer" name="employer" data-keep required></select></label>
        <label>${esc(t('intern.candidate'))}<br><select id="intern-candidate" name="candidate" data-keep required></select></label>
        <label>${esc(t('intern.start'))}<br><input id="intern-start" name="start" type="date" data-keep required></label>
        <label>${esc(t('intern.last_day'))}<br><input id="intern-end" name="end" type="date" data-keep required aria-describedby="intern-end-help"></label>
        <label>${esc(t('intern.zone'))}<br><input id="intern-zone" name="zone" data-keep value="${esc(zone)}" size="18"></label>
        <button type="submit" id="intern-create">${esc(t('intern.create'))}</button>
        <span id="intern-end-help" class="muted">${esc(t('intern.end_help'))}</span>
      </form>
      <p class="error" role="alert" id="intern-error"></p>
    </section>
    <section class="card" aria-labelledby="intern-list-h"><h2 id="intern-list-h">${esc(t('intern.list'))}</h2>
      <div class="filters"><label>${esc(t('intern.filter'))}<br><input id="intern-filter" type="search" data-keep></label></div>
      <div id="intern-list" class="table-wrap" tabindex="0" role="region" aria-labelledby="intern-list-h"></div>
    </section>`;
  document.getElementById('intern-filter').addEventListener('input', () => renderInternships());
  renderInternships();
}

// Options of a select, replaced only when they change, so a choice in progress stays.
function fillSelect(sel, options, placeholder) {
  if (!sel) return;
  const key = JSON.stringify([ctx.language(), options]);
  if (sel.dataset.key === key) return;
  const value = sel.value;
  sel.innerHTML = `<option value="">${ctx.esc(placeholder)}</option>` + options.map(([v, label]) => `<option value="${ctx.esc(v)}">${ctx.esc(label)}</option>`).join('');
  sel.dataset.key = key;
  if (options.some(([v]) => v === value)) sel.value = value;
}

function renderInternships() {
  const { t, esc } = ctx;
  const el = document.getElementById('intern-list');
  if (!el) return;
  fillSelect(document.getElementById('intern-employer'),
    ctx.rowsOf('employer_profiles').map((p) => [p.id, `${p.organization || p.name}${p.conditions_confirmed ? '' : ` (${t('intern.unconfirmed')})`}`])
      .sort((a, b) => a[1].localeCompare(b[1])), t('intern.choose'));
  fillSelect(document.getElementById('intern-candidate'),
    ctx.rowsOf('candidate_cards').map((c) => [c.id, c.name]).sort((a, b) => a[1].localeCompare(b[1])), t('intern.choose'));
  const q = (document.getElementById('intern-filter')?.value || '').trim().toLowerCase();
  const list = ctx.rowsOf('internships', (i) => !q || `${i.candidate_name} ${i.organization}`.toLowerCase().includes(q))
    .sort((a, b) => (a.start < b.start ? 1 : -1));
  if (!list.length) { ctx.rerender(el, `<p class="muted">${esc(t('intern.none'))}</p>`); return; }
  ctx.rerender(el, `<table><thead><tr>
      <th scope="col">${esc(t('intern.candidate'))}</th><th scope="col">${esc(t('intern.employer'))}</th>
      <th scope="col">${esc(t('intern.period'))}</th><th scope="col">${esc(t('intern.status'))}</th><th scope="col">${esc(t('intern.outcome'))}</th></tr></thead>
    <tbody>${list.map((i) => {
      const chosen = document.getElementById(`outcome-${i.id}`)?.value || '';
      const error = page.errors[`outcome-${i.id}`];
      return `<tr data-internship="${esc(i.id)}">
      <th scope="row">${esc(i.candidate_name || '—')}</th><td>${esc(i.organization)}</td>
      <td>${esc(ctx.fmtDate(i.start, i.time_zone))} → ${esc(lastDay(i.end, i.time_zone))} <span class="muted">${esc(i.time_zone || '')}</span></td>
      <td>${esc(t(`intern.st.${i.status}`))}</td>
      <td>${i.outcome
        ? `${esc(t(`intern.out.${i.outcome}`))}${i.ended_at ? ` (${esc(ctx.fmtDate(i.ended_at, i.time_zone))})` : ''}${i.outcome_note ? ` — ${esc(i.outcome_note)}` : ''}`
        : `<form class="filters outcome-form" data-emp="intern-outcome" data-id="${esc(i.id)}" aria-label="${esc(t('intern.outcome_for', { name: i.candidate_name }))}">
            <label>${esc(t('intern.outcome'))}<br><select id="outcome-${esc(i.id)}" name="outcome" data-keep data-outcome-for="${esc(i.id)}" required>
              <option value="">${esc(t('intern.choose'))}</option>${OUTCOMES.map((o) => `<option value="${o}" ${o === chosen ? 'selected' : ''}>${esc(t(`intern.out.${o}`))}</option>`).join('')}</select></label>
            ${chosen === 'ended_early' ? `<label>${esc(t('intern.ended_at'))}<br><input id="ended-${esc(i.id)}" name="ended_at" type="date" data-keep required></label>` : ''}
            <label>${esc(t('intern.note'))}<br><input id="note-${esc(i.id)}" name="note" data-keep maxlength="500"></label>
            <button type="submit" class="secondary" id="outcome-save-${esc(i.id)}">${esc(t('intern.record'))}</button>
          </form>${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
          <form class="filters extend-form" data-emp="intern-extend" data-id="${esc(i.id)}" aria-label="${esc(t('intern.extend_for', { name: i.candidate_name }))}">
            <label>${esc(t('intern.new_last_day'))}<br><input id="extend-${esc(i.id)}" name="end" type="date" data-keep required></label>
            <button type="submit" class="secondary" id="extend-save-${esc(i.id)}">${esc(t('intern.extend'))}</button>
          </form>${page.errors[`extend-${i.id}`] ? `<p class="error" role="alert" id="extend-error-${esc(i.id)}">${esc(page.errors[`extend-${i.id}`])}</p>` : ''}`}</td></tr>`;
    }).join('')}</tbody></table>`);
}

// The end is exclusive (the workplace's midnight after the last day): the last day is shown.
function lastDay(end, zone) { return end ? ctx.fmtDate(new Date(Date.parse(end) - 1).toISOString(), zone) : '—'; }

// --- actions -------------------------------------------------------------------------------
async function write(key, name, args, rerenderFn) {
  delete page.errors[key];
  try {
    await ctx.mutateNow(name, args);
    rerenderFn();
    return true;
  } catch (e) {
    page.errors[key] = ctx.t('error.server', { m: e.message || e.code });
    rerenderFn();
    return false;
  }
}

function onAction(action, id) {
  const { t } = ctx;
  if (action === 'confirm' || action === 'unconfirm') {
    write(`confirm-${id}`, 'employer.confirm_conditions', { employer_id: id, confirmed: action === 'confirm' }, renderEmployers)
      .then((ok) => { if (ok) { ctx.announce(t(action === 'confirm' ? 'emp.done_confirm' : 'emp.done_unconfirm')); document.getElementById(`${action === 'confirm' ? 'unconfirm' : 'confirm'}-${id}`)?.focus(); } });
  } else if (action === 'close-need') {
    write('close', 'need.close', { id }, renderNeed).then((ok) => {
      if (!ok) return;
      ctx.announce(t('need.closed'));
      document.getElementById('props-h')?.focus();
      loadPreselection();
    });
    renderNeed();
  } else if (action === 'propose') {
    const needId = page.needId;
    write('propose', 'proposal.create', { id: ctx.uuidv7(), need_id: needId, candidate_id: id }, renderNeed)
      .then((ok) => {
        if (!ok) return;
        ctx.announce(t('presel.proposed'));
        // Her button is gone: the focus goes to the next candidate's, else to the proposals.
        (document.querySelector('#need-preselect button[data-emp="propose"]') || document.getElementById('props-h'))?.focus();
        loadPreselection();
      });
    renderNeed();
  }
}

// Local midnight of a date in an IANA zone, as an RFC 3339 instant: the offset is read from
// the browser's own zone database (a conversion of display, not a rule; the server checks the
// 28 days on the workplace's wall clock).
function offsetAt(ms, zone) {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
    .formatToParts(new Date(ms)).reduce((o, p) => ({ ...o, [p.type]: p.value }), {});
  return Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute) - Math.floor(ms / 60000) * 60000;
}
export function midnightIn(date, zone) {
  const [y, m, d] = date.split('-').map(Number);
  const guess = Date.UTC(y, m - 1, d);
  // Twice: the offset at the first answer is the one that holds on a day the clocks change.
  const first = guess - offsetAt(guess, zone);
  return new Date(guess - offsetAt(first, zone)).toISOString();
}

function nextDay(date) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

function validZone(zone) {
  try { new Intl.DateTimeFormat('en', { timeZone: zone }); return true; } catch (e) { return false; }
}

async function onSubmit(action, form) {
  const { t } = ctx;
  if (action === 'need-create') {
    const employer = form.dataset.employer;
    const title = form.elements.title.value.trim();
    if (!title) return;
    const args = { id: ctx.uuidv7(), employer_id: employer, title, kind: form.elements.kind.value };
    const noc = form.elements.occupation.value.trim();
    if (noc) args.occupation_code = noc;
    const langs = form.elements.languages.value.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean);
    if (langs.length) args.languages = langs;
    if (form.elements.region.value.trim()) args.region = form.elements.region.value.trim();
    if (form.elements.start_by.value) args.start_by = form.elements.start_by.value;
    page.openNeedForms.add(employer);
    if (await write(`need-${employer}`, 'need.create', args, renderEmployers)) {
      ctx.clean(form);
      form.reset();
      page.openNeedForms.delete(employer);
      ctx.announce(t('need.created', { title }));
      renderEmployers();
      document.getElementById(`need-link-${args.id}`)?.focus();
    }
  } else if (action === 'employer-update') {
    const employer = form.dataset.employer;
    const p = ctx.coll('employer_profiles').get(employer) || {};
    const f = form.elements;
    const list = (x) => x.split(',').map((v) => v.trim()).filter(Boolean);
    const args = { employer_id: employer };
    for (const key of ['organization', 'sector', 'city', 'region']) {
      const v = f[key].value.trim();
      if (v && v !== (p[key] || '')) args[key] = v;
    }
    const codes = list(f.occupation_codes.value);
    if (codes.join(',') !== (p.occupation_codes || []).join(',')) args.occupation_codes = codes;
    const langs = list(f.languages.value.toLowerCase());
    if (langs.join(',') !== (p.languages || []).join(',')) args.languages = langs;
    for (const key of ['positions_open', 'internship_capacity'])
      if (f[key].value !== '' && Number(f[key].value) !== p[key]) args[key] = Number(f[key].value);
    if ((f.priime_interest.value === 'true') !== !!p.priime_interest) args.priime_interest = f.priime_interest.value === 'true';
    page.openEditForms.add(employer);
    if (Object.keys(args).length === 1) { page.errors[`edit-${employer}`] = t('emp.nothing_changed'); renderEmployers(); return; }
    if (await write(`edit-${employer}`, 'employer.update', args, renderEmployers)) {
      for (const x of document.querySelectorAll(`#emp-edit-${CSS.escape(employer)} .dirty`)) x.classList.remove('dirty');
      ctx.announce(t('emp.saved'));
      renderEmployers();
    }
  } else if (action === 'intern-create') {
    const err = document.getElementById('intern-error');
    const f = form.elements;
    const zone = f.zone.value.trim() || 'America/Toronto';
    if (!f.employer.value || !f.candidate.value || !f.start.value || !f.end.value) { err.textContent = t('intern.missing'); return; }
    if (!validZone(zone)) { err.textContent = t('intern.bad_zone', { z: zone }); return; }
    // The end is the last day: the internship ends at the workplace's midnight after it.
    const args = { id: ctx.uuidv7(), employer_id: f.employer.value, candidate_id: f.candidate.value,
      start: midnightIn(f.start.value, zone), end: midnightIn(nextDay(f.end.value), zone), time_zone: zone };
    err.textContent = '';
    try {
      await ctx.mutateNow('internship.create', args);
      ctx.clean(form);
      f.start.value = ''; f.end.value = '';
      ctx.announce(t('intern.created'));
      renderInternships();
    } catch (e) {
      err.textContent = t('intern.refused', { m: e.message || e.code });  // kept: the fields stay as typed
    }
  } else if (action === 'intern-extend') {
    // The new last day, as the exclusive end (the workplace's midnight after it); the server
    // checks the 28 days and overlaps, and its refusal (which points to hiring) is shown.
    const id = form.dataset.id;
    const i = ctx.coll('internships').get(id);
    const last = form.elements.end.value;
    if (!last || !i) return;
    const args = { id, end: midnightIn(nextDay(last), i.time_zone || 'America/Toronto') };
    const key = `extend-${id}`;
    delete page.errors[key];
    try {
      await ctx.mutateNow('internship.extend', args);
      // The pull that brought the new end may have re-rendered the row: the field is looked up again.
      const field = document.getElementById(`extend-${id}`);
      if (field) { field.classList.remove('dirty'); field.value = ''; }
      ctx.announce(t('intern.extended'));
      renderInternships();
    } catch (e) {
      page.errors[key] = t('intern.refused', { m: e.message || e.code });  // the date typed stays (data-keep)
      renderInternships();
    }
  } else if (action === 'intern-outcome') {
    const id = form.dataset.id;
    const i = ctx.coll('internships').get(id);
    const args = { id, outcome: form.elements.outcome.value };
    if (!args.outcome) return;
    if (args.outcome === 'ended_early') {
      if (!form.elements.ended_at?.value) return;
      args.ended_at = midnightIn(form.elements.ended_at.value, i?.time_zone || 'America/Toronto');
    }
    if (form.elements.note.value.trim()) args.note = form.elements.note.value.trim();
    if (await write(`outcome-${id}`, 'internship.outcome', args, renderInternships)) {
      ctx.clean(form);
      ctx.announce(t('intern.outcome_saved'));
    }
  }
}

// After each pull: the open page again (its forms keep what was typed).
export function refreshEmployerPages() {
  const v = ctx.view().view;
  if (v === 'employers') renderEmployers();
  else if (v === 'need') {
    renderNeed();
    // A new or changed card, a proposal or the need's state changes the list: ask again, once.
    const need = ctx.coll('employer_needs').get(page.needId);
    const stamp = JSON.stringify([need?.status, need?.proposed_candidate_ids, ctx.rowsOf('candidate_cards').map((c) => `${c.id}@${c.updated_at}`).sort()]);
    if (stamp !== page.stamp) {
      page.stamp = stamp;
      clearTimeout(page.timer);
      page.timer = setTimeout(loadPreselection, 300);
    }
  } else if (v === 'internships') renderInternships();
}
