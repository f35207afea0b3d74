// The employer's page (docs/employers.md, issue 21 item 6): their organization's profile and the
// internship-conditions checklist as staff confirmed it (employer.update), and their needs
// (need.create, need.close). Every check (NOC codes, languages, counts, who may write, a changed
// checklist clearing the staff confirmation) is the core's mutators'; this screen reads the rows
// an employer pulls (employer_profiles, employer_needs) and lays them out.
import { getRow } from './home.js';
import { newId, showFormError as problem } from './util.js';

export const strings = {
  fr: {
    title: 'Mon entreprise', intro: 'Ce que l’équipe du programme sait de votre organisation, pour vous proposer des candidat·es.',
    profile: 'Profil de l’organisation', organization: 'Organisation', sector: 'Secteur d’activité', city: 'Ville', region: 'Région',
    occupations: 'Professions recherchées (codes CNP 2021 à 5 chiffres, séparés par des virgules)', languages: 'Langues de travail (codes à 2 lettres : fr, en…)',
    positions_open: 'Postes ouverts', internship_capacity: 'Stagiaires que vous pouvez accueillir', priime: 'Intéressé·e par la subvention salariale PRIIME',
    conditions: 'Conditions d’accueil d’un stage', conditions_hint: 'Un stage exploratoire non rémunéré dure au plus quatre semaines. L’équipe du programme vérifie ces conditions avant le premier stage ; les changer demande une nouvelle vérification.',
    work_station: 'Un poste de travail pour le ou la stagiaire', colleagues_on_site: 'Des collègues sur place', coach_on_site: 'Une personne pour encadrer le ou la stagiaire',
    confirmed: 'Conditions confirmées par l’équipe du programme le {date}.', not_confirmed: 'Conditions pas encore confirmées par l’équipe du programme.',
    save: 'Enregistrer le profil', saved: 'Enregistré ; envoyé à la prochaine synchronisation.', no_profile: 'Votre profil n’est pas encore rempli : commencez par le nom de votre organisation.',
    needs: 'Mes besoins', needs_none: 'Aucun besoin pour l’instant.', need_new: 'Nouveau besoin', need_title: 'Intitulé (ex. : Infirmière auxiliaire, soir)',
    kind: 'Type', 'kind.job': 'Emploi', 'kind.internship': 'Stage', occupation: 'Code CNP (facultatif)', need_languages: 'Langues (facultatif, ex. : fr, en)',
    need_region: 'Région (facultatif)', positions: 'Nombre de postes', start_by: 'Début souhaité au plus tard (facultatif)', create: 'Ajouter le besoin',
    created: 'Besoin ajouté.', close: 'Fermer ce besoin', closed_done: 'Besoin fermé.', 'status.open': 'ouvert', 'status.closed': 'fermé',
    need_meta: { one: '{kind} · {n} poste', other: '{kind} · {n} postes' }, noc_code: 'CNP {code}', need_start: 'début au plus tard le {date}', need_proposed: { one: '{n} candidat·e proposé·e', other: '{n} candidat·es proposé·es' },
    edit_hint: 'Pour changer un besoin, fermez-le et ajoutez-en un nouveau.',
    required: 'Ce champ est obligatoire.',
    to_answer: { one: '{n} candidat·e proposé·e attend votre réponse', other: '{n} candidat·es proposé·es attendent votre réponse' },
  },
  en: {
    title: 'My company', intro: 'What the program’s staff know about your organization, to propose candidates to you.',
    profile: 'Organization profile', organization: 'Organization', sector: 'Sector', city: 'City', region: 'Region',
    occupations: 'Occupations sought (5-digit NOC 2021 codes, separated by commas)', languages: 'Working languages (2-letter codes: fr, en…)',
    positions_open: 'Positions open', internship_capacity: 'Interns you can host', priime: 'Interested in the PRIIME wage subsidy',
    conditions: 'Conditions for hosting an internship', conditions_hint: 'An unpaid exploratory internship lasts at most four weeks. Program staff check these conditions before the first internship; changing them needs a new check.',
    work_station: 'A work station for the intern', colleagues_on_site: 'Colleagues on site', coach_on_site: 'Someone to coach the intern',
    confirmed: 'Conditions confirmed by program staff on {date}.', not_confirmed: 'Conditions not confirmed by program staff yet.',
    save: 'Save the profile', saved: 'Saved; sent at the next sync.', no_profile: 'Your profile is not filled in yet: start with your organization’s name.',
    needs: 'My needs', needs_none: 'No need yet.', need_new: 'New need', need_title: 'Title (e.g. Licensed practical nurse, evenings)',
    kind: 'Kind', 'kind.job': 'Job', 'kind.internship': 'Internship', occupation: 'NOC code (optional)', need_languages: 'Languages (optional, e.g. fr, en)',
    need_region: 'Region (optional)', positions: 'Number of positions', start_by: 'Start at the latest (optional)', create: 'Add the need',
    created: 'Need added.', close: 'Close this need', closed_done: 'Need closed.', 'status.open': 'open', 'status.closed': 'closed',
    need_meta: { one: '{kind} · {n} position', other: '{kind} · {n} positions' }, noc_code: 'NOC {code}', need_start: 'start by {date}', need_proposed: { one: '{n} candidate proposed', other: '{n} candidates proposed' },
    edit_hint: 'To change a need, close it and add a new one.',
    required: 'This field is required.',
    to_answer: { one: '{n} proposed candidate waits for your answer', other: '{n} proposed candidates wait for your answer' },
  },
};

const kConditions = ['work_station', 'colleagues_on_site', 'coach_on_site'];
const list = (text) => text.split(/[,;\s]+/).map((s) => s.trim()).filter(Boolean);

export async function render(view, ctx) {
  const { db, t, esc, account } = ctx;
  const me = account.user;
  const [profile, needs, proposals] = await Promise.all([getRow(db, 'employer_profiles', me.id),
    db.rows('employer_needs', { field: 'employer_id', value: me.id }).catch(() => []),
    db.rows('employer_proposals', { field: 'employer_id', value: me.id }).catch(() => [])]);
  const waiting = proposals.filter((x) => x.status === 'proposed').length;
  const p = profile || {};
  const cond = p.conditions || {};
  needs.sort((a, b) => (a.status === b.status ? String(b.created_at).localeCompare(String(a.created_at)) : a.status === 'open' ? -1 : 1));
  const field = (id, label, value, attrs = '') => `<div class="field"><label for="${id}">${esc(label)}</label><input id="${id}" ${attrs} value="${esc(value ?? '')}"></div>`;
  const needItem = (n) => `<li class="need" data-need="${esc(n.id)}">
      <div class="row-between"><h3>${esc(n.title)}</h3><span class="pill ${n.status === 'open' ? 'ok' : 'info'}">${esc(t('status.' + n.status))}</span></div>
      <p class="small muted">${esc(t('need_meta', { kind: t('kind.' + (n.kind || 'job')), n: n.positions ?? 1 }))}${n.occupation_code ? ` · ${esc(t('noc_code', { code: n.occupation_code }))}` : ''}${(n.languages || []).length ? ` · ${esc(n.languages.join(', '))}` : ''}${n.region ? ` · ${esc(n.region)}` : ''}${n.start_by ? ` · ${esc(t('need_start', { date: ctx.formatDate(n.start_by) }))}` : ''}</p>
      ${(n.proposed_candidate_ids || []).length ? `<p class="small"><a href="/app/candidates">${esc(t('need_proposed', { n: n.proposed_candidate_ids.length }))}</a></p>` : ''}
      ${n.status === 'open' ? `<button type="button" class="secondary small" data-close="${esc(n.id)}" aria-label="${esc(t('close'))} — ${esc(n.title)}">${esc(t('close'))}</button>` : ''}
    </li>`;

  view.innerHTML = `<section data-screen="employer">
    <h1>${esc(p.organization || t('title'))}</h1>
    <p class="subtitle muted">${esc(t('intro'))}</p>
    ${waiting ? `<p class="card notice" id="employer-waiting"><a href="/app/candidates">${esc(t('to_answer', { n: waiting }))}</a></p>` : ''}
    <div class="columns">
    <form id="employer-form" class="card" novalidate aria-labelledby="employer-profile">
      <h2 id="employer-profile">${esc(t('profile'))}</h2>
      ${profile ? '' : `<p class="notice">${esc(t('no_profile'))}</p>`}
      ${field('employer-organization', t('organization'), p.organization, 'type="text" maxlength="200" autocomplete="organization"')}
      <div class="two">
        ${field('employer-sector', t('sector'), p.sector, 'type="text" maxlength="200"')}
        ${field('employer-city', t('city'), p.city, 'type="text" maxlength="200"')}
      </div>
      ${field('employer-region', t('region'), p.region, 'type="text" maxlength="200"')}
      ${field('employer-occupations', t('occupations'), (p.occupation_codes || []).join(', '), 'type="text" inputmode="numeric"')}
      ${field('employer-languages', t('languages'), (p.languages || []).join(', '), 'type="text" autocapitalize="off"')}
      <div class="two">
        ${field('employer-positions', t('positions_open'), p.positions_open, 'type="number" min="0" max="1000" inputmode="numeric"')}
        ${field('employer-interns', t('internship_capacity'), p.internship_capacity, 'type="number" min="0" max="1000" inputmode="numeric"')}
      </div>
      <label class="check"><input type="checkbox" id="employer-priime"${p.priime_interest ? ' checked' : ''}> ${esc(t('priime'))}</label>
      <fieldset class="checklist" aria-describedby="employer-conditions-hint">
        <legend>${esc(t('conditions'))}</legend>
        <p class="hint" id="employer-conditions-hint">${esc(t('conditions_hint'))}</p>
        ${kConditions.map((k) => `<label class="check"><input type="checkbox" id="employer-${k}"${cond[k] ? ' checked' : ''}> ${esc(t(k))}</label>`).join('')}
        <p id="employer-confirmed" class="${p.conditions_confirmed ? 'notice' : 'small muted'}">${esc(p.conditions_confirmed ? t('confirmed', { date: ctx.formatDate(String(p.conditions_confirmed_at || '').slice(0, 10)) }) : t('not_confirmed'))}</p>
      </fieldset>
      <p class="form-error" role="alert" tabindex="-1" hidden></p>
      <button type="submit" class="primary">${esc(t('save'))}</button>
    </form>

    <section class="card" aria-labelledby="employer-needs">
      <h2 id="employer-needs">${esc(t('needs'))}</h2>
      ${needs.length ? `<ul class="list needs">${needs.map(needItem).join('')}</ul><p class="hint">${esc(t('edit_hint'))}</p>` : `<p class="empty">${esc(t('needs_none'))}</p>`}
      <form id="need-form" novalidate aria-labelledby="need-new">
        <h3 id="need-new">${esc(t('need_new'))}</h3>
        ${field('need-title', t('need_title'), '', 'type="text" maxlength="200" required')}
        <div class="two">
          <div class="field"><label for="need-kind">${esc(t('kind'))}</label><select id="need-kind"><option value="job">${esc(t('kind.job'))}</option><option value="internship">${esc(t('kind.internship'))}</option></select></div>
          ${field('need-positions', t('positions'), '1', 'type="number" min="1" max="1000" inputmode="numeric"')}
        </div>
        <div class="two">
          ${field('need-occupation', t('occupation'), '', 'type="text" inputmode="numeric" maxlength="5"')}
          ${field('need-start-by', t('start_by'), '', 'type="date"')}
        </div>
        <div class="two">
          ${field('need-languages', t('need_languages'), '', 'type="text" autocapitalize="off"')}
          ${field('need-region', t('need_region'), '', 'type="text" maxlength="200"')}
        </div>
        <p class="form-error" role="alert" tabindex="-1" hidden></p>
        <button type="submit" class="primary">${esc(t('create'))}</button>
      </form>
    </section>
    </div>
  </section>`;

  const q = (sel) => view.querySelector(sel);
  const clean = (form) => form.querySelectorAll('[data-dirty]').forEach((el) => { delete el.dataset.dirty; });

  q('#employer-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = q('#employer-form');
    const args = {};
    for (const k of ['organization', 'sector', 'city', 'region']) {
      const v = q('#employer-' + k).value.trim();
      if (v || p[k]) args[k] = v;
    }
    const codes = list(q('#employer-occupations').value);
    if (codes.length || (p.occupation_codes || []).length) args.occupation_codes = codes;
    const langs = list(q('#employer-languages').value.toLowerCase());
    if (langs.length || (p.languages || []).length) args.languages = langs;
    for (const [id, key] of [['#employer-positions', 'positions_open'], ['#employer-interns', 'internship_capacity']]) {
      const v = q(id).value.trim();
      if (v !== '') args[key] = Number(v);
    }
    args.priime_interest = q('#employer-priime').checked;
    const conditions = Object.fromEntries(kConditions.map((k) => [k, q('#employer-' + k).checked]));
    // Sent only when changed: the core clears the staff confirmation when the checklist changes.
    if (kConditions.some((k) => !!cond[k] !== conditions[k]) || !p.conditions) args.conditions = conditions;
    try {
      await db.mutate('employer.update', args);
      problem(form, '');
      clean(form);
      ctx.announce(t('saved'));
    } catch (e) {
      problem(form, e.message || String(e));
    }
  });

  q('#need-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = q('#need-form');
    const title = q('#need-title').value.trim();
    if (!title) { q('#need-title').setAttribute('aria-invalid', 'true'); return problem(form, t('required')); }
    const args = { id: newId(), title, kind: q('#need-kind').value };
    const positions = q('#need-positions').value.trim();
    if (positions !== '') args.positions = Number(positions);
    if (q('#need-occupation').value.trim()) args.occupation_code = q('#need-occupation').value.trim();
    const langs = list(q('#need-languages').value.toLowerCase());
    if (langs.length) args.languages = langs;
    if (q('#need-region').value.trim()) args.region = q('#need-region').value.trim();
    if (q('#need-start-by').value) args.start_by = q('#need-start-by').value;
    try {
      await db.mutate('need.create', args);
      form.reset();
      clean(form);
      problem(form, '');
      ctx.announce(t('created'));
      await render(view, ctx);
    } catch (e) {
      problem(form, e.message || String(e));
    }
  });

  view.querySelectorAll('[data-close]').forEach((b) => b.addEventListener('click', async () => {
    try {
      await db.mutate('need.close', { id: b.dataset.close });
      ctx.announce(t('closed_done'));
      await render(view, ctx);
    } catch (e) {
      ctx.showError(e);
    }
  }));
}
