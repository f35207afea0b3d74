// The web binding (docs/bindings.md, "The web binding"): the client core in a dedicated Worker
// (worker.mjs), behind promises, the same shape as the Java and Swift bindings: open, sign in
// and out, mutate, read and observe rows, the views the core computes (threads, messages, slots,
// plan progress, a meeting's .ics), messages with files, online requests, start and stop sync,
// its state and rejections.
//
//   import { open } from './passerelle.mjs';
//   const db = await open();                       // the device; db.account: who is signed in
//   if (!db.account) await db.signIn('https://passerelle.example', email, password);
//   db.onSyncState((s) => show(s.state, s.pending_ops, s.last_synced_at));
//   await db.startSync();
//   await db.mutate('message.send', { id, thread_id, body: 'Bonjour' });
//   const stop = db.observe(() => refresh());       // any row changed (pulled, pushed, local)
//   const rows = await db.rows('messages', { field: 'thread_id', value: thread_id });
//   await db.sendMessage(thread_id, 'Mon CV', [{ name: 'cv.pdf', type: 'application/pdf', bytes }]);
//
// Every failure rejects with a PasserelleError carrying the C API's {code, origin, message}:
// code in protocol spelling ('not_found', 'conflict', ...), origin 'usage' (fix the input),
// 'local' (the device or the core failed), 'server' (the server refused or misbehaved),
// 'network' (the server could not be reached).

export class PasserelleError extends Error {
  constructor({ code, origin, message }) {
    super(message);
    this.name = 'PasserelleError';
    this.code = code;
    this.origin = origin;
  }
}

export class Passerelle {
  constructor(worker) {
    this.worker = worker;
    this.next = 1;
    this.waiting = new Map();
    this.listeners = { rows_changed: new Set(), status: new Set(), rejected: new Set(), session_ended: new Set(), core_error: new Set() };
    this.lastStatus = null;
    worker.onmessage = (event) => {
      if (event.data.event) { this.dispatch(event.data); return; }
      const { id, ok, error } = event.data;
      const w = this.waiting.get(id);
      if (!w) return;
      this.waiting.delete(id);
      if (error) w.reject(new PasserelleError(error)); else w.resolve(ok);
    };
    worker.onerror = (event) => {
      const e = new PasserelleError({ code: 'internal', origin: 'local', message: 'the core\'s Worker failed: ' + (event.message || 'unknown error') });
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    };
  }

  dispatch(message) {
    const set = this.listeners[message.event];
    if (!set) return;
    // A pulled page's rows come as one JSON text (worker.mjs): parsed here, once, only when
    // someone listens.
    if (message.event === 'rows_changed' && typeof message.rowsText === 'string') {
      if (!set.size) return;
      message.rows = JSON.parse(message.rowsText);
    }
    const value = message.event === 'rows_changed' ? message.rows
      : message.event === 'status' ? (this.lastStatus = message.status)
        : message.event === 'rejected' ? message.rejection
          : message.event === 'core_error' ? new PasserelleError(message.error) : null;
    for (const f of set) { try { f(value); } catch (e) { console.error(e); } }
  }

  listen(kind, callback) {
    this.listeners[kind].add(callback);
    return () => this.listeners[kind].delete(callback);
  }

  call(call, args) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, call, args });
    });
  }

  // Signs in on `server` ("https://host[:port]", or ws/wss): stores the session on this device
  // and opens the account. Resolves with the account {user, server}.
  async signIn(server, email, password) {
    this.account = await this.call('signIn', { server, email, password });
    return this.account;
  }
  // Accepts an invitation (its token, from the invitation's link) on `server`: the account is
  // created with `name` and `password`, then signed in as with signIn.
  async acceptInvite(server, token, name, password) {
    this.account = await this.call('acceptInvite', { server, token, name, password });
    return this.account;
  }
  // Stops sync and forgets the session on this device; the account's rows and queue stay for
  // the next sign-in. Resolves with whether someone was signed in.
  async signOut() {
    const was = await this.call('signOut');
    this.account = null;
    return was;
  }
  // Starts syncing in the background: connects, pushes the queue, pulls, follows pokes and
  // local writes, reconnects after failures with backoff, until stopSync(). Options (for tests
  // and slow links): {request_timeout_ms, backoff_min_ms, backoff_max_ms}.
  startSync(options = {}) { return this.call('startSync', options); }
  stopSync() { return this.call('stopSync'); }
  // {online, state ('offline', 'connecting', 'syncing', 'up_to_date', 'error'), pending_ops,
  // last_synced_at, cursor, rejections, last_error {code, origin, message}, progress} as
  // passerelle.h's psl_sync_status.
  syncStatus() { return this.call('syncStatus'); }
  // The ops the server refused: [{op_id, name, args, error {code, message}, rejected_at}].
  rejections() { return this.call('rejections'); }
  // Callbacks; each returns a function that removes it. observe: rows changed ([{collection,
  // id}] after sync, null after a local write). onSyncState: the new status. onRejection: one
  // refused op. onSessionEnded: the server ended the session (sign in again). onCoreError: a
  // PasserelleError the core raised while syncing in the background (a bug: report it).
  observe(callback) { return this.listen('rows_changed', callback); }
  onSyncState(callback) { return this.listen('status', callback); }
  onRejection(callback) { return this.listen('rejected', callback); }
  onSessionEnded(callback) { return this.listen('session_ended', callback); }
  onCoreError(callback) { return this.listen('core_error', callback); }

  // Applies a mutator to the local view and queues it; resolves with the op's id once durable.
  mutate(name, args) { return this.call('mutate', { name, args }); }
  // The local view's rows of `collection` by id, optionally where row[field] === value.
  rows(collection, { field = null, value = null } = {}) { return this.call('list', { collection, field, value }); }
  // One row of the local view by id, or null.
  get(collection, id) { return this.call('get', { collection, id }); }
  // Every thread, most recent activity first: each thread row's fields plus title, unread,
  // message_count, last_activity, last_message (passerelle.h, psl_client_threads).
  threads() { return this.call('threads'); }
  // How many messages of others are unread, over every thread.
  unreadTotal() { return this.call('unreadTotal'); }
  // A thread's messages in order, each with author_name, mine, state ('queued', 'sent',
  // 'delivered', 'read'), n, sent_at, written_at and attachments [{sha256, name, size, type,
  // on_device}] (psl_client_thread_messages).
  threadMessages(threadId) { return this.call('threadMessages', { threadId }); }
  // The free one-hour slots of a mentorship (null: the only active one) in the next `days`
  // days: [{start, end, local_start, time_zone, mentor_local_start, mentor_time_zone,
  // mentorship_id}] (psl_client_slots).
  slots(mentorshipId = null, days = 21) { return this.call('slots', { mentorshipId, days }); }
  // The progress of a candidate's plan (null: the signed-in person's) as the core computes it
  // {total, todo, in_progress, done, skipped, percent_done, overdue, next_step_id,
  // days_since_activity, off_track}, or null when the device has no plan for them.
  planProgress(candidateId = null) { return this.call('planProgress', { candidateId }); }
  // A person's IANA time zone (null: the signed-in person's) from their profiles, else 'UTC'.
  personTimeZone(userId = null) { return this.call('personTimeZone', { userId }); }
  // A meeting as a text/calendar document (one VEVENT), in the signed-in person's language.
  meetingIcs(meetingId) { return this.call('meetingIcs', { meetingId }); }
  // An activity as the signed-in person takes part in it: {activity_id, registration, status_text,
  // agenda, agenda_text, ics} (local_views.h, activity_view), texts in `locale` ('fr' | 'en';
  // null: the account's language).
  activityView(activityId, locale = null) { return this.call('activityView', { activityId, locale }); }
  // Sends a message in a thread: resolves with its id once it is queued. `files`
  // ([{name, type, bytes: Uint8Array}], at most 5) are checked as natively (a PDF, DOCX, ODT,
  // PNG or JPEG by its content, at most 10 MiB, else a 'usage' refusal and nothing is queued),
  // kept on this device and uploaded before the message is pushed.
  sendMessage(threadId, body, files = []) {
    return this.call('sendMessage', { threadId, body, files: files.map(({ name, bytes }) => ({ name, bytes })) });
  }
  // Marks a thread read up to its last message of others (a receipt, queued).
  markRead(threadId) { return this.call('markRead', { threadId }); }
  // Keeps a file on this device and queues its upload on its own (a plan step's evidence: put
  // the reference in step.attach's args): resolves with {sha256, name, size, type}.
  addFile({ name, bytes }) { return this.call('addFile', { name, bytes }); }
  // A file by its hash as a Blob: from this device, else downloaded with the session's token
  // (then kept). A 'network' rejection when it is not here and the server cannot be reached.
  fileBlob(sha256) { return this.call('fileBlob', { sha256 }); }
  // An online request on the signed-in session (account.export, sessions.list, ...): resolves
  // with the answer's fields; rejects with origin 'network' when the server cannot be reached.
  request(type, fields = {}) { return this.call('request', { type, fields }); }
  // Clears a refused op from rejections().
  dismissRejection(opId) { return this.call('dismissRejection', { opId }); }
  // How many writes wait to be sent.
  pendingCount() { return this.call('pendingCount'); }
  // The UTC offsets of an IANA `zone` over [from, to) (RFC 3339 strings): [{begin, end,
  // offset_min, abbrev}], from the core's time-zone data, so a page shows the same wall clock
  // as the core's rules and the server's e-mails (a browser's own zone data may differ).
  zoneSpans(zone, from, to) { return this.call('zoneSpans', { zone, from, to }); }
  // Closes the database and ends the Worker (the lock goes with it).
  async close() {
    try { await this.call('close'); } finally { this.worker.terminate(); }
  }
}

// Starts the Worker and opens the device: db.account is the account signed in on it ({user,
// server}) or null (then signIn). With `userId` and `role` instead, that account's file is
// opened without a session (no sync: the storage tests use it). `storage`: 'auto'
// (OPFS where the browser has it, else IndexedDB), 'opfs' or 'indexeddb'. Asks the browser to
// keep the origin's storage (navigator.storage.persist(); a refusal is not an error: the
// browser may still evict under pressure, docs/bindings.md says when).
// A page may start the slow parts itself, before this module has even loaded (the phone app's
// index.html does, in its first inline script): `worker`, a Worker already created from
// worker.mjs, and `wasm`, a WebAssembly.Module of passerelle-core.wasm (or a promise of one)
// compiled while it downloaded. A `wasm` that failed is ignored: the Worker then fetches the
// module itself.
export async function open({ userId = null, role = null, storage = 'auto', workerUrl = new URL('./worker.mjs', import.meta.url),
  worker = null, wasm = null } = {}) {
  if (globalThis.navigator && navigator.storage && navigator.storage.persist) {
    try { await navigator.storage.persist(); } catch (e) { /* not granted: still usable */ }
  }
  const db = new Passerelle(worker || new Worker(workerUrl, { type: 'module' }));
  try {
    // The Worker takes its lock and storage while the module still downloads, then waits for it.
    const opened = db.call('open', { userId, role, storage, wasm: wasm ? 'later' : null });
    if (wasm) {
      Promise.resolve(wasm).catch(() => null) // failed: the Worker fetches it instead
        .then((module) => db.worker.postMessage({ compiled: module instanceof WebAssembly.Module ? module : null }));
    }
    const { storage: kind, account } = await opened;
    db.storage = kind;
    db.account = account;
  } catch (e) {
    db.worker.terminate();
    throw e;
  }
  return db;
}
