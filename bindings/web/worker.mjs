// The dedicated Worker that runs the client core (docs/bindings.md, "The web binding"). It owns
// the account's SQLite database: in OPFS through opfs_vfs.c where the browser has sync access
// handles, otherwise in memory mirrored to IndexedDB (IDBFS). One tab of an origin owns it at a
// time: the Worker holds the Web Lock "passerelle-core" for as long as it lives, and a second
// tab's open() is refused with a message saying so.
//
// It is also the sync engine's browser driver (docs/architecture.md, "The sync engine and its
// drivers"): the engine (sync_machine.cpp, in the .wasm) holds every sync rule; this Worker
// owns its WebSocket and its timers, feeds it what they report (psl_web_sync_feed) and carries
// out the actions it answers with. No sync decision is taken here.
//
// Messages in: {id, call: 'open' | 'signIn' | 'acceptInvite' | 'signOut' | 'mutate' | 'list' | 'get' |
//   'pendingCount' | 'threads' | 'unreadTotal' | 'threadMessages' | 'sendMessage' | 'markRead' |
//   'addFile' | 'fileBlob' | 'slots' | 'planProgress' | 'personTimeZone' | 'meetingIcs' | 'activityView' |
//   'dismissRejection' | 'request' | 'startSync' | 'stopSync' | 'syncStatus' | 'rejections' | 'close', args}
// Messages out: {id, ok: value} or {id, error: {code, origin, message}} (passerelle.h's codes
// and origins, wire spelling), and unasked {event: 'rows_changed' (rows: [{collection, id}],
// or null after a local write; from the engine as rowsText, that array's JSON text), 'status' (status), 'rejected' (rejection), 'session_ended',
// 'core_error' (error: the core refused an event, a bug to report)}.
import createPasserelleCore from './passerelle-core.mjs';
import { OpfsPool } from './opfs_pool.mjs';

const kLock = 'passerelle-core';
const kDataDir = '/passerelle';
// The account's attached files (the core keeps them in <kDataDir>-files): IndexedDB-backed in
// both storages, mirrored (syncfs) before a file is said kept.
const kFilesDir = kDataDir + '-files';
const kPoolDir = 'passerelle-pool';
// The device file and the account file, each with its WAL and the journal SQLite uses while
// switching to WAL, and room for a second account: every file is one pool slot.
const kPoolCapacity = 12;

// How long sign-in waits for the server's answer.
const kSignInTimeoutMs = 30000;

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

const utf8 = new TextEncoder();

// A copy of `s` in the module's memory, NUL-terminated (0 for null), to _free. One native
// encodeInto into room for the worst case (3 bytes per UTF-16 unit) rather than Emscripten's
// lengthBytesUTF8 + stringToUTF8, two JavaScript loops over every character: a pulled page's
// frame is about a megabyte (docs/benchmarks.md, "The browser").
function toCore(s) {
  if (s === null || s === undefined) return 0;
  const room = s.length * 3 + 1;
  const p = core._malloc(room);
  const { written } = utf8.encodeInto(s, core.HEAPU8.subarray(p, p + room - 1));
  core.HEAPU8[p + written] = 0;
  return p;
}

// The core's answer (a string it allocated), freed; and whatever the call wrote, handed to OPFS
// (opfs_vfs.c gathers writes only within one call into the core).
function fromCore(out) {
  if (core._psl_web_opfs_write_out() !== 0)
    post({ event: 'core_error', error: { code: 'internal', origin: 'local', message: 'a write to the browser\'s storage (OPFS) failed' } });
  const text = core.UTF8ToString(out);
  core._psl_web_free(out);
  return text;
}

// Calls a psl_web_* function whose answer is {"ok": ...} or {"error": {...}}.
function callCore(name, ...strings) {
  const ptrs = strings.map(toCore);
  const out = core['_' + name](...ptrs);
  for (const p of ptrs) if (p) core._free(p);
  const answer = JSON.parse(fromCore(out));
  if (answer.error) throw new CallError(answer.error.code, answer.error.origin, answer.error.message);
  return answer.ok;
}

// Calls a psl_web_* function whose arguments are `before` (strings), then the bytes of `bytes`
// (pointer and length), then `after` (numbers or strings).
function callCoreBytes(name, before, bytes, after = []) {
  const ptrs = [];
  const str = (s) => {
    const p = toCore(s);
    if (p) ptrs.push(p);
    return p;
  };
  const args = before.map(str);
  const data = core._malloc(Math.max(bytes.length, 1));
  ptrs.push(data);
  core.HEAPU8.set(bytes, data);
  args.push(data, bytes.length);
  for (const a of after) args.push(typeof a === 'number' ? a : str(a));
  const out = core['_' + name](...args);
  for (const p of ptrs) core._free(p);
  const answer = JSON.parse(fromCore(out));
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

// --- the sync engine's driver ------------------------------------------------------------------

let syncing = false;
let socket = null;    // the engine's one WebSocket
const timers = new Map(); // the engine's timer id -> setTimeout handle
let mirrorPending = false;

function post(event) { self.postMessage(event); }

// IndexedDB storage: what the engine wrote is mirrored soon after (OPFS writes are durable).
function mirrorSoon() {
  if (storage !== 'indexeddb' || mirrorPending) return;
  mirrorPending = true;
  setTimeout(() => { mirrorPending = false; if (core) syncfs(false).catch(() => {}); }, 0);
}

// One event in; its actions carried out. Every caller is a callback of the event loop, so the
// engine is never fed while it is already being fed.
function feed(kind, text = null, number = 0) {
  if (!core) return;
  const ptr = toCore(text);
  const kindPtr = toCore(kind);
  const out = core._psl_web_sync_feed(kindPtr, ptr, number);
  core._free(kindPtr);
  if (ptr) core._free(ptr);
  carryOutAnswer(out);
}

// One frame from the socket in: encoded straight into the module's memory, its length passed
// (psl_web_sync_feed_frame), so the core neither measures nor copies a pulled page again.
function feedFrame(text) {
  if (!core) return;
  const room = text.length * 3 + 1;
  const p = core._malloc(room);
  const { written } = utf8.encodeInto(text, core.HEAPU8.subarray(p, p + room));
  const out = core._psl_web_sync_feed_frame(p, written);
  core._free(p);
  carryOutAnswer(out);
}

function carryOutAnswer(out) {
  const answer = JSON.parse(fromCore(out));
  if (answer.error) { post({ event: 'core_error', error: answer.error }); return; }
  carryOut(answer.ok);
}

function dropSocket() {
  if (!socket) return;
  const s = socket;
  socket = null; // its later events belong to no one
  s.onopen = s.onmessage = s.onclose = s.onerror = null;
  try { s.close(1000); } catch (e) { /* already closing */ }
}

function openSocket(url) {
  dropSocket();
  let s;
  try {
    s = new WebSocket(url);
  } catch (e) {
    queueMicrotask(() => feed('socket_closed', `cannot open ${url}: ${e.message}`));
    return;
  }
  socket = s;
  s.onopen = () => { if (socket === s) feed('socket_opened'); };
  s.onmessage = (m) => {
    if (socket !== s) return;
    if (typeof m.data === 'string') feedFrame(m.data);
    else feedFrame(''); // a binary frame is no message: fed empty, the core refuses it, saying so
  };
  s.onclose = (c) => {
    if (socket !== s) return;
    socket = null;
    feed('socket_closed', `the connection to ${url} closed (WebSocket code ${c.code}${c.reason ? ': ' + c.reason : ''})`);
  };
}

// The engine's one upload in flight: PUT of the kept file's bytes, its answer fed back for the
// core to read (status and body), a failure to connect fed as a network failure.
let upload = null; // {sha256, controller}

function startUpload(a) {
  const mine = { sha256: a.sha256, controller: new AbortController() };
  upload = mine;
  const done = (result) => {
    if (upload !== mine) return; // cancelled: the engine no longer listens for it
    upload = null;
    feed('upload_done', JSON.stringify({ sha256: a.sha256, ...result }));
  };
  let bytes;
  try {
    bytes = core.FS.readFile(a.path);
  } catch (e) {
    queueMicrotask(() => done({ local: `cannot read ${a.path}: ${e.message}` })); // gone: refused for good
    return;
  }
  fetch(a.url, { method: 'PUT', body: bytes, signal: mine.controller.signal,
    headers: { Authorization: 'Bearer ' + a.token, 'Content-Type': 'application/octet-stream' } })
    .then(async (res) => done({ status: res.status, body: await res.text() }))
    .catch((e) => done({ network: `cannot reach ${new URL(a.url).origin}: ${e.message}` }));
}

function cancelUpload() {
  if (!upload) return;
  upload.controller.abort();
  upload = null;
}

function carryOut(actions) {
  for (const a of actions) {
    switch (a.do) {
      case 'open_socket': openSocket(a.url); break;
      case 'send':
        if (socket && socket.readyState === WebSocket.OPEN) socket.send(a.frame);
        break;
      case 'close_socket': dropSocket(); break;
      case 'arm_timer':
        clearTimeout(timers.get(a.timer));
        timers.set(a.timer, setTimeout(() => { timers.delete(a.timer); feed('timer_fired', null, a.timer); }, a.delay_ms));
        break;
      case 'cancel_timer':
        clearTimeout(timers.get(a.timer));
        timers.delete(a.timer);
        break;
      case 'upload': startUpload(a); break;
      case 'cancel_upload': cancelUpload(); break;
      // The rows as the core wrote them (a JSON array's text): passed on unparsed, the page
      // parses them only for an observer (passerelle.mjs).
      case 'rows_changed': post({ event: 'rows_changed', rowsText: a.rows_text }); break;
      case 'rejected': post({ event: 'rejected', rejection: a.rejection }); break;
      case 'state_changed': post({ event: 'status', status: a.status }); break;
      case 'session_ended':
        // The core forgot the token; the engine stops (after this feed, never inside it).
        queueMicrotask(stopEngine);
        post({ event: 'session_ended' });
        break;
      case 'finished': break;
    }
  }
  mirrorSoon();
}

function stopEngine() {
  if (!syncing) return;
  syncing = false;
  feed('stop');
  dropSocket();
  cancelUpload();
  for (const t of timers.values()) clearTimeout(t);
  timers.clear();
}

// Sign-in's (and an online request's) frames on a socket of its own: the core writes the frames
// and reads the answers; each frame is sent once the previous one is answered.
function signInExchange(url, frames) {
  return new Promise((resolve, reject) => {
    let done = false;
    const answers = [];
    const ws = new WebSocket(url);
    const finish = (f) => { if (done) return; done = true; clearTimeout(timer); ws.onclose = null; try { ws.close(1000); } catch (e) { /* closing */ } f(); };
    const timer = setTimeout(() => finish(() => reject(new CallError('internal', 'network', `no answer from ${url} within ${kSignInTimeoutMs / 1000} s`))), kSignInTimeoutMs);
    ws.onopen = () => ws.send(frames[0]);
    ws.onmessage = (m) => {
      const frame = typeof m.data === 'string' ? m.data : '';
      if (!callCore('psl_web_frame_is_answer', frame)) return; // a poke on a signed-in socket
      answers.push(frame);
      if (answers.length === frames.length) finish(() => resolve(answers));
      else ws.send(frames[answers.length]);
    };
    ws.onclose = (c) => finish(() => reject(new CallError('internal', 'network', `cannot reach ${url} (WebSocket code ${c.code})`)));
  });
}

// The exchange of a sign-in or an invitation's acceptance, whose frames the core wrote.
async function signInWith({ url, frames }) {
  let answers;
  try {
    answers = await signInExchange(url, frames);
  } catch (e) {
    callCore('psl_web_sign_in_answer', null); // ends the attempt in the core
    throw e;
  }
  const account = callCore('psl_web_sign_in_answer', JSON.stringify(answers));
  if (storage === 'indexeddb') await syncfs(false);
  return account;
}

// The module's instance: from `compiled` (a WebAssembly.Module the page compiled while the page
// itself loaded, passerelle.mjs open()), else fetched and compiled here.
let receiveCompiled;
const compiledLater = new Promise((resolve) => { receiveCompiled = resolve; });

function loadCore(compiled) {
  if (!compiled) return createPasserelleCore({ opfsPool: pool });
  return new Promise((resolve, reject) => {
    createPasserelleCore({
      opfsPool: pool,
      instantiateWasm(imports, receive) {
        WebAssembly.instantiate(compiled, imports).then((instance) => receive(instance, compiled), reject);
        return {}; // the exports arrive through receive()
      },
    }).then(resolve, reject);
  });
}

const calls = {
  async open({ userId, role, storage: wanted = 'auto', wasm = null }) {
    if (core) throw new CallError('conflict', 'usage', 'an account is already open in this Worker');
    if (!(await takeLock()))
      throw new CallError('conflict', 'usage',
        'Passerelle is already open in another tab of this browser: use that tab, or close it and reload this one');
    const opfs = wanted !== 'indexeddb' && OpfsPool.supported();
    if (wanted === 'opfs' && !opfs) throw new CallError('unsupported', 'local', 'this browser has no OPFS sync access handles');
    if (opfs) pool = await OpfsPool.open(kPoolDir, kPoolCapacity);
    // 'later': the page is still downloading the module, and posts it (or null) once compiled;
    // the lock and the OPFS files were taken meanwhile.
    core = await loadCore(wasm === 'later' ? await compiledLater : wasm);
    storage = opfs ? 'opfs' : 'indexeddb';
    core.FS.mkdir(kDataDir);
    core.FS.mkdir(kFilesDir);
    core.FS.mount(core.IDBFS, {}, kFilesDir);
    if (opfs) {
      if (core._psl_web_use_opfs() !== 0) throw new CallError('internal', 'local', 'the OPFS VFS could not be registered');
    } else {
      core.FS.mount(core.IDBFS, {}, kDataDir);
    }
    await syncfs(true);
    // With a user id: that account's file, without a session (storage tests). Without: the
    // device, and the account signed in on it if any.
    let account = null;
    if (userId) callCore('psl_web_open', kDataDir, userId, role);
    else account = callCore('psl_web_open_device', kDataDir);
    if (storage === 'indexeddb') await syncfs(false);
    return { storage, account };
  },
  async signIn({ server, email, password }) {
    return signInWith(callCore('psl_web_sign_in_request', server, email, password));
  },
  async acceptInvite({ server, token, name, password }) {
    return signInWith(callCore('psl_web_accept_invite_request', server, token, name, password));
  },
  async signOut() {
    stopEngine();
    const was = callCore('psl_web_sign_out');
    if (storage === 'indexeddb') await syncfs(false);
    return was;
  },
  async startSync(options = {}) {
    const actions = callCore('psl_web_sync_start', JSON.stringify(options));
    syncing = true;
    carryOut(actions);
    return null;
  },
  async stopSync() { stopEngine(); return null; },
  async syncStatus() { return callCore('psl_web_sync_status'); },
  async rejections() { return callCore('psl_web_rejections'); },
  async mutate({ name, args }) {
    const opId = callCore('psl_web_mutate', name, JSON.stringify(args));
    // With IDBFS a write is durable once mirrored: "queued" is said only after that.
    if (storage === 'indexeddb') await syncfs(false);
    post({ event: 'rows_changed', rows: null });
    if (syncing) feed('local_write');
    return opId;
  },
  async list({ collection, field = null, value = null }) { return callCore('psl_web_list', collection, field, value); },
  async sendMessage({ threadId, body, files = [] }) {
    // As natively: every file and the text checked before any file is written, the files
    // durable before the message that needs them is queued.
    for (const f of files) checkFile(f);
    const hashes = JSON.stringify(files.map((f) => takeFile(f).sha256));
    const args = callCore('psl_web_message_args', threadId, body, hashes);
    if (files.length) {
      callCore('psl_web_keep_files', hashes);
      await syncfs(false);
    }
    const id = callCore('psl_web_send_message', JSON.stringify(args), hashes);
    await written();
    return id;
  },
  async addFile({ name, bytes }) {
    checkFile({ name, bytes });
    const hashes = JSON.stringify([takeFile({ name, bytes }).sha256]);
    callCore('psl_web_keep_files', hashes);
    await syncfs(false);
    const queued = callCore('psl_web_queue_file', JSON.parse(hashes)[0]);
    await written();
    return queued;
  },
  async markRead({ threadId }) {
    if (callCore('psl_web_mark_read', threadId)) await written();
    return null;
  },
  async fileBlob({ sha256 }) {
    let source = callCore('psl_web_file_source', sha256);
    if (!source.path) {
      let res;
      try {
        res = await fetch(source.url, { headers: { Authorization: 'Bearer ' + source.token } });
      } catch (e) {
        throw new CallError('internal', 'network', `cannot reach ${new URL(source.url).origin}: ${e.message}`);
      }
      const bytes = new Uint8Array(await res.arrayBuffer());
      source = callCoreBytes('psl_web_file_downloaded', [sha256], bytes, [res.status]);
      await syncfs(false);
    }
    return new Blob([core.FS.readFile(source.path)], { type: source.type || '' });
  },
  async request({ type, fields = {} }) {
    const { url, frames } = callCore('psl_web_request', type, JSON.stringify(fields));
    let answers;
    try {
      answers = await signInExchange(url, frames);
    } catch (e) {
      try { callCore('psl_web_request_answer', '[]'); } catch (ended) { /* ends the request in the core */ }
      throw e;
    }
    return callCore('psl_web_request_answer', JSON.stringify(answers));
  },
  async get({ collection, id }) { return callCore('psl_web_get', collection, id); },
  async threads() { return callCore('psl_web_threads'); },
  async unreadTotal() { return callCore('psl_web_unread_total'); },
  async threadMessages({ threadId }) { return callCore('psl_web_thread_messages', threadId); },
  async slots({ mentorshipId = null, days = null }) {
    return callCore('psl_web_slots', mentorshipId, days === null ? null : String(days));
  },
  async planProgress({ candidateId = null }) { return callCore('psl_web_plan_progress', candidateId); },
  async personTimeZone({ userId = null }) { return callCore('psl_web_person_time_zone', userId); },
  async meetingIcs({ meetingId }) { return callCore('psl_web_meeting_ics', meetingId); },
  async activityView({ activityId, locale = null }) { return callCore('psl_web_activity_view', activityId, locale); },
  async dismissRejection({ opId }) {
    callCore('psl_web_dismiss_rejection', opId);
    if (storage === 'indexeddb') await syncfs(false);
    return null;
  },
  async pendingCount() { return callCore('psl_web_pending_count'); },
  async zoneSpans({ zone, from, to }) { return callCore('psl_web_zone_spans', zone, from, to); },
  async close() {
    stopEngine();
    callCore('psl_web_close');
    if (storage === 'indexeddb') await syncfs(false);
    if (pool) pool.close();
    return null;
  },
};

// A file someone chose ({name, bytes: Uint8Array}): its name and size checked by the core
// first, so a file too large never crosses into the core's memory; then its bytes, which the
// core checks and holds (takeFile) until a message or addFile keeps them.
function checkFile({ name, bytes }) {
  if (!(bytes instanceof Uint8Array)) throw new CallError('bad_request', 'usage', 'a file\'s bytes must be a Uint8Array');
  callCore('psl_web_check_file', String(name), String(bytes.length));
}
function takeFile({ name, bytes }) { return callCoreBytes('psl_web_take_file', [String(name)], bytes); }

// After a local write: durable (IndexedDB storage: mirrored), observers told, the engine woken.
async function written() {
  if (storage === 'indexeddb') await syncfs(false);
  post({ event: 'rows_changed', rows: null });
  if (syncing) feed('local_write');
}

function notOpen() { return new CallError('bad_request', 'usage', 'no account is open: call open first'); }

self.onmessage = async (event) => {
  if ('compiled' in event.data) { receiveCompiled(event.data.compiled); return; }
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
