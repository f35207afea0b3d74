// Activities (docs/activities.md): speed-jobbing sessions, career exploration days and sector
// conferences. A candidate sees those open to her, registers or withdraws (activity.register /
// activity.unregister: queued on the phone, so offline too) and reads where she stands in her
// own language — registered, on the waiting list with her number, or why not — as the core
// words it (db.activityView: activities::registration_text). An employer sees the activities
// they take part in. Both see their speed-jobbing schedule (the agenda the core built), print it
// and download it as .ics (made by the core). Seats, the waiting list, who may register and the
// rotation are all the core's and the server's; this screen lays out their rows.
import { downloadBlob, showFormError } from './util.js';
import { timeLabel } from './mentoring_common.js';

export const strings = {
  fr: {
    title: 'Activités', intro_candidate: 'Séances de speed jobbing, journées d’exploration et conférences organisées par le programme.',
    intro_employer: 'Les activités du programme auxquelles vous participez.',
    none_candidate: 'Aucune activité ouverte pour vous pour l’instant.', none_employer: 'Vous ne participez à aucune activité pour l’instant.',
    upcoming: 'À venir', past: 'Passées',
    'kind.speed_jobbing': 'Speed jobbing', 'kind.exploration_day': 'Journée d’exploration', 'kind.conference': 'Conférence sectorielle',
    when_local: '{time} (heure de {zone})', place: 'Lieu : {place}', video: 'Lien vidéo', seats: { one: '{n} place prise sur {capacity}', other: '{n} places prises sur {capacity}' },
    waitlist: { one: '{n} personne en liste d’attente', other: '{n} personnes en liste d’attente' },
    cancelled: 'Activité annulée par l’organisateur.', cancelled_reason: 'Activité annulée par l’organisateur : {reason}',
    employers: 'Employeurs présents', choose: 'Les employeurs que je veux rencontrer', choose_hint: 'En vous inscrivant, vous acceptez de rencontrer les employeurs choisis : ils verront votre nom et votre inscription.',
    register: 'M’inscrire', withdraw: 'Me désinscrire', register_again: 'M’inscrire de nouveau', update_choice: 'Mettre à jour mon choix',
    registered_offline: 'Inscription enregistrée sur le téléphone : elle part dès que vous êtes en ligne.', withdrawn: 'Désinscription enregistrée.',
    details: 'Détails et horaire', back: 'Toutes les activités',
    schedule: 'Mon horaire de speed jobbing', schedule_none: 'L’horaire n’est pas encore prêt : l’organisateur le prépare une fois les inscriptions faites.',
    schedule_stale: 'Des inscriptions ont changé depuis que l’horaire a été fait : l’organisateur va le refaire.',
    col_time: 'Heure', col_table: 'Table', col_with: 'Avec', your_time: 'chez vous : {time}', break_none: '—',
    print: 'Imprimer mon horaire', ics: 'Ajouter à mon agenda (.ics)', ics_activity: 'Ajouter l’activité à mon agenda (.ics)', downloaded: 'Fichier téléchargé : {name}.',
    who: 'Candidat·es qui vous rencontrent', who_none: 'Personne n’est encore inscrit·e pour vous rencontrer.',
    organizer: 'Organisé par {name}', not_found: 'Cette activité n’est pas (ou plus) sur cet appareil.',
  },
  en: {
    title: 'Activities', intro_candidate: 'Speed-jobbing sessions, career exploration days and conferences the program organizes.',
    intro_employer: 'The program’s activities you take part in.',
    none_candidate: 'No activity open to you yet.', none_employer: 'You take part in no activity yet.',
    upcoming: 'Coming up', past: 'Past',
    'kind.speed_jobbing': 'Speed jobbing', 'kind.exploration_day': 'Career exploration day', 'kind.conference': 'Sector conference',
    when_local: '{time} ({zone} time)', place: 'Place: {place}', video: 'Video link', seats: { one: '{n} of {capacity} seats taken', other: '{n} of {capacity} seats taken' },
    waitlist: { one: '{n} person on the waiting list', other: '{n} people on the waiting list' },
    cancelled: 'The organizer cancelled this activity.', cancelled_reason: 'The organizer cancelled this activity: {reason}',
    employers: 'Employers taking part', choose: 'The employers I want to meet', choose_hint: 'By registering you agree to meet the employers you chose: they will see your name and your registration.',
    register: 'Register', withdraw: 'Withdraw', register_again: 'Register again', update_choice: 'Update my choice',
    registered_offline: 'Registration saved on the phone: it goes out as soon as you are online.', withdrawn: 'Withdrawal saved.',
    details: 'Details and schedule', back: 'All activities',
    schedule: 'My speed-jobbing schedule', schedule_none: 'The schedule is not ready yet: the organizer builds it once registrations are in.',
    schedule_stale: 'Registrations changed since the schedule was built: the organizer will build it again.',
    col_time: 'Time', col_table: 'Table', col_with: 'With', your_time: 'your time: {time}', break_none: '—',
    print: 'Print my schedule', ics: 'Add to my calendar (.ics)', ics_activity: 'Add the activity to my calendar (.ics)', downloaded: 'File downloaded: {name}.',
    who: 'Candidates meeting you', who_none: 'Nobody has registered to meet you yet.',
    organizer: 'Organized by {name}', not_found: 'This activity is not (or no longer) on this device.',
  },
};

const pillOf = { requested: 'warn', confirmed: 'ok', waitlisted: 'warn', cancelled: 'info' };
const active = (r) => r && r.status !== 'cancelled';
const city = (zone) => (zone || '').split('/').pop().replace(/_/g, ' ');

// A time in the activity's zone, with the person's own beside it when they differ.
function when(ctx, iso, zone) {
  const there = ctx.formatDateTime(iso, zone);
  // Employers are in Québec, where activities take place: their own time is the activity's.
  if (!zone || zone === ctx.zone || ctx.account.user.role === 'employer') return ctx.esc(there);
  return `${ctx.esc(ctx.t('when_local', { time: there, zone: city(zone) }))} <span class="muted">· ${ctx.esc(ctx.t('your_time', { time: ctx.formatDateTime(iso, ctx.zone) }))}</span>`;
}

async function load(ctx) {
  const { db, account } = ctx;
  const employer = account.user.role === 'employer';
  let rows = await db.rows('activities').catch(() => []);
  if (employer) rows = rows.filter((a) => (a.employer_ids || []).includes(account.user.id));
  const views = await Promise.all(rows.map((a) => db.activityView(a.id, ctx.lang).catch(() => null)));
  return rows.map((a, i) => ({ a, v: views[i] || {} }));
}

function headerHtml(ctx, a, v, { link }) {
  const { t, esc } = ctx;
  const r = v.registration;
  const id = 'activity-' + a.id.slice(-12);
  // On its own page the activity's title is the page's heading: the card shows its kind only.
  return `<div class="row-between">${link ? `<h3 id="${id}"><a href="/app/activities/${encodeURIComponent(a.id)}">${esc(a.title)}</a></h3>` : ''}
      <span class="pill info">${esc(t('kind.' + a.kind))}</span></div>
    <p class="small">${when(ctx, a.start, a.time_zone)}</p>
    ${a.place ? `<p class="small">${esc(t('place', { place: a.place }))}</p>` : ''}
    ${a.video_url ? `<p class="small"><a href="${esc(a.video_url)}" target="_blank" rel="noopener">${esc(t('video'))}</a></p>` : ''}
    <p class="small muted">${esc(t('seats', { n: a.seats_taken ?? 0, capacity: a.capacity }))}${a.waitlist_length ? ' · ' + esc(t('waitlist', { n: a.waitlist_length })) : ''}${a.organizer_name ? ' · ' + esc(t('organizer', { name: a.organizer_name })) : ''}</p>
    ${a.status === 'cancelled' ? `<p class="form-error">${esc(a.cancel_reason ? t('cancelled_reason', { reason: a.cancel_reason }) : t('cancelled'))}</p>` : ''}
    ${r ? `<p class="status-line" data-status="${esc(r.status)}" role="status"><span class="pill ${pillOf[r.status] || 'info'}">${esc(r.status === 'waitlisted' && r.position ? '#' + r.position : '●')}</span> ${esc(v.status_text || '')}</p>` : ''}`;
}

// The candidate's controls: register (with her choice of employers at a speed-jobbing session)
// or withdraw. The core refuses what the rules refuse (not invited, started, cancelled).
function registerHtml(ctx, a, v, past) {
  const { t, esc, account } = ctx;
  if (account.user.role !== 'candidate' || past || a.status === 'cancelled') return '';
  const r = v.registration;
  const id = a.id.slice(-12);
  const names = a.employer_names || {};
  const chosen = new Set(active(r) && r.employer_ids ? r.employer_ids : a.employer_ids || []);
  const choice = a.kind === 'speed_jobbing' && (a.employer_ids || []).length
    ? `<fieldset class="checklist"><legend>${esc(t('choose'))}</legend><p class="hint">${esc(t('choose_hint'))}</p>
        ${(a.employer_ids || []).map((e) => `<label class="check"><input type="checkbox" id="choose-${id}-${esc(e.slice(-12))}" data-employer="${esc(e)}"${chosen.has(e) ? ' checked' : ''}> ${esc(names[e] || e)}</label>`).join('')}</fieldset>` : '';
  return `<form class="register-form" data-register="${esc(a.id)}" novalidate>
      ${choice}
      <p class="form-error" role="alert" tabindex="-1" hidden></p>
      <div class="actions">${active(r)
        ? `${choice ? `<button type="submit" class="secondary">${esc(t('update_choice'))}</button>` : ''}<button type="button" class="secondary" data-withdraw="${esc(a.id)}">${esc(t('withdraw'))}</button>`
        : `<button type="submit" class="primary">${esc(t(r ? 'register_again' : 'register'))}</button>`}</div>
    </form>`;
}

function scheduleHtml(ctx, a, v) {
  const { t, esc } = ctx;
  const zone = a.time_zone;
  const items = (v.agenda && v.agenda.items) || [];
  const table = items.length ? `<table class="agenda">
      <caption class="sr-only">${esc(t('schedule'))}</caption>
      <thead><tr><th scope="col">${esc(t('col_time'))}</th><th scope="col">${esc(t('col_table'))}</th><th scope="col">${esc(t('col_with'))}</th></tr></thead>
      <tbody>${items.map((m) => `<tr><td>${esc(timeLabel(m.start, zone, ctx.lang))} – ${esc(timeLabel(m.end, zone, ctx.lang))}</td>
        <td>${esc(m.table ?? '')}</td><td>${esc(m.with_name || '')}</td></tr>`).join('')}</tbody></table>` : '';
  return `<section class="card schedule" aria-labelledby="schedule-title">
      <h2 id="schedule-title">${esc(t('schedule'))}</h2>
      ${a.schedule_stale ? `<p class="notice">${esc(t('schedule_stale'))}</p>` : ''}
      ${table || `<p class="muted">${esc(t('schedule_none'))}</p>`}
      <div class="actions no-print">${items.length ? `<button type="button" class="secondary" id="schedule-print">${esc(t('print'))}</button>` : ''}
        <button type="button" class="secondary" id="schedule-ics">${esc(t(items.length ? 'ics' : 'ics_activity'))}</button></div>
    </section>`;
}

export async function render(view, ctx) {
  const { db, t, esc, account, params } = ctx;
  const employer = account.user.role === 'employer';
  const all = await load(ctx);
  const now = Date.now();
  const isPast = (a) => new Date(a.end).getTime() < now;

  if (params.id) {
    const found = all.find((x) => x.a.id === params.id);
    if (!found) {
      view.innerHTML = `<section data-screen="activities" data-view="activity"><p><a class="back" href="/app/activities">← ${esc(t('back'))}</a></p><p class="card empty">${esc(t('not_found'))}</p></section>`;
      return;
    }
    const { a, v } = found;
    let who = '';
    if (employer) {
      const regs = (await db.rows('activity_registrations', { field: 'activity_id', value: a.id }).catch(() => []))
        .filter((r) => r.status === 'confirmed');
      who = `<section class="card" aria-labelledby="activity-who"><h2 id="activity-who">${esc(t('who'))}</h2>
        ${regs.length ? `<ul class="list">${regs.map((r) => `<li class="row-link"><span class="grow">${esc(r.candidate_name)}</span></li>`).join('')}</ul>` : `<p class="muted">${esc(t('who_none'))}</p>`}</section>`;
    }
    const names = a.employer_names || {};
    view.innerHTML = `<section data-screen="activities" data-view="activity">
      <p class="no-print"><a class="back" href="/app/activities">← ${esc(t('back'))}</a></p>
      <h1>${esc(a.title)}</h1>
      <div class="columns">
        <div>
          <article class="card activity" data-activity="${esc(a.id)}">
            ${headerHtml(ctx, a, v, { link: false })}
            ${a.description ? `<p>${esc(a.description)}</p>` : ''}
            ${(a.employer_ids || []).length ? `<h3>${esc(t('employers'))}</h3><p>${esc(a.employer_ids.map((e) => names[e] || '').filter(Boolean).join(' · '))}</p>` : ''}
            ${registerHtml(ctx, a, v, isPast(a))}
          </article>
          ${who}
        </div>
        ${a.kind === 'speed_jobbing' && (active(v.registration) || employer || v.agenda) ? scheduleHtml(ctx, a, v) : `<div class="no-print actions"><button type="button" class="secondary" id="schedule-ics">${esc(t('ics_activity'))}</button></div>`}
      </div>
    </section>`;
    const ics = view.querySelector('#schedule-ics');
    if (ics) ics.addEventListener('click', () => {
      const name = `passerelle-${a.id.slice(-12)}.ics`;
      downloadBlob(new Blob([v.ics], { type: 'text/calendar' }), name);
      ctx.announce(t('downloaded', { name }));
    });
    const print = view.querySelector('#schedule-print');
    if (print) print.addEventListener('click', () => window.print());
    wire(view, ctx);
    return;
  }

  all.sort((x, y) => String(x.a.start).localeCompare(String(y.a.start)));
  const upcoming = all.filter((x) => !isPast(x.a));
  const past = all.filter((x) => isPast(x.a)).reverse();
  const item = ({ a, v }, pastOne) => `<article class="card activity" data-activity="${esc(a.id)}" aria-labelledby="activity-${esc(a.id.slice(-12))}">
      ${headerHtml(ctx, a, v, { link: true })}
      ${registerHtml(ctx, a, v, pastOne)}
      <p class="small"><a class="back" href="/app/activities/${encodeURIComponent(a.id)}">${esc(t('details'))}</a></p>
    </article>`;
  view.innerHTML = `<section data-screen="activities">
    <h1>${esc(t('title'))}</h1>
    <p class="subtitle muted">${esc(t(employer ? 'intro_employer' : 'intro_candidate'))}</p>
    ${all.length ? '' : `<p class="card empty">${esc(t(employer ? 'none_employer' : 'none_candidate'))}</p>`}
    ${upcoming.length ? `<h2>${esc(t('upcoming'))}</h2><div class="grid">${upcoming.map((x) => item(x, false)).join('')}</div>` : ''}
    ${past.length ? `<h2>${esc(t('past'))}</h2><div class="grid">${past.map((x) => item(x, true)).join('')}</div>` : ''}
  </section>`;
  wire(view, ctx);
}

function wire(view, ctx) {
  const { db, t } = ctx;
  view.querySelectorAll('[data-register]').forEach((form) => form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const args = { activity_id: form.dataset.register };
    const boxes = [...form.querySelectorAll('[data-employer]')];
    if (boxes.length) {
      args.employer_ids = boxes.filter((b) => b.checked).map((b) => b.dataset.employer);
    }
    try {
      await db.mutate('activity.register', args);
      form.querySelectorAll('[data-dirty]').forEach((el) => { delete el.dataset.dirty; });
      ctx.announce(t('registered_offline'));
      await render(view, ctx);
    } catch (e) {
      showFormError(form, e.message || String(e));
    }
  }));
  view.querySelectorAll('[data-withdraw]').forEach((b) => b.addEventListener('click', async () => {
    try {
      await db.mutate('activity.unregister', { activity_id: b.dataset.withdraw });
      ctx.announce(t('withdrawn'));
      await render(view, ctx);
    } catch (e) {
      ctx.showError(e);
    }
  }));
}
