// Messages: her threads (with her coach, and her mentor once matched) with unread counts; a
// thread's messages with their states (queued, sent, delivered, read), written and sent
// offline, files attached (a CV) and downloaded. Threads, states and counts come from the core
// (db.threads, db.threadMessages); sending checks the text and the files there too, and a
// refusal keeps what she typed and the files she chose.
import { downloadBlob, readFile, showFormError } from './util.js';
import { formatSize } from './plan.js';
import { zoneFormatter } from '../zones.js';

export const strings = {
  fr: {
    title: 'Messages', none: "Pas encore de conversation. Votre coach vous écrira ici ; votre mentor aussi, une fois le mentorat accepté.",
    unread: { one: '{n} non lu', other: '{n} non lus' }, no_message: 'Pas encore de message.',
    back: '← Conversations', not_found: "Cette conversation n'est pas sur ce téléphone.",
    'kind.coaching': 'Coaching', 'kind.mentorship': 'Mentorat', you: 'Vous', mine_preview: 'Vous : {text}',
    'state.queued': 'En attente d’envoi', 'state.sent': 'Envoyé', 'state.delivered': 'Reçu', 'state.read': 'Lu',
    body_label: 'Votre message', send: 'Envoyer', attach: 'Joindre un fichier (PDF, DOCX, ODT, PNG, JPEG, 10 Mo au plus)',
    remove_file: 'Retirer {name}', chosen: 'Fichiers joints',
    empty: 'Écrivez un message ou joignez un fichier.', too_many: 'Cinq fichiers au plus par message.',
    'refused.too_large': 'Fichier trop volumineux : 10 Mo au plus par fichier. Votre texte est gardé.',
    'refused.body_too_long': 'Message trop long : 8 Ko au plus (environ 8 000 caractères, moins avec des accents). Raccourcissez-le ou envoyez-le en deux fois : votre texte est gardé.',
    'refused.unsupported': 'Ce type de fichier ne peut pas être envoyé : seulement PDF, DOCX, ODT, PNG ou JPEG. Votre texte est gardé.',
    'refused.other': 'Message non envoyé : {message}. Votre texte est gardé.',
    queued_offline: 'Message gardé sur le téléphone : il partira dès le retour du réseau.',
    sent_ok: 'Message envoyé.', download_word: 'Télécharger',
    offline_download: 'Ce fichier n’est pas encore sur le téléphone : il se télécharge une fois en ligne.',
  },
  en: {
    title: 'Messages', none: 'No conversation yet. Your coach will write to you here; your mentor too, once the mentorship is accepted.',
    unread: { one: '{n} unread', other: '{n} unread' }, no_message: 'No message yet.',
    back: '← Conversations', not_found: 'This conversation is not on this phone.',
    'kind.coaching': 'Coaching', 'kind.mentorship': 'Mentoring', you: 'You', mine_preview: 'You: {text}',
    'state.queued': 'Waiting to be sent', 'state.sent': 'Sent', 'state.delivered': 'Delivered', 'state.read': 'Read',
    body_label: 'Your message', send: 'Send', attach: 'Attach a file (PDF, DOCX, ODT, PNG, JPEG, at most 10 MB)',
    remove_file: 'Remove {name}', chosen: 'Attached files',
    empty: 'Write a message or attach a file.', too_many: 'At most five files per message.',
    'refused.too_large': 'File too large: 10 MB at most per file. Your text is kept.',
    'refused.body_too_long': 'Message too long: 8 KB at most (about 8,000 characters, fewer with accents). Shorten it or send it in two parts: your text is kept.',
    'refused.unsupported': 'This type of file cannot be sent: PDF, DOCX, ODT, PNG or JPEG only. Your text is kept.',
    'refused.other': 'Message not sent: {message}. Your text is kept.',
    queued_offline: 'Message kept on the phone: it leaves as soon as the network is back.',
    sent_ok: 'Message sent.', download_word: 'Download',
    offline_download: 'This file is not on the phone yet: it downloads once online.',
  },
};

const kAccept = '.pdf,.docx,.odt,.png,.jpg,.jpeg,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document,application/vnd.oasis.opendocument.text,image/png,image/jpeg';
const kMaxFiles = 5;

// Files chosen for the message being written, by thread: kept across re-renders (a file input
// cannot be refilled) and after a refusal.
const chosen = new Map();
// The last refusal of the compose form per thread (an empty or oversized message ...).
const composeErrors = new Map();
let lastThreadShown = null;

export async function render(view, ctx) {
  if (ctx.params.thread) return renderThread(view, ctx, ctx.params.thread);
  lastThreadShown = null;
  const { db, t, esc } = ctx;
  const threads = await db.threads();
  view.innerHTML = `<section data-screen="messages">
    <h1>${esc(t('title'))}</h1>
    ${threads.length ? `<ul class="list card threads">${threads.map((th) => {
      const last = th.last_message;
      const text = last ? last.body || (last.attachments || []).map((a) => a.name).join(', ') : '';
      const preview = last ? (last.mine ? t('mine_preview', { text }) : text) : t('no_message');
      return `<li><a class="row-link" href="/app/messages/${encodeURIComponent(th.id)}" data-thread="${esc(th.id)}">
        <span class="avatar" aria-hidden="true">${esc(initials(th.title))}</span>
        <span class="grow"><span class="title">${esc(th.title)}</span>
        <span class="sub kind">${esc(t('kind.' + th.kind))}</span><span class="sub">${esc(preview)}</span></span>
        <span class="end">${th.last_activity ? `<span class="small muted">${esc(shortTime(th.last_activity, ctx))}</span>` : ''}
        ${th.unread ? `<span class="badge" aria-label="${esc(t('unread', { n: th.unread }))}">${th.unread}</span>` : ''}</span></a></li>`;
    }).join('')}</ul>` : `<p class="card empty">${esc(t('none'))}</p>`}
  </section>`;
}

function initials(name) {
  return String(name || '?').split(/[\s,]+/).filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join('');
}

function shortTime(rfc3339, ctx) {
  const d = new Date(rfc3339);
  const sameDay = new Date().toDateString() === d.toDateString();
  const opts = sameDay ? { timeStyle: 'short' } : { dateStyle: 'short' };
  return zoneFormatter(ctx.lang === 'fr' ? 'fr-CA' : 'en-CA', ctx.zone, opts).format(d);
}

// Drawn, not emoji: a cheap phone's fonts may lack them.
const clip = '<svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M21 11.5 12.5 20a5 5 0 0 1-7-7L14 4.5a3.3 3.3 0 0 1 4.7 4.7L10.2 17.7a1.7 1.7 0 0 1-2.4-2.4L15.5 7.6"/></svg>';
const clock = '<svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/></svg>';
const stateIcon = { queued: clock, sent: '✓', delivered: '✓✓', read: '✓✓' };

async function renderThread(view, ctx, threadId) {
  const { db, t, esc } = ctx;
  const threads = await db.threads();
  const thread = threads.find((th) => th.id === threadId);
  if (!thread) {
    view.innerHTML = `<section data-screen="messages" data-thread="${esc(threadId)}"><a class="back" href="/app/messages">${esc(t('back'))}</a><p class="card empty">${esc(t('not_found'))}</p></section>`;
    return;
  }
  const messages = await db.threadMessages(threadId);
  const files = chosen.get(threadId) || [];
  const member = (thread.members || []).includes(ctx.account.user.id);
  view.innerHTML = `<section data-screen="messages" data-thread="${esc(threadId)}">
    <a class="back" href="/app/messages">${esc(t('back'))}</a>
    <h1>${esc(thread.title)}</h1><p class="muted small subtitle">${esc(t('kind.' + thread.kind))}</p>
    ${messages.length ? `<ol class="messages" aria-label="${esc(thread.title)}">${messages.map((m) => `<li class="msg ${m.mine ? 'mine' : 'theirs'}" data-message="${esc(m.id)}">
      <p class="meta">${esc(m.mine ? t('you') : m.author_name)} · ${esc(ctx.formatDateTime(m.sent_at || m.written_at))}</p>
      ${m.body ? `<p class="body">${esc(m.body).replace(/\n/g, '<br>')}</p>` : ''}
      ${(m.attachments || []).map((a) => `<button type="button" class="attachment" data-sha="${esc(a.sha256)}" data-name="${esc(a.name)}">${clip} <span class="sr-only">${esc(t('download_word'))} </span><span>${esc(a.name)}</span> <span class="small">${esc(formatSize(a.size, ctx.lang))}</span></button>`).join('')}
      ${m.mine ? `<p class="state state-${esc(m.state)}"><span aria-hidden="true">${stateIcon[m.state] || ''}</span> ${esc(t('state.' + m.state))}</p>` : ''}
    </li>`).join('')}</ol>` : `<p class="empty">${esc(t('no_message'))}</p>`}
    ${member ? `<form id="compose" class="card compose" novalidate>
      <div class="field"><label for="message-body">${esc(t('body_label'))}</label><textarea id="message-body" rows="3"></textarea></div>
      ${files.length ? `<p class="small"><strong>${esc(t('chosen'))}</strong></p><ul class="chosen">${files.map((f, i) => `<li><span>${clip} ${esc(f.name)} <span class="muted small">${esc(formatSize(f.size, ctx.lang))}</span></span>
        <button type="button" class="secondary small" data-remove="${i}" aria-label="${esc(t('remove_file', { name: f.name }))}">×</button></li>`).join('')}</ul>` : ''}
      <div class="field"><label for="message-files">${esc(t('attach'))}</label><input id="message-files" type="file" multiple accept="${kAccept}"></div>
      <p class="form-error" role="alert" tabindex="-1"${composeErrors.get(threadId) ? '' : ' hidden'}>${esc(composeErrors.get(threadId) || '')}</p>
      <button type="submit" class="primary wide" id="message-send">${esc(t('send'))}</button>
    </form>` : ''}
  </section>`;

  if (lastThreadShown !== threadId) {
    lastThreadShown = threadId;
    const list = view.querySelector('.messages');
    if (list && list.lastElementChild) requestAnimationFrame(() => list.lastElementChild.scrollIntoView({ block: 'end' }));
  }
  if (thread.unread && document.visibilityState === 'visible') db.markRead(threadId).catch(() => {});

  view.querySelectorAll('.attachment').forEach((b) => b.addEventListener('click', async () => {
    try {
      downloadBlob(await db.fileBlob(b.dataset.sha), b.dataset.name);
    } catch (e) {
      ctx.showError(e.origin === 'network' ? t('offline_download') : e);
    }
  }));
  const form = view.querySelector('#compose');
  if (!form) return;
  // Kept per thread, so a redraw (rows pulled, the thread marked read) does not wipe it.
  const problem = (msg) => {
    if (msg) composeErrors.set(threadId, msg); else composeErrors.delete(threadId);
    showFormError(view.querySelector('#compose') || form, msg);
  };
  // Drawn again to list the chosen files, keeping the text being written. A refusal shown was
  // about the files as they were: the files changed, so it goes (too many files says so anew).
  const redraw = async (message = '') => {
    problem(message);
    const typed = view.querySelector('#message-body').value;
    await render(view, ctx);
    const body = view.querySelector('#message-body');
    if (body) { body.value = typed; if (typed) body.dataset.dirty = '1'; }
  };
  view.querySelector('#message-files').addEventListener('change', (ev) => {
    const list = chosen.get(threadId) || [];
    for (const f of ev.target.files) list.push(f);
    let message = '';
    if (list.length > kMaxFiles) { message = t('too_many'); list.length = kMaxFiles; }
    chosen.set(threadId, list);
    ev.target.value = '';
    redraw(message);
  });
  view.querySelectorAll('[data-remove]').forEach((b) => b.addEventListener('click', () => {
    const list = chosen.get(threadId) || [];
    list.splice(Number(b.dataset.remove), 1);
    chosen.set(threadId, list);
    redraw();
  }));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const textarea = view.querySelector('#message-body');
    const body = textarea.value;
    const list = chosen.get(threadId) || [];
    if (!body.trim() && !list.length) return problem(t('empty'));
    const button = view.querySelector('#message-send');
    button.disabled = true;
    try {
      const payload = await Promise.all(list.map(async (f) => ({ name: f.name, type: f.type, bytes: await readFile(f) })));
      await db.sendMessage(threadId, body.trim() ? body : '', payload);
      // The field as drawn now too: a sync may have redrawn the thread while it was sending.
      for (const el of [textarea, view.querySelector('#message-body')]) if (el) { el.value = ''; delete el.dataset.dirty; }
      chosen.delete(threadId);
      problem('');
      ctx.announce(ctx.online ? t('sent_ok') : t('queued_offline'));
    } catch (e) {
      // The core names the refused field: the text's size gets its own words.
      const bodyTooLong = e.code === 'bad_request' && /\bbody\b/.test(e.message || '') && /longer|bytes/.test(e.message || '');
      problem(bodyTooLong ? t('refused.body_too_long')
        : e.code === 'too_large' || e.code === 'unsupported' ? t('refused.' + e.code) : t('refused.other', { message: e.message || String(e) }));
    } finally {
      button.disabled = false;
    }
  });
}
