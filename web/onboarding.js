// Onboarding pages of the dashboard (docs/dashboard.md, "Invitations" and "Accounts"):
// invite one person, invite a cohort from a CSV file, follow invitations (resend, revoke), and
// the admin's account search with its changes. Every rule is the server's: this module sends
// the requests (invite.*, accounts.search, account.update, account.end_sessions, the
// caseload.assign mutator) and shows what comes back, errors included, keeping what was typed.

// ctx = { conn, main, t, esc, fmtTime, mutate, uuidv7, user, announce }
export function showInvitations(ctx) {
  const { main, t, esc, user } = ctx;
  const admin = user.role === 'admin';
  const roles = admin ? ['candidate', 'mentor', 'employer', 'coach', 'admin'] : ['candidate', 'mentor', 'employer'];
  main.innerHTML = `
    <h1>${esc(t('inv.title'))}</h1>
    <section class="card" aria-labelledby="inv-new-h">
      <h2 id="inv-new-h">${esc(t('inv.new'))}</h2>
      <form id="invite-form" class="filters" novalidate>
        <label>${esc(t('inv.email'))}<br><input id="inv-email" type="email" required autocomplete="off" data-keep></label>
        <label>${esc(t('inv.name'))}<br><input id="inv-name" maxlength="200" data-keep></label>
        <label>${esc(t('inv.role'))}<br><select id="inv-role">${roles.map((r) => `<option value="${r}">${esc(t(`role.${r}`))}</option>`).join('')}</select></label>
        <label>${esc(t('inv.locale'))}<br><select id="inv-locale"><option value="fr">Français</option><option value="en">English</option></select></label>
        <span id="inv-candidate-fields" class="filters">
          <label>${esc(t('col.arrival'))}<br><input id="inv-arrival" type="date" data-keep></label>
          <label>${esc(t('inv.country'))}<br><input id="inv-country" maxlength="2" size="4" pattern="[A-Z]{2}" aria-describedby="inv-country-help" data-keep></label>
          <span id="inv-country-help" class="muted">${esc(t('inv.country_help'))}</span>
          ${admin ? `<label>${esc(t('col.coach'))}<br><select id="inv-coach"><option value="">${esc(t('inv.no_coach'))}</option></select></label>` : ''}
        </span>
        <span id="inv-mentor-fields" class="filters" hidden>
          <label>${esc(t('inv.occupation'))}<br><input id="inv-occupation" inputmode="numeric" maxlength="5" size="6" data-keep></label>
          <label>${esc(t('inv.profession'))}<br><input id="inv-profession" maxlength="100" data-keep></label>
          <label>${esc(t('inv.languages'))}<br><input id="inv-languages" aria-describedby="inv-languages-help" data-keep></label>
          <span id="inv-languages-help" class="muted">${esc(t('inv.languages_help'))}</span>
          <label>${esc(t('inv.city'))}<br><input id="inv-city" maxlength="100" data-keep></label>
          <label>${esc(t('inv.capacity'))}<br><input id="inv-capacity" type="number" min="0" max="20" value="1"></label>
        </span>
        <button type="submit" id="inv-send">${esc(t('inv.send'))}</button>
      </form>
      <p class="error" role="alert" id="inv-error"></p>
    </section>
    <section class="card" aria-labelledby="inv-cohort-h">
      <h2 id="inv-cohort-h">${esc(t('inv.cohort'))}</h2>
      <p class="muted">${esc(t('inv.cohort_help'))} <a href="/v1/invitations/template.csv" download="cohort-template.csv">${esc(t('inv.template'))}</a></p>
      <form id="cohort-upload" class="filters">
        <label>${esc(t('inv.file'))}<br><input id="cohort-file" type="file" accept=".csv,text/csv"></label>
        <button type="submit" class="secondary" id="cohort-check" data-mode="check">${esc(t('inv.check'))}</button>
        <button type="button" id="cohort-send" data-mode="send">${esc(t('inv.send_cohort'))}</button>
      </form>
      <p class="error" role="alert" id="cohort-error"></p>
      <div id="cohort-report" aria-live="polite"></div>
    </section>
    <section class="card" aria-labelledby="inv-list-h">
      <h2 id="inv-list-h">${esc(t('inv.list'))}</h2>
      <div class="filters">
        <label>${esc(t('inv.status'))}<br><select id="inv-filter"><option value="">${esc(t('inv.all'))}</option>
          ${['pending', 'queued', 'accepted', 'expired', 'revoked'].map((s) => `<option value="${s}">${esc(t(`inv.st.${s}`))}</option>`).join('')}</select></label>
        <span id="inv-counts" class="muted"></span>
      </div>
      <p class="error" role="alert" id="inv-list-error"></p>
      <div class="table-wrap" id="inv-list"><p class="loading">${esc(t('loading'))}</p></div>
    </section>`;

  const roleSel = main.querySelector('#inv-role');
  const showFields = () => {
    main.querySelector('#inv-candidate-fields').hidden = roleSel.value !== 'candidate';
    main.querySelector('#inv-mentor-fields').hidden = roleSel.value !== 'mentor';
  };
  roleSel.addEventListener('change', showFields);
  main.querySelector('#inv-locale').value = user.locale === 'en' ? 'en' : 'fr';
  if (admin) loadCoaches(ctx, main.querySelector('#inv-coach'));

  main.querySelector('#invite-form').addEventListener('submit', (ev) => { ev.preventDefault(); sendInvite(ctx); });
  main.querySelector('#cohort-upload').addEventListener('submit', (ev) => { ev.preventDefault(); uploadCohort(ctx, 'check'); });
  main.querySelector('#cohort-send').addEventListener('click', () => uploadCohort(ctx, 'send'));
  main.querySelector('#inv-filter').addEventListener('change', () => loadInvitations(ctx));
  main.querySelector('#inv-list').addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-action]');
    if (b) changeInvitation(ctx, b.dataset.action, b.dataset.id, b.dataset.email);
  });
  loadInvitations(ctx);
}

async function loadCoaches(ctx, select) {
  try {
    const a = await ctx.conn.request('accounts.search', { role: 'coach', state: 'active', limit: 1000 });
    for (const c of a.accounts) {
      const o = document.createElement('option');
      o.value = c.id; o.textContent = `${c.name} (${c.email})`;
      select.append(o);
    }
    return a.accounts;
  } catch (e) { return []; }
}

function errorText(ctx, e) { return ctx.t('error.server', { m: e.message || e.code || String(e) }); }

async function sendInvite(ctx) {
  const { main, t } = ctx;
  const $ = (s) => main.querySelector(s);
  const err = $('#inv-error');
  err.textContent = '';
  const email = $('#inv-email').value.trim();
  if (!email) { err.textContent = t('inv.email_missing'); $('#inv-email').focus(); return; }
  const role = $('#inv-role').value;
  const fields = { email, role, locale: $('#inv-locale').value };
  const name = $('#inv-name').value.trim();
  if (name) fields.name = name;
  if (role === 'candidate') {
    const profile = {};
    if ($('#inv-arrival').value) profile.planned_arrival = $('#inv-arrival').value;
    const country = $('#inv-country').value.trim().toUpperCase();
    if (country) profile.country = country;
    if (Object.keys(profile).length) fields.profile = profile;
    const coach = $('#inv-coach')?.value;
    if (coach) fields.coach_id = coach;
  }
  if (role === 'mentor') {
    const mentor = {};
    if ($('#inv-occupation').value.trim()) mentor.occupation_code = $('#inv-occupation').value.trim();
    if ($('#inv-profession').value.trim()) mentor.profession = $('#inv-profession').value.trim();
    // "fr C2, en B1" → [{code, level}]: the server checks codes and levels (mentor.update's rules).
    const langs = $('#inv-languages').value.split(',').map((x) => x.trim()).filter(Boolean)
      .map((x) => { const [code, level] = x.split(/\s+/); return level ? { code, level } : { code }; });
    if (langs.length) mentor.languages = langs;
    if ($('#inv-city').value.trim()) mentor.city = $('#inv-city').value.trim();
    if ($('#inv-capacity').value !== '') mentor.capacity = Number($('#inv-capacity').value);
    if (Object.keys(mentor).length) fields.mentor = mentor;
  }
  const button = $('#inv-send');
  button.disabled = true;
  try {
    await ctx.conn.request('invite.create', fields);
    for (const id of ['#inv-email', '#inv-name', '#inv-arrival', '#inv-country', '#inv-occupation', '#inv-profession', '#inv-languages', '#inv-city']) {
      const x = $(id); if (x) { x.value = ''; x.classList.remove('dirty'); }
    }
    ctx.announce(t('inv.sent', { email }));
    loadInvitations(ctx);
    $('#inv-email').focus();
  } catch (e) {
    err.textContent = errorText(ctx, e);  // what was typed stays
  } finally { button.disabled = false; }
}

async function uploadCohort(ctx, mode) {
  const { main, t, esc } = ctx;
  const $ = (s) => main.querySelector(s);
  const err = $('#cohort-error');
  const out = $('#cohort-report');
  err.textContent = '';
  const file = $('#cohort-file').files[0];
  if (!file) { err.textContent = t('inv.file_missing'); $('#cohort-file').focus(); return; }
  for (const b of main.querySelectorAll('#cohort-upload button')) b.disabled = true;
  try {
    const r = await fetch(`/v1/invitations/cohort?mode=${mode}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ctx.conn.token}`, 'Content-Type': 'text/csv' },
      body: file,
    });
    const a = await r.json().catch(() => ({ error: { message: r.statusText } }));
    if (!r.ok) { err.textContent = t('inv.file_refused', { m: a.error?.message || r.statusText }); out.innerHTML = ''; return; }
    const good = mode === 'send' ? (a.counts.sent || 0) : (a.counts.ok || 0);
    const problems = a.report.filter((x) => x.outcome !== 'ok' && x.outcome !== 'sent');
    out.innerHTML = `
      <p id="cohort-summary"><strong>${esc(t(mode === 'send' ? 'inv.cohort_sent' : 'inv.cohort_checked', { n: good, rows: a.rows, bad: problems.length }))}</strong></p>
      ${problems.length ? `<div class="table-wrap" tabindex="0" role="region" aria-label="${esc(t('inv.problems'))}"><table id="cohort-problems"><caption>${esc(t('inv.problems'))}</caption>
        <thead><tr><th scope="col">${esc(t('inv.row'))}</th><th scope="col">${esc(t('inv.email'))}</th><th scope="col">${esc(t('inv.outcome'))}</th><th scope="col">${esc(t('inv.detail'))}</th></tr></thead>
        <tbody>${problems.map((x) => `<tr data-row="${x.row}"><td>${x.row}</td><td>${esc(x.email)}</td><td>${esc(t(`inv.out.${x.outcome}`))}</td><td>${esc(x.message || '')}</td></tr>`).join('')}</tbody></table></div>` : ''}`;
    ctx.announce($('#cohort-summary').textContent);
    if (mode === 'send') loadInvitations(ctx);
  } catch (e) {
    err.textContent = errorText(ctx, e);
  } finally {
    for (const b of main.querySelectorAll('#cohort-upload button')) b.disabled = false;
  }
}

async function loadInvitations(ctx) {
  const { main, t, esc, fmtTime } = ctx;
  const wrap = main.querySelector('#inv-list');
  if (!wrap) return;
  const status = main.querySelector('#inv-filter').value;
  try {
    const a = await ctx.conn.request('invite.list', status ? { status } : {});
    if (!main.contains(wrap)) return;
    main.querySelector('#inv-list-error').textContent = '';
    main.querySelector('#inv-counts').textContent = Object.entries(a.counts).map(([k, n]) => `${t(`inv.st.${k}`)} : ${n}`).join(' · ');
    const rows = a.invitations.map((i) => {
      const open = i.status === 'pending' || i.status === 'expired' || i.status === 'queued';
      const who = i.name ? `${esc(i.name)} <span class="muted">${esc(i.email)}</span>` : esc(i.email);
      return `<tr data-invitation="${esc(i.id)}" data-email="${esc(i.email)}">
        <td>${who}</td><td>${esc(t(`role.${i.role}`))}</td><td><span class="inv-status">${esc(t(`inv.st.${i.status}`))}</span>${i.send_error ? ` <span class="error">${esc(i.send_error)}</span>` : ''}</td>
        <td>${esc(i.invited_by_name)}</td><td>${esc(fmtTime(i.created_at))}</td>
        <td>${esc(i.status === 'accepted' ? fmtTime(i.accepted_at) : i.status === 'revoked' ? fmtTime(i.revoked_at) : fmtTime(i.expires_at))}</td>
        <td>${open ? `<button type="button" class="secondary" data-action="resend" data-id="${esc(i.id)}" data-email="${esc(i.email)}" aria-label="${esc(t('inv.resend_for', { email: i.email }))}">${esc(t('inv.resend'))}</button>
          <button type="button" class="secondary" data-action="revoke" data-id="${esc(i.id)}" data-email="${esc(i.email)}" aria-label="${esc(t('inv.revoke_for', { email: i.email }))}">${esc(t('inv.revoke'))}</button>` : ''}</td></tr>`;
    }).join('');
    wrap.innerHTML = a.invitations.length ? `<table><thead><tr><th scope="col">${esc(t('inv.person'))}</th><th scope="col">${esc(t('inv.role'))}</th><th scope="col">${esc(t('inv.status'))}</th><th scope="col">${esc(t('inv.by'))}</th><th scope="col">${esc(t('inv.when'))}</th><th scope="col">${esc(t('inv.until'))}</th><th scope="col">${esc(t('inv.actions'))}</th></tr></thead><tbody>${rows}</tbody></table>`
      : `<p class="muted">${esc(t('inv.none'))}</p>`;
  } catch (e) {
    main.querySelector('#inv-list-error').textContent = errorText(ctx, e);
  }
}

async function changeInvitation(ctx, action, id, email) {
  const err = ctx.main.querySelector('#inv-list-error');
  err.textContent = '';
  try {
    await ctx.conn.request(action === 'revoke' ? 'invite.revoke' : 'invite.resend', { invitation_id: id });
    ctx.announce(ctx.t(action === 'revoke' ? 'inv.revoked' : 'inv.resent', { email }));
    await loadInvitations(ctx);
    ctx.main.querySelector('#inv-list-error')?.focus?.();
  } catch (e) { err.textContent = errorText(ctx, e); }
}

// --- accounts (admin) ----------------------------------------------------------------------
export function showAccounts(ctx) {
  const { main, t, esc } = ctx;
  main.innerHTML = `
    <h1>${esc(t('acc.title'))}</h1>
    <form id="acc-form" class="filters" role="search">
      <label>${esc(t('acc.query'))}<br><input id="acc-query" type="search" data-keep></label>
      <label>${esc(t('inv.role'))}<br><select id="acc-role"><option value="">${esc(t('inv.all'))}</option>${['candidate', 'mentor', 'employer', 'coach', 'admin'].map((r) => `<option value="${r}">${esc(t(`role.${r}`))}</option>`).join('')}</select></label>
      <label>${esc(t('acc.state'))}<br><select id="acc-state"><option value="">${esc(t('inv.all'))}</option><option value="active">${esc(t('acc.active'))}</option><option value="disabled">${esc(t('acc.disabled'))}</option></select></label>
      <button type="submit">${esc(t('acc.search'))}</button>
    </form>
    <p class="error" role="alert" id="acc-error"></p>
    <div class="table-wrap" id="acc-out"></div>`;
  main.querySelector('#acc-form').addEventListener('submit', (ev) => { ev.preventDefault(); searchAccounts(ctx); });
  main.querySelector('#acc-out').addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-action]');
    if (b) changeAccount(ctx, b.dataset.action, b.closest('tr'));
  });
  searchAccounts(ctx);
}

async function searchAccounts(ctx) {
  const { main, t, esc, fmtTime } = ctx;
  const $ = (s) => main.querySelector(s);
  const req = { query: $('#acc-query').value.trim() };
  if ($('#acc-role').value) req.role = $('#acc-role').value;
  if ($('#acc-state').value) req.state = $('#acc-state').value;
  try {
    const [a, coaches] = await Promise.all([
      ctx.conn.request('accounts.search', req),
      ctx.conn.request('accounts.search', { role: 'coach', state: 'active', limit: 1000 }),
    ]);
    $('#acc-error').textContent = '';
    const coachOptions = (current) => coaches.accounts.map((c) => `<option value="${esc(c.id)}" ${c.id === current ? 'selected' : ''}>${esc(c.name)}</option>`).join('');
    const rows = a.accounts.map((p) => {
      const me = p.id === ctx.user.id;
      const label = (k) => esc(t(k, { name: p.name }));
      return `<tr data-user="${esc(p.id)}" data-name="${esc(p.name)}">
        <td>${esc(p.name)}<br><span class="muted">${esc(p.email)}</span></td>
        <td>${me ? esc(t(`role.${p.role}`)) : `<select id="role-${esc(p.id)}" aria-label="${label('acc.role_of')}">${['candidate', 'mentor', 'employer', 'coach', 'admin'].map((r) => `<option value="${r}" ${r === p.role ? 'selected' : ''}>${esc(t(`role.${r}`))}</option>`).join('')}</select>
          <button type="button" class="secondary" data-action="role" aria-label="${label('acc.change_role_of')}">${esc(t('acc.change_role'))}</button>`}</td>
        <td>${p.role === 'candidate' ? `<select id="coach-${esc(p.id)}" aria-label="${label('acc.coach_of')}"><option value="">—</option>${coachOptions(p.coach_id)}</select>
          <button type="button" class="secondary" data-action="move" aria-label="${label('acc.move_of')}">${esc(t('acc.move'))}</button>` : '—'}</td>
        <td>${esc(p.last_sign_in ? fmtTime(p.last_sign_in) : t('acc.never'))}</td>
        <td>${esc(t(p.state === 'disabled' ? 'acc.disabled' : 'acc.active'))}</td>
        <td>${me ? '' : `<button type="button" class="secondary" data-action="${p.state === 'disabled' ? 'enable' : 'disable'}" aria-label="${label(p.state === 'disabled' ? 'acc.enable_of' : 'acc.disable_of')}">${esc(t(p.state === 'disabled' ? 'acc.enable' : 'acc.disable'))}</button>
          <button type="button" class="secondary" data-action="end_sessions" aria-label="${label('acc.end_sessions_of')}">${esc(t('acc.end_sessions'))}</button>`}</td></tr>`;
    }).join('');
    $('#acc-out').innerHTML = a.accounts.length ? `<table><caption class="muted">${esc(t('acc.count', { n: a.accounts.length }))}</caption><thead><tr><th scope="col">${esc(t('inv.person'))}</th><th scope="col">${esc(t('inv.role'))}</th><th scope="col">${esc(t('col.coach'))}</th><th scope="col">${esc(t('acc.last_sign_in'))}</th><th scope="col">${esc(t('acc.state'))}</th><th scope="col">${esc(t('inv.actions'))}</th></tr></thead><tbody>${rows}</tbody></table>`
      : `<p class="muted">${esc(t('acc.none'))}</p>`;
  } catch (e) { $('#acc-error').textContent = errorText(ctx, e); }
}

async function changeAccount(ctx, action, tr) {
  const { t } = ctx;
  const id = tr.dataset.user;
  const name = tr.dataset.name;
  const err = ctx.main.querySelector('#acc-error');
  err.textContent = '';
  try {
    if (action === 'role') {
      await ctx.conn.request('account.update', { user_id: id, role: tr.querySelector(`#role-${CSS.escape(id)}`).value });
    } else if (action === 'disable' || action === 'enable') {
      await ctx.conn.request('account.update', { user_id: id, disabled: action === 'disable' });
    } else if (action === 'end_sessions') {
      await ctx.conn.request('account.end_sessions', { user_id: id });
    } else if (action === 'move') {
      const coach = tr.querySelector(`#coach-${CSS.escape(id)}`).value;
      if (!coach) { err.textContent = t('acc.pick_coach'); return; }
      // The caseload change is a mutator like every write to replicated rows; audited by the server.
      ctx.mutate('caseload.assign', { candidate_id: id, coach_id: coach, thread_id: ctx.uuidv7() });
    }
    ctx.announce(t(`acc.done.${action}`, { name }));
    await searchAccounts(ctx);
  } catch (e) { err.textContent = errorText(ctx, e); }
}
