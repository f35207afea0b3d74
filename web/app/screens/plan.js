// The action plan: steps by category with their due dates; a step's page to start it, mark it
// done or skip it with a reason, add notes, links and files as evidence, and read and answer
// the coach's comments. Every write is a step.* mutator (docs/action-plans.md), applied on the
// phone at once and sent by sync; progress, overdue and off-track come from the core.
import { getRow, openStepsByDueDate, stepTitle } from './home.js';
import { newId, readFile, downloadBlob, showFormError as problem } from './util.js';

export const strings = {
  fr: {
    title: "Mon plan d'action", next: 'Prochaine étape :', loading: 'Votre plan arrive sur ce téléphone…', none: "Votre coach n'a pas encore préparé votre plan d'action. Il apparaîtra ici, même hors ligne, dès qu'il sera prêt.",
    progress: '{p} % fait · {done} sur {total}', overdue: { one: '{n} en retard', other: '{n} en retard' },
    off_track: 'Votre plan a pris du retard. Parlez-en à votre coach dans Messages : il ou elle peut décaler des étapes.',
    due: 'Pour le {date}', overdue_since: 'En retard : prévu le {date}',
    'status.todo': 'À faire', 'status.in_progress': 'En cours', 'status.done': 'Fait', 'status.skipped': 'Sautée',
    'cat.immigration': 'Immigration', 'cat.recognition': 'Reconnaissance des diplômes', 'cat.regulated_profession': 'Profession réglementée',
    'cat.language': 'Langue', 'cat.job_search': "Recherche d'emploi", 'cat.networking': 'Réseautage', 'cat.regions': 'Régions',
    'cat.employment_programs': "Programmes d'emploi", 'cat.settling_in': 'Installation',
    back: '← Toutes les étapes', not_found: "Cette étape n'est pas sur ce téléphone.",
    start: 'Commencer', done: "C'est fait", skip: 'Sauter cette étape', reopen_hint: 'Pour rouvrir cette étape, demandez à votre coach.',
    skip_reason: 'Pourquoi sautez-vous cette étape ?', skip_confirm: 'Sauter l’étape', cancel: 'Annuler',
    skip_reason_needed: 'Écrivez la raison : votre coach la lira.',
    reason: 'Raison : {text}',
    notes: 'Mes notes', note_label: 'Nouvelle note', note_add: 'Ajouter la note', no_notes: 'Pas encore de note.',
    evidence: 'Preuves (liens et fichiers)', no_evidence: 'Pas encore de preuve.',
    link_label: 'Lien (https://…)', link_add: 'Ajouter le lien', link_bad: 'Le lien doit commencer par https:// ou http://',
    file_label: 'Joindre un fichier (PDF, DOCX, ODT, PNG, JPEG, 10 Mo au plus)', file_add: 'Joindre', file_choose: 'Choisissez un fichier d’abord.',
    file_queued: 'Fichier « {name} » gardé sur le téléphone ; il sera envoyé à la prochaine synchronisation.',
    download: 'Télécharger', open_link: 'Ouvrir',
    comments: 'Commentaires', comment_label: 'Répondre à votre coach', comment_add: 'Envoyer le commentaire', no_comments: 'Pas encore de commentaire.',
    history: 'Historique', saved: 'Enregistré sur le téléphone.', empty_text: 'Écrivez quelque chose d’abord.',
    by_coach: 'Coach', by_me: 'Moi', step_status: 'État : {s}',
  },
  en: {
    title: 'My action plan', next: 'Next step:', loading: 'Your plan is coming onto this phone…', none: 'Your coach has not prepared your action plan yet. It will show here, offline too, as soon as it is ready.',
    progress: '{p}% done · {done} of {total}', overdue: { one: '{n} overdue', other: '{n} overdue' },
    off_track: 'Your plan is falling behind. Talk to your coach in Messages: they can move steps.',
    due: 'Due {date}', overdue_since: 'Overdue: was due {date}',
    'status.todo': 'To do', 'status.in_progress': 'In progress', 'status.done': 'Done', 'status.skipped': 'Skipped',
    'cat.immigration': 'Immigration', 'cat.recognition': 'Credential recognition', 'cat.regulated_profession': 'Regulated profession',
    'cat.language': 'Language', 'cat.job_search': 'Job search', 'cat.networking': 'Networking', 'cat.regions': 'Regions',
    'cat.employment_programs': 'Employment programs', 'cat.settling_in': 'Settling in',
    back: '← All steps', not_found: 'This step is not on this phone.',
    start: 'Start', done: 'It’s done', skip: 'Skip this step', reopen_hint: 'To reopen this step, ask your coach.',
    skip_reason: 'Why are you skipping this step?', skip_confirm: 'Skip the step', cancel: 'Cancel',
    skip_reason_needed: 'Write the reason: your coach will read it.',
    reason: 'Reason: {text}',
    notes: 'My notes', note_label: 'New note', note_add: 'Add the note', no_notes: 'No note yet.',
    evidence: 'Evidence (links and files)', no_evidence: 'No evidence yet.',
    link_label: 'Link (https://…)', link_add: 'Add the link', link_bad: 'The link must start with https:// or http://',
    file_label: 'Attach a file (PDF, DOCX, ODT, PNG, JPEG, at most 10 MB)', file_add: 'Attach', file_choose: 'Choose a file first.',
    file_queued: 'File “{name}” kept on the phone; it is sent at the next sync.',
    download: 'Download', open_link: 'Open',
    comments: 'Comments', comment_label: 'Answer your coach', comment_add: 'Send the comment', no_comments: 'No comment yet.',
    history: 'History', saved: 'Saved on the phone.', empty_text: 'Write something first.',
    by_coach: 'Coach', by_me: 'Me', step_status: 'Status: {s}',
  },
};

const kAccept = '.pdf,.docx,.odt,.png,.jpg,.jpeg,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document,application/vnd.oasis.opendocument.text,image/png,image/jpeg';

function text(value, lang) {
  if (!value) return '';
  return typeof value === 'string' ? value : value[lang] || value.fr || value.en || '';
}

function statusPill(t, status, quietTodo = false) {
  if (quietTodo && status === 'todo') return '';
  const kind = status === 'done' ? 'ok' : status === 'skipped' ? '' : status === 'in_progress' ? 'info' : 'warn';
  return `<span class="pill ${kind}">${t('status.' + status)}</span>`;
}

async function loadPlan(db, me) {
  const profile = await getRow(db, 'profiles', me.id);
  const planId = profile && profile.plan_id;
  if (!planId) return null;
  const [plan, steps, progress] = await Promise.all([
    getRow(db, 'plans', planId),
    db.rows('plan_steps', { field: 'plan_id', value: planId }),
    db.planProgress ? db.planProgress().catch(() => null) : null,
  ]);
  // The core counts overdue steps (due before today in her zone): the first open ones by date.
  const overdue = new Set(openStepsByDueDate(steps).slice(0, (progress && progress.overdue) || 0).map((s) => s.id));
  const order = plan && Array.isArray(plan.step_ids) ? plan.step_ids : [];
  const rank = new Map(order.map((id, i) => [id, i]));
  steps.sort((a, b) => (rank.get(a.id) ?? 1e9) - (rank.get(b.id) ?? 1e9) || String(a.due_date).localeCompare(String(b.due_date)));
  return { plan, steps, progress, overdue };
}

export async function render(view, ctx) {
  const { db, t, esc, account } = ctx;
  const data = await loadPlan(db, account.user);
  if (ctx.params.step) return renderStep(view, ctx, data);
  if (!data) {
    const loading = !(ctx.status && ctx.status.last_synced_at);
    view.innerHTML = `<section data-screen="plan"><h1>${esc(t('title'))}</h1><p class="card empty">${esc(t(loading ? 'loading' : 'none'))}</p></section>`;
    return;
  }
  const { plan, steps, progress, overdue } = data;
  const p = progress || {};
  const nextStep = p.next_step_id ? steps.find((x) => x.id === p.next_step_id) : null;
  const groups = new Map();
  for (const s of steps) {
    if (!groups.has(s.category)) groups.set(s.category, []);
    groups.get(s.category).push(s);
  }
  view.innerHTML = `<section data-screen="plan">
    <h1>${esc(text(plan && plan.title, ctx.lang) || t('title'))}</h1>
    ${progress ? `<div class="card">
      <p><strong>${esc(t('progress', { p: p.percent_done, done: p.done, total: p.total }))}</strong>
        ${p.overdue ? ` <span class="pill bad">${esc(t('overdue', { n: p.overdue }))}</span>` : ''}</p>
      <div class="meter" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="${Number(p.percent_done) || 0}" aria-label="${esc(t('title'))}"><div style="width:${Number(p.percent_done) || 0}%"></div></div>
      ${p.off_track ? `<p class="form-error">${esc(t('off_track'))}</p>` : ''}
      ${nextStep ? `<p class="next-step">${esc(t('next'))} <a href="/app/plan/${encodeURIComponent(nextStep.id)}">${esc(stepTitle(nextStep, ctx.lang))}</a></p>` : ''}
    </div>` : ''}
    ${[...groups].map(([cat, list]) => `<section class="card" aria-labelledby="cat-${esc(cat)}">
      <h2 id="cat-${esc(cat)}">${esc(t('cat.' + cat))}</h2>
      <ul class="list">${list.map((s) => `<li class="step-${esc(s.status)}"><a class="row-link" href="/app/plan/${encodeURIComponent(s.id)}" data-step="${esc(s.id)}">
        <span class="grow"><span class="title">${esc(stepTitle(s, ctx.lang))}</span>
        <span class="sub">${overdue.has(s.id) ? `<span class="pill bad">${esc(t('overdue_since', { date: ctx.formatDate(s.due_date) }))}</span>` : esc(t('due', { date: ctx.formatDate(s.due_date) }))}</span></span>
        ${statusPill(t, s.status)}<span aria-hidden="true">›</span></a></li>`).join('')}</ul>
    </section>`).join('')}
  </section>`;
}

function entryList(entries, emptyText, ctx, me) {
  const { esc, t } = ctx;
  if (!entries || !entries.length) return `<p class="muted">${esc(emptyText)}</p>`;
  return `<ul class="list">${entries.map((e) => `<li class="entry"><p class="small muted">${esc(e.by === me ? t('by_me') : t('by_coach'))} · ${esc(ctx.formatDateTime(e.at))}</p><p class="entry-text">${esc(e.text)}</p></li>`).join('')}</ul>`;
}

// The skip form stays open across re-renders (a sync while she writes the reason).
let skipOpenFor = null;

function renderStep(view, ctx, data) {
  const { db, t, esc, account } = ctx;
  const me = account.user.id;
  const step = data && data.steps.find((s) => s.id === ctx.params.step);
  if (!step) {
    view.innerHTML = `<section data-screen="plan" data-view="step" data-step="${esc(ctx.params.step)}"><a class="back" href="/app/plan">${esc(t('back'))}</a><p class="card empty">${esc(t('not_found'))}</p></section>`;
    return;
  }
  const open = step.status === 'todo' || step.status === 'in_progress';
  const late = data.overdue.has(step.id);
  const evidence = step.evidence || [];
  view.innerHTML = `<section data-screen="plan" data-view="step" data-step="${esc(ctx.params.step)}">
    <a class="back" href="/app/plan">${esc(t('back'))}</a>
    <h1>${esc(stepTitle(step, ctx.lang))}</h1>
    <p><span class="pill info">${esc(t('cat.' + step.category))}</span> ${statusPill(t, step.status)}</p>
    <p>${late ? `<span class="pill bad">${esc(t('overdue_since', { date: ctx.formatDate(step.due_date) }))}</span>` : esc(t('due', { date: ctx.formatDate(step.due_date) }))}</p>
    ${text(step.description, ctx.lang) ? `<div class="card description">${esc(text(step.description, ctx.lang)).replace(/\n/g, '<br>')}</div>` : ''}
    ${step.status_reason ? `<p class="muted">${esc(t('reason', { text: step.status_reason }))}</p>` : ''}
    ${open ? `<div class="actions step-actions">
      ${step.status === 'todo' ? `<button type="button" class="secondary" id="step-start">${esc(t('start'))}</button>` : ''}
      <button type="button" class="primary" id="step-done">${esc(t('done'))}</button>
      <button type="button" class="secondary" id="step-skip">${esc(t('skip'))}</button>
    </div>
    <form id="skip-form" class="card form"${skipOpenFor === step.id ? '' : ' hidden'} novalidate>
      <div class="field"><label for="skip-reason">${esc(t('skip_reason'))}</label><textarea id="skip-reason" maxlength="2000"></textarea></div>
      <p class="form-error" role="alert" tabindex="-1" hidden></p>
      <div class="actions"><button type="submit" class="primary">${esc(t('skip_confirm'))}</button><button type="button" class="secondary" id="skip-cancel">${esc(t('cancel'))}</button></div>
    </form>` : `<p class="muted small">${esc(t('reopen_hint'))}</p>`}

    <section class="card" aria-labelledby="step-comments"><h2 id="step-comments">${esc(t('comments'))}</h2>
      ${entryList(step.comments, t('no_comments'), ctx, me)}
      <form id="comment-form" novalidate><div class="field"><label for="comment-text">${esc(t('comment_label'))}</label><textarea id="comment-text" maxlength="4000"></textarea></div>
        <p class="form-error" role="alert" tabindex="-1" hidden></p><button type="submit" class="secondary">${esc(t('comment_add'))}</button></form>
    </section>

    <section class="card" aria-labelledby="step-notes"><h2 id="step-notes">${esc(t('notes'))}</h2>
      ${entryList(step.notes, t('no_notes'), ctx, me)}
      <form id="note-form" novalidate><div class="field"><label for="note-text">${esc(t('note_label'))}</label><textarea id="note-text" maxlength="4000"></textarea></div>
        <p class="form-error" role="alert" tabindex="-1" hidden></p><button type="submit" class="secondary">${esc(t('note_add'))}</button></form>
    </section>

    <section class="card" aria-labelledby="step-evidence"><h2 id="step-evidence">${esc(t('evidence'))}</h2>
      ${evidence.length ? `<ul class="list">${evidence.map((e) => `<li class="evidence">${e.kind === 'link'
        ? `<a class="row-link" href="${esc(e.url)}" target="_blank" rel="noopener noreferrer"><span class="grow"><span class="title">${esc(e.url)}</span><span class="sub">${esc(ctx.formatDateTime(e.at))}</span></span><span>${esc(t('open_link'))}</span></a>`
        : `<div class="row-link"><span class="grow"><span class="title">${esc(e.name)}</span><span class="sub">${esc(formatSize(e.size, ctx.lang))} · ${esc(ctx.formatDateTime(e.at))}</span></span>
           <button type="button" class="secondary small" data-download="${esc(e.sha256)}" data-name="${esc(e.name)}">${esc(t('download'))}</button></div>`}</li>`).join('')}</ul>`
    : `<p class="muted">${esc(t('no_evidence'))}</p>`}
      <form id="link-form" novalidate><div class="field"><label for="link-url">${esc(t('link_label'))}</label><input id="link-url" type="url" inputmode="url" autocapitalize="off" spellcheck="false" maxlength="2000"></div>
        <p class="form-error" role="alert" tabindex="-1" hidden></p><button type="submit" class="secondary">${esc(t('link_add'))}</button></form>
      <form id="file-form" novalidate><div class="field"><label for="file-input">${esc(t('file_label'))}</label><input id="file-input" type="file" accept="${kAccept}"></div>
        <p class="form-error" role="alert" tabindex="-1" hidden></p><button type="submit" class="secondary">${esc(t('file_add'))}</button></form>
    </section>

    ${(step.history || []).length ? `<details class="card"><summary>${esc(t('history'))}</summary><ul class="list">${step.history.map((h) => `<li class="small">${esc(ctx.formatDateTime(h.at))} · ${esc(t('status.' + h.from))} → ${esc(t('status.' + h.to))}${h.reason ? ` · ${esc(h.reason)}` : ''}</li>`).join('')}</ul></details>` : ''}
  </section>`;

  const q = (sel) => view.querySelector(sel);
  // A write: on the phone at once; a refusal keeps what was typed and says why.
  const write = async (form, name, args) => {
    try {
      await db.mutate(name, args);
      ctx.announce(t('saved'));
      return true;
    } catch (e) {
      if (form) problem(form, e.message || String(e)); else ctx.showError(e);
      return false;
    }
  };
  const setStatus = (status, reason) => write(null, 'step.set_status', reason ? { id: step.id, status, reason } : { id: step.id, status });
  if (q('#step-start')) q('#step-start').addEventListener('click', () => setStatus('in_progress'));
  if (q('#step-done')) q('#step-done').addEventListener('click', () => setStatus('done'));
  if (q('#step-skip')) q('#step-skip').addEventListener('click', () => { skipOpenFor = step.id; q('#skip-form').hidden = false; q('#skip-reason').focus(); });
  if (q('#skip-cancel')) q('#skip-cancel').addEventListener('click', () => { skipOpenFor = null; q('#skip-form').hidden = true; });
  if (q('#skip-form')) q('#skip-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const reason = q('#skip-reason').value.trim();
    if (!reason) return problem(q('#skip-form'), t('skip_reason_needed'));
    if (await write(q('#skip-form'), 'step.set_status', { id: step.id, status: 'skipped', reason })) skipOpenFor = null;
  });
  const textForm = (formSel, fieldSel, name) => q(formSel).addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = q(formSel);
    const value = q(fieldSel).value.trim();
    if (!value) return problem(form, t('empty_text'));
    const field = q(fieldSel);
    if (await write(form, name, { id: step.id, entry_id: newId(), text: value })) emptyField(field, q(fieldSel));
  });
  textForm('#comment-form', '#comment-text', 'step.comment');
  textForm('#note-form', '#note-text', 'step.note');
  q('#link-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = q('#link-form');
    const url = q('#link-url').value.trim();
    if (!/^https?:\/\/\S+$/i.test(url)) return problem(form, t('link_bad'));
    const field = q('#link-url');
    if (await write(form, 'step.attach', { id: step.id, entry_id: newId(), kind: 'link', url })) emptyField(field, q('#link-url'));
  });
  q('#file-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = q('#file-form');
    const file = q('#file-input').files[0];
    if (!file) return problem(form, t('file_choose'));
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      const bytes = await readFile(file);
      const ref = await db.addFile({ name: file.name, type: file.type, bytes });
      if (await write(form, 'step.attach', { id: step.id, entry_id: newId(), kind: 'file', sha256: ref.sha256, name: ref.name || file.name, size: ref.size })) {
        ctx.announce(t('file_queued', { name: file.name }));
      }
    } catch (e) {
      problem(form, e.message || String(e));
    } finally {
      button.disabled = false;
    }
  });
  view.querySelectorAll('[data-download]').forEach((b) => b.addEventListener('click', async () => {
    try {
      downloadBlob(await db.fileBlob(b.dataset.download), b.dataset.name);
    } catch (e) {
      ctx.showError(e);
    }
  }));
}

// A sent form's field, as it was and as a redraw during the write may have made it.
function emptyField(...fields) {
  for (const el of fields) if (el) { el.value = ''; delete el.dataset.dirty; }
}

export function formatSize(bytes, lang) {
  const n = Number(bytes) || 0;
  const fmt = (v, unit) => new Intl.NumberFormat(lang === 'fr' ? 'fr-CA' : 'en-CA', { style: 'unit', unit, maximumFractionDigits: 1 }).format(v);
  if (n < 1024) return fmt(n, 'byte');
  if (n < 1024 * 1024) return fmt(n / 1024, 'kilobyte');
  return fmt(n / (1024 * 1024), 'megabyte');
}
