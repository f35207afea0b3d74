// The candidate's mentoring screen (/app/mentoring): the mentor proposed to her and why, her
// mentorship's state, booking her two one-hour meetings from the mentor's free slots (db.slots:
// the core computes them) shown in her zone with the mentor's time beside, moving and
// cancelling them, the calendar file and the video link, and the referrals her mentor records.
// A booking the server refused (someone else took the slot first) is shown here with fresh slots.
import {
  h, newId, dayLabel, timeLabel, dateTimeLabel, shortDateTimeLabel, dayKey, zoneCity, attempt, has, getRow, rowsWhere,
  snapshot, restore, screenRoot, ownZone, downloadIcs, field, progress, injectStyles,
} from './mentoring_common.js';

export const strings = {
  en: {
    title: 'Mentoring',
    loading: 'Loading…',
    none_title: 'No mentor yet',
    none_body: 'Your coach proposes a mentor who works in your field in Québec. You will see them here, with the reasons for the match.',
    your_mentor: 'Your mentor',
    proposed_mentor: 'The mentor proposed to you',
    status_proposed: 'Waiting for the mentor’s answer',
    status_active: 'Accepted',
    status_declined: 'Declined',
    status_completed: 'Completed',
    status_closed: 'Closed',
    proposed_body: '{mentor} has been asked to mentor you. You can book your meetings as soon as they accept.',
    active_body: '{mentor} accepted. Book your two one-hour meetings below.',
    declined_body: '{mentor} could not take this mentorship.',
    declined_reason: 'Their message: “{reason}”',
    declined_next: 'Your coach will propose another mentor.',
    completed_body: 'Your mentorship with {mentor} is complete. Well done!',
    closed_body: 'Your coach closed this mentorship.',
    why_title: 'Why this mentor',
    why_work: 'Works as: {work}',
    why_languages: 'You share: {languages}',
    why_sector: 'Sector: {sector}',
    why_coach: 'Chosen by your coach for your occupation, your languages and your time zone.',
    bio: 'About them',
    share_plan: 'Let my mentor see my action plan',
    share_plan_hint: 'They see your steps and their progress, not your immigration file.',
    plan_shared: 'Your action plan is now visible to your mentor.',
    plan_unshared: 'Your action plan is no longer visible to your mentor.',
    message_mentor: 'Write to {mentor}',
    book_title: 'Book a meeting',
    move_title: 'Choose a new time',
    move_for: 'You are moving your meeting ({when}).',
    cancel_move: 'Keep the current time',
    meetings_count: 'Meeting {n} of 2',
    both_booked: 'Both meetings are booked. To choose another time, move one of them.',
    zones_note: 'Times are in your time zone ({zone}). {mentor}’s time ({mentor_zone}) is shown beside each one.',
    mentor_time: '{time} in {city}',
    your_time: 'your time',
    no_slots: '{mentor} has no free time in the next three weeks. Write to them to find a time.',
    slots_unavailable: 'Free times cannot be shown on this version of the app.',
    slots_error: 'Free times could not be loaded: {message}',
    confirm_book: 'Book {when}',
    confirm_move: 'Move to {when}',
    confirm_intro: 'One hour with {mentor}: {when} your time ({mentor_time}).',
    back: 'Choose another time',
    booked: 'Your meeting is booked ({when}).',
    booked_sent: 'Your meeting is confirmed ({when}).',
    booked_offline: 'Your meeting is saved on this phone ({when}). It is sent when you are back online; until then someone else could still take this time.',
    moved: 'Your meeting is moved ({when}).',
    refused_taken: 'This slot was just taken by someone else. Please choose another one below.',
    refused_other: 'Your booking for {when} was refused: {reason}. Please choose another time below.',
    refused_generic: 'Your booking was refused: {reason}.',
    refused_title: 'Booking not confirmed',
    why_notice: 'meetings are booked at least {hours} hours ahead',
    why_own_overlap: 'you already have a meeting at that time',
    why_not_slot: 'that time is no longer among the mentor’s free times',
    why_quota: 'both meetings of this mentorship are already booked',
    dismiss: 'OK, dismiss',
    meetings_title: 'Your meetings',
    upcoming: 'Upcoming',
    past: 'Past',
    no_meetings: 'No meeting yet.',
    meeting_when: '{when} your time',
    meeting_mentor_when: '{time} for {mentor} ({city})',
    join_video: 'Join the video call',
    add_calendar: 'Add to my calendar',
    ics_unavailable: 'The calendar file cannot be made on this version of the app.',
    move: 'Move',
    cancel: 'Cancel the meeting',
    cancel_reason: 'Reason (optional, {mentor} will read it)',
    cancel_confirm: 'Yes, cancel it',
    cancel_keep: 'Keep it',
    cancel_question: 'Cancel your meeting of {when}?',
    cancelled: 'Meeting cancelled.',
    outcome_held: 'Held',
    outcome_no_show_candidate: 'Missed (you could not come)',
    outcome_no_show_mentor: 'Missed (the mentor could not come)',
    outcome_none: 'Took place — not yet confirmed',
    meeting_cancelled: 'Cancelled',
    in_progress: 'Now',
    referrals_title: 'People your mentor refers you to',
    referrals_goal: 'Referrals (goal: at least 3)',
    referrals_progress: '{n} of 3',
    referrals_none: '{mentor} has not recorded any contact yet.',
    referral_suggested: 'Suggested',
    referral_introduced: 'Introduced',
    referral_met: 'Met',
    referral_consent: 'I agree that {mentor} introduces me to {name}',
    consent_given: 'Thank you: {mentor} may now introduce you to {name}.',
    consent_withdrawn: 'Consent withdrawn for {name}.',
    offline_note: 'You are offline: what you do is saved on this phone and sent when the connection returns.',
    error: 'That did not work: {message}',
  },
  fr: {
    title: 'Mentorat',
    loading: 'Chargement…',
    none_title: 'Pas encore de mentor',
    none_body: 'Votre conseillère ou conseiller vous proposera un mentor qui travaille dans votre domaine au Québec. Vous le verrez ici, avec les raisons du jumelage.',
    your_mentor: 'Votre mentor',
    proposed_mentor: 'Le mentor qui vous est proposé',
    status_proposed: 'En attente de la réponse du mentor',
    status_active: 'Accepté',
    status_declined: 'Refusé',
    status_completed: 'Terminé',
    status_closed: 'Fermé',
    proposed_body: 'On a demandé à {mentor} d’être votre mentor. Vous pourrez réserver vos rencontres dès son acceptation.',
    active_body: '{mentor} a accepté. Réservez vos deux rencontres d’une heure ci-dessous.',
    declined_body: '{mentor} n’a pas pu accepter ce mentorat.',
    declined_reason: 'Son message : « {reason} »',
    declined_next: 'Votre conseillère ou conseiller vous proposera un autre mentor.',
    completed_body: 'Votre mentorat avec {mentor} est terminé. Bravo!',
    closed_body: 'Votre conseillère ou conseiller a fermé ce mentorat.',
    why_title: 'Pourquoi ce mentor',
    why_work: 'Travaille comme : {work}',
    why_languages: 'Langues en commun : {languages}',
    why_sector: 'Secteur : {sector}',
    why_coach: 'Choisi par votre conseillère ou conseiller selon votre profession, vos langues et votre fuseau horaire.',
    bio: 'À son sujet',
    share_plan: 'Permettre à mon mentor de voir mon plan d’action',
    share_plan_hint: 'Votre mentor voit vos étapes et leur avancement, pas votre dossier d’immigration.',
    plan_shared: 'Votre mentor peut maintenant voir votre plan d’action.',
    plan_unshared: 'Votre mentor ne voit plus votre plan d’action.',
    message_mentor: 'Écrire à {mentor}',
    book_title: 'Réserver une rencontre',
    move_title: 'Choisir une nouvelle heure',
    move_for: 'Vous déplacez votre rencontre ({when}).',
    cancel_move: 'Garder l’heure actuelle',
    meetings_count: 'Rencontre {n} sur 2',
    both_booked: 'Vos deux rencontres sont réservées. Pour choisir une autre heure, déplacez-en une.',
    zones_note: 'Les heures sont celles de votre fuseau horaire ({zone}). L’heure correspondante chez {mentor} ({mentor_zone}) est indiquée à côté.',
    mentor_time: '{time} à {city}',
    your_time: 'chez vous',
    no_slots: '{mentor} n’a aucune disponibilité dans les trois prochaines semaines. Écrivez-lui pour trouver un moment.',
    slots_unavailable: 'Cette version de l’application ne peut pas afficher les disponibilités.',
    slots_error: 'Impossible de charger les disponibilités : {message}',
    confirm_book: 'Réserver le {when}',
    confirm_move: 'Déplacer au {when}',
    confirm_intro: 'Une heure avec {mentor} : le {when}, votre heure ({mentor_time}).',
    back: 'Choisir une autre heure',
    booked: 'Votre rencontre est réservée ({when}).',
    booked_sent: 'Votre rencontre est confirmée ({when}).',
    booked_offline: 'Votre rencontre est enregistrée sur ce téléphone ({when}). Elle sera envoyée au retour de la connexion; d’ici là, quelqu’un d’autre pourrait encore prendre cette plage.',
    moved: 'Votre rencontre est déplacée ({when}).',
    refused_taken: 'Cette plage horaire vient d’être prise par quelqu’un d’autre. Choisissez-en une autre ci-dessous.',
    refused_other: 'Votre réservation du {when} a été refusée : {reason}. Choisissez une autre heure ci-dessous.',
    refused_generic: 'Votre réservation a été refusée : {reason}.',
    refused_title: 'Réservation non confirmée',
    why_notice: 'une rencontre se réserve au moins {hours} heures à l’avance',
    why_own_overlap: 'vous avez déjà une rencontre à cette heure-là',
    why_not_slot: 'cette heure ne fait plus partie des disponibilités du mentor',
    why_quota: 'les deux rencontres de ce mentorat sont déjà réservées',
    dismiss: 'OK, masquer',
    meetings_title: 'Vos rencontres',
    upcoming: 'À venir',
    past: 'Passées',
    no_meetings: 'Aucune rencontre pour l’instant.',
    meeting_when: '{when}, votre heure',
    meeting_mentor_when: '{time} pour {mentor} ({city})',
    join_video: 'Rejoindre l’appel vidéo',
    add_calendar: 'Ajouter à mon calendrier',
    ics_unavailable: 'Cette version de l’application ne peut pas créer le fichier de calendrier.',
    move: 'Déplacer',
    cancel: 'Annuler la rencontre',
    cancel_reason: 'Raison (facultative, {mentor} la lira)',
    cancel_confirm: 'Oui, l’annuler',
    cancel_keep: 'La garder',
    cancel_question: 'Annuler votre rencontre du {when}?',
    cancelled: 'Rencontre annulée.',
    outcome_held: 'Tenue',
    outcome_no_show_candidate: 'Manquée (votre absence)',
    outcome_no_show_mentor: 'Manquée (absence du mentor)',
    outcome_none: 'Passée — pas encore confirmée',
    meeting_cancelled: 'Annulée',
    in_progress: 'En cours',
    referrals_title: 'Les personnes à qui votre mentor vous recommande',
    referrals_goal: 'Références (objectif : au moins 3)',
    referrals_progress: '{n} sur 3',
    referrals_none: '{mentor} n’a encore inscrit aucun contact.',
    referral_suggested: 'Suggérée',
    referral_introduced: 'Présentée',
    referral_met: 'Rencontrée',
    referral_consent: 'J’accepte que {mentor} me présente à {name}',
    consent_given: 'Merci : {mentor} peut maintenant vous présenter à {name}.',
    consent_withdrawn: 'Consentement retiré pour {name}.',
    offline_note: 'Vous êtes hors ligne : ce que vous faites est enregistré sur ce téléphone et envoyé au retour de la connexion.',
    error: 'Ça n’a pas fonctionné : {message}',
  },
};

// What the person is doing on this screen, kept across re-renders (rows change under her while
// she chooses a slot): the slot picked, the meeting being moved or cancelled, the last result.
const ui = { user: null, picked: null, moving: null, cancelling: null, notice: null, busy: false };
// A refusal arrives from the sync at any time: the screen shown last is painted again with it.
let rejections = { db: null, stop: null, view: null, ctx: null };

const kBookingOps = new Set(['meeting.request', 'meeting.reschedule']);
const open = (s) => s === 'proposed' || s === 'active';

export async function render(view, ctx) {
  injectStyles();
  const { db, t, lang } = ctx;
  const me = ctx.account.user.id;
  if (ui.user !== me) Object.assign(ui, { user: me, picked: null, moving: null, cancelling: null, notice: null });
  const rerender = () => (view.isConnected ? render(view, ctx) : undefined);
  Object.assign(rejections, { view, ctx });
  if (rejections.db !== db && has(db, 'onRejection')) {
    if (rejections.stop) rejections.stop();
    rejections.db = db;
    rejections.stop = db.onRejection(() => { if (rejections.view?.isConnected) render(rejections.view, rejections.ctx); });
  }
  if (!view.firstChild) view.append(h('p', { class: 'm-muted' }, t('loading')));

  // Renders may overlap (rows change while one loads): only the latest one paints.
  const generation = (view.mentoringGeneration = (view.mentoringGeneration || 0) + 1);
  const data = await load(ctx, me);
  if (generation !== view.mentoringGeneration) return;
  const snap = snapshot(view);
  const content = build(ctx, data, rerender);
  view.replaceChildren(screenRoot('mentoring', h('h1', {}, t('title')), ...content));
  restore(view, snap);
}

async function load(ctx, me) {
  const { db } = ctx;
  const all = await rowsWhere(db, 'mentorships', 'candidate_id', me);
  // The open one first, else the most recent.
  all.sort((a, b) => (open(b.status) - open(a.status)) || String(b.proposed_at || '').localeCompare(String(a.proposed_at || '')));
  const ms = all[0] || null;
  if (!ms) return { ms: null };
  const [mentor, meetings, referrals, plans, rejections] = await Promise.all([
    getRow(db, 'mentor_profiles', ms.mentor_id).catch(() => null),
    rowsWhere(db, 'meetings', 'mentorship_id', ms.id),
    rowsWhere(db, 'referrals', 'mentorship_id', ms.id),
    rowsWhere(db, 'plans', 'candidate_id', me),
    has(db, 'rejections') ? db.rejections().catch(() => []) : [],
  ]);
  const zone = await ownZone(ctx);
  let mentorZone = ms.mentor_time_zone || mentor?.time_zone || '';
  if (!mentorZone && has(db, 'personTimeZone')) mentorZone = await db.personTimeZone(ms.mentor_id).catch(() => '');
  const mine = new Set(meetings.map((m) => m.id));
  const refused = rejections.filter((r) => kBookingOps.has(r.name) &&
    (r.args?.mentorship_id === ms.id || mine.has(r.args?.id)));
  let slots = null, slotsError = null;
  if (ms.status === 'active') {
    if (!has(db, 'slots')) slotsError = 'unavailable';
    else [slots, slotsError] = await attempt(() => db.slots(ms.id, 21));
    // No availability published yet: nothing to offer, which the screen says as such.
    if (slotsError?.code === 'not_found') [slots, slotsError] = [[], null];
  }
  return { ms, mentor, meetings, referrals, plan: plans[0] || null, refused, slots, slotsError, zone, mentorZone };
}

function build(ctx, d, rerender) {
  const { t } = ctx;
  if (!d.ms) {
    return [h('section', { class: 'm-section', 'aria-labelledby': 'm-none' },
      h('h2', { id: 'm-none' }, t('none_title')), h('p', {}, t('none_body')))];
  }
  // A booking said "booked" on the phone, then the server refused it: the refusal replaces it.
  if (ui.notice?.start && d.refused.some((r) => r.args?.start === ui.notice.start)) ui.notice = null;
  // Booked offline, then sent and accepted (nothing waits, nothing refused): say it is confirmed.
  if (ui.notice?.queued && ctx.online && ctx.status && ctx.status.pending_ops === 0)
    ui.notice = { ...ui.notice, queued: false, text: ctx.t('booked_sent', { when: ui.notice.when }) };
  const out = [mentorSection(ctx, d, rerender)];
  if (d.refused.length) out.push(refusedSection(ctx, d, rerender));
  if (d.meetings.length || d.ms.status === 'active') out.push(meetingsSection(ctx, d, rerender));
  if (d.ms.status === 'active') out.push(bookingSection(ctx, d, rerender));
  if (d.ms.status === 'active' || d.ms.status === 'completed') out.push(referralsSection(ctx, d, rerender));
  return out;
}

const mentorName = (d) => d.mentor?.name || d.ms.mentor_name || '';
// Where the mentor is, as they would say it: their city ("Montréal"), else their zone's.
const mentorPlace = (d, zone = d.mentorZone) => (zone === (d.mentor?.time_zone || d.ms.mentor_time_zone) && d.mentor?.city) || zoneCity(zone);

function languagesLabel(codes, lang) {
  let names = null;
  try { names = new Intl.DisplayNames([lang === 'fr' ? 'fr-CA' : 'en-CA'], { type: 'language' }); } catch (e) { /* old browser */ }
  return (codes || []).map((c) => (names ? names.of(c) : c)).join(', ');
}

function mentorSection(ctx, d, rerender) {
  const { t, lang } = ctx;
  const { ms, mentor } = d;
  const name = mentorName(d);
  const heading = ms.status === 'active' || ms.status === 'completed' ? t('your_mentor') : t('proposed_mentor');
  const body = {
    proposed: t('proposed_body', { mentor: name }), active: t('active_body', { mentor: name }),
    declined: t('declined_body', { mentor: name }), completed: t('completed_body', { mentor: name }),
    closed: t('closed_body'),
  }[ms.status] || '';

  // The reasons shown are the facts the match rests on, from the rows (the score itself is the
  // coach's tool: mentors::suggest_mentors).
  const work = mentor?.profession ? t('why_work', { work: [mentor.profession, mentor.employer, mentor.city].filter(Boolean).join(', ') }) : null;
  const reasons = [
    work,
    mentor?.sector ? t('why_sector', { sector: mentor.sector }) : null,
    ms.shared_languages?.length ? t('why_languages', { languages: languagesLabel(ms.shared_languages, lang) }) : null,
  ].filter(Boolean);

  const section = h('section', { class: 'm-section m-card', 'aria-labelledby': 'm-mentor' },
    h('h2', { id: 'm-mentor' }, heading),
    h('p', {}, h('strong', {}, name), ' ', h('span', { class: `m-status ${ms.status}` }, t('status_' + ms.status))),
    h('p', {}, body),
    ms.status === 'declined' && ms.decline_reason ? h('p', {}, t('declined_reason', { reason: ms.decline_reason })) : null,
    ms.status === 'declined' ? h('p', {}, t('declined_next')) : null,
    open(ms.status) || ms.status === 'completed' ? [
      h('h3', {}, t('why_title')),
      h('ul', { class: 'm-reasons' }, reasons.map((r) => h('li', {}, r)), h('li', {}, t('why_coach'))),
      mentor?.bio ? [h('h3', {}, t('bio')), h('p', {}, mentor.bio)] : null,
    ] : null);

  if (open(ms.status) && d.plan) {
    const shared = (d.plan.shared_with || []).includes(ms.mentor_id);
    const box = h('input', { type: 'checkbox', id: 'm-share-plan', 'data-fresh': '1', 'aria-describedby': 'm-share-plan-hint' });
    box.checked = shared;
    box.addEventListener('change', () => mutate(ctx, 'plan.share', { plan_id: d.plan.id, mentor_id: ms.mentor_id, shared: box.checked },
      box.checked ? t('plan_shared') : t('plan_unshared'), rerender));
    section.append(h('div', { class: 'm-checkbox' }, box, h('label', { for: 'm-share-plan' }, t('share_plan'))),
      h('p', { class: 'm-hint', id: 'm-share-plan-hint' }, t('share_plan_hint')));
  }
  if (ms.thread_id && open(ms.status)) {
    section.append(h('div', { class: 'm-actions' }, h('a', {
      class: 'm-btn secondary', href: `/app/messages/${ms.thread_id}`,
      onclick: (e) => { e.preventDefault(); ctx.navigate(`/app/messages/${ms.thread_id}`); },
    }, t('message_mentor', { mentor: name }))));
  }
  return section;
}

// The label of an instant for this person: her day and time, with the mentor's time beside.
function whenLabel(ctx, d, iso) {
  return dateTimeLabel(iso, d.zone, ctx.lang);
}
function mentorTimeLabel(ctx, d, iso) {
  if (!d.mentorZone || d.mentorZone === d.zone) return '';
  const sameDay = dayKey(iso, d.zone) === dayKey(iso, d.mentorZone);
  const time = sameDay ? timeLabel(iso, d.mentorZone, ctx.lang) : shortDateTimeLabel(iso, d.mentorZone, ctx.lang);
  return ctx.t('mentor_time', { time, city: mentorPlace(d) });
}

function refusedSection(ctx, d, rerender) {
  const { t, db } = ctx;
  return h('section', { class: 'm-section', 'aria-labelledby': 'm-refused' },
    h('h2', { id: 'm-refused' }, t('refused_title')),
    d.refused.map((r) => {
      const reason = r.error?.message || r.error?.code || '';
      const when = r.args?.start ? whenLabel(ctx, d, r.args.start) : '';
      // The server says why in its own words; the slot race is the one a candidate meets most, so
      // it gets the plain sentence of the screen's language.
      const why = refusalReason(t, reason);
      const text = /already taken/.test(reason) ? t('refused_taken')
        : when ? t('refused_other', { when, reason: why }) : t('refused_generic', { reason: why });
      return h('div', { class: 'm-alert', role: 'alert' }, h('p', {}, text),
        has(db, 'dismissRejection') ? h('button', {
          class: 'm-btn secondary', type: 'button',
          onclick: async () => { await attempt(() => db.dismissRejection(r.op_id)); rerender(); },
        }, t('dismiss')) : null);
    }));
}

// The server's reasons for the refusals a candidate meets, in her language (the server's own
// sentence, in English, for any other).
function refusalReason(t, message) {
  const notice = /at least (\d+) h ahead/.exec(message);
  if (notice) return t('why_notice', { hours: notice[1] });
  if (/candidate already has a meeting/.test(message)) return t('why_own_overlap');
  if (/not one of the mentor's slots/.test(message)) return t('why_not_slot');
  if (/at most two meetings|two meetings/.test(message)) return t('why_quota');
  return message.split(';')[0];
}

function countsTowardTwo(m) {
  return m.status === 'scheduled' && m.outcome !== 'no_show_candidate' && m.outcome !== 'no_show_mentor';
}

function bookingSection(ctx, d, rerender) {
  const { t, lang } = ctx;
  const name = mentorName(d);
  const moving = ui.moving ? d.meetings.find((m) => m.id === ui.moving && m.status === 'scheduled') : null;
  if (ui.moving && !moving) ui.moving = null;
  const taken = d.meetings.filter(countsTowardTwo).length;
  const section = h('section', { class: 'm-section', 'aria-labelledby': 'm-book' },
    h('h2', { id: 'm-book', tabindex: '-1' }, moving ? t('move_title') : t('book_title')));
  if (moving) {
    section.append(h('p', {}, t('move_for', { when: whenLabel(ctx, d, moving.start) })),
      h('div', { class: 'm-actions' }, h('button', {
        class: 'm-btn secondary', type: 'button', onclick: () => { ui.moving = null; ui.picked = null; rerender(); },
      }, t('cancel_move'))));
  } else if (taken >= 2) {
    section.append(h('p', {}, t('both_booked')));
    return section;
  } else {
    section.append(h('p', { class: 'm-muted' }, t('meetings_count', { n: taken + 1 })));
  }
  if (ui.notice?.where === 'booking') section.append(h('p', { class: ui.notice.bad ? 'm-alert' : 'm-note', role: 'status' }, ui.notice.text));
  if (d.slotsError) {
    section.append(h('p', { class: 'm-alert' }, d.slotsError === 'unavailable' ? t('slots_unavailable')
      : t('slots_error', { message: d.slotsError.message || String(d.slotsError) })));
    return section;
  }
  const slots = d.slots || [];
  if (!slots.length) { section.append(h('p', {}, t('no_slots', { mentor: name }))); return section; }
  const zone = slots[0].time_zone || d.zone;
  const mzone = slots[0].mentor_time_zone || d.mentorZone;
  section.append(h('p', { class: 'm-hint' }, t('zones_note', { zone: zoneCity(zone), mentor: name, mentor_zone: mentorPlace(d, mzone) })));
  if (!ctx.online) section.append(h('p', { class: 'm-note' }, t('offline_note')));

  const picked = slots.find((s) => s.start === ui.picked);
  if (picked) {
    const when = whenLabel(ctx, d, picked.start);
    const mt = mentorTimeLabel(ctx, d, picked.start);
    section.append(h('div', { class: 'm-note', id: 'm-confirm' },
      h('p', {}, t('confirm_intro', { mentor: name, when, mentor_time: mt })),
      h('div', { class: 'm-actions' },
        h('button', {
          class: 'm-btn', type: 'button', id: 'm-confirm-button', disabled: ui.busy,
          onclick: () => book(ctx, d, picked, moving, rerender),
        }, moving ? t('confirm_move', { when }) : t('confirm_book', { when })),
        h('button', { class: 'm-btn secondary', type: 'button', onclick: () => { ui.picked = null; rerender(); } }, t('back')))));
  }

  // Grouped by her local day.
  const days = new Map();
  for (const s of slots) {
    const k = dayKey(s.start, zone);
    if (!days.has(k)) days.set(k, []);
    days.get(k).push(s);
  }
  section.append(h('ul', { class: 'm-days' }, [...days.values()].map((list, i) => h('li', {},
    h('h3', { id: `m-day-${i}` }, dayLabel(list[0].start, zone, lang)),
    h('ul', { class: 'm-slots', 'aria-labelledby': `m-day-${i}` }, list.map((s) => {
      const time = timeLabel(s.start, zone, lang);
      const mt = mentorTimeLabel(ctx, { ...d, zone, mentorZone: mzone }, s.start);
      return h('li', {}, h('button', {
        class: 'm-slot', type: 'button', 'aria-pressed': s.start === ui.picked ? 'true' : 'false',
        onclick: async () => {
          ui.picked = s.start; ui.notice = null;
          await rerender();
          document.getElementById('m-confirm-button')?.focus();
        },
      }, h('strong', {}, time, h('span', { class: 'm-sr' }, ' ' + t('your_time') + ',')), mt ? h('span', {}, mt) : null));
    }))))));
  return section;
}

async function book(ctx, d, slot, moving, rerender) {
  const { t, db } = ctx;
  if (ui.busy) return;
  ui.busy = true;
  const when = whenLabel(ctx, d, slot.start);
  const [, err] = moving
    ? await attempt(() => db.mutate('meeting.reschedule', { id: moving.id, start: slot.start }))
    : await attempt(() => db.mutate('meeting.request', { id: newId(), mentorship_id: d.ms.id, start: slot.start }));
  ui.busy = false;
  if (err) {
    // The core's own check refused it on the phone (taken meanwhile, both meetings booked):
    // say so where she is looking, and keep her on the slots.
    ui.notice = { where: 'booking', bad: true, text: /already taken/.test(err.message || '') ? t('refused_taken') : t('error', { message: err.message }) };
    ui.picked = null;
  } else {
    const text = moving ? t('moved', { when }) : ctx.online ? t('booked', { when }) : t('booked_offline', { when });
    ui.notice = { where: 'meetings', bad: false, text, start: slot.start, when, queued: !ctx.online };
    ui.picked = null; ui.moving = null;
    ctx.announce?.(text);
  }
  await rerender();
  document.getElementById(err ? 'm-book' : 'm-meetings')?.focus();
}

function meetingsSection(ctx, d, rerender) {
  const { t } = ctx;
  const now = Date.now();
  const upcoming = d.meetings.filter((m) => m.status === 'scheduled' && Date.parse(m.end) > now)
    .sort((a, b) => a.start.localeCompare(b.start));
  const past = d.meetings.filter((m) => !upcoming.includes(m)).sort((a, b) => b.start.localeCompare(a.start));
  const section = h('section', { class: 'm-section', 'aria-labelledby': 'm-meetings' },
    h('h2', { id: 'm-meetings', tabindex: '-1' }, t('meetings_title')));
  if (ui.notice?.where === 'meetings') section.append(h('p', { class: ui.notice.bad ? 'm-alert' : 'm-note', role: 'status' }, ui.notice.text));
  if (!d.meetings.length) { section.append(h('p', { class: 'm-muted' }, t('no_meetings'))); return section; }
  if (upcoming.length) section.append(h('h3', {}, t('upcoming')), h('ul', { class: 'm-list' }, upcoming.map((m) => meetingItem(ctx, d, m, true, rerender))));
  if (past.length) section.append(h('h3', {}, t('past')), h('ul', { class: 'm-list' }, past.map((m) => meetingItem(ctx, d, m, false, rerender))));
  return section;
}

function meetingItem(ctx, d, m, upcoming, rerender) {
  const { t, db } = ctx;
  const name = mentorName(d);
  const when = whenLabel(ctx, d, m.start);
  const started = Date.parse(m.start) <= Date.now();
  const mz = m.mentor_time_zone || d.mentorZone;
  const li = h('li', {},
    h('p', {}, h('strong', {}, t('meeting_when', { when })), ' ',
      m.status === 'cancelled' ? h('span', { class: 'm-status cancelled' }, t('meeting_cancelled'))
        : upcoming && started ? h('span', { class: 'm-status active' }, t('in_progress'))
          : !upcoming ? h('span', { class: `m-status ${m.outcome || ''}` }, t('outcome_' + (m.outcome || 'none'))) : null),
    mz && mz !== d.zone ? h('p', { class: 'm-muted' }, t('meeting_mentor_when', {
      time: dateTimeLabel(m.start, mz, ctx.lang), mentor: name, city: mentorPlace(d, mz) })) : null);
  if (!upcoming) return li;
  const actions = h('div', { class: 'm-actions' });
  if (m.video_url) actions.append(h('a', { class: 'm-btn', href: m.video_url, target: '_blank', rel: 'noopener' }, t('join_video')));
  actions.append(h('button', {
    class: 'm-btn secondary', type: 'button',
    onclick: async () => {
      if (!has(db, 'meetingIcs')) { ctx.showError?.(t('ics_unavailable')); return; }
      const [, err] = await attempt(() => downloadIcs(db, m.id, `passerelle-${m.start.slice(0, 10)}.ics`));
      if (err) ctx.showError?.(err);
    },
  }, t('add_calendar')));
  if (!started) {
    actions.append(
      h('button', { class: 'm-btn secondary', type: 'button', onclick: () => {
        ui.moving = m.id; ui.picked = null; ui.cancelling = null; rerender();
        setTimeout(() => document.getElementById('m-book')?.focus(), 0);
      } }, t('move')),
      h('button', { class: 'm-btn danger', type: 'button', 'aria-expanded': ui.cancelling === m.id ? 'true' : 'false',
        onclick: () => { ui.cancelling = ui.cancelling === m.id ? null : m.id; rerender(); } }, t('cancel')));
  }
  li.append(actions);
  if (ui.cancelling === m.id) {
    const reason = h('textarea', { maxlength: 2000 });
    li.append(h('div', { class: 'm-note' },
      h('p', {}, t('cancel_question', { when })),
      field(`m-cancel-reason-${m.id}`, t('cancel_reason', { mentor: name }), reason),
      h('div', { class: 'm-actions' },
        h('button', { class: 'm-btn danger', type: 'button', onclick: async () => {
          const args = { id: m.id };
          if (reason.value.trim()) args.reason = reason.value.trim();
          const [, err] = await attempt(() => db.mutate('meeting.cancel', args));
          if (err) { ui.notice = { where: 'meetings', bad: true, text: t('error', { message: err.message }) }; } else {
            ui.cancelling = null; ui.notice = { where: 'meetings', bad: false, text: t('cancelled') }; ctx.announce?.(t('cancelled'));
          }
          rerender();
        } }, t('cancel_confirm')),
        h('button', { class: 'm-btn secondary', type: 'button', onclick: () => { ui.cancelling = null; rerender(); } }, t('cancel_keep')))));
  }
  return li;
}

function referralsSection(ctx, d, rerender) {
  const { t } = ctx;
  const name = mentorName(d);
  const direct = d.referrals.filter((r) => !r.parent_id);
  const section = h('section', { class: 'm-section', 'aria-labelledby': 'm-referrals' },
    h('h2', { id: 'm-referrals' }, t('referrals_title')),
    progress('m-referrals-progress', t('referrals_goal'), direct.length, 3, t('referrals_progress', { n: direct.length })));
  if (ui.notice?.where === 'referrals') section.append(h('p', { class: ui.notice.bad ? 'm-alert' : 'm-note', role: 'status' }, ui.notice.text));
  if (!d.referrals.length) { section.append(h('p', { class: 'm-muted' }, t('referrals_none', { mentor: name }))); return section; }
  section.append(h('ul', { class: 'm-list' }, d.referrals.map((r) => {
    const box = h('input', { type: 'checkbox', id: `m-consent-${r.id}`, 'data-fresh': '1' });
    box.checked = r.consent === true;
    box.addEventListener('change', () => mutate(ctx, 'referral.update', { id: r.id, consent: box.checked },
      box.checked ? t('consent_given', { mentor: name, name: r.name }) : t('consent_withdrawn', { name: r.name }), rerender, 'referrals'));
    return h('li', {},
      h('p', {}, h('strong', {}, r.name), ' ', h('span', { class: `m-status ${r.status}` }, t('referral_' + r.status))),
      h('p', { class: 'm-muted' }, [r.role, r.organization].filter(Boolean).join(' · ')),
      r.status === 'suggested' ? h('div', { class: 'm-checkbox' }, box,
        h('label', { for: box.id }, t('referral_consent', { mentor: name, name: r.name }))) : null);
  })));
  return section;
}

async function mutate(ctx, name, args, done, rerender, where = 'booking') {
  const [, err] = await attempt(() => ctx.db.mutate(name, args));
  if (err) { ui.notice = { where, bad: true, text: ctx.t('error', { message: err.message }) }; ctx.showError?.(err); } else {
    ctx.announce?.(done);
    if (where === 'referrals') ui.notice = { where, bad: false, text: done };
  }
  rerender();
}
