// The web binding (docs/bindings.md, "The web binding"): the client core in a dedicated Worker
// (worker.mjs), behind promises. Ground work: open, mutate, read rows, the outbox's length;
// sign-in, sync, observers and files follow the event-driven sync engine (issue #18).
//
//   import { open } from './passerelle.mjs';
//   const db = await open({ userId, role: 'coach' });
//   await db.mutate('message.send', { id, thread_id, body: 'Bonjour' });
//   const rows = await db.rows('messages', { field: 'thread_id', value: thread_id });
//
// Every failure rejects with a PasserelleError carrying the C API's {code, origin, message}:
// code in protocol spelling ('not_found', 'conflict', ...), origin 'usage' (fix the input),
// 'local' (the device or the core failed), later 'server' and 'network'.

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
    worker.onmessage = (event) => {
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

  call(call, args) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, call, args });
    });
  }

  // Applies a mutator to the local view and queues it; resolves with the op's id once durable.
  mutate(name, args) { return this.call('mutate', { name, args }); }
  // The local view's rows of `collection` by id, optionally where row[field] === value.
  rows(collection, { field = null, value = null } = {}) { return this.call('list', { collection, field, value }); }
  // How many writes wait to be sent.
  pendingCount() { return this.call('pendingCount'); }
  // Closes the database and ends the Worker (the lock goes with it).
  async close() {
    try { await this.call('close'); } finally { this.worker.terminate(); }
  }
}

// Starts the Worker and opens the account of `userId` (signed in as `role`). `storage`: 'auto'
// (OPFS where the browser has it, else IndexedDB), 'opfs' or 'indexeddb'. Asks the browser to
// keep the origin's storage (navigator.storage.persist(); a refusal is not an error: the
// browser may still evict under pressure, docs/bindings.md says when).
export async function open({ userId, role, storage = 'auto', workerUrl = new URL('./worker.mjs', import.meta.url) }) {
  if (globalThis.navigator && navigator.storage && navigator.storage.persist) {
    try { await navigator.storage.persist(); } catch (e) { /* not granted: still usable */ }
  }
  const db = new Passerelle(new Worker(workerUrl, { type: 'module' }));
  try {
    db.storage = (await db.call('open', { userId, role, storage })).storage;
  } catch (e) {
    db.worker.terminate();
    throw e;
  }
  return db;
}
