// One WebAssembly device for the network convergence test (convergence_network_test.cpp): the
// web binding's core (passerelle-core-node.js, the same sources as the browser's, built for Node
// in wasm/) with its files on disk (NODEFS) and its sync engine driven from here, as the Worker
// drives it in a browser: this file owns the WebSocket and the timers and feeds the engine
// (psl_web_sync_feed); the rules stay in the core.
//
//   node --no-experimental-fetch --experimental-websocket wasm_device.mjs CORE_JS DATA_DIR
//
// Commands come one per line on stdin as JSON ({"cmd": "sign_in", ...}); each gets one line of
// JSON on stdout: {"ok": value} or {"error": {code, origin, message}}. The test may kill -9 this
// process at any time, mid-sync included; what the core reported queued is on disk by then.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import readline from 'node:readline';

const [coreJs, dataDir] = process.argv.slice(2);
if (!coreJs || !dataDir) {
  process.stderr.write('usage: wasm_device.mjs CORE_JS DATA_DIR\n');
  process.exit(2);
}
const kMount = '/device';

class CallError extends Error {
  constructor(code, origin, message) {
    super(message);
    this.code = code;
    this.origin = origin;
  }
}

const createPasserelleCore = createRequire(import.meta.url)(coreJs);
const core = await createPasserelleCore();
fs.mkdirSync(dataDir, { recursive: true });
core.FS.mkdir(kMount);
core.FS.mount(core.FS.filesystems.NODEFS, { root: dataDir }, kMount);

function withStrings(strings, f) {
  const ptrs = strings.map((s) => {
    if (s === null || s === undefined) return 0;
    const n = core.lengthBytesUTF8(s) + 1;
    const p = core._malloc(n);
    core.stringToUTF8(s, p, n);
    return p;
  });
  try {
    return f(ptrs);
  } finally {
    for (const p of ptrs) if (p) core._free(p);
  }
}

function answerOf(out) {
  const answer = JSON.parse(core.UTF8ToString(out));
  core._psl_web_free(out);
  if (answer.error) throw new CallError(answer.error.code, answer.error.origin, answer.error.message);
  return answer.ok;
}

// The core's answer as it wrote it: rows cross to the test byte for byte (JSON.parse would round
// 64-bit integers).
class Raw {
  constructor(text) { this.text = text; }
}
function rawCore(name, ...strings) {
  const out = withStrings(strings, (ptrs) => core['_' + name](...ptrs));
  const text = core.UTF8ToString(out);
  core._psl_web_free(out);
  return new Raw(text);
}

function callCore(name, ...strings) {
  return answerOf(withStrings(strings, (ptrs) => core['_' + name](...ptrs)));
}

// --- the engine's driver ---------------------------------------------------------------------

let socket = null;
const timers = new Map();
let engineRunning = false;
let onStatus = null; // the sync command waiting for the engine's news

function feed(kind, text = null, number = 0) {
  if (!engineRunning) return;
  let actions;
  try {
    actions = answerOf(withStrings([kind, text], ([k, t]) => core._psl_web_sync_feed(k, t, number)));
  } catch (e) {
    if (onStatus) onStatus({ coreError: e });
    return;
  }
  carryOut(actions);
}

function dropSocket() {
  if (!socket) return;
  const s = socket;
  socket = null;
  s.onopen = s.onmessage = s.onclose = s.onerror = null;
  try { s.close(1000); } catch { /* already closing */ }
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
  s.onmessage = (m) => { if (socket === s) feed('frame', typeof m.data === 'string' ? m.data : ''); };
  s.onclose = (c) => {
    if (socket !== s) return;
    socket = null;
    feed('socket_closed', `the connection to ${url} closed (WebSocket code ${c.code})`);
  };
  // Node 20's WebSocket (undici) reports a refused connection with an error and no close, where
  // a browser sends both: the first of the two ends the socket.
  s.onerror = () => {
    if (socket !== s) return;
    socket = null;
    feed('socket_closed', `cannot reach ${url}`);
  };
}

function carryOut(actions) {
  for (const a of actions) {
    switch (a.do) {
      case 'open_socket': openSocket(a.url); break;
      case 'send': if (socket && socket.readyState === WebSocket.OPEN) socket.send(a.frame); break;
      case 'close_socket': dropSocket(); break;
      case 'arm_timer':
        clearTimeout(timers.get(a.timer));
        timers.set(a.timer, setTimeout(() => { timers.delete(a.timer); feed('timer_fired', null, a.timer); }, a.delay_ms));
        break;
      case 'cancel_timer': clearTimeout(timers.get(a.timer)); timers.delete(a.timer); break;
      case 'state_changed': if (onStatus) onStatus({ status: a.status }); break;
      case 'session_ended': if (onStatus) onStatus({ sessionEnded: true }); break;
      default: break; // rows_changed, rejected, finished: nobody here to tell
    }
  }
}

function stopEngine() {
  if (!engineRunning) return;
  feed('stop');
  engineRunning = false;
  dropSocket();
  for (const t of timers.values()) clearTimeout(t);
  timers.clear();
  onStatus = null;
}

// One round, as sync_once does natively: the engine runs until it has pushed everything and
// pulled up to date; the first failure (the server is down: the writes stay queued) or the end
// of the time ends it with an error, where the engine alone would retry after its backoff.
function syncOnce(timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stopEngine();
      reject(new CallError('internal', 'network', `not up to date within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (f) => { clearTimeout(timer); stopEngine(); f(); };
    onStatus = (news) => {
      if (news.coreError) done(() => reject(news.coreError));
      else if (news.sessionEnded) done(() => reject(new CallError('unauthenticated', 'server', 'the session ended')));
      else if (news.status.state === 'up_to_date' && news.status.online && news.status.pending_ops === 0)
        done(() => resolve(news.status));
      else if ((news.status.state === 'offline' || news.status.state === 'error') && news.status.last_error) {
        const e = news.status.last_error;
        done(() => reject(new CallError(e.code, e.origin, e.message)));
      }
    };
    engineRunning = true;
    try {
      carryOut(callCore('psl_web_sync_start', JSON.stringify({ backoff_min_ms: 50, backoff_max_ms: 300, request_timeout_ms: 10000 })));
    } catch (e) {
      engineRunning = false;
      done(() => reject(e));
    }
  });
}

function exchange(url, frames) {
  return new Promise((resolve, reject) => {
    const answers = [];
    const ws = new WebSocket(url);
    let over = false;
    const finish = (f) => { if (over) return; over = true; clearTimeout(timer); ws.onclose = null; try { ws.close(1000); } catch { /* closing */ } f(); };
    const timer = setTimeout(() => finish(() => reject(new CallError('internal', 'network', `no answer from ${url}`))), 15000);
    ws.onopen = () => ws.send(frames[0]);
    ws.onmessage = (m) => {
      answers.push(typeof m.data === 'string' ? m.data : '');
      if (answers.length === frames.length) finish(() => resolve(answers));
      else ws.send(frames[answers.length]);
    };
    ws.onclose = (c) => finish(() => reject(new CallError('internal', 'network', `cannot reach ${url} (WebSocket code ${c.code})`)));
    ws.onerror = () => finish(() => reject(new CallError('internal', 'network', `cannot reach ${url}`)));
  });
}

const commands = {
  open: () => callCore('psl_web_open_device', kMount),
  async sign_in({ server, email, password }) {
    const { url, frames } = callCore('psl_web_sign_in_request', server, email, password);
    let answers;
    try {
      answers = await exchange(url, frames);
    } catch (e) {
      callCore('psl_web_sign_in_answer', null);
      throw e;
    }
    return callCore('psl_web_sign_in_answer', JSON.stringify(answers));
  },
  mutate: ({ name, args }) => callCore('psl_web_mutate', name, JSON.stringify(args)),
  list: ({ collection, field = null, value = null }) => rawCore('psl_web_list', collection, field, value),
  status: () => callCore('psl_web_sync_status'),
  sync: ({ timeout_ms }) => syncOnce(timeout_ms),
  close: () => { stopEngine(); return callCore('psl_web_close'); },
};

// One command at a time, in order: the core is single-threaded and so is the test's protocol.
let chain = Promise.resolve();
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  chain = chain.then(async () => {
    let reply;
    try {
      const command = JSON.parse(line);
      const f = commands[command.cmd];
      if (!f) throw new CallError('bad_request', 'usage', `no command ${command.cmd}`);
      const result = await f(command);
      reply = result instanceof Raw ? result.text : JSON.stringify({ ok: result ?? null });
    } catch (e) {
      reply = JSON.stringify({ error: { code: e.code ?? 'internal', origin: e.origin ?? 'local', message: e.message } });
    }
    process.stdout.write(reply + '\n');
  });
}).on('close', () => { chain.then(() => { try { stopEngine(); callCore('psl_web_close'); } catch { /* closing */ } process.exit(0); }); });
