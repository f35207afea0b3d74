// The sync engine in a real browser (docs/bindings.md, "The web binding"): headless Debian
// Chromium on a profile folder of its own, the real passerelle-server (with its --demo
// accounts) on a loopback port. The page and the core are served by a static file server of
// this script on another port (the page must reload while passerelle-server is down), an
// origin passerelle-server is told to allow. The Worker is the engine's browser driver: its
// own WebSocket and timers, every rule in the .wasm.
//
//   1. sign in, first pull (its progress in the sync state), a write, sync: the server has the
//      write exactly once;
//   2. the server process stopped: 20 writes, a page reload, the 20 still queued; the server
//      back on the same port and database: each applied exactly once;
//   3. a queued write, Chromium SIGKILLed and relaunched on the same profile: still queued,
//      then applied exactly once; SIGKILLed again after that round: the answer and the rows
//      it pulled (committed without a sync) are still there;
//   4. after sign-out, an invitation (created by the demo coach, its token read from the
//      e-mail the server wrote) accepted in the page: a new account, signed in, syncing.
// "Exactly once" is read in the server's database (sqlite3): one sync_ops entry per op id and
// one message row per write.
//
// Environment: PASSERELLE_SERVER, WASM_WEB_DIR (<build-wasm>/bindings/web), CHROMIUM (optional).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { ChromiumProcess, check, prepareWebRoot, reserveLoopbackAddress, runTest, openDevice, settleDevice } from './harness.mjs';

const SERVER = process.env.PASSERELLE_SERVER;
const WASM_WEB_DIR = process.env.WASM_WEB_DIR;
const CHROMIUM = process.env.CHROMIUM || 'chromium';
const STEP_MS = 30000;
const EMAIL = 'amina.benali@demo.passerelle.quebec';
const PASSWORD = 'demo-candidate-2026';
// Short bounds so that a reconnection after the server comes back is quick.
const SYNC_OPTIONS = { request_timeout_ms: 5000, backoff_min_ms: 100, backoff_max_ms: 1000 };

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-sync-'));
const profile = path.join(tmp, 'profile');
const dbFile = path.join(tmp, 'db.sqlite');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let staticServer = null;
const browserProcess = new ChromiumProcess(CHROMIUM, profile, path.join(tmp, 'chromium.log'), STEP_MS);
const launchChromium = () => browserProcess.launch();
const killChromium = () => browserProcess.kill();

const mime = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
function startStaticServer(www) {
  const s = http.createServer((req, res) => {
    const name = req.url === '/' ? 'index.html' : path.basename(req.url.split('?')[0]);
    const file = path.join(www, name);
    if (!fs.existsSync(file)) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'Content-Type': mime[path.extname(file)] || 'application/octet-stream', 'Cache-Control': 'no-cache' });
    res.end(fs.readFileSync(file));
  });
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}

let server = null;
let pageOrigin = '';
async function startServer(listen, www) {
  const ready = path.join(tmp, 'ready');
  fs.rmSync(ready, { force: true });
  // --scrypt-log2n 10: the demo accounts' password hashes are cheap to make (a test, not a
  // deployment), so seeding them stays short on a loaded machine.
  server = spawn(SERVER, ['serve', '--listen', listen, '--ready-file', ready, '--demo', '--scrypt-log2n', '10',
    '--db', `sqlite:${dbFile}`, '--mail-dir', path.join(tmp, 'mail'), '--allowed-origins', pageOrigin],
  { stdio: ['ignore', 'ignore', fs.openSync(path.join(tmp, 'server.log'), 'a')] });
  for (let i = 0; i < 900 && !fs.existsSync(ready); i++) await sleep(100);
  if (!fs.existsSync(ready)) throw new Error('the server did not start (see ' + path.join(tmp, 'server.log') + ')');
  return fs.readFileSync(ready, 'utf8').trim();
}
function stopServer() {
  return new Promise((resolve) => {
    if (!server || server.exitCode !== null) return resolve();
    server.once('exit', () => resolve());
    server.kill('SIGTERM');
  });
}

// What the server's database holds: how many times each op id was applied and each body stored.
function onServer(opIds, bodies) {
  const q = (sql) => execFileSync('sqlite3', ['-readonly', dbFile, sql], { encoding: 'utf8' }).trim();
  const lit = (s) => `'${s.replace(/'/g, "''")}'`;
  const ops = opIds.map((id) => Number(q(`SELECT count(*) FROM sync_ops WHERE op_id = ${lit(id)} AND status = 'applied'`)));
  const rows = bodies.map((b) => Number(q(`SELECT count(*) FROM sync_rows WHERE collection = 'messages' AND deleted = 0 AND json_extract(data, '$.body') = ${lit(b)}`)));
  return { ops, rows, once: ops.every((n) => n === 1) && rows.every((n) => n === 1) };
}

const write = (page, thread, bodies) => page.evaluate(async ({ thread, bodies }) => {
  const ids = [];
  for (const body of bodies) ids.push(await window.db.mutate('message.send', { id: crypto.randomUUID(), thread_id: thread, body }));
  return ids;
}, { thread, bodies });

async function main() {
  const www = path.join(tmp, 'www');
  prepareWebRoot(WASM_WEB_DIR, www, 'sync test');
  staticServer = await startStaticServer(www);
  pageOrigin = `http://127.0.0.1:${staticServer.address().port}`;
  const url = `${pageOrigin}/`;
  const hostPort = await startServer(await reserveLoopbackAddress(), www);  // kept across restarts
  const serverUrl = `http://${hostPort}`;

  let { browser, context } = await launchChromium();
  let page = context.pages()[0] || await context.newPage();
  page.on('pageerror', (e) => console.log('page error:', e.message));
  await page.goto(url);

  // 1. Sign in, first pull, one write.
  const opened = await openDevice(page, { watch: true });
  check('a fresh device has nobody signed in', opened.account === null, JSON.stringify(opened));
  const badLogin = await page.evaluate(async ({ url, email }) => {
    try { await window.db.signIn(url, email, 'not the password'); return null; } catch (e) { return { code: e.code, origin: e.origin, message: e.message }; }
  }, { url: serverUrl, email: EMAIL });
  check('a wrong password rejects with the server\'s {code, origin, message}', badLogin && badLogin.code === 'unauthenticated' &&
    badLogin.origin === 'server', JSON.stringify(badLogin));
  const account = await page.evaluate(async ({ url, email, password }) => window.db.signIn(url, email, password), { url: serverUrl, email: EMAIL, password: PASSWORD });
  check('sign-in answers the account', account.user && account.user.email === EMAIL && account.user.role === 'candidate', JSON.stringify(account));
  await page.evaluate(async (o) => {
    window.changes = 0;
    window.db.observe(() => { window.changes++; });
    await window.db.startSync(o);
  }, SYNC_OPTIONS);
  let st = await settleDevice(page);
  const pulled = await page.evaluate(async () => ({
    threads: await window.db.rows('threads'), messages: await window.db.rows('messages'), changes: window.changes, states: window.states,
    pulledRows: window.pulledRows,
  }));
  check('the first pull brings the thread and its messages, observers are told', st.state === 'up_to_date' && pulled.threads.length === 1 &&
    pulled.messages.length >= 4 && pulled.changes > 0 && !!st.last_synced_at && pulled.states.includes('syncing'), JSON.stringify({ st, n: pulled.messages.length, changes: pulled.changes, states: pulled.states }));
  check('the first pull shows its progress (rows pulled) in the sync state', pulled.pulledRows >= pulled.messages.length, String(pulled.pulledRows));
  const thread = pulled.threads[0].id;
  const first = [`écrit dans Chromium ${Date.now()}`];
  const firstIds = await write(page, thread, first);
  st = await settleDevice(page);
  let there = onServer(firstIds, first);
  check('one write reaches the server exactly once', st.pending_ops === 0 && there.once, JSON.stringify({ st, there }));

  // 2. The server stopped for real: 20 writes, a reload, the server back.
  await stopServer();
  const offline = await page.evaluate(async () => {
    for (let i = 0; i < 100; i++) {
      const s = await window.db.syncStatus();
      if (!s.online) return s;
      await new Promise((r) => setTimeout(r, 100));
    }
    return await window.db.syncStatus();
  });
  check('the engine notices the server is gone', offline.online === false && !!offline.last_error && offline.last_error.origin === 'network', JSON.stringify(offline));
  const twenty = Array.from({ length: 20 }, (_, i) => `hors ligne ${i} ${Date.now()}`);
  const twentyIds = await write(page, thread, twenty);
  await page.reload();
  const reopened = await openDevice(page, { watch: true });
  const queued = await page.evaluate(async () => (await window.db.syncStatus()).pending_ops);
  check('after a reload the device is still signed in and the 20 writes are still queued',
    reopened.account && reopened.account.user.email === EMAIL && queued === 20, JSON.stringify({ reopened, queued }));
  await startServer(hostPort, www);
  await page.evaluate(async (o) => window.db.startSync(o), SYNC_OPTIONS);
  st = await settleDevice(page);
  there = onServer([...firstIds, ...twentyIds], [...first, ...twenty]);
  check('the server back on the same port and database: each of the 20 applied exactly once',
    st.pending_ops === 0 && there.once, JSON.stringify({ st, there }));

  // 3. A queued write, then SIGKILL of Chromium and a relaunch on the same profile.
  await page.evaluate(async () => window.db.stopSync());
  const last = [`juste avant le kill ${Date.now()}`];
  const lastIds = await write(page, thread, last);
  await browser.close().catch(() => {}); // the CDP connection only: Chromium keeps running
  await killChromium();
  ({ browser, context } = await launchChromium());
  page = context.pages()[0] || await context.newPage();
  await page.goto(url);
  const afterKill = await openDevice(page, { watch: true });
  const stillQueued = await page.evaluate(async () => (await window.db.syncStatus()).pending_ops);
  check('after SIGKILL and a relaunch the write is still queued', afterKill.account && stillQueued === 1, JSON.stringify({ afterKill, stillQueued }));
  await page.evaluate(async (o) => window.db.startSync(o), SYNC_OPTIONS);
  st = await settleDevice(page);
  there = onServer([...firstIds, ...twentyIds, ...lastIds], [...first, ...twenty, ...last]);
  check('... and then arrives exactly once', st.pending_ops === 0 && there.once, JSON.stringify({ st, there }));
  // What a round committed without a sync (the push's answer, the rows pulled back) was handed
  // to OPFS before the Worker went idle (opfs_vfs.c gathers writes only within one call): a
  // SIGKILL now finds the op answered, not queued again.
  await page.evaluate(async () => window.db.stopSync());
  const beforeSecondKill = await page.evaluate(async () => (await window.db.rows('messages')).length);
  await browser.close().catch(() => {});
  await killChromium();
  ({ browser, context } = await launchChromium());
  page = context.pages()[0] || await context.newPage();
  await page.goto(url);
  await openDevice(page, { watch: true });
  const afterSecondKill = await page.evaluate(async () => ({
    pending: (await window.db.syncStatus()).pending_ops, messages: (await window.db.rows('messages')).length }));
  check('after a round and another SIGKILL the answered op is not queued again and the rows are there',
    afterSecondKill.pending === 0 && afterSecondKill.messages === beforeSecondKill, JSON.stringify({ beforeSecondKill, afterSecondKill }));

  const out = await page.evaluate(async () => { await window.db.stopSync(); return window.db.signOut(); });
  check('sign-out says someone was signed in', out === true);

  // 4. An invitation, accepted in the browser. The coach invites over a plain WebSocket (the
  // test's, not the binding's); the token comes from the e-mail in --mail-dir.
  const invitee = `invitee.${Date.now()}@example.org`;
  const invited = await page.evaluate(async ({ wsUrl, invitee }) => {
    const ws = new WebSocket(wsUrl);
    const answers = [];
    const requests = [{ id: 1, type: 'hello', protocol: 1 },
      { id: 2, type: 'auth.login', email: 'coach.gagnon@demo.passerelle.quebec', password: 'demo-coach-2026' },
      { id: 3, type: 'invite.create', email: invitee, role: 'candidate' }];
    return new Promise((resolve) => {
      ws.onopen = () => ws.send(JSON.stringify(requests[0]));
      ws.onmessage = (m) => {
        answers.push(JSON.parse(m.data));
        if (answers.length === requests.length) { ws.close(); resolve(answers[2]); } else ws.send(JSON.stringify(requests[answers.length]));
      };
      ws.onclose = () => resolve(answers[answers.length - 1] || null);
    });
  }, { wsUrl: `ws://${hostPort}/v1/ws`, invitee });
  let token = null;
  for (let i = 0; i < 100 && !token; i++) {
    for (const f of fs.existsSync(path.join(tmp, 'mail')) ? fs.readdirSync(path.join(tmp, 'mail')) : []) {
      // quoted-printable: soft line breaks joined again
      const text = fs.readFileSync(path.join(tmp, 'mail', f), 'utf8').replace(/=\r?\n/g, '');
      if (!text.includes(invitee)) continue;
      const m = text.match(/\/invite#([A-Za-z0-9_-]{20,})/);
      if (m) token = m[1];
    }
    if (!token) await sleep(100);
  }
  check('the coach\'s invitation is mailed with its token', invited && invited.ok && !!token, JSON.stringify({ invited, token: !!token }));
  const accepted = await page.evaluate(async ({ serverUrl, token }) => {
    try {
      const account = await window.db.acceptInvite(serverUrl, token, 'Nouvelle Candidate', 'un mot de passe assez long');
      await window.db.startSync({ request_timeout_ms: 5000, backoff_min_ms: 100, backoff_max_ms: 1000 });
      let s;
      for (let i = 0; i < 200; i++) {
        s = await window.db.syncStatus();
        if (s.state === 'up_to_date') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await window.db.stopSync();
      return { account, s };
    } catch (e) { return { error: { code: e.code, origin: e.origin, message: e.message } }; }
  }, { serverUrl, token });
  check('the invitation accepted in the browser: a new account, signed in and synced', accepted.account &&
    accepted.account.user.email === invitee && accepted.account.user.role === 'candidate' && accepted.s.state === 'up_to_date',
  JSON.stringify(accepted));
  const reused = await page.evaluate(async ({ serverUrl, token }) => {
    await window.db.signOut();
    try { await window.db.acceptInvite(serverUrl, token, 'Encore', 'un mot de passe assez long'); return null; } catch (e) { return { code: e.code, origin: e.origin }; }
  }, { serverUrl, token });
  check('an invitation used once is refused by the server', reused && reused.origin === 'server', JSON.stringify(reused));
  await browser.close().catch(() => {});
}

await runTest('sync test', tmp, main, {
  cleanup: async () => {
    await killChromium();
    await stopServer();
    if (staticServer) staticServer.close();
  },
  onSignal: () => {
    browserProcess.killNow();
    if (server) server.kill('SIGTERM');
  },
});
