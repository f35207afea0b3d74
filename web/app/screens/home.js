// Home: where the person stands, from this phone's rows (offline too): plan progress, the
// next steps due, unread messages, the next meeting and the time left, what waits to be sent
// and the last sync. Counts and progress come from the core (db.planProgress, db.unreadTotal).
export const strings = {
  fr: {
    title: 'Bonjour {name}',
    'plan.title': "Mon plan d'action", 'plan.progress': '{p} % fait', 'plan.counts': '{done} faites sur {total} · {todo} à faire · {doing} en cours',
    'plan.none': "Votre coach n'a pas encore préparé votre plan d'action.", 'plan.loading': 'Votre plan arrive sur ce téléphone…', 'plan.open': 'Voir le plan',
    'plan.overdue': { one: '{n} étape en retard', other: '{n} étapes en retard' },
    'plan.off_track': 'Votre plan a pris du retard : votre coach peut vous aider à le réorganiser.',
    'next.title': 'Prochaines étapes', 'next.none': 'Aucune étape à venir.', 'next.due': 'pour le {date}',
    'next.overdue': 'en retard depuis le {date}',
    'unread.label': { one: 'message non lu', other: 'messages non lus' },
    'waiting.label': { one: 'modification à envoyer', other: 'modifications à envoyer' },
    'meeting.title': 'Prochaine rencontre', 'meeting.none': 'Aucune rencontre prévue.', 'meeting.with': 'Avec {name}',
    'meeting.in': 'dans {left}', 'meeting.now': 'en cours', 'meeting.video': 'Lien vidéo',
    'meeting.book': 'Réserver une rencontre',
    'notify.ask': "M'avertir une heure avant mes rencontres", 'notify.on': 'Rappel activé : une notification une heure avant, tant que l’application est ouverte.',
    'notify.denied': 'Les notifications sont bloquées dans ce navigateur. Les rappels par courriel restent actifs.',
    'sync.last': 'Dernière synchronisation : {when}', 'sync.never': 'Pas encore synchronisé',
    'mentor.title': 'Mes mentorats', 'mentor.open': 'Voir mes mentorats',
    'mentor.proposed': { one: '{n} proposition en attente de votre réponse', other: '{n} propositions en attente de votre réponse' },
    'mentor.active': { one: '{n} mentorat en cours', other: '{n} mentorats en cours' },
    'activities.title': 'Mes activités', 'activities.open': 'Voir les activités',
  },
  en: {
    title: 'Hello {name}',
    'plan.title': 'My action plan', 'plan.progress': '{p}% done', 'plan.counts': '{done} of {total} done · {todo} to do · {doing} in progress',
    'plan.none': 'Your coach has not prepared your action plan yet.', 'plan.loading': 'Your plan is coming onto this phone…', 'plan.open': 'Open the plan',
    'plan.overdue': { one: '{n} step overdue', other: '{n} steps overdue' },
    'plan.off_track': 'Your plan is falling behind: your coach can help you rearrange it.',
    'next.title': 'Next steps', 'next.none': 'No step coming up.', 'next.due': 'due {date}',
    'next.overdue': 'overdue since {date}',
    'unread.label': { one: 'unread message', other: 'unread messages' },
    'waiting.label': { one: 'change waiting to be sent', other: 'changes waiting to be sent' },
    'meeting.title': 'Next meeting', 'meeting.none': 'No meeting planned.', 'meeting.with': 'With {name}',
    'meeting.in': 'in {left}', 'meeting.now': 'happening now', 'meeting.video': 'Video link',
    'meeting.book': 'Book a meeting',
    'notify.ask': 'Remind me one hour before my meetings', 'notify.on': 'Reminder on: a notification one hour before, while the app is open.',
    'notify.denied': 'Notifications are blocked in this browser. E-mail reminders still come.',
    'sync.last': 'Last synced: {when}', 'sync.never': 'Not synced yet',
    'mentor.title': 'My mentorships', 'mentor.open': 'Open my mentorships',
    'mentor.proposed': { one: '{n} proposal waiting for your answer', other: '{n} proposals waiting for your answer' },
    'mentor.active': { one: '{n} active mentorship', other: '{n} active mentorships' },
    'activities.title': 'My activities', 'activities.open': 'Open the activities',
  },
};

function timeLeft(ms, lang) {
  const minutes = Math.round(ms / 60000);
  const unit = new Intl.NumberFormat(lang === 'fr' ? 'fr-CA' : 'en-CA', { style: 'unit', unitDisplay: 'long', unit: minutes < 120 ? 'minute' : minutes < 48 * 60 ? 'hour' : 'day' });
  if (minutes < 120) return unit.format(minutes);
  if (minutes < 48 * 60) return unit.format(Math.round(minutes / 60));
  return unit.format(Math.round(minutes / 1440));
}

// One row by id: db.get where the binding has it, else from the collection's rows.
export async function getRow(db, collection, id) {
  try {
    if (db.get) return await db.get(collection, id);
    return (await db.rows(collection)).find((r) => r.id === id) || null;
  } catch (e) {
    return null;
  }
}

export function openStepsByDueDate(steps) {
  return steps.filter((s) => s.status === 'todo' || s.status === 'in_progress')
    .sort((a, b) => String(a.due_date).localeCompare(String(b.due_date)));
}

export function stepTitle(step, lang) {
  const title = step.title || {};
  return typeof title === 'string' ? title : title[lang] || title.fr || title.en || '';
}

export async function render(view, ctx) {
  const { db, t, esc, account, zone, lang } = ctx;
  const me = account.user;
  const mentor = me.role === 'mentor';
  const [profile, unread, pending, meetings] = await Promise.all([
    getRow(db, 'profiles', me.id),
    db.unreadTotal ? db.unreadTotal().catch(() => 0) : 0,
    db.pendingCount().catch(() => 0),
    db.rows('meetings').catch(() => []),
  ]);
  const name = (profile && profile.name) || me.name || '';

  let planHtml = '';
  if (!mentor) {
    const planId = profile && profile.plan_id;
    let progress = null;
    let steps = [];
    if (planId) {
      [progress, steps] = await Promise.all([
        db.planProgress ? db.planProgress().catch(() => null) : null,
        db.rows('plan_steps', { field: 'plan_id', value: planId }).catch(() => []),
      ]);
    }
    if (!planId) {
      const loading = !(ctx.status && ctx.status.last_synced_at);
      planHtml = `<section class="card" aria-labelledby="home-plan"><h2 id="home-plan">${esc(t('plan.title'))}</h2><p class="muted">${esc(t(loading ? 'plan.loading' : 'plan.none'))}</p></section>`;
    } else {
      const p = progress || {};
      // The core counts the overdue steps (due before today in her zone): they are the first
      // open steps by due date.
      const open = openStepsByDueDate(steps).slice(0, 3);
      planHtml = `<section class="card" aria-labelledby="home-plan">
        <h2 id="home-plan">${esc(t('plan.title'))}</h2>
        ${progress ? `<p class="big"><strong>${esc(t('plan.progress', { p: p.percent_done }))}</strong></p>
        <div class="meter" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="${Number(p.percent_done) || 0}" aria-label="${esc(t('plan.title'))}"><div style="width:${Number(p.percent_done) || 0}%"></div></div>
        <p class="small muted">${esc(t('plan.counts', { done: p.done, total: p.total, todo: p.todo, doing: p.in_progress }))}</p>
        ${p.overdue ? `<p><span class="pill bad">${esc(t('plan.overdue', { n: p.overdue }))}</span></p>` : ''}
        ${p.off_track ? `<p class="form-error">${esc(t('plan.off_track'))}</p>` : ''}` : ''}
        <h3>${esc(t('next.title'))}</h3>
        ${open.length ? `<ul class="list">${open.map((s) => {
          const late = open.indexOf(s) < (p.overdue || 0);
          return `<li><a class="row-link" href="/app/plan/${encodeURIComponent(s.id)}"><span class="grow"><span class="title">${esc(stepTitle(s, lang))}</span>
            <span class="sub">${late ? `<span class="pill bad">${esc(t('next.overdue', { date: ctx.formatDate(s.due_date) }))}</span>` : esc(t('next.due', { date: ctx.formatDate(s.due_date) }))}</span></span><span aria-hidden="true">›</span></a></li>`;
        }).join('')}</ul>` : `<p class="muted">${esc(t('next.none'))}</p>`}
        <div class="actions"><a class="button secondary" href="/app/plan">${esc(t('plan.open'))}</a></div>
      </section>`;
    }
  }

  const now = Date.now();
  const next = meetings.filter((m) => m.status === 'scheduled' && new Date(m.end || m.start).getTime() > now)
    .sort((a, b) => new Date(a.start) - new Date(b.start))[0];
  let meetingHtml;
  if (next) {
    const start = new Date(next.start).getTime();
    const other = me.id === next.mentor_id ? next.candidate_name : next.mentor_name;
    const otherZone = me.id === next.mentor_id ? next.candidate_time_zone : next.mentor_time_zone;
    meetingHtml = `<p><strong>${esc(ctx.formatDateTime(next.start))}</strong> · <span class="pill info">${esc(start <= now ? t('meeting.now') : t('meeting.in', { left: timeLeft(start - now, lang) }))}</span></p>
      <p>${esc(t('meeting.with', { name: other || '' }))}${otherZone && otherZone !== zone ? ` <span class="muted small">(${esc(ctx.formatDateTime(next.start, otherZone))}, ${esc(otherZone)})</span>` : ''}</p>
      ${next.video_url ? `<p><a href="${esc(next.video_url)}" target="_blank" rel="noopener">${esc(t('meeting.video'))}</a></p>` : ''}`;
  } else {
    meetingHtml = `<p class="muted">${esc(t('meeting.none'))}</p>${mentor ? '' : `<div class="actions"><a class="button secondary" href="/app/mentoring">${esc(t('meeting.book'))}</a></div>`}`;
  }
  let notifyHtml = '';
  if ('Notification' in window) {
    if (Notification.permission === 'granted') notifyHtml = `<p class="small muted">${esc(t('notify.on'))}</p>`;
    else if (Notification.permission === 'denied') notifyHtml = `<p class="small muted">${esc(t('notify.denied'))}</p>`;
    else notifyHtml = `<button type="button" class="secondary" id="home-notify">${esc(t('notify.ask'))}</button>`;
  }

  let mentorHtml = '';
  if (mentor) {
    const ships = await db.rows('mentorships').catch(() => []);
    const mine = ships.filter((m) => m.mentor_id === me.id);
    const proposed = mine.filter((m) => m.status === 'proposed').length;
    const active = mine.filter((m) => m.status === 'active').length;
    mentorHtml = `<section class="card" aria-labelledby="home-mentor"><h2 id="home-mentor">${esc(t('mentor.title'))}</h2>
      ${proposed ? `<p><span class="pill warn">${esc(t('mentor.proposed', { n: proposed }))}</span></p>` : ''}
      <p>${esc(t('mentor.active', { n: active }))}</p>
      <div class="actions"><a class="button secondary" href="/app/mentoring">${esc(t('mentor.open'))}</a></div></section>`;
  }

  // The activities she registered for, coming up, each with the core's sentence on where she
  // stands (db.activityView).
  let activitiesHtml = '';
  if (me.role === 'candidate' && db.activityView) {
    const regs = (await db.rows('activity_registrations', { field: 'candidate_id', value: me.id }).catch(() => []))
      .filter((r) => r.status !== 'cancelled');
    const items = (await Promise.all(regs.map(async (r) => {
      const a = await getRow(db, 'activities', r.activity_id);
      if (!a || new Date(a.end).getTime() < now) return null;
      const v = await db.activityView(a.id, lang).catch(() => null);
      return { a, text: (v && v.status_text) || '' };
    }))).filter(Boolean).sort((x, y) => String(x.a.start).localeCompare(String(y.a.start)));
    if (items.length) {
      activitiesHtml = `<section class="card" aria-labelledby="home-activities"><h2 id="home-activities">${esc(t('activities.title'))}</h2>
        <ul class="list">${items.map(({ a, text }) => `<li><a class="row-link" href="/app/activities/${encodeURIComponent(a.id)}"><span class="grow"><span class="title">${esc(a.title)}</span>
          <span class="sub">${esc(ctx.formatDateTime(a.start))} · ${esc(text)}</span></span><span aria-hidden="true">›</span></a></li>`).join('')}</ul>
        <div class="actions"><a class="button secondary" href="/app/activities">${esc(t('activities.open'))}</a></div></section>`;
    }
  }

  const status = ctx.status || {};
  view.innerHTML = `<section data-screen="home">
    <h1>${esc(t('title', { name: name.split(' ')[0] }))}</h1>
    <div class="stat-grid">
      <a class="stat" href="/app/messages" id="home-unread"><strong>${unread}</strong><span>${esc(t('unread.label', { n: unread }))}</span></a>
      <div class="stat" id="home-waiting"><strong>${pending}</strong><span>${esc(t('waiting.label', { n: pending }))}</span></div>
    </div>
    ${planHtml}${mentorHtml}
    <section class="card" aria-labelledby="home-meeting"><h2 id="home-meeting">${esc(t('meeting.title'))}</h2>${meetingHtml}${notifyHtml}</section>
    ${activitiesHtml}
    <p class="small muted center" id="home-last-sync">${esc(status.last_synced_at ? t('sync.last', { when: ctx.formatDateTime(status.last_synced_at) }) : t('sync.never'))}</p>
  </section>`;
  const ask = view.querySelector('#home-notify');
  if (ask) {
    ask.addEventListener('click', async () => {
      try { await Notification.requestPermission(); } catch (e) { /* old browsers: callback form, ignored */ }
      render(view, ctx);
    });
  }
}
