// The browser beside native (docs/benchmarks.md, "The browser"): in one run, on one machine,
//   - pull 50,000 rows from 0 into a fresh device, and
//   - push 10,000 queued ops (one sync round: push, then the pull of them back),
// by (1) the native client core (passerelle-bench push pull, run by web-bench.sh just before),
// (2) the WebAssembly core hosted by Node (its files on disk, no browser: what WebAssembly
// itself costs) and (3) the real web binding in headless Chromium (Worker, OPFS, the browser's
// WebSocket). While Chromium runs, the Worker's CPU is profiled over CDP and its samples put in
// buckets (the core's WebAssembly, Emscripten's glue, the OPFS pool, the Worker driver, GC...).
//
// Environment: PASSERELLE_SERVER, WASM_WEB_DIR (<build-wasm>/bindings/web), WASM_NODE_CORE
// (<build-wasm>/wasm-node/passerelle-core-node.js), WASM_DEVICE (tests/e2e/wasm_device.mjs),
// NATIVE_JSON (passerelle-bench's --json, its own fresh server; optional), PASSERELLE_BENCH
// (passerelle-bench: the native pull and push against this run's server), OUT (the JSON
// written), PULL_ROWS, PUSH_OPS, CHROMIUM, REPS (alternated repetitions, default 3), PROFILE (0:
// no profiled browser runs), PROBES (0: no round-trip and OPFS probes), DEVTOOLS (1: Playwright
// stays connected through the timed rounds, reporting every WebSocket frame: pageEvaluator),
// SETTLE (0: time without letting a just-launched Chromium settle first: settle), TRACE (1: a
// Chromium trace of each timed round: browserTracer), TRACE_CATEGORIES.
//
// The figures compared are the alternated ones: REPS times, native then browser (or browser
// then native, every other time, so a drift of the load falls on both), each against this run's
// server and its seeded rows, each device fresh; medians, and the browser / native ratio of
// each pair with its spread. Beside the wall-clock figures, CPU time, which the load of a shared
// machine moves much less: the native pull's whole process (bash's `times` of the child: its
// open, sign-in and pull) and, in Chromium, the Worker's thread alone, its renderer process and
// all of Chromium's processes (network service included) over the timed round
// (/proc/<pid>/task/<tid>/schedstat and /proc/<pid>/stat, Linux). The CPU profiler's own
// overhead stays out of these: the profiled pull and push are extra runs after them.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { ChromiumProcess, prepareWebRoot } from './harness.mjs';
// Message ids as the app and every device make them: UUIDv7, time-ordered, so each new row lands
// at the end of the server's clustered rows and indexes. A random UUIDv4 scatters every insert
// across the b-trees: the browser's push round cost the server 3.4 times the native one's per
// push (14.4 against 4.2 ms from receipt to commit, /metrics) for that alone.
import { newId } from './app_util.mjs';

const env = process.env;
const PULL_ROWS = Number(env.PULL_ROWS || 50000);
const PUSH_OPS = Number(env.PUSH_OPS || 10000);
const REPS = Math.max(1, Number(env.REPS || 3));
const STEP_MS = 600000;
const PULLER = { email: 'coach.gagnon@demo.passerelle.quebec', password: 'demo-coach-2026' };
const WRITER = { email: 'amina.benali@demo.passerelle.quebec', password: 'demo-candidate-2026' };
const PUSHER = { email: 'carlos.restrepo@demo.passerelle.quebec', password: 'demo-candidate-2026' };
const PUSHER_NODE = { email: 'maria.santos@demo.passerelle.quebec', password: 'demo-candidate-2026' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-web-bench-'));
const log = (...a) => console.error('[web-bench]', ...a);
const children = [];

// --- the server and the page's origin -----------------------------------------------------------

const mime = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
function startStaticServer(www) {
  const s = http.createServer((req, res) => {
    const name = req.url === '/' ? 'index.html' : path.basename(req.url.split('?')[0]);
    const file = path.join(www, name);
    if (!fs.existsSync(file)) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'Content-Type': mime[path.extname(file)] || 'application/octet-stream' });
    res.end(fs.readFileSync(file));
  });
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}

let serverPid = 0;
async function startServer(origin) {
  const ready = path.join(tmp, 'ready');
  // The bench's load comes from one address and one account: the abuse limits are off, as
  // passerelle-bench turns them off for its own server.
  const child = spawn(env.PASSERELLE_SERVER, ['serve', '--listen', '127.0.0.1:0', '--ready-file', ready, '--demo',
    '--scrypt-log2n', '10', '--db', `sqlite:${path.join(tmp, 'db.sqlite')}`, '--mail-dir', path.join(tmp, 'mail'),
    '--allowed-origins', origin, '--max-connections-per-user', '0', '--max-connections-per-address', '0',
    '--user-message-rate', '0', '--address-message-rate', '0', '--max-requests-in-flight', '0'],
  { stdio: ['ignore', 'ignore', fs.openSync(path.join(tmp, 'server.log'), 'a')] });
  children.push(child);
  serverPid = child.pid;
  for (let i = 0; i < 900 && !fs.existsSync(ready); i++) await sleep(100);
  if (!fs.existsSync(ready)) throw new Error('the server did not start (see ' + path.join(tmp, 'server.log') + ')');
  const address = fs.readFileSync(ready, 'utf8').trim();
  return address.includes('://') ? address : 'ws://' + address;
}

// --- seeding: the writer's messages, over the protocol, 100 per push, 4 pushes in flight -------

function connect(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url + '/v1/ws');
    let next = 1;
    const waiting = new Map();
    ws.onmessage = (m) => {
      const a = JSON.parse(m.data);
      const w = waiting.get(a.re);
      if (!w) return;
      waiting.delete(a.re);
      a.ok ? w.resolve(a) : w.reject(new Error(JSON.stringify(a.error)));
    };
    ws.onerror = () => reject(new Error('cannot connect to ' + url));
    ws.onopen = () => resolve({
      ws,
      request: (type, fields) => new Promise((res, rej) => {
        const id = next++;
        waiting.set(id, { resolve: res, reject: rej });
        ws.send(JSON.stringify({ id, type, ...fields }));
      }),
    });
  });
}

async function threadOf(conn) {
  for (let cursor = 0; ;) {
    const page = await conn.request('pull', { cursor, limit: 1000 });
    for (const c of page.changes || []) if (c.collection === 'threads') return c.id;
    if (!page.more && !page.has_more) throw new Error('no thread for the writer: ' + JSON.stringify(page).slice(0, 300));
    cursor = page.cursor;
  }
}

async function seed(url, n) {
  const conn = await connect(url);
  await conn.request('hello', { protocol: 1 });
  await conn.request('auth.login', { email: WRITER.email, password: WRITER.password });
  const thread = await threadOf(conn);
  let next = 0;
  const started = Date.now();
  const lane = async () => {
    while (next < n) {
      const ops = [];
      for (; ops.length < 100 && next < n; next++)
        ops.push({ op_id: crypto.randomUUID(), name: 'message.send', args: { id: newId(), thread_id: thread, body: `seed message ${next} `.padEnd(200, '.') } });
      await conn.request('push', { ops });
    }
  };
  await Promise.all([lane(), lane(), lane(), lane()]);
  conn.ws.close();
  log(`seeded ${n} messages in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

// --- (2) the WebAssembly core in Node --------------------------------------------------------------

class NodeDevice {
  constructor(dir) {
    this.child = spawn('node', ['--no-experimental-fetch', '--experimental-websocket', env.WASM_DEVICE, env.WASM_NODE_CORE, dir],
      { stdio: ['pipe', 'pipe', 'inherit'] });
    children.push(this.child);
    this.answers = [];
    this.waiting = [];
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => {
      const w = this.waiting.shift();
      if (w) w(JSON.parse(line));
    });
  }
  call(command) {
    return new Promise((resolve, reject) => {
      this.waiting.push((a) => (a.error ? reject(new Error(a.error.message)) : resolve(a.ok)));
      this.child.stdin.write(JSON.stringify(command) + '\n');
    });
  }
  close() { this.child.stdin.end(); }
}

async function nodeFigures(url) {
  const puller = new NodeDevice(path.join(tmp, 'node-pull'));
  await puller.call({ cmd: 'open' });
  await puller.call({ cmd: 'sign_in', server: url, ...PULLER });
  let t = performance.now();
  await puller.call({ cmd: 'sync', timeout_ms: STEP_MS });
  const pullSeconds = (performance.now() - t) / 1000;
  const rows = (await puller.call({ cmd: 'list', collection: 'messages' })).length;
  puller.close();

  const pusher = new NodeDevice(path.join(tmp, 'node-push'));
  await pusher.call({ cmd: 'open' });
  await pusher.call({ cmd: 'sign_in', server: url, ...PUSHER_NODE });
  await pusher.call({ cmd: 'sync', timeout_ms: STEP_MS });
  const thread = (await pusher.call({ cmd: 'list', collection: 'threads' }))[0].id;
  t = performance.now();
  for (let i = 0; i < PUSH_OPS; i++)
    await pusher.call({ cmd: 'mutate', name: 'message.send', args: { id: newId(), thread_id: thread, body: `pushed message ${i} `.padEnd(200, '.') } });
  const queueSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  await pusher.call({ cmd: 'sync', timeout_ms: STEP_MS });
  const roundSeconds = (performance.now() - t) / 1000;
  pusher.close();
  return { pull: { messages: rows, seconds: pullSeconds }, push: { ops: PUSH_OPS, queue_seconds: queueSeconds, round_seconds: roundSeconds } };
}

// --- (3) the web binding in Chromium, with the Worker profiled --------------------------------------

// CDP straight to Chromium's port: the page's session auto-attaches the dedicated Worker, whose
// own session runs the Profiler.
// Runtime.evaluate in the page over a CDP connection of our own, which enables nothing else: no
// Network domain, no auto-attach to the Worker. Playwright's connection enables the Network
// domain on the page *and on the Worker* (it attaches to every Worker), and Chromium then reports
// every WebSocket frame with its payload to it (Network.webSocketFrameReceived/Sent): ~25 MB of
// pulled pages serialized by the Worker's thread, passed to the browser process, converted to
// JSON there and sent to Node. A user's browser does none of that, so the timed round runs with
// Playwright disconnected (DEVTOOLS=1 keeps it connected, as before 2026-12-07's web-pull).
// A raw CDP connection to the browser: `send` a command (to a session, or to the browser), and
// each event the browser sent goes to `onEvent`.
async function cdpBrowser(port, onEvent) {
  const version = await (await fetch(`http://127.0.0.1:${port}/json/version`)).json();
  const ws = new WebSocket(version.webSocketDebuggerUrl);
  await new Promise((r) => (ws.onopen = r));
  let next = 1;
  const waiting = new Map();
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.id && waiting.has(msg.id)) { waiting.get(msg.id)(msg); waiting.delete(msg.id); return; }
    if (msg.method) onEvent(msg);
  };
  const send = (method, params = {}, sessionId) => new Promise((resolve, reject) => {
    const id = next++;
    waiting.set(id, (m) => (m.error ? reject(new Error(method + ': ' + m.error.message)) : resolve(m.result)));
    ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
  });
  return { ws, send };
}

// A raw CDP connection attached to the app's page, with every event the browser sent in
// `events` (Target.attachedToTarget among them).
async function cdpPageSession(port) {
  const events = [];
  const { ws, send } = await cdpBrowser(port, (msg) => events.push(msg));
  const { targetInfos } = await send('Target.getTargets');
  const page = targetInfos.find((t) => t.type === 'page' && t.url.startsWith('http'));
  const { sessionId } = await send('Target.attachToTarget', { targetId: page.targetId, flatten: true });
  return { ws, send, sessionId, events };
}

async function pageEvaluator(port) {
  const { ws, send, sessionId } = await cdpPageSession(port);
  return {
    evaluate: async (fn, arg) => {
      const { result, exceptionDetails } = await send('Runtime.evaluate', {
        expression: `(${fn.toString()})(${JSON.stringify(arg === undefined ? null : arg)})`,
        awaitPromise: true, returnByValue: true }, sessionId);
      if (exceptionDetails) throw new Error('in the page: ' + (exceptionDetails.exception?.description || exceptionDetails.text));
      return result.value;
    },
    close: () => ws.close(),
  };
}

async function workerProfiler(port) {
  const { ws, send, sessionId, events } = await cdpPageSession(port);
  const attachedWorker = () =>
    events.find((e) => e.method === 'Target.attachedToTarget' && e.params.targetInfo.type === 'worker')?.params;
  await send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: true }, sessionId);
  for (let i = 0; i < 100 && !attachedWorker(); i++) await sleep(50);
  const worker = attachedWorker();
  if (!worker) throw new Error('the Worker did not show up over CDP');
  await send('Profiler.enable', {}, worker.sessionId);
  await send('Profiler.setSamplingInterval', { interval: 500 }, worker.sessionId);
  // Call counts of the OPFS pool's methods (precise coverage): with the profile's time in the
  // handle's write/read, the cost of one call.
  return {
    start: async () => {
      await send('Profiler.startPreciseCoverage', { callCount: true, detailed: false }, worker.sessionId);
      await send('Profiler.start', {}, worker.sessionId);
    },
    stop: async () => {
      const { profile } = await send('Profiler.stop', {}, worker.sessionId);
      const { result } = await send('Profiler.takePreciseCoverage', {}, worker.sessionId);
      await send('Profiler.stopPreciseCoverage', {}, worker.sessionId);
      const calls = {};
      for (const script of result.filter((r) => r.url.includes('opfs_pool')))
        for (const f of script.functions)
          if (['read', 'write', 'flush', 'truncate', 'size'].includes(f.functionName)) calls[f.functionName] = f.ranges[0].count;
      profile.opfsCalls = calls;
      return profile;
    },
    close: () => ws.close(),
  };
}

// TRACE=1: a Chromium trace of the timed round (Tracing over the browser's own CDP target, which
// enables no Network domain on the page nor the Worker), to see what each of the renderer's threads
// runs: its top-level tasks by where they were posted from, and the events nested in them.
const traced = {}; // traces written so far, by part: each run's files numbered
async function browserTracer(port) {
  const events = [];
  let complete = null;
  const { ws, send } = await cdpBrowser(port, (msg) => {
    if (msg.method === 'Tracing.dataCollected') events.push(...msg.params.value);
    if (msg.method === 'Tracing.tracingComplete' && complete) complete();
  });
  return {
    start: () => send('Tracing.start', { transferMode: 'ReportEvents', traceConfig: {
      includedCategories: (env.TRACE_CATEGORIES || 'toplevel,toplevel.flow,v8,blink,devtools.timeline,disabled-by-default-devtools.timeline,ipc,mojom,disabled-by-default-v8.gc,v8.wasm,disabled-by-default-v8.wasm.detailed,loading,renderer.scheduler').split(',') } }),
    stop: async () => {
      const done = new Promise((r) => (complete = r));
      await send('Tracing.end');
      await done;
      ws.close();
      return events;
    },
  };
}

// A trace's threads (thread name (pid/tid)) with, for each, its complete events' self time
// by name (and a top-level task's by where it was posted from), the largest first.
function traceSummary(events) {
  const names = new Map();
  for (const e of events)
    if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}/${e.tid}`, e.args.name);
  const byThread = new Map();
  for (const e of events) {
    if (e.ph !== 'X' || typeof e.dur !== 'number') continue;
    const k = `${e.pid}/${e.tid}`;
    if (!byThread.has(k)) byThread.set(k, []);
    byThread.get(k).push(e);
  }
  const out = {};
  for (const [k, list] of byThread) {
    list.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
    const self = {};
    const stack = [];
    const label = (e) => {
      const src = e.args?.src_func || e.args?.task?.posted_from?.function_name || e.args?.posted_from?.function_name;
      const file = e.args?.src_file || e.args?.task?.posted_from?.file_name || e.args?.posted_from?.file_name;
      return src ? `${e.name} <- ${file ? path.basename(String(file)) + ':' : ''}${src}` : e.name;
    };
    const tdur = (e) => (typeof e.tdur === 'number' ? e.tdur : e.dur);
    let wall = 0, cpu = 0;
    for (const e of list) {
      while (stack.length && stack[stack.length - 1].ts + stack[stack.length - 1].dur <= e.ts) stack.pop();
      if (stack.length) { const p = stack[stack.length - 1]; p.childWall += e.dur; p.childCpu += tdur(e); }
      else { wall += e.dur; cpu += tdur(e); }
      e.childWall = 0; e.childCpu = 0;
      stack.push(e);
    }
    for (const e of list) {
      const l = label(e);
      const s = self[l] || (self[l] = { n: 0, self_wall_ms: 0, self_cpu_ms: 0 });
      s.n++;
      s.self_wall_ms += (e.dur - e.childWall) / 1000;
      s.self_cpu_ms += (tdur(e) - e.childCpu) / 1000;
    }
    const top = Object.entries(self).sort((a, b) => b[1].self_cpu_ms - a[1].self_cpu_ms).slice(0, 25)
      .map(([name, s]) => ({ name, n: s.n, self_cpu_ms: Math.round(s.self_cpu_ms), self_wall_ms: Math.round(s.self_wall_ms) }));
    out[`${names.get(k) || '?'} (${k})`] = { top_level_wall_ms: Math.round(wall / 1000), top_level_cpu_ms: Math.round(cpu / 1000), events: list.length, self: top };
  }
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1].top_level_cpu_ms - a[1].top_level_cpu_ms));
}

// Self time per bucket, from the samples. Functions without a script are the browser's own:
// the OPFS handle's read/write/flush/getSize/truncate (the VFS's file I/O), JSON, postMessage,
// the WebSocket's; they are split by name, and the hottest listed.
const kOpfsCalls = new Set(['read', 'write', 'flush', 'getSize', 'truncate', 'close']);
function buckets(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const bucketOf = (n) => {
    const { url, functionName } = n.callFrame;
    if (functionName === '(idle)') return 'idle (waiting for the network)';
    if (functionName === '(garbage collector)') return 'garbage collector';
    if (functionName === '(program)') return 'browser internals (program)';
    if (url.endsWith('.wasm') || functionName.startsWith('wasm-function') || /^\$/.test(functionName)) return 'the core (WebAssembly)';
    if (!url && kOpfsCalls.has(functionName)) return 'OPFS file I/O (FileSystemSyncAccessHandle read/write/flush...)';
    if (!url && (functionName === 'parse' || functionName === 'stringify')) return 'JSON (the Worker driver)';
    if (!url) return 'other browser functions (postMessage, WebSocket, TextDecoder...)';
    if (url.includes('opfs_pool')) return 'OPFS pool (JS)';
    if (url.includes('passerelle-core.mjs')) return 'Emscripten glue (strings, FS, the OPFS calls)';
    if (url.includes('worker.mjs')) return 'Worker driver (JS)';
    return 'other JS';
  };
  const ms = {};
  const self = {};
  const deltas = profile.timeDeltas;
  profile.samples.forEach((id, i) => {
    const n = byId.get(id);
    const b = bucketOf(n);
    const t = (deltas[i + 1] ?? deltas[i]) / 1000;
    ms[b] = (ms[b] || 0) + t;
    if (!b.startsWith('idle')) {
      const name = `${n.callFrame.functionName || '(anonymous)'}${n.callFrame.url ? ' ' + path.basename(n.callFrame.url) : ''}`;
      self[name] = (self[name] || 0) + t;
    }
  });
  const busy = Object.entries(ms).filter(([k]) => !k.startsWith('idle')).reduce((s, [, v]) => s + v, 0);
  const out = {};
  for (const [k, v] of Object.entries(ms).sort((a, b) => b[1] - a[1]))
    out[k] = { ms: Math.round(v), percent_of_busy: k.startsWith('idle') ? null : Math.round((1000 * v) / busy) / 10 };
  const hottest = Object.entries(self).sort((a, b) => b[1] - a[1]).slice(0, 12).map(([f, v]) => ({ function: f, ms: Math.round(v) }));
  const perCall = {};
  for (const [f, n] of Object.entries(profile.opfsCalls || {}))
    if (n > 0) perCall[f] = { calls: n, us_per_call: self[f] ? Math.round((10 * 1000 * self[f]) / n) / 10 : null };
  return { busy_ms: Math.round(busy), buckets: out, hottest, opfs_calls: perCall };
}

// --- CPU time, from /proc (Linux) ------------------------------------------------------------

// A process's user + system CPU seconds (its exited threads included) and its process group.
function procStat(pid) {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return { pgrp: Number(f[2]), cpu_s: (Number(f[11]) + Number(f[12])) / 100 }; // USER_HZ: 100 on Linux
}

function serverCpu() {
  try { return procStat(serverPid).cpu_s; } catch { return NaN; }
}

// Chromium's CPU so far (it runs in a process group of its own, harness.mjs): the dedicated
// Workers' threads (the core's; schedstat, in nanoseconds), the renderer processes, all of its
// processes (the browser, the network service, the GPU process...).
// Every thread of every renderer process is named after the executable ("chromium") until it
// names itself, and the main threads never do, so threads are told apart by process: the
// renderer that hosts the Worker (the page's: 'renderer', its main thread 'renderer/main') and
// the others ('renderer-other': Chromium's spare renderer, kept ready for the next tab, and its
// WebUI renderer), which run nothing of the page's. Until 2026-12-07's web-main pass the three
// renderers' main threads were summed as "the page's main thread" (docs/benchmarks.md).
function chromiumCpu(pgid) {
  const out = { worker_s: 0, renderer_s: 0, all_s: 0, workers: 0, renderer_threads: {}, threads: {} };
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let st;
    try { st = procStat(d); } catch { continue; }
    if (st.pgrp !== pgid) continue;
    out.all_s += st.cpu_s;
    let cmd = '';
    try { cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8'); } catch { continue; }
    const isRenderer = cmd.includes('--type=renderer');
    // Every process's threads by "process type/thread name" (the network service, the browser
    // process's IO thread...), to say which of Chromium's threads a pull keeps busy.
    let type = (/--type=([a-z-]+)/.exec(cmd) || [, 'browser'])[1]
      + ((/--utility-sub-type=network/.test(cmd)) ? '-network' : (/--utility-sub-type=storage/.test(cmd) ? '-storage' : ''));
    const threads = [];
    try {
      for (const t of fs.readdirSync(`/proc/${d}/task`)) {
        try {
          let comm = fs.readFileSync(`/proc/${d}/task/${t}/comm`, 'utf8').trim();
          if (t === d && isRenderer) comm = 'main';
          threads.push({ comm, cpu: Number(fs.readFileSync(`/proc/${d}/task/${t}/schedstat`, 'utf8').split(' ')[0]) / 1e9 });
        } catch { /* the thread ended */ }
      }
    } catch { /* the process ended */ }
    const hostsWorker = threads.some((t) => t.comm.startsWith('DedicatedWorker'));
    if (isRenderer && !hostsWorker) type = 'renderer-other';
    for (const { comm, cpu } of threads) {
      const key = `${type}/${comm}`;
      out.threads[key] = (out.threads[key] || 0) + cpu;
    }
    if (!isRenderer || !hostsWorker) continue;
    out.renderer_s += st.cpu_s;
    // by thread name: the main thread, the IO thread (the WebSocket's frames, postMessage),
    // the thread pool (V8's background compiles of the module, GC)...
    for (const { comm, cpu } of threads) {
      out.renderer_threads[comm] = (out.renderer_threads[comm] || 0) + cpu;
      if (!comm.startsWith('DedicatedWorker')) continue;
      out.worker_s += cpu;
      out.workers++;
    }
  }
  return out;
}

function cpuSince(before, after) {
  const threads = {};
  for (const [k, v] of Object.entries(after.renderer_threads)) threads[k] = Math.round(1000 * (v - (before.renderer_threads[k] || 0))) / 1000;
  const all = {};
  for (const [k, v] of Object.entries(after.threads)) {
    const d = Math.round(1000 * (v - (before.threads[k] || 0))) / 1000;
    if (d >= 0.005) all[k] = d;
  }
  return { worker_s: after.worker_s - before.worker_s, renderer_s: after.renderer_s - before.renderer_s, all_s: after.all_s - before.all_s, renderer_threads: threads, threads: all };
}

// A freshly launched Chromium keeps working for a few seconds after its first page has loaded:
// it starts a spare renderer for the next tab and a WebUI renderer (their main threads used
// 0.02-0.39 s of CPU inside the timed pulls of 2026-12-07, on the same 2 cores as the Worker).
// That is the browser's own start, which a user's browser has long finished when its first sync
// starts, not the page's work: so before the page opens the core (nothing of ours runs yet, so
// nothing of ours is warmed), wait until all of Chromium is idle (under 25 ms of CPU in each of
// two 250 ms windows, at most 15 s). SETTLE=0 leaves it out (the runs before web-main's pass).
async function settle(pgid) {
  const t0 = performance.now();
  let last = chromiumCpu(pgid).all_s;
  let quiet = 0;
  while (performance.now() - t0 < 15000 && quiet < 2) {
    await sleep(250);
    const now = chromiumCpu(pgid).all_s;
    quiet = now - last < 0.025 ? quiet + 1 : 0;
    last = now;
  }
  return { waited_s: Math.round(performance.now() - t0) / 1000, quiet: quiet >= 2 };
}

// One browser device in a fresh Chromium profile: its pull from 0 (part 'pull') or its push
// round of PUSH_OPS queued ops (part 'push'), timed in the page, with Chromium's and the
// server's CPU over the timed round; with `profiled`, the Worker's CPU profile too (an extra
// run: the profiler's sampling slows the Worker).
async function browserFigures(url, origin, profileDir, part, profiled = false) {
  const chromium = new ChromiumProcess(env.CHROMIUM || 'chromium', profileDir, path.join(tmp, 'chromium.log'), STEP_MS);
  const { browser, context } = await chromium.launch();
  let raw = null;
  try {
    const page = context.pages()[0] || (await context.newPage());
    await page.goto(origin + '/');
    const settled = env.SETTLE === '0' ? null : await settle(chromium.child.pid);
    if (settled && !settled.quiet) log(`(Chromium was still busy after ${settled.waited_s} s: timed anyway)`);
    const opened = await page.evaluate(async () => {
      const { open } = await import('/passerelle.mjs');
      window.db = await open();
      return window.db.storage;
    });
    if (opened !== 'opfs') throw new Error('the browser device is not on OPFS but ' + opened);
    let profiler = null;
    if (profiled) {
      const port = fs.readFileSync(path.join(profileDir, 'DevToolsActivePort'), 'utf8').split('\n')[0].trim();
      profiler = await workerProfiler(port);
    }
    const who = part === 'pull' ? PULLER : PUSHER;
    await page.evaluate(async ({ url, who }) => { await window.db.signIn(url, who.email, who.password); }, { url, who });
    // One sync round to up to date, timed in the page (from startSync to the up_to_date state).
    const roundInPage = async () => {
      const t0 = performance.now();
      const done = new Promise((resolve) => {
        const off = window.db.onSyncState((s) => {
          if (s.state === 'up_to_date' && s.pending_ops === 0) { if (typeof off === 'function') off(); resolve(); }
        });
      });
      await window.db.startSync({ backoff_min_ms: 100, backoff_max_ms: 1000 });
      await done;
      const seconds = (performance.now() - t0) / 1000;
      await window.db.stopSync();
      return seconds;
    };
    const round = () => (raw ? raw.evaluate(roundInPage) : page.evaluate(roundInPage));
    // Playwright's connection let go before the timed round (pageEvaluator, above).
    const detach = async () => {
      if (env.DEVTOOLS === '1' || raw) return;
      const port = fs.readFileSync(path.join(profileDir, 'DevToolsActivePort'), 'utf8').split('\n')[0].trim();
      await browser.close(); // connected over CDP: disconnects, Chromium and its pages stay
      raw = await pageEvaluator(port);
    };
    const inPage = (fn, arg) => (raw ? raw.evaluate(fn, arg) : page.evaluate(fn, arg));
    const measured = async () => {
      // BROWSER_WAIT_MS: time for V8's background compiles of the module to end before the
      // timed round (with --js-flags=--no-wasm-dynamic-tiering, the whole module's optimized
      // code; docs/benchmarks.md, branch web-pace2).
      if (Number(env.BROWSER_WAIT_MS || 0) > 0) await sleep(Number(env.BROWSER_WAIT_MS));
      const c0 = chromiumCpu(chromium.child.pid);
      const s0 = serverCpu();
      let tracer = null;
      if (env.TRACE === '1') {
        const port = fs.readFileSync(path.join(profileDir, 'DevToolsActivePort'), 'utf8').split('\n')[0].trim();
        tracer = await browserTracer(port);
        await tracer.start();
      }
      if (profiler) await profiler.start();
      const seconds = await round();
      const profile = profiler ? await profiler.stop() : null;
      const c1 = chromiumCpu(chromium.child.pid);
      if (tracer) {
        const events = await tracer.stop();
        const dir = path.dirname(env.OUT);
        const n = (traced[part] = (traced[part] || 0) + 1);
        fs.writeFileSync(path.join(dir, `browser-${part}-${n}-trace.json`), JSON.stringify({ traceEvents: events }));
        fs.writeFileSync(path.join(dir, `browser-${part}-${n}-trace-summary.json`), JSON.stringify(traceSummary(events), null, 1));
      }
      if (c1.workers !== 1) log(`(${c1.workers} dedicated Worker threads found in Chromium's processes: its CPU figure is theirs)`);
      return { seconds, cpu: cpuSince(c0, c1), server_cpu_s: serverCpu() - s0, profile };
    };
    let result;
    if (part === 'pull') {
      await detach();
      const m = await measured();
      const messages = await inPage(async () => (await window.db.rows('messages')).length);
      result = { messages, seconds: m.seconds, cpu: m.cpu, server_cpu_s: m.server_cpu_s, settled };
      if (m.profile) {
        fs.writeFileSync(path.join(path.dirname(env.OUT), 'browser-pull.cpuprofile'), JSON.stringify(m.profile));
        result.profile = buckets(m.profile);
      }
    } else {
      await round(); // the first pull: the pusher's thread
      const queued = await page.evaluate(async ({ n, newIdSource }) => {
        const newId = new Function(`return ${newIdSource}`)();
        const thread = (await window.db.rows('threads'))[0].id;
        const t0 = performance.now();
        for (let i = 0; i < n; i++)
          await window.db.mutate('message.send', { id: newId(), thread_id: thread, body: `pushed message ${i} `.padEnd(200, '.') });
        return (performance.now() - t0) / 1000;
      }, { n: PUSH_OPS, newIdSource: newId.toString() });
      await detach();
      const m = await measured();
      result = { ops: PUSH_OPS, queue_seconds: queued, round_seconds: m.seconds, cpu: m.cpu, server_cpu_s: m.server_cpu_s, settled };
      if (m.profile) {
        fs.writeFileSync(path.join(path.dirname(env.OUT), 'browser-push.cpuprofile'), JSON.stringify(m.profile));
        result.profile = buckets(m.profile);
      }
    }
    if (profiler) profiler.close();
    await inPage(() => window.db.close && window.db.close()).catch(() => {});
    result.devtools_attached = !raw;
    return result;
  } finally {
    if (raw) raw.close();
    await browser.close().catch(() => {});
    await chromium.kill();
  }
}

// What one OPFS write costs in this Chromium, appending (the file grows: Chromium asks the
// browser process for quota on each growth) and overwriting a file already that long: the
// profile's leading cost, measured apart from SQLite. 4 KiB writes, SQLite's page size.
async function opfsProbe(origin, profileDir) {
  const chromium = new ChromiumProcess(env.CHROMIUM || 'chromium', profileDir, path.join(tmp, 'chromium.log'), STEP_MS);
  const { browser, context } = await chromium.launch();
  let raw = null;
  try {
    const page = context.pages()[0] || (await context.newPage());
    await page.goto(origin + '/');
    return await page.evaluate(async () => {
      const code = `onmessage = async () => {
        const root = await navigator.storage.getDirectory();
        const file = await root.getFileHandle('probe.bin', { create: true });
        const h = await file.createSyncAccessHandle();
        const page = new Uint8Array(4096).fill(7);
        const n = 5000, out = {};
        h.truncate(0);
        let t = performance.now();
        for (let i = 0; i < n; i++) h.write(page, { at: i * 4096 });
        out.append_us = (1000 * (performance.now() - t)) / n;
        t = performance.now();
        for (let i = 0; i < n; i++) h.write(page, { at: i * 4096 });
        out.overwrite_us = (1000 * (performance.now() - t)) / n;
        h.truncate(0);
        t = performance.now();
        h.truncate(n * 4096);
        for (let i = 0; i < n; i++) h.write(page, { at: i * 4096 });
        out.preallocated_us = (1000 * (performance.now() - t)) / n;
        t = performance.now();
        for (let i = 0; i < 200; i++) h.flush();
        out.flush_us = (1000 * (performance.now() - t)) / 200;
        h.close();
        await root.removeEntry('probe.bin');
        postMessage(out);
      };`;
      const w = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
      const answer = new Promise((resolve) => (w.onmessage = (m) => resolve(m.data)));
      w.postMessage(null);
      return answer;
    });
  } finally {
    await browser.close().catch(() => {});
    await chromium.kill();
  }
}

// Round trips alone: a signed-in connection asks for an empty pull page (at the head of its log)
// n times, one at a time; the median milliseconds per answer. Runs as is in Node and in a
// Worker (its source is sent to the page): the same requests to the same server, so the two
// figures differ only by the way to the server (the push round's waits, docs/benchmarks.md).
async function roundTrips(url, email, password, n) {
  const ws = new WebSocket(url + '/v1/ws');
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = () => reject(new Error('cannot connect')); });
  let next = 1;
  const waiting = new Map();
  ws.onmessage = (m) => { const a = JSON.parse(m.data); const w = waiting.get(a.re); if (w) { waiting.delete(a.re); w(a); } };
  const request = (type, fields) => new Promise((resolve) => { const id = next++; waiting.set(id, resolve); ws.send(JSON.stringify({ id, type, ...fields })); });
  await request('hello', { protocol: 1 });
  await request('auth.login', { email, password });
  let cursor = 0;
  for (let page = await request('pull', { cursor, limit: 1000 }); ; page = await request('pull', { cursor, limit: 1000 })) {
    cursor = page.cursor;
    if (!page.more) break;
  }
  const ms = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await request('pull', { cursor, limit: 1000 });
    ms.push(performance.now() - t0);
  }
  ws.close();
  ms.sort((a, b) => a - b);
  return { n, median_ms: ms[Math.floor(n / 2)], p90_ms: ms[Math.floor(n * 0.9)] };
}

async function roundTripsInWorker(origin, url, who, n) {
  const chromium = new ChromiumProcess(env.CHROMIUM || 'chromium', path.join(tmp, 'profile-rtt'), path.join(tmp, 'chromium.log'), STEP_MS);
  const { browser, context } = await chromium.launch();
  try {
    const page = context.pages()[0] || (await context.newPage());
    await page.goto(origin + '/');
    return await page.evaluate(({ source, url, who, n }) => new Promise((resolve, reject) => {
      const code = `${source}\nself.onmessage = async (e) => { try { self.postMessage(await roundTrips(...e.data)); } catch (x) { self.postMessage({ error: String(x) }); } };`;
      const w = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
      w.onmessage = (e) => (e.data.error ? reject(new Error(e.data.error)) : resolve(e.data));
      w.postMessage([url, who.email, who.password, n]);
    }), { source: roundTrips.toString(), url, who, n });
  } finally {
    await browser.close().catch(() => {});
    await chromium.kill();
  }
}

// passerelle-bench's push (a fresh device of a new account queues PUSH_OPS, then one round)
// against the running server, its accounts created in the server's database beside it.
let nativePushes = 0;
function nativePushHere(url) {
  const json = path.join(tmp, `native-here-${++nativePushes}.json`);
  const args = ['push', '--server-binary', env.PASSERELLE_SERVER, '--server', url, '--server-db', `sqlite:${path.join(tmp, 'db.sqlite')}`, '--pairs', '1',
    '--push-ops', String(PUSH_OPS), '--body-bytes', '200', '--quiet', '--json', json];
  // The server's CPU over the whole process: its accounts' sign-in and first pull, the round.
  const s0 = serverCpu();
  return new Promise((resolve) => {
    const child = spawn(env.PASSERELLE_BENCH, args, { stdio: ['ignore', 'ignore', fs.openSync(path.join(tmp, 'native-here.log'), 'a')] });
    child.on('exit', (code) => {
      let push = null;
      try { push = JSON.parse(fs.readFileSync(json, 'utf8')).results?.push ?? null; } catch { /* reported below */ }
      if (push) push.server_cpu_s = serverCpu() - s0;
      if (code !== 0 || !push) log('the native push against this server failed (see', path.join(tmp, 'native-here.log') + ')');
      resolve(push);
    });
  });
}

// passerelle-bench's pull child (the library's fresh device of the coach, as in passerelle-bench
// pull) against this run's server: the same rows the browser pulls. Its CPU is the whole
// process's (bash's `times` of its child: open, sign-in, pull, exit; so slightly more than the
// pull's own), the server's over the process's life.
function nativePullHere(url, dir) {
  const script = '"$@"; rc=$?; times >&2; exit $rc';
  const args = ['-c', script, 'bash', env.PASSERELLE_BENCH, 'pull-child', '--url', url, '--email', PULLER.email, '--password', PULLER.password, '--data', dir];
  const s0 = serverCpu();
  return new Promise((resolve, reject) => {
    const child = spawn('bash', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      const serverCpuS = serverCpu() - s0;
      let r;
      try { r = JSON.parse(out); } catch { r = null; }
      const times = [...err.matchAll(/(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/g)].pop();
      if (code !== 0 || !r || r.errors) return reject(new Error('the native pull failed: ' + out + err));
      const cpu = times ? 60 * Number(times[1]) + Number(times[2]) + 60 * Number(times[3]) + Number(times[4]) : NaN;
      resolve({ rows: r.rows, seconds: r.seconds, cpu_s: cpu, server_cpu_s: serverCpuS });
    });
  });
}

const median = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
const spread = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x));
  return { median: median(v), min: Math.min(...v), max: Math.max(...v), all: v };
};

// --- the run ---------------------------------------------------------------------------------------

async function main() {
  const native = env.NATIVE_JSON && fs.existsSync(env.NATIVE_JSON) ? JSON.parse(fs.readFileSync(env.NATIVE_JSON, 'utf8')) : null;
  if (!env.PASSERELLE_BENCH) throw new Error('PASSERELLE_BENCH (passerelle-bench) is needed for the native side');
  const www = path.join(tmp, 'www');
  prepareWebRoot(env.WASM_WEB_DIR, www, 'Passerelle web bench');
  const statics = await startStaticServer(www);
  const origin = `http://127.0.0.1:${statics.address().port}`;
  const url = await startServer(origin);
  log('server at', url, '; page at', origin);
  await seed(url, PULL_ROWS);
  const loads = [os.loadavg()[0]];

  // SKIP_NODE=1: the browser against native only (quicker before/after runs).
  let node = null;
  if (env.SKIP_NODE !== '1') {
    log('WebAssembly in Node...');
    node = await nodeFigures(url);
  }

  // The figures compared: REPS alternated pairs against this server.
  const pulls = [];
  for (let i = 0; i < REPS; i++) {
    const pair = {};
    const order = i % 2 === 0 ? ['native', 'browser'] : ['browser', 'native'];
    for (const host of order) {
      log(`pull ${i + 1}/${REPS}: ${host}...`);
      if (host === 'native') pair.native = await nativePullHere(url, path.join(tmp, `native-pull-${i}`));
      else pair.browser = await browserFigures(url, origin, path.join(tmp, `profile-pull-${i}`), 'pull');
    }
    if (pair.browser.messages < PULL_ROWS) throw new Error(`the browser pulled ${pair.browser.messages} messages, fewer than ${PULL_ROWS}`);
    pair.load = os.loadavg()[0];
    loads.push(pair.load);
    log(`  native ${pair.native.seconds.toFixed(2)} s (CPU ${pair.native.cpu_s.toFixed(2)} s), browser ${pair.browser.seconds.toFixed(2)} s ` +
      `(Worker CPU ${pair.browser.cpu.worker_s.toFixed(2)} s, Chromium ${pair.browser.cpu.all_s.toFixed(2)} s), load ${pair.load.toFixed(1)}`);
    pulls.push(pair);
  }
  const pushes = [];
  for (let i = 0; i < REPS; i++) {
    const pair = {};
    const order = i % 2 === 0 ? ['native', 'browser'] : ['browser', 'native'];
    for (const host of order) {
      log(`push ${i + 1}/${REPS}: ${host}...`);
      if (host === 'native') pair.native = await nativePushHere(url);
      else pair.browser = await browserFigures(url, origin, path.join(tmp, `profile-push-${i}`), 'push');
    }
    if (!pair.native) throw new Error('the native push against this server failed');
    pair.load = os.loadavg()[0];
    loads.push(pair.load);
    log(`  native round ${pair.native.sync_round_seconds.toFixed(2)} s, browser round ${pair.browser.round_seconds.toFixed(2)} s ` +
      `(Worker CPU ${pair.browser.cpu.worker_s.toFixed(2)} s), load ${pair.load.toFixed(1)}`);
    pushes.push(pair);
  }

  // The profile of the gap: one more pull and push, with the Worker's CPU profiler on.
  let profiled = null;
  if (env.PROFILE !== '0') {
    log('Chromium, profiled: pull...');
    const pull = await browserFigures(url, origin, path.join(tmp, 'profile-pull-profiled'), 'pull', true);
    log('Chromium, profiled: push...');
    const push = await browserFigures(url, origin, path.join(tmp, 'profile-push-profiled'), 'push', true);
    profiled = { pull, push };
  }

  let rtt = null;
  let opfs = null;
  if (env.PROBES !== '0') {
    // The same round trips from Node and from a Chromium Worker, one after the other, twice.
    log('round trips, Node and a Chromium Worker...');
    rtt = [];
    for (let i = 0; i < 2; i++)
      rtt.push({ node: await roundTrips(url, PUSHER.email, PUSHER.password, 100), worker: await roundTripsInWorker(origin, url, PUSHER, 100) });
    log('round trips (median ms, Node / Chromium Worker): ' + rtt.map((r) => `${r.node.median_ms.toFixed(1)} / ${r.worker.median_ms.toFixed(1)}`).join(', '));
    log('Chromium: one OPFS write...');
    opfs = await opfsProbe(origin, path.join(tmp, 'profile-probe'));
  }
  statics.close();

  const rows = PULL_ROWS;
  const pull = {
    native_rows_per_s: spread(pulls.map((p) => p.native.rows / p.native.seconds)),
    browser_rows_per_s: spread(pulls.map((p) => p.browser.messages / p.browser.seconds)),
    // each pair's ratio, then their median and range
    browser_to_native: spread(pulls.map((p) => p.native.seconds / p.browser.seconds)),
    native_cpu_s: spread(pulls.map((p) => p.native.cpu_s)),
    browser_worker_cpu_s: spread(pulls.map((p) => p.browser.cpu.worker_s)),
    browser_renderer_cpu_s: spread(pulls.map((p) => p.browser.cpu.renderer_s)),
    browser_chromium_cpu_s: spread(pulls.map((p) => p.browser.cpu.all_s)),
    // native CPU / browser CPU: the browser's rate per CPU second, as a share of native's
    cpu_worker_to_native: spread(pulls.map((p) => p.native.cpu_s / p.browser.cpu.worker_s)),
    cpu_chromium_to_native: spread(pulls.map((p) => p.native.cpu_s / p.browser.cpu.all_s)),
    server_cpu_s: { native: spread(pulls.map((p) => p.native.server_cpu_s)), browser: spread(pulls.map((p) => p.browser.server_cpu_s)) },
  };
  const push = {
    native_ops_per_s: spread(pushes.map((p) => PUSH_OPS / p.native.sync_round_seconds)),
    browser_ops_per_s: spread(pushes.map((p) => PUSH_OPS / p.browser.round_seconds)),
    browser_to_native: spread(pushes.map((p) => p.native.sync_round_seconds / p.browser.round_seconds)),
    browser_worker_cpu_s: spread(pushes.map((p) => p.browser.cpu.worker_s)),
    browser_chromium_cpu_s: spread(pushes.map((p) => p.browser.cpu.all_s)),
    browser_server_cpu_s: spread(pushes.map((p) => p.browser.server_cpu_s)),
    native_server_cpu_s: spread(pushes.map((p) => p.native.server_cpu_s)),
    native_queue_ops_per_s: spread(pushes.map((p) => PUSH_OPS / p.native.queue_seconds)),
    browser_queue_ops_per_s: spread(pushes.map((p) => PUSH_OPS / p.browser.queue_seconds)),
  };
  const out = {
    pull_rows: rows, push_ops: PUSH_OPS, reps: REPS, load_1min: spread(loads), pull, push,
    runs: { pulls, pushes }, profiled, node, native_own_server: native ? native.results : null,
    browser_probes: { opfs_probe: opfs, round_trips: rtt },
  };
  fs.writeFileSync(env.OUT, JSON.stringify(out, null, 2) + '\n');

  const n0 = (x) => Math.round(x).toLocaleString('en');
  const pc = (x) => `${Math.round(100 * x)} %`;
  const sp = (s, f) => `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
  const s2 = (x) => x.toFixed(2);
  console.log(`\n${REPS} alternated pairs against one server, ${n0(rows)} rows / ${n0(PUSH_OPS)} ops; load average (1 min) ${sp(out.load_1min, (x) => x.toFixed(1))}`);
  console.log('median (min–max) over the pairs\n');
  console.log('| figure | native | browser (Chromium, OPFS) | browser / native, per pair |');
  console.log('|---|---|---|---|');
  console.log(`| pull, rows/s | ${sp(pull.native_rows_per_s, n0)} | ${sp(pull.browser_rows_per_s, n0)} | **${sp(pull.browser_to_native, pc)}** |`);
  console.log(`| pull, CPU s: native process; the Worker thread | ${sp(pull.native_cpu_s, s2)} | ${sp(pull.browser_worker_cpu_s, s2)} | ${sp(pull.cpu_worker_to_native, pc)} |`);
  console.log(`| pull, CPU s: native process; all of Chromium | ${sp(pull.native_cpu_s, s2)} | ${sp(pull.browser_chromium_cpu_s, s2)} | ${sp(pull.cpu_chromium_to_native, pc)} |`);
  console.log(`| pull, the server's CPU s | ${sp(pull.server_cpu_s.native, s2)} | ${sp(pull.server_cpu_s.browser, s2)} | |`);
  console.log(`| push (whole round), ops/s | ${sp(push.native_ops_per_s, n0)} | ${sp(push.browser_ops_per_s, n0)} | **${sp(push.browser_to_native, pc)}** |`);
  console.log(`| push round, CPU s: the Worker thread; all of Chromium | | ${sp(push.browser_worker_cpu_s, s2)}; ${sp(push.browser_chromium_cpu_s, s2)} | |`);
  console.log(`| push, the server's CPU s (native: its whole process, sign-in and first pull included; browser: the round) | ${sp(push.native_server_cpu_s, s2)} | ${sp(push.browser_server_cpu_s, s2)} | |`);
  console.log(`| queue (\`mutate\`, each durable), ops/s | ${sp(push.native_queue_ops_per_s, n0)} | ${sp(push.browser_queue_ops_per_s, n0)} | |`);
  // Chromium's threads over the pulls, by process type/thread name (cpu.threads), medians.
  const byThread = {};
  for (const p of pulls) for (const [k, v] of Object.entries(p.browser.cpu.threads || {})) (byThread[k] ||= []).push(v);
  const med = (a) => a.slice().sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const busiest = Object.entries(byThread).map(([k, a]) => [k, med(a)]).filter(([, v]) => v >= 0.01).sort((x, y) => y[1] - x[1]);
  console.log(`\nChromium's threads in the pull (CPU s, median; timed with DevTools ${env.DEVTOOLS === '1' ? 'attached' : 'detached'}): ` +
    busiest.map(([k, v]) => `${k} ${s2(v)}`).join(', '));
  if (native) {
    const nPull = native.results?.pull ?? {};
    const nPush = native.results?.push ?? {};
    console.log(`\nnative on passerelle-bench's own fresh server (before the pairs): pull ${n0(nPull.rows / nPull.seconds)} rows/s, push round ${n0(PUSH_OPS / nPush.sync_round_seconds)} ops/s`);
  }
  if (node) console.log(`WebAssembly in Node: pull ${n0(node.pull.messages / node.pull.seconds)} rows/s, push round ${n0(PUSH_OPS / node.push.round_seconds)} ops/s`);
  if (profiled) {
    for (const [what, r] of [['pull', profiled.pull], ['push', profiled.push]]) {
      console.log(`\nWorker CPU during the profiled browser ${what} (${s2(r.seconds ?? r.round_seconds)} s; self time; busy ${r.profile.busy_ms} ms):`);
      for (const [k, v] of Object.entries(r.profile.buckets)) console.log(`  ${k}: ${v.ms} ms${v.percent_of_busy !== null ? ` (${v.percent_of_busy} % of busy)` : ''}`);
      console.log('  hottest functions: ' + r.profile.hottest.map((h) => `${h.function} ${h.ms} ms`).join(', '));
      console.log('  OPFS calls: ' + Object.entries(r.profile.opfs_calls).map(([f, c]) => `${f} ${c.calls} × ${c.us_per_call ?? '?'} µs`).join(', '));
    }
  }
  if (opfs)
    console.log(`\nOne 4 KiB OPFS write: ${opfs.append_us.toFixed(1)} µs appending, ${opfs.overwrite_us.toFixed(1)} µs overwriting, ` +
      `${opfs.preallocated_us.toFixed(1)} µs into a file truncated to size first; flush ${opfs.flush_us.toFixed(1)} µs`);
}

const killAll = () => { for (const c of children) try { c.kill('SIGKILL'); } catch { /* gone */ } };
main().then(() => { killAll(); fs.rmSync(tmp, { recursive: true, force: true }); process.exit(0); },
  (e) => { console.error(e); killAll(); console.error('kept', tmp); process.exit(1); });
