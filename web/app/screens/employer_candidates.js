// The employer's candidates (docs/employers.md): the candidates program staff proposed for their
// needs — each one's card (candidate_cards: only what she shares for work), why she was proposed
// (the reasons the core's preselection stored on the proposal, in both languages) — with accept
// or decline (proposal.respond, the core decides who may answer and once), then their
// internships with their dates and outcome. Only rows the employer pulls are shown.
import { getRow } from './home.js';
import { zoneFormatter } from '../zones.js';
import { showFormError } from './util.js';

const dateLabel = (iso, zone, lang) => zoneFormatter(lang === 'fr' ? 'fr-CA' : 'en-CA', zone, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }).format(new Date(iso));
const timeLabel24 = (iso, zone) => zoneFormatter('en-GB', zone, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));

export const strings = {
  fr: {
    title: 'Candidat·es', proposals: 'Candidat·es proposé·es', proposals_none: 'Aucune proposition pour l’instant : l’équipe du programme vous proposera des candidat·es pour vos besoins.',
    for_need: 'Pour : {need}', score: 'Pertinence : {n} points', why: 'Pourquoi cette personne',
    'status.proposed': 'à répondre', 'status.accepted': 'acceptée', 'status.declined': 'déclinée', 'status.withdrawn': 'retirée',
    accept: 'Accepter', decline: 'Décliner', decline_reason: 'Pourquoi ? (facultatif, l’équipe du programme le lit)', decline_confirm: 'Décliner la proposition', cancel: 'Annuler',
    accepted_done: 'Proposition acceptée ; l’équipe du programme organise la suite.', declined_done: 'Proposition déclinée.',
    answered: 'Répondu le {date}', your_reason: 'Votre raison : {reason}',
    profession: 'Profession', noc: 'CNP {code}', languages: 'Langues', region: 'Région visée', years: { one: '{n} an d’expérience', other: '{n} ans d’expérience' },
    available: 'Disponible à partir du {date}', summary: 'Résumé :', card_gone: 'Cette personne ne partage plus son profil.',
    internships: 'Stages', internships_none: 'Aucun stage pour l’instant.', period: 'Du {start} au {end}', zone: 'heure de {zone}',
    'istatus.planned': 'prévu', 'istatus.completed': 'terminé', 'istatus.ended_early': 'terminé plus tôt',
    outcome: 'Résultat : {outcome}', 'outcome.hired_priime': 'embauché·e avec la subvention PRIIME', 'outcome.hired': 'embauché·e',
    'outcome.not_hired': 'pas embauché·e', 'outcome.ended_early': 'stage terminé plus tôt', ended_at: 'Terminé le {date}', no_outcome: 'Résultat pas encore noté.',
    record: 'Inscrire le résultat', record_which: 'Résultat du stage', note: 'Note pour l’équipe du programme (facultatif)',
    recorded: 'Résultat inscrit.', early_hint: 'Un stage terminé plus tôt est inscrit par l’équipe du programme, avec sa date de fin.',
  },
  en: {
    title: 'Candidates', proposals: 'Proposed candidates', proposals_none: 'No proposal yet: program staff will propose candidates for your needs.',
    for_need: 'For: {need}', score: 'Relevance: {n} points', why: 'Why this person',
    'status.proposed': 'to answer', 'status.accepted': 'accepted', 'status.declined': 'declined', 'status.withdrawn': 'withdrawn',
    accept: 'Accept', decline: 'Decline', decline_reason: 'Why? (optional, program staff read it)', decline_confirm: 'Decline the proposal', cancel: 'Cancel',
    accepted_done: 'Proposal accepted; program staff arrange what comes next.', declined_done: 'Proposal declined.',
    answered: 'Answered on {date}', your_reason: 'Your reason: {reason}',
    profession: 'Profession', noc: 'NOC {code}', languages: 'Languages', region: 'Region sought', years: { one: '{n} year of experience', other: '{n} years of experience' },
    available: 'Available from {date}', summary: 'Summary:', card_gone: 'This person no longer shares her profile.',
    internships: 'Internships', internships_none: 'No internship yet.', period: 'From {start} to {end}', zone: '{zone} time',
    'istatus.planned': 'planned', 'istatus.completed': 'completed', 'istatus.ended_early': 'ended early',
    outcome: 'Outcome: {outcome}', 'outcome.hired_priime': 'hired with the PRIIME wage subsidy', 'outcome.hired': 'hired',
    'outcome.not_hired': 'not hired', 'outcome.ended_early': 'internship ended early', ended_at: 'Ended on {date}', no_outcome: 'Outcome not recorded yet.',
    record: 'Record the outcome', record_which: 'Outcome of the internship', note: 'Note for program staff (optional)',
    recorded: 'Outcome recorded.', early_hint: 'An internship that ended early is recorded by program staff, with its end date.',
  },
};

let declining = null; // the proposal whose decline form is open: kept across redraws
const outcomeOpen = new Set(); // internships whose outcome form is unfolded: kept across redraws

const pillOf = { proposed: 'warn', accepted: 'ok', declined: 'info', withdrawn: 'info', planned: 'info', completed: 'ok', ended_early: 'warn' };

// Her card as an employer reads it; `t` from the screen that shows it (the candidate's profile
// screen shows the same card). Exported so both draw it one way.
export function cardHtml(card, t, esc, ctx) {
  const langs = (card.languages || []).map((l) => (typeof l === 'string' ? l : `${l.code}${l.level ? ' ' + l.level : ''}`)).join(', ');
  const rows = [
    card.profession ? [t('profession'), `${card.profession}${card.occupation_code ? ' (' + t('noc', { code: card.occupation_code }) + ')' : ''}`] : null,
    langs ? [t('languages'), langs] : null,
    card.target_region ? [t('region'), card.target_region] : null,
  ].filter(Boolean);
  return `<dl class="facts">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>
    <p class="small">${card.years_experience !== undefined && card.years_experience !== null ? esc(t('years', { n: card.years_experience })) : ''}${card.available_from ? `${card.years_experience !== undefined ? ' · ' : ''}${esc(t('available', { date: ctx.formatDate(card.available_from) }))}` : ''}</p>
    ${card.summary ? `<p class="summary"><strong>${esc(t('summary'))}</strong> ${esc(card.summary)}</p>` : ''}`;
}

export function reasonsHtml(p, t, esc, lang, idBase) {
  const reasons = p.reasons || [];
  if (!reasons.length) return '';
  return `<h4 id="${idBase}-why">${esc(t('why'))}</h4><ul class="reasons" aria-labelledby="${idBase}-why">${reasons.map((r) => {
    const text = r.text ? (typeof r.text === 'string' ? r.text : r.text[lang] || r.text.fr || r.text.en) : r.code;
    return `<li><span>${esc(text)}</span> <span class="points">+${esc(r.points)}</span></li>`;
  }).join('')}</ul>`;
}

export async function render(view, ctx) {
  const { db, t, esc, account, lang } = ctx;
  const me = account.user;
  const [proposals, internships] = await Promise.all([
    db.rows('employer_proposals', { field: 'employer_id', value: me.id }).catch(() => []),
    db.rows('internships', { field: 'employer_id', value: me.id }).catch(() => [])]);
  const order = { proposed: 0, accepted: 1, declined: 2, withdrawn: 3 };
  proposals.sort((a, b) => (order[a.status] ?? 9) - (order[b.status] ?? 9) || String(b.proposed_at).localeCompare(String(a.proposed_at)));
  internships.sort((a, b) => String(b.start).localeCompare(String(a.start)));
  const cards = new Map(await Promise.all(proposals.map(async (p) => [p.candidate_id, await getRow(db, 'candidate_cards', p.candidate_id)])));

  const proposalItem = (p) => {
    const card = cards.get(p.candidate_id);
    const idBase = 'proposal-' + p.id.slice(-12);
    const open = declining === p.id && p.status === 'proposed';
    return `<article class="card proposal" data-proposal="${esc(p.id)}" aria-labelledby="${idBase}-name">
      <div class="row-between"><h3 id="${idBase}-name">${esc(p.candidate_name || card?.name || '')}</h3><span class="pill ${pillOf[p.status] || 'info'}">${esc(t('status.' + p.status))}</span></div>
      <p class="small muted">${esc(t('for_need', { need: p.need_title || '' }))} · ${esc(t('score', { n: p.score ?? 0 }))}</p>
      ${card ? cardHtml(card, t, esc, ctx) : p.status === 'proposed' || p.status === 'accepted' ? '' : `<p class="small muted">${esc(t('card_gone'))}</p>`}
      ${reasonsHtml(p, t, esc, lang, idBase)}
      ${p.answered_at ? `<p class="small muted">${esc(t('answered', { date: ctx.formatDateTime(p.answered_at) }))}${p.reason ? ' · ' + esc(t('your_reason', { reason: p.reason })) : ''}</p>` : ''}
      ${p.status === 'proposed' ? (open ? `<form class="decline-form" data-decline-form="${esc(p.id)}" novalidate>
          <div class="field"><label for="${idBase}-reason">${esc(t('decline_reason'))}</label><textarea id="${idBase}-reason" rows="2" maxlength="500"></textarea></div>
          <p class="form-error" role="alert" tabindex="-1" hidden></p>
          <div class="actions"><button type="submit" class="danger">${esc(t('decline_confirm'))}</button><button type="button" class="secondary" data-decline-cancel>${esc(t('cancel'))}</button></div>
        </form>` : `<div class="actions"><button type="button" class="primary" data-accept="${esc(p.id)}">${esc(t('accept'))}</button>
          <button type="button" class="secondary" data-decline="${esc(p.id)}" aria-expanded="false">${esc(t('decline'))}</button></div>`) : ''}
    </article>`;
  };

  const internshipItem = (i) => {
    const zone = i.time_zone || ctx.zone;
    const day = (iso) => ctx.formatDateTime(iso, zone);
    // An internship recorded by dates runs from the workplace's midnight to the midnight after
    // its last day: shown as days, the last day being the one before the end.
    const midnight = (iso) => /^00:00/.test(timeLabel24(iso, zone));
    const byDays = midnight(i.start) && midnight(i.end);
    const period = byDays ? t('period', { start: dateLabel(i.start, zone, ctx.lang), end: dateLabel(new Date(new Date(i.end).getTime() - 60000).toISOString(), zone, ctx.lang) })
      : t('period', { start: day(i.start), end: day(i.end) });
    return `<li class="internship" data-internship="${esc(i.id)}">
      <div class="row-between"><h3>${esc(i.candidate_name || '')}</h3><span class="pill ${pillOf[i.status] || 'info'}">${esc(t('istatus.' + i.status))}</span></div>
      <p class="small">${esc(period)} <span class="muted">(${esc(t('zone', { zone: zone.split('/').pop().replace(/_/g, ' ') }))})</span></p>
      <p class="small">${i.outcome ? esc(t('outcome', { outcome: t('outcome.' + i.outcome) })) : esc(t('no_outcome'))}${i.ended_at ? ' · ' + esc(t('ended_at', { date: day(i.ended_at) })) : ''}</p>
      ${i.outcome ? '' : `<details class="outcome" data-outcome-for="${esc(i.id)}"${outcomeOpen.has(i.id) ? ' open' : ''}><summary>${esc(t('record'))}</summary>
        <form data-outcome-form="${esc(i.id)}" novalidate>
          <div class="field"><label for="outcome-${esc(i.id.slice(-12))}">${esc(t('record_which'))}</label>
            <select id="outcome-${esc(i.id.slice(-12))}">${['hired_priime', 'hired', 'not_hired'].map((o) => `<option value="${o}">${esc(t('outcome.' + o))}</option>`).join('')}</select>
            <p class="hint">${esc(t('early_hint'))}</p></div>
          <div class="field"><label for="outcome-note-${esc(i.id.slice(-12))}">${esc(t('note'))}</label><textarea id="outcome-note-${esc(i.id.slice(-12))}" rows="2" maxlength="500"></textarea></div>
          <p class="form-error" role="alert" tabindex="-1" hidden></p>
          <button type="submit" class="primary">${esc(t('record'))}</button>
        </form></details>`}
    </li>`;
  };

  view.innerHTML = `<section data-screen="employer_candidates">
    <h1>${esc(t('title'))}</h1>
    <div class="columns">
      <section aria-labelledby="candidates-proposals">
        <h2 id="candidates-proposals">${esc(t('proposals'))}</h2>
        ${proposals.length ? proposals.map(proposalItem).join('') : `<p class="card empty">${esc(t('proposals_none'))}</p>`}
      </section>
      <section aria-labelledby="candidates-internships">
        <h2 id="candidates-internships">${esc(t('internships'))}</h2>
        <div class="card">${internships.length ? `<ul class="list">${internships.map(internshipItem).join('')}</ul>` : `<p class="empty">${esc(t('internships_none'))}</p>`}</div>
      </section>
    </div>
  </section>`;

  view.querySelectorAll('[data-outcome-for]').forEach((d) => d.addEventListener('toggle', () => {
    if (d.open) outcomeOpen.add(d.dataset.outcomeFor); else outcomeOpen.delete(d.dataset.outcomeFor);
  }));
  // internship.outcome: the core checks who may record it and that it is recorded once.
  view.querySelectorAll('[data-outcome-form]').forEach((form) => form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const args = { id: form.dataset.outcomeForm, outcome: form.querySelector('select').value };
    const note = form.querySelector('textarea').value.trim();
    if (note) args.note = note;
    try {
      await db.mutate('internship.outcome', args);
      outcomeOpen.delete(args.id);
      form.querySelectorAll('[data-dirty]').forEach((el) => { delete el.dataset.dirty; });
      ctx.announce(t('recorded'));
      await render(view, ctx);
    } catch (e) {
      showFormError(form, e.message || String(e));
    }
  }));
  view.querySelectorAll('[data-accept]').forEach((b) => b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      await db.mutate('proposal.respond', { id: b.dataset.accept, accept: true });
      ctx.announce(t('accepted_done'));
      await render(view, ctx);
    } catch (e) {
      b.disabled = false;
      ctx.showError(e);
    }
  }));
  view.querySelectorAll('[data-decline]').forEach((b) => b.addEventListener('click', async () => {
    declining = b.dataset.decline;
    await render(view, ctx);
    const box = view.querySelector(`[data-decline-form="${CSS.escape(declining)}"] textarea`);
    if (box) box.focus();
  }));
  view.querySelectorAll('[data-decline-cancel]').forEach((b) => b.addEventListener('click', async () => {
    declining = null;
    await render(view, ctx);
  }));
  view.querySelectorAll('[data-decline-form]').forEach((form) => form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const reason = form.querySelector('textarea').value.trim();
    const args = { id: form.dataset.declineForm, accept: false };
    if (reason) args.reason = reason;
    try {
      await db.mutate('proposal.respond', args);
      declining = null;
      ctx.announce(t('declined_done'));
      await render(view, ctx);
    } catch (e) {
      showFormError(form, e.message || String(e));
    }
  }));
}
