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
// NATIVE_JSON (passerelle-bench's --json), PASSERELLE_BENCH (passerelle-bench, for a native push
// against this run's server; none without it), OUT (the JSON written), PULL_ROWS, PUSH_OPS, CHROMIUM.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { ChromiumProcess, prepareWebRoot } from './harness.mjs';

const env = process.env;
const PULL_ROWS = Number(env.PULL_ROWS || 50000);
const PUSH_OPS = Number(env.PUSH_OPS || 10000);
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
        ops.push({ op_id: crypto.randomUUID(), name: 'message.send', args: { id: crypto.randomUUID(), thread_id: thread, body: `seed message ${next} `.padEnd(200, '.') } });
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
    await pusher.call({ cmd: 'mutate', name: 'message.send', args: { id: crypto.randomUUID(), thread_id: thread, body: `pushed message ${i} `.padEnd(200, '.') } });
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
async function workerProfiler(port) {
  const version = await (await fetch(`http://127.0.0.1:${port}/json/version`)).json();
  const ws = new WebSocket(version.webSocketDebuggerUrl);
  await new Promise((r) => (ws.onopen = r));
  let next = 1;
  const waiting = new Map();
  const attached = [];
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.id && waiting.has(msg.id)) { waiting.get(msg.id)(msg); waiting.delete(msg.id); return; }
    if (msg.method === 'Target.attachedToTarget') attached.push(msg.params);
  };
  const send = (method, params = {}, sessionId) => new Promise((resolve, reject) => {
    const id = next++;
    waiting.set(id, (m) => (m.error ? reject(new Error(method + ': ' + m.error.message)) : resolve(m.result)));
    ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
  });
  const { targetInfos } = await send('Target.getTargets');
  const page = targetInfos.find((t) => t.type === 'page' && t.url.startsWith('http'));
  const { sessionId } = await send('Target.attachToTarget', { targetId: page.targetId, flatten: true });
  await send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: true }, sessionId);
  for (let i = 0; i < 100 && !attached.some((a) => a.targetInfo.type === 'worker'); i++) await sleep(50);
  const worker = attached.find((a) => a.targetInfo.type === 'worker');
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

async function browserFigures(url, origin, profileDir, part) {
  const chromium = new ChromiumProcess(env.CHROMIUM || 'chromium', profileDir, path.join(tmp, 'chromium.log'), STEP_MS);
  const { browser, context } = await chromium.launch();
  try {
    const page = context.pages()[0] || (await context.newPage());
    await page.goto(origin + '/');
    const opened = await page.evaluate(async () => {
      const { open } = await import('/passerelle.mjs');
      window.db = await open();
      return window.db.storage;
    });
    if (opened !== 'opfs') throw new Error('the browser device is not on OPFS but ' + opened);
    const port = fs.readFileSync(path.join(profileDir, 'DevToolsActivePort'), 'utf8').split('\n')[0].trim();
    const profiler = await workerProfiler(port);
    const who = part === 'pull' ? PULLER : PUSHER;
    await page.evaluate(async ({ url, who }) => { await window.db.signIn(url, who.email, who.password); }, { url, who });
    // One sync round to up to date, timed in the page (from startSync to the up_to_date state).
    const round = () => page.evaluate(async () => {
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
    });
    let result;
    if (part === 'pull') {
      await profiler.start();
      const seconds = await round();
      const profile = await profiler.stop();
      const messages = (await page.evaluate(() => window.db.rows('messages'))).length;
      fs.writeFileSync(path.join(path.dirname(env.OUT), 'browser-pull.cpuprofile'), JSON.stringify(profile));
      result = { messages, seconds, profile: buckets(profile) };
    } else {
      await round(); // the first pull: the pusher's thread
      const queued = await page.evaluate(async (n) => {
        const thread = (await window.db.rows('threads'))[0].id;
        const t0 = performance.now();
        for (let i = 0; i < n; i++)
          await window.db.mutate('message.send', { id: crypto.randomUUID(), thread_id: thread, body: `pushed message ${i} `.padEnd(200, '.') });
        return (performance.now() - t0) / 1000;
      }, PUSH_OPS);
      await profiler.start();
      const seconds = await round();
      const profile = await profiler.stop();
      fs.writeFileSync(path.join(path.dirname(env.OUT), 'browser-push.cpuprofile'), JSON.stringify(profile));
      result = { ops: PUSH_OPS, queue_seconds: queued, round_seconds: seconds, profile: buckets(profile) };
    }
    profiler.close();
    await page.evaluate(() => window.db.close && window.db.close()).catch(() => {});
    return result;
  } finally {
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
function nativePushHere(url) {
  const json = path.join(tmp, 'native-here.json');
  const args = ['push', '--server-binary', env.PASSERELLE_SERVER, '--server', url, '--server-db', `sqlite:${path.join(tmp, 'db.sqlite')}`, '--pairs', '1',
    '--push-ops', String(PUSH_OPS), '--body-bytes', '200', '--quiet', '--json', json];
  return new Promise((resolve) => {
    const child = spawn(env.PASSERELLE_BENCH, args, { stdio: ['ignore', 'ignore', fs.openSync(path.join(tmp, 'native-here.log'), 'a')] });
    child.on('exit', (code) => {
      let push = null;
      try { push = JSON.parse(fs.readFileSync(json, 'utf8')).results?.push ?? null; } catch { /* reported below */ }
      if (code !== 0 || !push) log('the native push against this server failed (see', path.join(tmp, 'native-here.log') + ')');
      resolve(push);
    });
  });
}

// --- the run ---------------------------------------------------------------------------------------

async function main() {
  const native = JSON.parse(fs.readFileSync(env.NATIVE_JSON, 'utf8'));
  const www = path.join(tmp, 'www');
  prepareWebRoot(env.WASM_WEB_DIR, www, 'Passerelle web bench');
  const statics = await startStaticServer(www);
  const origin = `http://127.0.0.1:${statics.address().port}`;
  const url = await startServer(origin);
  log('server at', url, '; page at', origin);
  await seed(url, PULL_ROWS);

  // SKIP_NODE=1: the browser against native only (quicker before/after runs).
  let node = null;
  if (env.SKIP_NODE !== '1') {
    log('WebAssembly in Node...');
    node = await nodeFigures(url);
  }
  log('Chromium: pull...');
  const browserPull = await browserFigures(url, origin, path.join(tmp, 'profile-pull'), 'pull');
  log('Chromium: push...');
  const browserPush = await browserFigures(url, origin, path.join(tmp, 'profile-push'), 'push');
  // The native push again, against this server (its seeded rows, its demo accounts), right
  // after the browser's: the two rounds then wait on the same server, so the browser's wait is
  // told apart from this server's answer time (passerelle-bench's own server above is fresh).
  let nativeHere = null;
  if (env.PASSERELLE_BENCH) {
    log('native push against this server...');
    nativeHere = await nativePushHere(url);
  }
  // The same round trips from Node and from a Chromium Worker, one after the other, twice.
  log('round trips, Node and a Chromium Worker...');
  const rtt = [];
  for (let i = 0; i < 2; i++)
    rtt.push({ node: await roundTrips(url, PUSHER.email, PUSHER.password, 100), worker: await roundTripsInWorker(origin, url, PUSHER, 100) });
  log('round trips (median ms, Node / Chromium Worker): ' + rtt.map((r) => `${r.node.median_ms.toFixed(1)} / ${r.worker.median_ms.toFixed(1)}`).join(', '));
  log('Chromium: one OPFS write...');
  const opfs = await opfsProbe(origin, path.join(tmp, 'profile-probe'));
  statics.close();

  const nPull = native.results?.pull ?? {};
  const nPush = native.results?.push ?? {};
  const rate = (n, s) => (s > 0 ? n / s : 0);
  const figures = {
    pull_rows_per_s: {
      native: rate(nPull.rows, nPull.seconds),
      wasm_node: node ? rate(node.pull.messages, node.pull.seconds) : null,
      browser: rate(browserPull.messages, browserPull.seconds),
    },
    push_ops_per_s: {
      native: rate(PUSH_OPS, nPush.sync_round_seconds),
      wasm_node: node ? rate(PUSH_OPS, node.push.round_seconds) : null,
      browser: rate(PUSH_OPS, browserPush.round_seconds),
    },
    push_same_server_ops_per_s: {
      native: nativeHere ? rate(PUSH_OPS, nativeHere.sync_round_seconds) : 0,
      wasm_node: null,
      browser: rate(PUSH_OPS, browserPush.round_seconds),
    },
    queue_ops_per_s: {
      native: rate(PUSH_OPS, nPush.queue_seconds),
      wasm_node: node ? rate(PUSH_OPS, node.push.queue_seconds) : null,
      browser: rate(PUSH_OPS, browserPush.queue_seconds),
    },
  };
  for (const f of Object.values(figures)) f.browser_to_native = f.native > 0 ? f.browser / f.native : null;
  const out = { pull_rows: PULL_ROWS, push_ops: PUSH_OPS, load: os.loadavg(), figures, native: { pull: nPull, push: nPush, push_same_server: nativeHere }, node, browser: { pull: browserPull, push: browserPush, opfs_probe: opfs }, round_trips: rtt };
  fs.writeFileSync(env.OUT, JSON.stringify(out, null, 2) + '\n');

  const f0 = (x) => (x >= 100 ? Math.round(x).toLocaleString('en') : x.toFixed(1));
  console.log('\n| figure | native | WebAssembly in Node | browser (Chromium, OPFS) | browser / native |');
  console.log('|---|---|---|---|---|');
  for (const [k, f] of Object.entries(figures))
    console.log(`| ${k.replace(/_/g, ' ')} | ${f0(f.native)} | ${f.wasm_node === null ? '-' : f0(f.wasm_node)} | ${f0(f.browser)} | ${(100 * f.browser_to_native).toFixed(0)} % |`);
  for (const [what, r] of [['pull', browserPull], ['push', browserPush]]) {
    console.log(`\nWorker CPU during the browser's ${what} (self time; busy ${r.profile.busy_ms} ms):`);
    for (const [k, v] of Object.entries(r.profile.buckets)) console.log(`  ${k}: ${v.ms} ms${v.percent_of_busy !== null ? ` (${v.percent_of_busy} % of busy)` : ''}`);
    console.log('  hottest functions: ' + r.profile.hottest.map((h) => `${h.function} ${h.ms} ms`).join(', '));
    console.log('  OPFS calls: ' + Object.entries(r.profile.opfs_calls).map(([f, c]) => `${f} ${c.calls} × ${c.us_per_call ?? '?'} µs`).join(', '));
  }
  console.log(`\nOne 4 KiB OPFS write: ${opfs.append_us.toFixed(1)} µs appending, ${opfs.overwrite_us.toFixed(1)} µs overwriting, ` +
    `${opfs.preallocated_us.toFixed(1)} µs into a file truncated to size first; flush ${opfs.flush_us.toFixed(1)} µs`);
}

const killAll = () => { for (const c of children) try { c.kill('SIGKILL'); } catch { /* gone */ } };
main().then(() => { killAll(); fs.rmSync(tmp, { recursive: true, force: true }); process.exit(0); },
  (e) => { console.error(e); killAll(); console.error('kept', tmp); process.exit(1); });
