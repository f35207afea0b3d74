// The mentor's screen (/app/mentor): proposals to accept or decline with the candidate's card
// (and her action plan when she shares it), the weekly availability and its exceptions in the
// mentor's own zone, the meetings (cancel, calendar file, video link, held or missed) and the
// referrals, per mentorship. Every write goes through a mutator; the rules (slots, windows of at
// least an hour, forward-only referral states, consent) are the core's, whose refusals are shown
// next to the field they concern.
import {
  h, newId, timeLabel, dateTimeLabel, dateLabel, zoneCity, zoneName, todayIn, attempt, has, getRow,
  rowsWhere, snapshot, restore, screenRoot, ownZone, downloadIcs, field, progress, injectStyles,
} from './mentoring_common.js';

export const strings = {
  en: {
    title: 'Mentoring',
    loading: 'Loading…',
    intro: 'Two one-hour meetings and at least three people of your network: that is the whole commitment.',
    proposals_title: 'Proposals',
    no_proposals: 'No proposal waiting for your answer.',
    proposal_of: 'Proposed match: {name}',
    card_profession: 'Occupation',
    card_noc: 'NOC code',
    card_experience: 'Experience',
    years: '{n} years',
    card_languages: 'Languages',
    card_zone: 'Time zone',
    card_zone_value: '{city} ({time} there now)',
    card_region: 'Wants to settle in',
    card_shared: 'Languages you share',
    plan_shared_title: '{name}’s action plan',
    plan_not_shared: '{name} has not shared their action plan with you.',
    plan_progress: '{done} of {total} steps done',
    plan_overdue: '{n} overdue',
    step_todo: 'To do', step_in_progress: 'In progress', step_done: 'Done', step_skipped: 'Skipped',
    due: 'due {date}',
    accept: 'Accept',
    decline: 'Decline',
    decline_reason: 'Why you decline ({name} will read it)',
    decline_reason_hint: 'A sentence is enough, e.g. “I am not available before June.”',
    decline_confirm: 'Send my answer',
    decline_keep: 'Go back',
    decline_empty: 'Please write a reason: the candidate will read it.',
    accepted: 'Mentorship accepted: you can now write to {name}.',
    declined_done: 'Your answer was sent to {name}.',
    mentees_title: 'Your mentees',
    no_mentees: 'Once you accept a proposal, your mentee appears here.',
    status_active: 'Active', status_completed: 'Completed', status_closed: 'Closed', status_declined: 'Declined',
    message: 'Write to {name}',
    meetings_title: 'Meetings',
    meetings_progress_label: 'Meetings held (goal: 2)',
    meetings_progress: '{n} of 2',
    no_meetings: '{name} has not booked a meeting yet: they choose from your availability below.',
    meeting_when: '{when} your time',
    meeting_other_when: '{time} for {name} ({city})',
    upcoming: 'Upcoming', past: 'Past',
    join_video: 'Join the video call',
    add_calendar: 'Add to my calendar',
    ics_unavailable: 'The calendar file cannot be made on this version of the app.',
    cancel: 'Cancel the meeting',
    cancel_question: 'Cancel the meeting of {when}? {name} will be told by e-mail.',
    cancel_reason: 'Reason (optional, {name} will read it)',
    cancel_confirm: 'Yes, cancel it',
    cancel_keep: 'Keep it',
    cancelled: 'Meeting cancelled.',
    meeting_cancelled: 'Cancelled',
    outcome_question: 'Did the meeting take place?',
    outcome_held: 'Held',
    outcome_no_show_candidate: '{name} did not come',
    outcome_no_show_mentor: 'I could not attend',
    outcome_saved: 'Saved: {outcome}.',
    outcome_is: 'Recorded: {outcome}',
    outcome_change: 'Change',
    referrals_title: 'Referrals',
    referrals_progress_label: 'People referred (goal: at least 3)',
    referrals_progress: '{n} of 3',
    no_referrals: 'No referral yet. Add the people of your network who could help {name}.',
    referral_suggested: 'Suggested', referral_introduced: 'Introduced', referral_met: 'Met',
    waiting_consent: 'You can introduce them once {name} agrees (in the app).',
    consented: '{name} agreed to this introduction.',
    mark_introduced: 'Mark introduced',
    mark_met: 'Mark met',
    referral_moved: '{person}: {status}.',
    add_referral: 'Add a referral',
    ref_name: 'Name',
    ref_role: 'Role',
    ref_org: 'Organization',
    ref_contact: 'How to reach them (optional)',
    ref_contact_hint: 'E-mail, phone or LinkedIn; only {name} and their coach see it.',
    ref_add: 'Add',
    ref_empty_name: 'Enter the person’s name.',
    ref_empty_role: 'Enter their role, e.g. “Head nurse”.',
    ref_empty_org: 'Enter their organization, e.g. “CHUM”.',
    ref_added: '{person} added to the referrals.',
    availability_title: 'Your availability',
    availability_intro: 'Candidates book one-hour meetings inside these windows. Times are in your time zone, {zone}.',
    weekly_title: 'Every week',
    no_weekly: 'No weekly window yet.',
    weekday: 'Day',
    from: 'From',
    to: 'To',
    remove: 'Remove',
    remove_window: 'Remove the window {n}',
    add_window: 'Add a weekly window',
    additions_title: 'Extra times on a date',
    no_additions: 'None.',
    date: 'Date',
    add_addition: 'Add a date',
    blocked_title: 'Dates you are away',
    blocked_hint: 'No meeting can be booked on these dates.',
    no_blocked: 'None.',
    block_date: 'Date to block',
    add_blocked: 'Block this date',
    unblock: 'Unblock {date}',
    save_availability: 'Save my availability',
    saved_availability: 'Availability saved. Candidates see the new times at their next sync.',
    unsaved: 'You have changes that are not saved yet.',
    err_short: 'A window must last at least one hour: choose a later end time.',
    err_time: 'Choose a start and an end time.',
    err_past: 'This date is in the past: choose today or later.',
    err_date: 'Choose a date.',
    err_duplicate_block: 'This date is already blocked.',
    err_fix: 'Please fix the highlighted fields: nothing was saved, and nothing you entered is lost.',
    midnight: 'midnight',
    complete: 'Mark the mentorship complete',
    complete_hint: 'When both meetings are held and three of the people you referred were introduced or met.',
    completed_done: 'Mentorship with {name} completed. Thank you!',
    complete_not_yet: 'Not yet. Meetings held: {held} of 2. People introduced or met: {referred} of 3.',
    error: 'That did not work: {message}',
  },
  fr: {
    title: 'Mentorat',
    loading: 'Chargement…',
    intro: 'Deux rencontres d’une heure et au moins trois personnes de votre réseau : c’est tout l’engagement.',
    proposals_title: 'Propositions',
    no_proposals: 'Aucune proposition n’attend votre réponse.',
    proposal_of: 'Jumelage proposé avec {name}',
    card_profession: 'Profession',
    card_noc: 'Code CNP',
    card_experience: 'Expérience',
    years: '{n} ans',
    card_languages: 'Langues',
    card_zone: 'Fuseau horaire',
    card_zone_value: '{city} (il est {time} là-bas)',
    card_region: 'Région visée',
    card_shared: 'Langues en commun',
    plan_shared_title: 'Plan d’action — {name}',
    plan_not_shared: '{name} n’a pas partagé son plan d’action avec vous.',
    plan_progress: '{done} étapes faites sur {total}',
    plan_overdue: '{n} en retard',
    step_todo: 'À faire', step_in_progress: 'En cours', step_done: 'Faite', step_skipped: 'Sautée',
    due: 'échéance : {date}',
    accept: 'Accepter',
    decline: 'Refuser',
    decline_reason: 'Pourquoi vous refusez ({name} le lira)',
    decline_reason_hint: 'Une phrase suffit, p. ex. « Je ne suis pas disponible avant juin. »',
    decline_confirm: 'Envoyer ma réponse',
    decline_keep: 'Revenir',
    decline_empty: 'Écrivez une raison : la personne candidate la lira.',
    accepted: 'Mentorat accepté : vous pouvez maintenant écrire à {name}.',
    declined_done: 'Votre réponse a été envoyée à {name}.',
    mentees_title: 'Vos personnes mentorées',
    no_mentees: 'Dès que vous acceptez une proposition, la personne apparaît ici.',
    status_active: 'Actif', status_completed: 'Terminé', status_closed: 'Fermé', status_declined: 'Refusé',
    message: 'Écrire à {name}',
    meetings_title: 'Rencontres',
    meetings_progress_label: 'Rencontres tenues (objectif : 2)',
    meetings_progress: '{n} sur 2',
    no_meetings: '{name} n’a pas encore réservé de rencontre : le choix se fait parmi vos disponibilités ci-dessous.',
    meeting_when: '{when}, votre heure',
    meeting_other_when: '{time} pour {name} ({city})',
    upcoming: 'À venir', past: 'Passées',
    join_video: 'Rejoindre l’appel vidéo',
    add_calendar: 'Ajouter à mon calendrier',
    ics_unavailable: 'Cette version de l’application ne peut pas créer le fichier de calendrier.',
    cancel: 'Annuler la rencontre',
    cancel_question: 'Annuler la rencontre du {when}? {name} recevra un courriel.',
    cancel_reason: 'Raison (facultative, {name} la lira)',
    cancel_confirm: 'Oui, l’annuler',
    cancel_keep: 'La garder',
    cancelled: 'Rencontre annulée.',
    meeting_cancelled: 'Annulée',
    outcome_question: 'La rencontre a-t-elle eu lieu?',
    outcome_held: 'Tenue',
    outcome_no_show_candidate: 'Absence : {name}',
    outcome_no_show_mentor: 'Je n’ai pas pu y être',
    outcome_saved: 'Enregistré : {outcome}.',
    outcome_is: 'Inscrit : {outcome}',
    outcome_change: 'Modifier',
    referrals_title: 'Références',
    referrals_progress_label: 'Personnes recommandées (objectif : au moins 3)',
    referrals_progress: '{n} sur 3',
    no_referrals: 'Aucune référence pour l’instant. Ajoutez les personnes de votre réseau qui pourraient aider {name}.',
    referral_suggested: 'Suggérée', referral_introduced: 'Présentée', referral_met: 'Rencontrée',
    waiting_consent: 'Mise en relation possible dès que {name} aura donné son accord (dans l’application).',
    consented: '{name} a donné son accord pour cette mise en relation.',
    mark_introduced: 'Marquer comme présentée',
    mark_met: 'Marquer comme rencontrée',
    referral_moved: '{person} : {status}.',
    add_referral: 'Ajouter une référence',
    ref_name: 'Nom',
    ref_role: 'Poste',
    ref_org: 'Organisation',
    ref_contact: 'Comment la joindre (facultatif)',
    ref_contact_hint: 'Courriel, téléphone ou LinkedIn; visible seulement par {name} et son conseiller ou sa conseillère.',
    ref_add: 'Ajouter',
    ref_empty_name: 'Inscrivez le nom de la personne.',
    ref_empty_role: 'Inscrivez son poste, p. ex. « Infirmière-chef ».',
    ref_empty_org: 'Inscrivez son organisation, p. ex. « CHUM ».',
    ref_added: 'Référence ajoutée : {person}.',
    availability_title: 'Vos disponibilités',
    availability_intro: 'Les personnes candidates réservent des rencontres d’une heure dans ces plages. Les heures sont dans votre fuseau horaire, {zone}.',
    weekly_title: 'Chaque semaine',
    no_weekly: 'Aucune plage hebdomadaire pour l’instant.',
    weekday: 'Jour',
    from: 'De',
    to: 'À',
    remove: 'Retirer',
    remove_window: 'Retirer la plage {n}',
    add_window: 'Ajouter une plage hebdomadaire',
    additions_title: 'Plages ajoutées à une date',
    no_additions: 'Aucune.',
    date: 'Date',
    add_addition: 'Ajouter une date',
    blocked_title: 'Dates d’absence',
    blocked_hint: 'Aucune rencontre ne peut être réservée ces jours-là.',
    no_blocked: 'Aucune.',
    block_date: 'Date à bloquer',
    add_blocked: 'Bloquer cette date',
    unblock: 'Débloquer le {date}',
    save_availability: 'Enregistrer mes disponibilités',
    saved_availability: 'Disponibilités enregistrées. Les personnes candidates verront les nouvelles heures à leur prochaine synchronisation.',
    unsaved: 'Certains changements ne sont pas encore enregistrés.',
    err_short: 'Une plage doit durer au moins une heure : choisissez une heure de fin plus tardive.',
    err_time: 'Choisissez une heure de début et une heure de fin.',
    err_past: 'Cette date est passée : choisissez aujourd’hui ou plus tard.',
    err_date: 'Choisissez une date.',
    err_duplicate_block: 'Cette date est déjà bloquée.',
    err_fix: 'Corrigez les champs indiqués : rien n’a été enregistré et rien de ce que vous avez inscrit n’est perdu.',
    midnight: 'minuit',
    complete: 'Marquer le mentorat comme terminé',
    complete_hint: 'Quand les deux rencontres ont eu lieu et que trois des personnes recommandées ont été présentées ou rencontrées.',
    completed_done: 'Mentorat avec {name} terminé. Merci!',
    complete_not_yet: 'Pas encore. Rencontres tenues : {held} sur 2. Personnes présentées ou rencontrées : {referred} sur 3.',
    error: 'Ça n’a pas fonctionné : {message}',
  },
};

// What the mentor is doing here, kept across re-renders: the availability being edited (a draft
// until saved), a decline or cancel being written, field errors, the last result per section.
const ui = {
  user: null, draft: null, dirty: false, errors: {}, notices: {}, declining: null, cancelling: null,
  changingOutcome: null, referralFormOpen: {}, planOpen: {},
};

export async function render(view, ctx) {
  injectStyles();
  const { db, t } = ctx;
  const me = ctx.account.user.id;
  if (ui.user !== me) Object.assign(ui, { user: me, draft: null, dirty: false, errors: {}, notices: {}, declining: null, cancelling: null });
  const rerender = () => { if (view.isConnected) return render(view, ctx); };
  if (!view.firstChild) view.append(h('p', { class: 'm-muted' }, t('loading')));
  const generation = (view.mentorGeneration = (view.mentorGeneration || 0) + 1);
  const data = await load(ctx, me);
  if (generation !== view.mentorGeneration) return;
  const snap = snapshot(view);
  view.replaceChildren(screenRoot('mentor', h('h1', {}, t('title')), h('p', { class: 'm-muted' }, t('intro')),
    proposalsSection(ctx, data, rerender), menteesSection(ctx, data, rerender), availabilitySection(ctx, data, rerender)));
  restore(view, snap);
}

async function load(ctx, me) {
  const { db } = ctx;
  const [mentorships, availability, profile] = await Promise.all([
    rowsWhere(db, 'mentorships', 'mentor_id', me),
    getRow(db, 'availability', me).catch(() => null),
    getRow(db, 'mentor_profiles', me).catch(() => null),
  ]);
  mentorships.sort((a, b) => String(b.proposed_at || '').localeCompare(String(a.proposed_at || '')));
  const zone = await ownZone(ctx);
  const per = {};
  await Promise.all(mentorships.filter((m) => m.status !== 'declined').map(async (ms) => {
    const [meetings, referrals, plans] = await Promise.all([
      rowsWhere(db, 'meetings', 'mentorship_id', ms.id),
      rowsWhere(db, 'referrals', 'mentorship_id', ms.id),
      rowsWhere(db, 'plans', 'candidate_id', ms.candidate_id).catch(() => []),
    ]);
    const plan = plans.find((p) => (p.shared_with || []).includes(me)) || null;
    let steps = [], planProgress = null;
    if (plan) {
      steps = await rowsWhere(db, 'plan_steps', 'plan_id', plan.id);
      const order = new Map((plan.step_ids || []).map((id, i) => [id, i]));
      steps.sort((a, b) => (order.get(a.id) ?? 1e9) - (order.get(b.id) ?? 1e9));
      if (has(db, 'planProgress')) planProgress = await db.planProgress(ms.candidate_id).catch(() => null);
    }
    per[ms.id] = { meetings, referrals, plan, steps, planProgress };
  }));
  return { mentorships, availability, profile, zone, per };
}

const candidateName = (ms) => ms.candidate?.name || '';
const candidateZone = (ms, m = null) => m?.candidate_time_zone || ms.candidate?.time_zone || '';

function languagesWithLevels(list, lang) {
  let names = null;
  try { names = new Intl.DisplayNames([lang === 'fr' ? 'fr-CA' : 'en-CA'], { type: 'language' }); } catch (e) { /* old browser */ }
  return (list || []).map((l) => {
    const code = typeof l === 'string' ? l : l.code;
    const name = names ? names.of(code) : code;
    return typeof l === 'string' || !l.level ? name : `${name} (${l.level})`;
  }).join(', ');
}

function notice(where) {
  const n = ui.notices[where];
  return n ? h('p', { class: n.bad ? 'm-alert' : 'm-note', role: n.bad ? 'alert' : 'status' }, n.text) : null;
}

function say(ctx, where, text, bad = false) {
  ui.notices[where] = { text, bad };
  if (!bad) ctx.announce?.(text);
}

// ---------------------------------------------------------------- proposals

function proposalsSection(ctx, d, rerender) {
  const { t } = ctx;
  const proposals = d.mentorships.filter((m) => m.status === 'proposed');
  // With mentees and nothing to answer, the section would only push them down the screen.
  if (!proposals.length && !ui.notices.proposals && d.mentorships.some((m) => m.status === 'active')) return null;
  return h('section', { class: 'm-section', 'aria-labelledby': 'm-proposals' },
    h('h2', { id: 'm-proposals', tabindex: '-1' }, t('proposals_title')),
    notice('proposals'),
    proposals.length ? h('ul', { class: 'm-list' }, proposals.map((ms) => proposalItem(ctx, d, ms, rerender)))
      : h('p', { class: 'm-muted' }, t('no_proposals')));
}

function candidateCard(ctx, d, ms) {
  const { t, lang } = ctx;
  const c = ms.candidate || {};
  const zone = c.time_zone;
  const rows = [
    c.profession ? [t('card_profession'), c.profession] : null,
    c.occupation_code ? [t('card_noc'), c.occupation_code] : null,
    c.years_experience !== undefined && c.years_experience !== null ? [t('card_experience'), t('years', { n: c.years_experience })] : null,
    c.languages?.length ? [t('card_languages'), languagesWithLevels(c.languages, lang)] : null,
    ms.shared_languages?.length ? [t('card_shared'), languagesWithLevels(ms.shared_languages, lang)] : null,
    zone ? [t('card_zone'), t('card_zone_value', { city: zoneCity(zone), time: timeLabel(new Date().toISOString(), zone, lang) })] : null,
    c.target_region ? [t('card_region'), c.target_region] : null,
  ].filter(Boolean);
  return h('dl', {}, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function planBlock(ctx, d, ms) {
  const { t, lang } = ctx;
  const p = d.per[ms.id];
  const name = candidateName(ms);
  if (!p?.plan) return h('p', { class: 'm-muted' }, t('plan_not_shared', { name }));
  const title = p.plan.title?.[lang] || p.plan.title?.fr || p.plan.title?.en || t('plan_shared_title', { name });
  const box = h('details', { class: 'm-disclosure', open: !!ui.planOpen[ms.id] },
    h('summary', { class: 'm-btn secondary' }, t('plan_shared_title', { name })),
    h('p', {}, h('strong', {}, title)),
    p.planProgress ? h('p', {}, t('plan_progress', { done: p.planProgress.done, total: p.planProgress.total }),
      p.planProgress.overdue > 0 ? [' · ', h('span', { class: 'm-status declined' }, t('plan_overdue', { n: p.planProgress.overdue }))] : null) : null,
    h('ul', { class: 'm-list' }, p.steps.map((s) => h('li', {},
      h('span', {}, s.title?.[lang] || s.title?.fr || s.title?.en || ''), ' ',
      h('span', { class: `m-status ${s.status === 'done' ? 'met' : ''}` }, t('step_' + s.status) || s.status),
      s.due_date ? h('span', { class: 'm-muted' }, ' · ' + t('due', { date: dateLabel(s.due_date, lang) })) : null))));
  box.addEventListener('toggle', () => { ui.planOpen[ms.id] = box.open; });
  return box;
}

function proposalItem(ctx, d, ms, rerender) {
  const { t, db } = ctx;
  const name = candidateName(ms);
  const li = h('li', { class: 'm-card' },
    h('h3', {}, t('proposal_of', { name })),
    candidateCard(ctx, d, ms),
    planBlock(ctx, d, ms));
  if (ui.declining === ms.id) {
    const reasonId = `m-decline-${ms.id}`;
    const reason = h('textarea', { maxlength: 2000, required: true });
    const err = ui.errors[reasonId];
    li.append(field(reasonId, t('decline_reason', { name }), reason, t('decline_reason_hint'), err),
      h('div', { class: 'm-actions' },
        h('button', { class: 'm-btn danger', type: 'button', onclick: async () => {
          const text = document.getElementById(reasonId)?.value.trim() || '';
          if (!text) { ui.errors[reasonId] = t('decline_empty'); await rerender(); document.getElementById(reasonId)?.focus(); return; }
          delete ui.errors[reasonId];
          const [, e] = await attempt(() => db.mutate('mentorship.respond', { id: ms.id, accept: false, reason: text }));
          if (e) say(ctx, 'proposals', t('error', { message: e.message }), true);
          else { ui.declining = null; say(ctx, 'proposals', t('declined_done', { name })); }
          rerender();
        } }, t('decline_confirm')),
        h('button', { class: 'm-btn secondary', type: 'button', onclick: () => { ui.declining = null; rerender(); } }, t('decline_keep'))));
  } else {
    li.append(h('div', { class: 'm-actions' },
      h('button', { class: 'm-btn', type: 'button', onclick: async () => {
        const [, e] = await attempt(() => db.mutate('mentorship.respond', { id: ms.id, accept: true, thread_id: newId() }));
        if (e) say(ctx, 'proposals', t('error', { message: e.message }), true);
        else say(ctx, 'mentees', t('accepted', { name }));
        await rerender();
        document.getElementById(e ? 'm-proposals' : 'm-mentees')?.focus();
      } }, t('accept')),
      h('button', { class: 'm-btn danger', type: 'button', onclick: async () => {
        ui.declining = ms.id; await rerender(); document.getElementById(`m-decline-${ms.id}`)?.focus();
      } }, t('decline'))));
  }
  return li;
}

// ---------------------------------------------------------------- mentees

function menteesSection(ctx, d, rerender) {
  const { t } = ctx;
  const list = d.mentorships.filter((m) => m.status === 'active' || m.status === 'completed');
  return h('section', { class: 'm-section', 'aria-labelledby': 'm-mentees' },
    h('h2', { id: 'm-mentees', tabindex: '-1' }, t('mentees_title')),
    notice('mentees'),
    list.length ? list.map((ms) => menteeBlock(ctx, d, ms, rerender)) : h('p', { class: 'm-muted' }, t('no_mentees')));
}

function menteeBlock(ctx, d, ms, rerender) {
  const { t } = ctx;
  const name = candidateName(ms);
  const p = d.per[ms.id] || { meetings: [], referrals: [] };
  return h('article', { class: 'm-card', 'aria-labelledby': `m-mentee-${ms.id}` },
    h('h3', { id: `m-mentee-${ms.id}` }, name, ' ', h('span', { class: `m-status ${ms.status}` }, t('status_' + ms.status))),
    candidateCard(ctx, d, ms),
    ms.thread_id ? h('div', { class: 'm-actions' }, h('a', {
      class: 'm-btn secondary', href: `/app/messages/${ms.thread_id}`,
      onclick: (e) => { e.preventDefault(); ctx.navigate(`/app/messages/${ms.thread_id}`); },
    }, t('message', { name }))) : null,
    planBlock(ctx, d, ms),
    meetingsBlock(ctx, d, ms, p.meetings, rerender),
    referralsBlock(ctx, d, ms, p.referrals, rerender),
    ms.status === 'active' ? completeBlock(ctx, ms, rerender) : null);
}

function meetingsBlock(ctx, d, ms, meetings, rerender) {
  const { t } = ctx;
  const name = candidateName(ms);
  const now = Date.now();
  const upcoming = meetings.filter((m) => m.status === 'scheduled' && Date.parse(m.end) > now).sort((a, b) => a.start.localeCompare(b.start));
  const past = meetings.filter((m) => !upcoming.includes(m)).sort((a, b) => b.start.localeCompare(a.start));
  const held = meetings.filter((m) => m.status === 'scheduled' && m.outcome === 'held').length;
  const where = 'meetings-' + ms.id;
  return h('div', {},
    h('h4', { id: `m-meetings-${ms.id}`, tabindex: '-1' }, t('meetings_title')),
    progress(`m-held-${ms.id}`, t('meetings_progress_label'), held, 2, t('meetings_progress', { n: held })),
    notice(where),
    !meetings.length ? h('p', { class: 'm-muted' }, t('no_meetings', { name })) : null,
    upcoming.length ? [h('h5', {}, t('upcoming')), h('ul', { class: 'm-list' }, upcoming.map((m) => meetingItem(ctx, d, ms, m, true, rerender)))] : null,
    past.length ? [h('h5', {}, t('past')), h('ul', { class: 'm-list' }, past.map((m) => meetingItem(ctx, d, ms, m, false, rerender)))] : null);
}

function meetingItem(ctx, d, ms, m, upcoming, rerender) {
  const { t, db, lang } = ctx;
  const name = candidateName(ms);
  const when = dateTimeLabel(m.start, d.zone, lang);
  const cz = candidateZone(ms, m);
  const started = Date.parse(m.start) <= Date.now();
  const where = 'meetings-' + ms.id;
  const outcomeText = (o) => t('outcome_' + o, { name });
  const li = h('li', {},
    h('p', {}, h('strong', {}, t('meeting_when', { when })), ' ',
      m.status === 'cancelled' ? h('span', { class: 'm-status cancelled' }, t('meeting_cancelled')) : null),
    cz && cz !== d.zone ? h('p', { class: 'm-muted' }, t('meeting_other_when', { time: dateTimeLabel(m.start, cz, lang), name, city: zoneCity(cz) })) : null);
  const actions = h('div', { class: 'm-actions' });
  if (upcoming) {
    if (m.video_url) actions.append(h('a', { class: 'm-btn', href: m.video_url, target: '_blank', rel: 'noopener' }, t('join_video')));
    actions.append(h('button', { class: 'm-btn secondary', type: 'button', onclick: async () => {
      if (!has(db, 'meetingIcs')) { ctx.showError?.(t('ics_unavailable')); return; }
      const [, e] = await attempt(() => downloadIcs(db, m.id, `passerelle-${m.start.slice(0, 10)}.ics`));
      if (e) ctx.showError?.(e);
    } }, t('add_calendar')));
    if (!started) actions.append(h('button', {
      class: 'm-btn danger', type: 'button', 'aria-expanded': ui.cancelling === m.id ? 'true' : 'false',
      onclick: () => { ui.cancelling = ui.cancelling === m.id ? null : m.id; rerender(); },
    }, t('cancel')));
  }
  li.append(actions);
  if (upcoming && ui.cancelling === m.id) {
    const reason = h('textarea', { maxlength: 2000 });
    li.append(h('div', { class: 'm-note' }, h('p', {}, t('cancel_question', { when, name })),
      field(`m-cancel-reason-${m.id}`, t('cancel_reason', { name }), reason),
      h('div', { class: 'm-actions' },
        h('button', { class: 'm-btn danger', type: 'button', onclick: async () => {
          const args = { id: m.id };
          if (reason.value.trim()) args.reason = reason.value.trim();
          const [, e] = await attempt(() => db.mutate('meeting.cancel', args));
          if (e) say(ctx, where, t('error', { message: e.message }), true);
          else { ui.cancelling = null; say(ctx, where, t('cancelled')); }
          rerender();
        } }, t('cancel_confirm')),
        h('button', { class: 'm-btn secondary', type: 'button', onclick: () => { ui.cancelling = null; rerender(); } }, t('cancel_keep')))));
  }
  // Once it has started, either person says whether it took place (the latest answer counts).
  if (m.status === 'scheduled' && started) {
    if (m.outcome && ui.changingOutcome !== m.id) {
      li.append(h('p', {}, h('span', { class: `m-status ${m.outcome}` }, t('outcome_is', { outcome: outcomeText(m.outcome) })), ' ',
        h('button', { class: 'm-btn secondary', type: 'button', onclick: () => { ui.changingOutcome = m.id; rerender(); } }, t('outcome_change'))));
    } else {
      li.append(h('fieldset', { class: 'm-outcome' }, h('legend', {}, t('outcome_question')),
        h('div', { class: 'm-actions' }, ['held', 'no_show_candidate', 'no_show_mentor'].map((o) => h('button', {
          class: o === 'held' ? 'm-btn' : 'm-btn secondary', type: 'button',
          onclick: async () => {
            const [, e] = await attempt(() => db.mutate('meeting.outcome', { id: m.id, outcome: o }));
            if (e) say(ctx, where, t('error', { message: e.message }), true);
            else { ui.changingOutcome = null; say(ctx, where, t('outcome_saved', { outcome: outcomeText(o) })); }
            rerender();
          },
        }, outcomeText(o))))));
    }
  }
  return li;
}

function referralsBlock(ctx, d, ms, referrals, rerender) {
  const { t, db } = ctx;
  const name = candidateName(ms);
  const direct = referrals.filter((r) => !r.parent_id);
  const where = 'referrals-' + ms.id;
  const prefix = `m-ref-${ms.id}`;
  const form = h('form', { class: 'm-ref-form', novalidate: true, 'aria-label': `${t('add_referral')} — ${name}` },
    field(`${prefix}-name`, t('ref_name'), h('input', { type: 'text', maxlength: 100, autocomplete: 'off' }), null, ui.errors[`${prefix}-name`]),
    field(`${prefix}-role`, t('ref_role'), h('input', { type: 'text', maxlength: 100, autocomplete: 'off' }), null, ui.errors[`${prefix}-role`]),
    field(`${prefix}-org`, t('ref_org'), h('input', { type: 'text', maxlength: 100, autocomplete: 'off' }), null, ui.errors[`${prefix}-org`]),
    field(`${prefix}-contact`, t('ref_contact'), h('input', { type: 'text', maxlength: 200, autocomplete: 'off' }), t('ref_contact_hint', { name })),
    h('div', { class: 'm-actions' }, h('button', { class: 'm-btn', type: 'submit' }, t('ref_add'))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const value = (k) => document.getElementById(`${prefix}-${k}`)?.value.trim() || '';
    const args = { id: newId(), mentorship_id: ms.id, name: value('name'), role: value('role'), organization: value('org') };
    if (value('contact')) args.contact = value('contact');
    const missing = [['name', 'ref_empty_name'], ['role', 'ref_empty_role'], ['org', 'ref_empty_org']].filter(([k]) => !value(k));
    for (const k of ['name', 'role', 'org']) delete ui.errors[`${prefix}-${k}`];
    if (missing.length) {
      for (const [k, msg] of missing) ui.errors[`${prefix}-${k}`] = t(msg);
      await rerender();
      document.getElementById(`${prefix}-${missing[0][0]}`)?.focus();
      return;
    }
    const [, err] = await attempt(() => db.mutate('referral.add', args));
    if (err) { say(ctx, where, t('error', { message: err.message }), true); await rerender(); return; }
    say(ctx, where, t('ref_added', { person: args.name }));
    // Only now, once it is recorded, the fields are emptied.
    for (const k of ['name', 'role', 'org', 'contact']) { const el = document.getElementById(`${prefix}-${k}`); if (el) el.value = ''; }
    await rerender();
    document.getElementById(`${prefix}-name`)?.focus();
  });
  return h('div', {},
    h('h4', {}, t('referrals_title')),
    progress(`m-refprog-${ms.id}`, t('referrals_progress_label'), direct.length, 3, t('referrals_progress', { n: direct.length })),
    notice(where),
    referrals.length ? h('ul', { class: 'm-list' }, referrals.map((r) => {
      const next = r.status === 'suggested' ? 'introduced' : r.status === 'introduced' ? 'met' : null;
      const canMove = next && (r.status !== 'suggested' || r.consent === true);
      return h('li', {},
        h('p', {}, h('strong', {}, r.name), ' ', h('span', { class: `m-status ${r.status}` }, t('referral_' + r.status))),
        h('p', { class: 'm-muted' }, [r.role, r.organization, r.contact].filter(Boolean).join(' · ')),
        r.status === 'suggested' ? h('p', { class: 'm-hint' }, r.consent ? t('consented', { name }) : t('waiting_consent', { name })) : null,
        canMove ? h('div', { class: 'm-actions' }, h('button', { class: 'm-btn secondary', type: 'button', onclick: async () => {
          const [, e] = await attempt(() => db.mutate('referral.update', { id: r.id, status: next }));
          if (e) say(ctx, where, t('error', { message: e.message }), true);
          else say(ctx, where, t('referral_moved', { person: r.name, status: t('referral_' + next) }));
          rerender();
        } }, t(next === 'introduced' ? 'mark_introduced' : 'mark_met'))) : null);
    })) : h('p', { class: 'm-muted' }, t('no_referrals', { name })),
    ms.status === 'active' || ms.status === 'completed' ? referralDisclosure(ms, form, t('add_referral')) : null);
}

// Completing is the core's decision (two held meetings, three referrals introduced or met): the
// button asks, and a refusal says how far along the mentorship is.
function completeBlock(ctx, ms, rerender) {
  const { t, db } = ctx;
  const name = candidateName(ms);
  const where = 'complete-' + ms.id;
  return h('div', {},
    notice(where),
    h('p', { class: 'm-hint', id: `m-complete-hint-${ms.id}` }, t('complete_hint')),
    h('div', { class: 'm-actions' }, h('button', {
      class: 'm-btn secondary', type: 'button', 'aria-describedby': `m-complete-hint-${ms.id}`,
      onclick: async () => {
        const [, e] = await attempt(() => db.mutate('mentorship.complete', { id: ms.id }));
        if (!e) say(ctx, 'mentees', t('completed_done', { name }));
        else {
          const m = /\((\d+) held, (\d+) introduced or met\)/.exec(e.message || '');
          say(ctx, where, m ? t('complete_not_yet', { held: m[1], referred: m[2] }) : t('error', { message: e.message }), true);
        }
        rerender();
      },
    }, t('complete'))));
}

// The referral form folds away (a mentee's block stays short on a phone); it stays open across
// re-renders while it is being filled or shows an error.
function referralDisclosure(ms, form, label) {
  const d = h('details', { class: 'm-disclosure', open: !!ui.referralFormOpen[ms.id] }, h('summary', { class: 'm-btn secondary' }, label), form);
  d.addEventListener('toggle', () => { ui.referralFormOpen[ms.id] = d.open; });
  return d;
}

// ---------------------------------------------------------------- availability

function emptyAvailability(zone) { return { time_zone: zone, weekly: [], additions: [], blocked: [] }; }

function copyAvailability(row, zone) {
  if (!row) return emptyAvailability(zone);
  return {
    time_zone: row.time_zone || zone,
    weekly: (row.weekly || []).map((w) => ({ weekday: w.weekday, start: w.start, end: w.end })),
    additions: (row.additions || []).map((a) => ({ date: a.date, start: a.start, end: a.end })),
    blocked: [...(row.blocked || [])],
  };
}

// Half-hour steps from 00:00 to 24:00, plus any time already saved that is not on one.
function timeOptions(ctx, current, withMidnight) {
  const list = [];
  for (let m = 0; m <= 24 * 60; m += 30) {
    if (m === 24 * 60 && !withMidnight) break;
    list.push(`${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);
  }
  if (current && !list.includes(current)) { list.push(current); list.sort(); }
  const label = (v) => v === '24:00' ? t24(ctx) : timeLabel(`2000-01-03T${v}:00Z`, 'UTC', ctx.lang);
  return [h('option', { value: '' }, '—'), ...list.map((v) => {
    const o = h('option', { value: v }, label(v));
    if (v === current) o.selected = true;
    return o;
  })];
}
const t24 = (ctx) => `24:00 (${ctx.t('midnight')})`;

function weekdayName(n, lang) {
  // 2024-01-01 was a Monday: weekday n (1 = Monday) is n - 1 days later.
  return new Intl.DateTimeFormat(lang === 'fr' ? 'fr-CA' : 'en-CA', { weekday: 'long', timeZone: 'UTC' })
    .format(new Date(Date.UTC(2024, 0, n)));
}

function select(options, onchange) {
  const s = h('select', {}, options);
  s.addEventListener('change', onchange);
  return s;
}

function availabilitySection(ctx, d, rerender) {
  const { t, lang } = ctx;
  if (!ui.dirty || !ui.draft) ui.draft = copyAvailability(d.availability, d.zone);
  const a = ui.draft;
  const touch = () => { ui.dirty = true; delete ui.notices.availability; };
  const err = (id) => ui.errors[id];

  const windowRow = (w, i, kind) => {
    const p = `m-${kind}-${i}`;
    const first = kind === 'w'
      ? field(`${p}-day`, t('weekday'), select([1, 2, 3, 4, 5, 6, 7].map((n) => {
        const o = h('option', { value: n }, weekdayName(n, lang)); if (n === w.weekday) o.selected = true; return o;
      }), (e) => { w.weekday = Number(e.target.value); touch(); }))
      : field(`${p}-date`, t('date'), (() => {
        const el = h('input', { type: 'date', min: todayIn(a.time_zone), value: w.date || '' });
        el.addEventListener('change', () => { w.date = el.value; touch(); });
        return el;
      })(), null, err(`${p}-date`));
    // A time's error spans the row under both times (either may be the one to change).
    const start = select(timeOptions(ctx, w.start, false), (e) => { w.start = e.target.value; touch(); });
    const end = select(timeOptions(ctx, w.end, true), (e) => { w.end = e.target.value; touch(); });
    const timeError = err(`${p}-end`) || err(`${p}-start`);
    if (timeError) {
      const wrong = err(`${p}-end`) ? end : start;
      wrong.setAttribute('aria-invalid', 'true');
      wrong.setAttribute('aria-describedby', `${p}-time-error`);
    }
    return h('div', { class: 'm-row', role: 'group', 'aria-label': `${kind === 'w' ? t('weekly_title') : t('additions_title')} ${i + 1}` },
      h('div', { class: 'm-wide' }, first),
      field(`${p}-start`, t('from'), start),
      field(`${p}-end`, t('to'), end),
      timeError ? h('p', { class: 'm-field-error m-wide', id: `${p}-time-error`, role: 'alert' }, timeError) : null,
      h('div', { class: 'm-wide' }, h('button', {
        class: 'm-btn danger', type: 'button', 'aria-label': t('remove_window', { n: i + 1 }),
        onclick: () => {
          (kind === 'w' ? a.weekly : a.additions).splice(i, 1);
          for (const k of Object.keys(ui.errors)) if (/^m-[wa]-/.test(k)) delete ui.errors[k]; // their rows moved
          touch(); rerender();
        },
      }, t('remove'))));
  };

  const blockInput = h('input', { type: 'date', min: todayIn(a.time_zone) });
  const section = h('section', { class: 'm-section', 'aria-labelledby': 'm-availability' },
    h('h2', { id: 'm-availability', tabindex: '-1' }, t('availability_title')),
    h('p', { class: 'm-hint' }, t('availability_intro', { zone: zoneName(a.time_zone, lang) })),
    h('h3', {}, t('weekly_title')),
    a.weekly.length ? a.weekly.map((w, i) => windowRow(w, i, 'w')) : h('p', { class: 'm-muted' }, t('no_weekly')),
    h('div', { class: 'm-actions' }, h('button', { class: 'm-btn secondary', type: 'button', onclick: async () => {
      a.weekly.push({ weekday: 2, start: '18:00', end: '20:00' }); touch(); await rerender();
      document.getElementById(`m-w-${a.weekly.length - 1}-day`)?.focus();
    } }, t('add_window'))),
    h('h3', {}, t('additions_title')),
    a.additions.length ? a.additions.map((w, i) => windowRow(w, i, 'a')) : h('p', { class: 'm-muted' }, t('no_additions')),
    h('div', { class: 'm-actions' }, h('button', { class: 'm-btn secondary', type: 'button', onclick: async () => {
      a.additions.push({ date: '', start: '18:00', end: '19:00' }); touch(); await rerender();
      document.getElementById(`m-a-${a.additions.length - 1}-date`)?.focus();
    } }, t('add_addition'))),
    h('h3', {}, t('blocked_title')),
    h('p', { class: 'm-hint' }, t('blocked_hint')),
    a.blocked.length ? h('ul', { class: 'm-list' }, [...a.blocked].sort().map((date) => h('li', { class: 'm-actions' },
      h('span', {}, dateLabel(date, lang)),
      h('button', { class: 'm-btn danger', type: 'button', 'aria-label': t('unblock', { date: dateLabel(date, lang) }), onclick: () => {
        a.blocked = a.blocked.filter((x) => x !== date); touch(); rerender();
      } }, t('remove'))))) : h('p', { class: 'm-muted' }, t('no_blocked')),
    h('div', { class: 'm-row' },
      h('div', {}, field('m-block-date', t('block_date'), blockInput, null, err('m-block-date'))),
      h('div', {}, h('button', { class: 'm-btn secondary', type: 'button', onclick: async () => {
        const v = blockInput.value;
        delete ui.errors['m-block-date'];
        if (!v) ui.errors['m-block-date'] = t('err_date');
        else if (v < todayIn(a.time_zone)) ui.errors['m-block-date'] = t('err_past');
        else if (a.blocked.includes(v)) ui.errors['m-block-date'] = t('err_duplicate_block');
        else { a.blocked.push(v); touch(); blockInput.value = ''; blockInput.dataset.fresh = '1'; }
        await rerender();
        document.getElementById('m-block-date')?.focus();
      } }, t('add_blocked')))),
    notice('availability'),
    ui.dirty ? h('p', { class: 'm-hint' }, t('unsaved')) : null,
    h('div', { class: 'm-actions' }, h('button', { class: 'm-btn', type: 'button', id: 'm-save-availability', onclick: () => saveAvailability(ctx, rerender) }, t('save_availability'))));
  return section;
}

// Checks only what the form itself can tell (a field left empty, a date already past); the
// windows' rules (at least an hour, up to 24:00) are the core's, whose refusal names the field.
async function saveAvailability(ctx, rerender) {
  const { t, db } = ctx;
  const a = ui.draft;
  const errors = {};
  const today = todayIn(a.time_zone);
  a.weekly.forEach((w, i) => { if (!w.start || !w.end) errors[`m-w-${i}-${w.start ? 'end' : 'start'}`] = t('err_time'); });
  a.additions.forEach((w, i) => {
    if (!w.date) errors[`m-a-${i}-date`] = t('err_date');
    else if (w.date < today) errors[`m-a-${i}-date`] = t('err_past');
    if (!w.start || !w.end) errors[`m-a-${i}-${w.start ? 'end' : 'start'}`] = t('err_time');
  });
  // Only the windows' errors are replaced: a referral form's stay on screen.
  for (const k of Object.keys(ui.errors)) if (/^m-[wa]-/.test(k)) delete ui.errors[k];
  Object.assign(ui.errors, errors);
  if (!Object.keys(errors).length) {
    const [, e] = await attempt(() => db.mutate('availability.set', { availability: a }));
    if (e) {
      // "…weekly[1].end: must be at least one hour after start" -> the field m-w-1-end.
      const m = /(weekly|additions)\[(\d+)\]\.(start|end|date)/.exec(e.message || '');
      if (m) {
        errors[`m-${m[1] === 'weekly' ? 'w' : 'a'}-${m[2]}-${m[3]}`] = /one hour/.test(e.message) ? t('err_short') : t('error', { message: e.message });
        Object.assign(ui.errors, errors);
      } else say(ctx, 'availability', t('error', { message: e.message }), true);
    } else {
      ui.dirty = false;
      say(ctx, 'availability', t('saved_availability'));
    }
  }
  if (Object.keys(errors).length) say(ctx, 'availability', t('err_fix'), true);
  await rerender();
  const first = Object.keys(errors)[0];
  document.getElementById(first || 'm-save-availability')?.focus();
}
