// Profile: her name, language and time zone (profile.update), her career profile
// (career.update: what the coach uses to find her a mentor), whether employers may see it
// (consent.give / consent.withdraw, docs/employers.md), her password, her data (export it,
// erase the account: docs/security.md), and leaving this phone (sign out, or sign out and erase
// every trace of Passerelle in this browser).
import { getRow } from './home.js';
import { downloadBlob, showFormError as problem } from './util.js';
import { cardHtml, reasonsHtml } from './employer_candidates.js';

export const strings = {
  fr: {
    title: 'Mon profil', account: 'Mon compte', email: 'Courriel : {email}', role: 'Rôle : {role}',
    'role.candidate': 'candidat·e', 'role.mentor': 'mentor·e', 'role.coach': 'coach', 'role.admin': 'administrateur·rice', 'role.employer': 'employeur·e',
    name: 'Nom', language: 'Langue des courriels et de l’application', zone: 'Fuseau horaire',
    zone_hint: 'Les échéances et les rencontres sont affichées dans ce fuseau.', save: 'Enregistrer', saved: 'Enregistré sur le téléphone ; envoyé à la prochaine synchronisation.',
    career: 'Mon parcours professionnel', career_hint: 'Votre coach s’en sert pour vous proposer un mentor de votre domaine.',
    profession: 'Profession', occupation: 'Code CNP (5 chiffres, facultatif)', years: "Années d'expérience", country: 'Pays où vous vivez',
    arrival: 'Arrivée prévue au Québec', region: 'Région visée au Québec', stage: 'Étape de votre immigration',
    'stage.': '—', 'stage.exploring': 'Je me renseigne', 'stage.selected': 'Sélectionné·e par le Québec', 'stage.csq_received': 'CSQ reçu',
    'stage.pr_applied': 'Résidence permanente demandée', 'stage.pr_approved': 'Résidence permanente accordée', 'stage.work_permit': 'Permis de travail', 'stage.arrived': 'Arrivé·e au Québec',
    password: 'Changer mon mot de passe', current: 'Mot de passe actuel', new_password: 'Nouveau mot de passe (10 caractères au moins)', confirm: 'Confirmez le nouveau mot de passe',
    change: 'Changer le mot de passe', changed: 'Mot de passe changé. Vos autres appareils devront se reconnecter.',
    mismatch: 'Les deux mots de passe ne sont pas identiques.', too_short: 'Le mot de passe doit avoir au moins 10 caractères.',
    online_only: 'Il faut être en ligne pour cela.',
    data: 'Mes données', export: 'Exporter mes données (fichier JSON)', exported: 'Vos données sont téléchargées : {name}.',
    erase_account: 'Supprimer mon compte…',
    erase_explain: 'Vos messages, votre parcours et vos fichiers seront effacés ; votre plan reste sous une forme anonyme pour les statistiques du programme. Cela ne peut pas être annulé.',
    erase_sure: 'Je comprends que mon compte sera supprimé définitivement', erase_password: 'Votre mot de passe, pour confirmer',
    erase_confirm: 'Supprimer définitivement mon compte', erase_check: 'Cochez la case pour confirmer.', erase_cancel: 'Annuler',
    device: 'Ce téléphone', sign_out: 'Me déconnecter', sign_out_hint: 'Vos données restent sur ce téléphone pour votre prochaine connexion.',
    sign_out_erase: 'Me déconnecter et effacer ce téléphone', sign_out_erase_hint: 'Sur un téléphone prêté ou partagé : rien de Passerelle ne reste dans ce navigateur.',
    erase_pending: { one: '{n} modification n’est pas encore envoyée et sera perdue. Continuer ?', other: '{n} modifications ne sont pas encore envoyées et seront perdues. Continuer ?' },
    required: 'Ce champ est obligatoire.', wrong_current: 'Le mot de passe actuel n’est pas le bon.',
    wrong_password: 'Ce n’est pas le bon mot de passe : le compte n’est pas supprimé.', rate_limited: 'Trop d’essais : attendez quelques minutes.',
    consent: 'Mon profil pour les employeurs',
    consent_hint: 'Si vous le partagez, l’équipe du programme peut vous proposer à des employeurs partenaires, qui verront votre profession, vos langues, la région visée, votre disponibilité et ce résumé — jamais vos messages, votre plan ni votre dossier d’immigration. Vous pouvez arrêter à tout moment.',
    consent_on: 'Partagé avec les employeurs depuis le {date}.', consent_off: 'Non partagé avec les employeurs.',
    consent_available: 'Disponible pour travailler à partir du (après votre arrivée)', consent_summary: 'Résumé pour les employeurs (facultatif)',
    consent_give: 'Partager mon profil avec les employeurs', consent_update: 'Mettre à jour', consent_withdraw: 'Ne plus partager',
    consent_withdrawn: 'Votre profil n’est plus partagé : il quitte les appareils des employeurs à leur prochaine synchronisation.',
    card_title: 'Ma fiche, telle que les employeurs la voient', card_hint: 'Seuls les employeurs à qui l’équipe du programme vous propose la voient.',
    proposals: 'Mes propositions à des employeurs', proposals_none: 'Aucune proposition pour l’instant.',
    proposal_for: '{organization} — {need}', 'pstatus.proposed': 'en attente de l’employeur', 'pstatus.accepted': 'acceptée par l’employeur',
    'pstatus.declined': 'déclinée par l’employeur', 'pstatus.withdrawn': 'retirée', proposed_on: 'Proposée le {date}',
    profession: 'Profession', noc: 'CNP {code}', languages: 'Langues', region: 'Région visée', years: { one: '{n} an d’expérience', other: '{n} ans d’expérience' },
    available: 'Disponible à partir du {date}', summary: 'Résumé :', why: 'Pourquoi vous',
  },
  en: {
    title: 'My profile', account: 'My account', email: 'E-mail: {email}', role: 'Role: {role}',
    'role.candidate': 'candidate', 'role.mentor': 'mentor', 'role.coach': 'coach', 'role.admin': 'administrator', 'role.employer': 'employer',
    name: 'Name', language: 'Language of e-mails and of the app', zone: 'Time zone',
    zone_hint: 'Due dates and meetings are shown in this zone.', save: 'Save', saved: 'Saved on the phone; sent at the next sync.',
    career: 'My career', career_hint: 'Your coach uses it to find you a mentor in your field.',
    profession: 'Profession', occupation: 'NOC code (5 digits, optional)', years: 'Years of experience', country: 'Country where you live',
    arrival: 'Planned arrival in Québec', region: 'Region you aim for in Québec', stage: 'Stage of your immigration',
    'stage.': '—', 'stage.exploring': 'Exploring', 'stage.selected': 'Selected by Québec', 'stage.csq_received': 'CSQ received',
    'stage.pr_applied': 'Permanent residence applied for', 'stage.pr_approved': 'Permanent residence granted', 'stage.work_permit': 'Work permit', 'stage.arrived': 'Arrived in Québec',
    password: 'Change my password', current: 'Current password', new_password: 'New password (at least 10 characters)', confirm: 'Confirm the new password',
    change: 'Change the password', changed: 'Password changed. Your other devices will sign in again.',
    mismatch: 'The two passwords are not the same.', too_short: 'The password needs at least 10 characters.',
    online_only: 'You need to be online for this.',
    data: 'My data', export: 'Export my data (JSON file)', exported: 'Your data is downloaded: {name}.',
    erase_account: 'Delete my account…',
    erase_explain: 'Your messages, career profile and files will be erased; your plan stays, without your name, for the program’s statistics. This cannot be undone.',
    erase_sure: 'I understand my account will be deleted for good', erase_password: 'Your password, to confirm',
    erase_confirm: 'Delete my account for good', erase_check: 'Tick the box to confirm.', erase_cancel: 'Cancel',
    device: 'This phone', sign_out: 'Sign out', sign_out_hint: 'Your data stays on this phone for your next sign-in.',
    sign_out_erase: 'Sign out and erase this phone', sign_out_erase_hint: 'On a lent or shared phone: nothing of Passerelle stays in this browser.',
    erase_pending: { one: '{n} change is not sent yet and will be lost. Continue?', other: '{n} changes are not sent yet and will be lost. Continue?' },
    required: 'This field is required.', wrong_current: 'The current password is not the right one.',
    wrong_password: 'That is not the right password: the account is not deleted.', rate_limited: 'Too many tries: wait a few minutes.',
    consent: 'My profile for employers',
    consent_hint: 'If you share it, program staff may propose you to partner employers, who will see your occupation, languages, the region you aim for, your availability and this summary — never your messages, your plan or your immigration file. You can stop at any time.',
    consent_on: 'Shared with employers since {date}.', consent_off: 'Not shared with employers.',
    consent_available: 'Available to work from (after your arrival)', consent_summary: 'Summary for employers (optional)',
    consent_give: 'Share my profile with employers', consent_update: 'Update', consent_withdraw: 'Stop sharing',
    consent_withdrawn: 'Your profile is no longer shared: it leaves employers’ devices at their next sync.',
    card_title: 'My card, as employers see it', card_hint: 'Only the employers program staff propose you to see it.',
    proposals: 'My proposals to employers', proposals_none: 'No proposal yet.',
    proposal_for: '{organization} — {need}', 'pstatus.proposed': 'waiting for the employer', 'pstatus.accepted': 'accepted by the employer',
    'pstatus.declined': 'declined by the employer', 'pstatus.withdrawn': 'withdrawn', proposed_on: 'Proposed on {date}',
    profession: 'Profession', noc: 'NOC {code}', languages: 'Languages', region: 'Region sought', years: { one: '{n} year of experience', other: '{n} years of experience' },
    available: 'Available from {date}', summary: 'Summary:', why: 'Why you',
  },
};

const kStages = ['exploring', 'selected', 'csq_received', 'pr_applied', 'pr_approved', 'work_permit', 'arrived'];

function zones(current) {
  let list = [];
  try { list = Intl.supportedValuesOf('timeZone'); } catch (e) { list = []; }
  if (current && !list.includes(current)) list = [current, ...list];
  if (!list.includes('UTC')) list.push('UTC');
  return list;
}

let eraseOpen = false;

export async function render(view, ctx) {
  const { db, t, esc, account } = ctx;
  const me = account.user;
  const candidate = me.role === 'candidate';
  const [profile, career, consent, card, proposals] = await Promise.all([getRow(db, 'profiles', me.id),
    candidate ? getRow(db, 'career_profiles', me.id) : null, candidate ? getRow(db, 'employer_consents', me.id) : null,
    candidate ? getRow(db, 'candidate_cards', me.id) : null,
    candidate ? db.rows('employer_proposals', { field: 'candidate_id', value: me.id }).catch(() => []) : []]);
  proposals.sort((a, b) => String(b.proposed_at).localeCompare(String(a.proposed_at)));
  const pill = { proposed: 'warn', accepted: 'ok', declined: 'info', withdrawn: 'info' };
  const p = profile || {};
  const c = career || {};
  const shared = !!consent && consent.status === 'given';
  const k = card || {};
  const zone = p.time_zone || ctx.zone;
  const opt = (value, label, selected) => `<option value="${esc(value)}"${selected ? ' selected' : ''}>${esc(label)}</option>`;
  view.innerHTML = `<section data-screen="profile">
    <h1>${esc(t('title'))}</h1>
    <form id="profile-form" class="card" novalidate aria-labelledby="profile-account">
      <h2 id="profile-account">${esc(t('account'))}</h2>
      <p class="small muted">${esc(t('email', { email: me.email || '' }))} · ${esc(t('role', { role: t('role.' + me.role) }))}</p>
      <div class="field"><label for="profile-name">${esc(t('name'))}</label><input id="profile-name" type="text" autocomplete="name" maxlength="200" value="${esc(p.name || me.name || '')}"></div>
      <div class="field"><label for="profile-locale">${esc(t('language'))}</label><select id="profile-locale">${opt('fr', 'Français', (p.locale || me.locale) === 'fr')}${opt('en', 'English', (p.locale || me.locale) !== 'fr')}</select></div>
      <div class="field"><label for="profile-zone">${esc(t('zone'))}</label><select id="profile-zone" aria-describedby="profile-zone-hint">${zones(zone).map((z) => opt(z, z.replace(/_/g, ' '), z === zone)).join('')}</select>
        <p class="hint" id="profile-zone-hint">${esc(t('zone_hint'))}</p></div>
      <p class="form-error" role="alert" tabindex="-1" hidden></p>
      <button type="submit" class="primary">${esc(t('save'))}</button>
    </form>

    ${candidate ? `<form id="career-form" class="card" novalidate aria-labelledby="profile-career">
      <h2 id="profile-career">${esc(t('career'))}</h2><p class="hint">${esc(t('career_hint'))}</p>
      <div class="field"><label for="career-profession">${esc(t('profession'))}</label><input id="career-profession" type="text" maxlength="200" value="${esc(c.profession || '')}"></div>
      <div class="field"><label for="career-occupation">${esc(t('occupation'))}</label><input id="career-occupation" type="text" inputmode="numeric" pattern="[0-9]{5}" maxlength="5" value="${esc(c.occupation_code || '')}"></div>
      <div class="field"><label for="career-years">${esc(t('years'))}</label><input id="career-years" type="number" inputmode="numeric" min="0" max="60" value="${esc(c.years_experience ?? '')}"></div>
      <div class="field"><label for="career-country">${esc(t('country'))}</label><input id="career-country" type="text" maxlength="100" value="${esc(c.country || '')}"></div>
      <div class="field"><label for="career-arrival">${esc(t('arrival'))}</label><input id="career-arrival" type="date" value="${esc(c.planned_arrival || p.planned_arrival || '')}"></div>
      <div class="field"><label for="career-region">${esc(t('region'))}</label><input id="career-region" type="text" maxlength="100" value="${esc(c.target_region || '')}"></div>
      <div class="field"><label for="career-stage">${esc(t('stage'))}</label><select id="career-stage">${['', ...kStages].map((s) => opt(s, t('stage.' + s), (c.immigration_stage || '') === s)).join('')}</select></div>
      <p class="form-error" role="alert" tabindex="-1" hidden></p>
      <button type="submit" class="primary">${esc(t('save'))}</button>
    </form>` : ''}

    ${candidate ? `<form id="consent-form" class="card" novalidate aria-labelledby="profile-consent">
      <h2 id="profile-consent">${esc(t('consent'))}</h2><p class="hint">${esc(t('consent_hint'))}</p>
      <p id="consent-state">${esc(shared ? t('consent_on', { date: String(consent.given_at || '').slice(0, 10) }) : t('consent_off'))}</p>
      <div class="field"><label for="consent-available">${esc(t('consent_available'))}</label><input id="consent-available" type="date" value="${esc(k.available_from || '')}"></div>
      <div class="field"><label for="consent-summary">${esc(t('consent_summary'))}</label><textarea id="consent-summary" rows="3" maxlength="1000">${esc(k.summary || '')}</textarea></div>
      <p class="form-error" role="alert" tabindex="-1" hidden></p>
      <div class="actions"><button type="submit" class="primary">${esc(t(shared ? 'consent_update' : 'consent_give'))}</button>${shared ? `<button type="button" class="secondary" id="consent-withdraw">${esc(t('consent_withdraw'))}</button>` : ''}</div>
    </form>` : ''}

    ${candidate && card ? `<section class="card" id="my-card" aria-labelledby="profile-card">
      <h2 id="profile-card">${esc(t('card_title'))}</h2><p class="hint">${esc(t('card_hint'))}</p>
      <h3>${esc(card.name || me.name || '')}</h3>
      ${cardHtml(card, t, esc, ctx)}
    </section>` : ''}

    ${candidate && (shared || proposals.length) ? `<section class="card" id="my-proposals" aria-labelledby="profile-proposals">
      <h2 id="profile-proposals">${esc(t('proposals'))}</h2>
      ${proposals.length ? `<ul class="list">${proposals.map((pr) => `<li class="proposal" data-proposal="${esc(pr.id)}">
        <div class="row-between"><h3>${esc(t('proposal_for', { organization: pr.organization || '', need: pr.need_title || '' }))}</h3><span class="pill ${pill[pr.status] || 'info'}">${esc(t('pstatus.' + pr.status))}</span></div>
        <p class="small muted">${esc(t('proposed_on', { date: ctx.formatDateTime(pr.proposed_at) }))}</p>
        ${reasonsHtml(pr, t, esc, ctx.lang, 'my-proposal-' + pr.id.slice(-12))}
      </li>`).join('')}</ul>` : `<p class="muted">${esc(t('proposals_none'))}</p>`}
    </section>` : ''}

    <form id="password-form" class="card" novalidate aria-labelledby="profile-password">
      <h2 id="profile-password">${esc(t('password'))}</h2>
      <input type="text" autocomplete="username" value="${esc(me.email || '')}" hidden>
      <div class="field"><label for="password-current">${esc(t('current'))}</label><input id="password-current" type="password" autocomplete="current-password"></div>
      <div class="field"><label for="password-new">${esc(t('new_password'))}</label><input id="password-new" type="password" autocomplete="new-password" minlength="10"></div>
      <div class="field"><label for="password-confirm">${esc(t('confirm'))}</label><input id="password-confirm" type="password" autocomplete="new-password" minlength="10"></div>
      <p class="form-error" role="alert" tabindex="-1" hidden></p>
      <button type="submit" class="secondary">${esc(t('change'))}</button>
    </form>

    <section class="card" aria-labelledby="profile-data">
      <h2 id="profile-data">${esc(t('data'))}</h2>
      <div class="actions"><button type="button" class="secondary wide" id="data-export">${esc(t('export'))}</button></div>
      <p class="form-error" id="export-error" role="alert" tabindex="-1" hidden></p>
      <div class="actions"><button type="button" class="secondary wide danger-text" id="erase-open" aria-expanded="${eraseOpen}" aria-controls="erase-form">${esc(t('erase_account'))}</button></div>
      <form id="erase-form" class="danger-zone" novalidate${eraseOpen ? '' : ' hidden'}>
        <p>${esc(t('erase_explain'))}</p>
        <label class="check"><input type="checkbox" id="erase-sure"> ${esc(t('erase_sure'))}</label>
        <div class="field"><label for="erase-password">${esc(t('erase_password'))}</label><input id="erase-password" type="password" autocomplete="current-password"></div>
        <p class="form-error" role="alert" tabindex="-1" hidden></p>
        <div class="actions"><button type="submit" class="danger">${esc(t('erase_confirm'))}</button><button type="button" class="secondary" id="erase-cancel">${esc(t('erase_cancel'))}</button></div>
      </form>
    </section>

    <section class="card" aria-labelledby="profile-device">
      <h2 id="profile-device">${esc(t('device'))}</h2>
      <button type="button" class="secondary wide" id="sign-out">${esc(t('sign_out'))}</button>
      <p class="hint">${esc(t('sign_out_hint'))}</p>
      <button type="button" class="secondary wide" id="sign-out-erase">${esc(t('sign_out_erase'))}</button>
      <p class="hint">${esc(t('sign_out_erase_hint'))}</p>
    </section>
  </section>`;

  const q = (sel) => view.querySelector(sel);
  const clean = (...ids) => ids.forEach((id) => { const el = q(id); if (el) delete el.dataset.dirty; });

  q('#profile-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = q('#profile-form');
    const name = q('#profile-name').value.trim();
    if (!name) return problem(form, t('required'));
    const locale = q('#profile-locale').value;
    try {
      await db.mutate('profile.update', { name, locale, time_zone: q('#profile-zone').value });
      problem(form, '');
      clean('#profile-name', '#profile-locale', '#profile-zone');
      ctx.announce(t('saved'));
      if (locale !== ctx.lang) { const lang = document.querySelector('#lang'); lang.value = locale; lang.dispatchEvent(new Event('change')); }
    } catch (e) {
      problem(form, e.message || String(e));
    }
  });

  if (q('#career-form')) q('#career-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = q('#career-form');
    const args = {};
    const put = (key, value) => { if (value !== '' && value !== null && value !== undefined) args[key] = value; };
    put('profession', q('#career-profession').value.trim());
    put('occupation_code', q('#career-occupation').value.trim());
    const years = q('#career-years').value.trim();
    if (years !== '') args.years_experience = Number(years);
    put('country', q('#career-country').value.trim());
    put('planned_arrival', q('#career-arrival').value);
    put('target_region', q('#career-region').value.trim());
    put('immigration_stage', q('#career-stage').value);
    if (!Object.keys(args).length) return problem(form, t('required'));
    try {
      await db.mutate('career.update', args);
      problem(form, '');
      clean('#career-profession', '#career-occupation', '#career-years', '#career-country', '#career-arrival', '#career-region', '#career-stage');
      ctx.announce(t('saved'));
    } catch (e) {
      problem(form, e.message || String(e));
    }
  });

  // Consent: the core's mutators decide (only a candidate, withdrawing what is shared); the
  // screen redraws from the local rows they wrote.
  if (q('#consent-form')) q('#consent-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = q('#consent-form');
    const args = {};
    if (q('#consent-available').value) args.available_from = q('#consent-available').value;
    if (q('#consent-summary').value.trim()) args.summary = q('#consent-summary').value.trim();
    try {
      await db.mutate('consent.give', args);
      ctx.announce(t('saved'));
      await render(view, ctx);
    } catch (e) {
      problem(form, e.message || String(e));
    }
  });
  if (q('#consent-withdraw')) q('#consent-withdraw').addEventListener('click', async () => {
    try {
      await db.mutate('consent.withdraw', {});
      ctx.announce(t('consent_withdrawn'));
      await render(view, ctx);
    } catch (e) {
      problem(q('#consent-form'), e.message || String(e));
    }
  });

  q('#password-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = q('#password-form');
    const current = q('#password-current').value;
    const next = q('#password-new').value;
    if (!current) return problem(form, t('required'));
    if (next.length < 10) return problem(form, t('too_short'));
    if (next !== q('#password-confirm').value) return problem(form, t('mismatch'));
    try {
      await db.request('auth.password.change', { current, new: next });
      form.reset();
      problem(form, '');
      ctx.announce(t('changed'));
      form.insertAdjacentHTML('beforeend', `<p class="notice" role="status">${esc(t('changed'))}</p>`);
    } catch (e) {
      problem(form, e.origin === 'network' ? t('online_only') : e.code === 'forbidden' ? t('wrong_current')
        : e.code === 'rate_limited' ? t('rate_limited') : e.message || String(e));
    }
  });

  q('#data-export').addEventListener('click', async () => {
    const box = q('#export-error');
    box.hidden = true;
    try {
      const answer = await db.request('account.export', {});
      const name = `passerelle-${(me.email || me.id).replace(/[^A-Za-z0-9.-]+/g, '_')}-${new Date().toISOString().slice(0, 10)}.json`;
      downloadBlob(new Blob([JSON.stringify(answer.export ?? answer, null, 2)], { type: 'application/json' }), name);
      ctx.announce(t('exported', { name }));
    } catch (e) {
      box.textContent = e.origin === 'network' ? t('online_only') : e.message || String(e);
      box.hidden = false;
      box.focus();
    }
  });

  q('#erase-open').addEventListener('click', () => { eraseOpen = !eraseOpen; q('#erase-form').hidden = !eraseOpen; q('#erase-open').setAttribute('aria-expanded', String(eraseOpen)); if (eraseOpen) q('#erase-sure').focus(); });
  q('#erase-cancel').addEventListener('click', () => { eraseOpen = false; q('#erase-form').hidden = true; q('#erase-open').setAttribute('aria-expanded', 'false'); });
  q('#erase-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = q('#erase-form');
    if (!q('#erase-sure').checked) return problem(form, t('erase_check'));
    const password = q('#erase-password').value;
    if (!password) return problem(form, t('required'));
    try {
      await db.request('account.delete', { password });
      eraseOpen = false;
      await ctx.signOut({ erase: true });
    } catch (e) {
      problem(form, e.origin === 'network' ? t('online_only') : e.code === 'forbidden' ? t('wrong_password')
        : e.code === 'rate_limited' ? t('rate_limited') : e.message || String(e));
    }
  });

  q('#sign-out').addEventListener('click', () => ctx.signOut());
  q('#sign-out-erase').addEventListener('click', async () => {
    const pending = await db.pendingCount().catch(() => 0);
    if (pending && !window.confirm(t('erase_pending', { n: pending }))) return;
    ctx.signOut({ erase: true });
  });
}
