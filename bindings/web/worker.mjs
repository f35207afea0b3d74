// The dedicated Worker that runs the client core (docs/bindings.md, "The web binding"). It owns
// the account's SQLite database: in OPFS through opfs_vfs.c where the browser has sync access
// handles, otherwise in memory mirrored to IndexedDB (IDBFS). One tab of an origin owns it at a
// time: the Worker holds the Web Lock "passerelle-core" for as long as it lives, and a second
// tab's open() is refused with a message saying so.
//
// Messages in: {id, call: 'open' | 'mutate' | 'list' | 'pendingCount' | 'close', args}
// Messages out: {id, ok: value} or {id, error: {code, origin, message}} (passerelle.h's codes
// and origins, wire spelling).
import createPasserelleCore from './passerelle-core.mjs';
import { OpfsPool } from './opfs_pool.mjs';

const kLock = 'passerelle-core';
const kDataDir = '/passerelle';
const kPoolDir = 'passerelle-pool';
// The account file, its WAL, the journal SQLite uses while switching to WAL, and room for a
// second account: every file is one pool slot.
const kPoolCapacity = 8;

let core = null;
let storage = null; // 'opfs' or 'indexeddb'
let pool = null;

class CallError extends Error {
  constructor(code, origin, message) {
    super(message);
    this.code = code;
    this.origin = origin;
  }
}

// Calls a psl_web_* function whose answer is {"ok": ...} or {"error": {...}}.
function callCore(name, ...strings) {
  const ptrs = strings.map((s) => {
    if (s === null || s === undefined) return 0;
    const n = core.lengthBytesUTF8(s) + 1;
    const p = core._malloc(n);
    core.stringToUTF8(s, p, n);
    return p;
  });
  const out = core['_' + name](...ptrs);
  for (const p of ptrs) if (p) core._free(p);
  const text = core.UTF8ToString(out);
  core._psl_web_free(out);
  const answer = JSON.parse(text);
  if (answer.error) throw new CallError(answer.error.code, answer.error.origin, answer.error.message);
  return answer.ok;
}

function syncfs(populate) {
  return new Promise((resolve, reject) =>
    core.FS.syncfs(populate, (err) => (err ? reject(new CallError('internal', 'local', 'IndexedDB: ' + err)) : resolve())));
}

// Takes the lock or says who has it. The lock is held until this Worker ends (its tab closes).
function takeLock() {
  if (!navigator.locks) return Promise.resolve(true); // no Web Locks: nothing to coordinate with
  return new Promise((resolve) => {
    navigator.locks.request(kLock, { ifAvailable: true }, (lock) => {
      resolve(lock !== null);
      return lock ? new Promise(() => {}) : undefined;
    });
  });
}

const calls = {
  async open({ userId, role, storage: wanted = 'auto' }) {
    if (core) throw new CallError('conflict', 'usage', 'an account is already open in this Worker');
    if (!(await takeLock()))
      throw new CallError('conflict', 'usage',
        'Passerelle is already open in another tab of this browser: use that tab, or close it and reload this one');
    const opfs = wanted !== 'indexeddb' && OpfsPool.supported();
    if (wanted === 'opfs' && !opfs) throw new CallError('unsupported', 'local', 'this browser has no OPFS sync access handles');
    if (opfs) pool = await OpfsPool.open(kPoolDir, kPoolCapacity);
    core = await createPasserelleCore({ opfsPool: pool });
    storage = opfs ? 'opfs' : 'indexeddb';
    core.FS.mkdir(kDataDir);
    if (opfs) {
      if (core._psl_web_use_opfs() !== 0) throw new CallError('internal', 'local', 'the OPFS VFS could not be registered');
    } else {
      core.FS.mount(core.IDBFS, {}, kDataDir);
      await syncfs(true);
    }
    callCore('psl_web_open', kDataDir, userId, role);
    if (storage === 'indexeddb') await syncfs(false);
    return { storage };
  },
  async mutate({ name, args }) {
    const opId = callCore('psl_web_mutate', name, JSON.stringify(args));
    // With IDBFS a write is durable once mirrored: "queued" is said only after that.
    if (storage === 'indexeddb') await syncfs(false);
    return opId;
  },
  async list({ collection, field = null, value = null }) { return callCore('psl_web_list', collection, field, value); },
  async pendingCount() { return callCore('psl_web_pending_count'); },
  async close() {
    callCore('psl_web_close');
    if (storage === 'indexeddb') await syncfs(false);
    if (pool) pool.close();
    return null;
  },
};

function notOpen() { return new CallError('bad_request', 'usage', 'no account is open: call open first'); }

self.onmessage = async (event) => {
  const { id, call, args } = event.data;
  try {
    if (!calls[call]) throw new CallError('bad_request', 'usage', `no call named ${call}`);
    if (call !== 'open' && !core) throw notOpen();
    self.postMessage({ id, ok: await calls[call](args || {}) });
  } catch (e) {
    const error = e instanceof CallError ? { code: e.code, origin: e.origin, message: e.message }
      : { code: 'internal', origin: 'local', message: String(e && e.message || e) };
    self.postMessage({ id, error });
  }
};
