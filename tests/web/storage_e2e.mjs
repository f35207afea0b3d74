// The WebAssembly core's durable storage in a real browser (docs/bindings.md, "Durable
// storage"): headless Debian Chromium on a profile folder of its own, started by this script
// and driven over the DevTools protocol by playwright-core, the page and the core served by the
// real passerelle-server from the wasm build's bindings/web folder.
//
//   1. writes in the Worker land in OPFS; they survive a page reload;
//   2. a second tab of the origin is refused, saying another tab has the database;
//   3. a write reported as queued survives SIGKILL of every Chromium process, Chromium then
//      relaunched on the same profile folder;
//   4. the IndexedDB fallback keeps its writes across a reload too;
//   5. errors reach the page as {code, origin, message}.
//
// Environment: PASSERELLE_SERVER, WASM_WEB_DIR (<build-wasm>/bindings/web), CHROMIUM (optional).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChromiumProcess, check, prepareWebRoot, runTest } from './harness.mjs';

const SERVER = process.env.PASSERELLE_SERVER;
const WASM_WEB_DIR = process.env.WASM_WEB_DIR;
const CHROMIUM = process.env.CHROMIUM || 'chromium';
const STEP_MS = 30000;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-storage-'));
const profile = path.join(tmp, 'profile');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const browserProcess = new ChromiumProcess(CHROMIUM, profile, path.join(tmp, 'chromium.log'), STEP_MS);
const launchChromium = () => browserProcess.launch();
const killChromium = () => browserProcess.kill();

// Opens the account in the page, waiting while a previous page's Worker still holds the Web
// Lock (a reload tears the old page down in the background): a bounded number of tries.
async function openIn(page, userId, storage = 'auto') {
  return page.evaluate(async ({ userId, storage }) => {
    const { open } = await import('/passerelle.mjs');
    for (let i = 0; ; i++) {
      try {
        window.db = await open({ userId, role: 'coach', storage });
        return { storage: window.db.storage };
      } catch (e) {
        if (e.code !== 'conflict' || i >= 40) return { error: { code: e.code, origin: e.origin, message: e.message } };
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }, { userId, storage });
}

const state = (page) => page.evaluate(async () => ({
  bodies: (await window.db.rows('messages')).map((m) => m.body),
  pending: await window.db.pendingCount(),
}));

function uuid() { return crypto.randomUUID(); }

let server;
async function main() {
  const www = path.join(tmp, 'www');
  prepareWebRoot(WASM_WEB_DIR, www, 'storage test');

  const ready = path.join(tmp, 'ready');
  server = spawn(SERVER, ['serve', '--listen', '127.0.0.1:0', '--ready-file', ready,
    '--db', `sqlite:${path.join(tmp, 'db.sqlite')}`, '--mail-dir', path.join(tmp, 'mail'), '--web-root', www],
  { stdio: ['ignore', 'ignore', fs.openSync(path.join(tmp, 'server.log'), 'w')] });
  for (let i = 0; i < 300 && !fs.existsSync(ready); i++) await sleep(100);
  if (!fs.existsSync(ready)) throw new Error('the server did not start (see ' + path.join(tmp, 'server.log') + ')');
  const url = `http://${fs.readFileSync(ready, 'utf8').trim()}/`;

  const wasm = await fetch(url + 'passerelle-core.wasm');
  check('the server serves .wasm as application/wasm', wasm.headers.get('content-type') === 'application/wasm',
    wasm.headers.get('content-type'));
  const mjs = await fetch(url + 'passerelle.mjs');
  check('the server serves .mjs as JavaScript', (mjs.headers.get('content-type') || '').startsWith('text/javascript'));
  check('static files carry a validator a service worker can revalidate with',
    !!wasm.headers.get('etag') && /no-cache/.test(wasm.headers.get('cache-control') || ''), JSON.stringify([...wasm.headers]));
  const again = await fetch(url + 'passerelle-core.wasm', { headers: { 'If-None-Match': wasm.headers.get('etag') || '' } });
  check('an unchanged file answers 304 to its ETag', again.status === 304, String(again.status));

  const coach = uuid(), candidate = uuid(), thread = uuid();
  let { browser, context } = await launchChromium();
  let page = context.pages()[0] || await context.newPage();
  page.on('pageerror', (e) => console.log('page error:', e.message));
  await page.goto(url);

  // 1. Writes in OPFS, then a reload.
  const opened = await openIn(page, coach);
  check('the core opens its database in OPFS', opened.storage === 'opfs', JSON.stringify(opened));
  const sent = await page.evaluate(async ({ coach, candidate, thread }) => {
    await window.db.mutate('caseload.assign', { candidate_id: candidate, coach_id: coach, thread_id: thread });
    const bodies = [];
    for (let i = 0; i < 5; i++) {
      bodies.push(`message ${i} écrit hors ligne 🙂`);
      await window.db.mutate('message.send', { id: crypto.randomUUID(), thread_id: thread, body: bodies[i] });
    }
    return bodies;
  }, { coach, candidate, thread });
  let now = await state(page);
  check('five writes are in the view and six ops queued', now.bodies.length === 5 && now.pending === 6, JSON.stringify(now));

  // 2. A second tab is told.
  const second = await context.newPage();
  await second.goto(url);
  const refused = await second.evaluate(async (userId) => {
    const { open } = await import('/passerelle.mjs');
    try { await open({ userId, role: 'coach' }); return { opened: true }; } catch (e) { return { code: e.code, origin: e.origin, message: e.message }; }
  }, coach);
  check('a second tab is refused with a clear message', refused.code === 'conflict' && refused.origin === 'usage' &&
    /another tab/.test(refused.message || ''), JSON.stringify(refused));
  await second.close();

  await page.reload();
  const reopened = await openIn(page, coach);
  now = await state(page);
  check('after a reload the writes are still there, still queued', reopened.storage === 'opfs' &&
    JSON.stringify(now.bodies.slice().sort()) === JSON.stringify(sent.slice().sort()) && now.pending === 6, JSON.stringify(now));

  // 5. An error as {code, origin, message}.
  const bad = await page.evaluate(async () => {
    try { await window.db.mutate('message.send', { id: 'not-a-uuid', thread_id: 'x', body: 'x' }); return null; } catch (e) { return { code: e.code, origin: e.origin, message: e.message }; }
  });
  check('a refused write rejects with {code, origin, message}', bad && bad.code === 'bad_request' && bad.origin === 'usage' &&
    /args\.id/.test(bad.message), JSON.stringify(bad));

  // 3. A queued write, then SIGKILL of Chromium, relaunched on the same profile.
  await page.evaluate(async (thread) => {
    await window.db.mutate('message.send', { id: crypto.randomUUID(), thread_id: thread, body: 'écrit juste avant le kill' });
  }, thread);
  await browser.close().catch(() => {}); // the CDP connection only: Chromium keeps running
  await killChromium();
  ({ browser, context } = await launchChromium());
  page = context.pages()[0] || await context.newPage();
  await page.goto(url);
  const afterKill = await openIn(page, coach);
  now = await state(page);
  check('after SIGKILL and a relaunch on the same profile the queued write is there', afterKill.storage === 'opfs' &&
    now.bodies.length === 6 && now.bodies.includes('écrit juste avant le kill') && now.pending === 7, JSON.stringify(now));

  // 4. The IndexedDB fallback, across a reload.
  await page.evaluate(async () => { await window.db.close(); });
  const other = uuid(), otherThread = uuid();
  const idb = await openIn(page, other, 'indexeddb');
  await page.evaluate(async ({ other, otherThread }) => {
    await window.db.mutate('caseload.assign', { candidate_id: crypto.randomUUID(), coach_id: other, thread_id: otherThread });
    await window.db.mutate('message.send', { id: crypto.randomUUID(), thread_id: otherThread, body: 'dans IndexedDB' });
  }, { other, otherThread });
  await page.reload();
  const idbAgain = await openIn(page, other, 'indexeddb');
  now = await state(page);
  check('the IndexedDB fallback keeps its writes across a reload', idb.storage === 'indexeddb' && idbAgain.storage === 'indexeddb' &&
    now.bodies.length === 1 && now.bodies[0] === 'dans IndexedDB' && now.pending === 2, JSON.stringify(now));

  // 6. A Worker and a compiled module that the page started itself (as the phone app's
  //    index.html does), then a compilation that failed: the Worker fetches the module itself.
  await page.evaluate(async () => { await window.db.close(); });
  const early = await page.evaluate(async ({ coach }) => {
    const { open } = await import('/passerelle.mjs');
    const openRetrying = async (makeOptions) => { // a fresh Worker for each try: a refused open() ends its own
      for (let i = 0; ; i++) {
        try { return await open(makeOptions()); } catch (e) {
          if (e.code !== 'conflict' || i >= 40) throw e;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    };
    const out = {};
    let db = await openRetrying(() => ({ userId: coach, role: 'coach', worker: new Worker('/worker.mjs', { type: 'module' }),
      wasm: WebAssembly.compileStreaming(fetch('/passerelle-core.wasm')) }));
    out.given = { storage: db.storage, messages: (await db.rows('messages')).length };
    await db.close();
    db = await openRetrying(() => ({ userId: coach, role: 'coach', wasm: Promise.reject(new Error('compilation failed')) }));
    out.fallback = { storage: db.storage, messages: (await db.rows('messages')).length };
    await db.close();
    return out;
  }, { coach }).catch((e) => ({ error: String(e.message || e) }));
  check('the core opens with the Worker and module the page started', early.given && early.given.storage === 'opfs' &&
    early.given.messages === 6, JSON.stringify(early));
  check('... and with a failed compilation, by fetching the module itself', early.fallback &&
    early.fallback.storage === 'opfs' && early.fallback.messages === 6, JSON.stringify(early));
  await browser.close().catch(() => {});
}

await runTest('storage test', tmp, main, {
  cleanup: async () => { await killChromium(); if (server) server.kill('SIGTERM'); },
  onSignal: () => { browserProcess.killNow(); if (server) server.kill('SIGTERM'); },
});
