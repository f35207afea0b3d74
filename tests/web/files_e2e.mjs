// The web binding's messages, files, computed views and online requests in a real browser
// (docs/bindings.md, "The web binding"): headless Debian Chromium, the real passerelle-server
// (--demo accounts) and the native CLI as the other people and as the reference.
//
// The page and the server share one origin, as in a deployment (the app is served by the
// server): this script's proxy serves the page's files itself and passes /v1/ (WebSocket and
// blobs) to passerelle-server, so the page still loads while the server is stopped, and every
// PUT of a blob is counted on its way.
//
//   1. sign in, first pull: get, threads, unreadTotal, threadMessages;
//   2. a 50 MB file and an .exe are refused with clear errors, and nothing queued is lost; a
//      message whose text is refused writes none of its files;
//   3. the server stopped: a message with a PDF is queued, the page reloaded, the message and
//      its file still there; the server back: the PDF is uploaded once, then the message pushed
//      once with it; fileBlob gives the same bytes; the coach (CLI) downloads them; a file the
//      coach attaches is downloaded by the page (fileBlob, GET with the token);
//   4. markRead: the unread count goes to 0 and the receipt reaches the server;
//   5. slots, planProgress, personTimeZone and meetingIcs answer what the native CLI computes
//      for the same rows (a mentorship proposed by the coach and accepted by the mentor, a
//      meeting booked by the candidate);
//   6. request('account.export') online, and its refusal with origin 'network' offline;
//   7. with the IndexedDB fallback, a downloaded file is still on the device after a reload.
//
// Environment: PASSERELLE_SERVER, PASSERELLE_CLI, WASM_WEB_DIR (<build-wasm>/bindings/web),
// CHROMIUM (optional).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ChromiumProcess, check, prepareWebRoot, reserveLoopbackAddress, runTest, openDevice, settleDevice } from './harness.mjs';

const SERVER = process.env.PASSERELLE_SERVER;
const CLI = process.env.PASSERELLE_CLI;
const WASM_WEB_DIR = process.env.WASM_WEB_DIR;
const CHROMIUM = process.env.CHROMIUM || 'chromium';
const STEP_MS = 30000;
const AMINA = { email: 'amina.benali@demo.passerelle.quebec', password: 'demo-candidate-2026' };
const COACH = { email: 'coach.gagnon@demo.passerelle.quebec', password: 'demo-coach-2026' };
const ROY = { email: 'mentor.roy@demo.passerelle.quebec', password: 'demo-mentor-2026' };
const SYNC_OPTIONS = { request_timeout_ms: 5000, backoff_min_ms: 100, backoff_max_ms: 1000 };

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-files-'));
const dbFile = path.join(tmp, 'db.sqlite');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const browserProcess = new ChromiumProcess(CHROMIUM, path.join(tmp, 'profile'), path.join(tmp, 'chromium.log'), STEP_MS);

// --- passerelle-server, and the proxy that gives the page the server's origin -----------------

let server = null;
let backend = '';      // host:port of passerelle-server
let proxy = null;
let proxyOrigin = '';
const blobPuts = [];   // the URL of every PUT /v1/blobs/... the page sent

async function startServer(listen) {
  const ready = path.join(tmp, 'ready');
  fs.rmSync(ready, { force: true });
  server = spawn(SERVER, ['serve', '--listen', listen, '--ready-file', ready, '--demo', '--scrypt-log2n', '10',
    '--db', `sqlite:${dbFile}`, '--mail-dir', path.join(tmp, 'mail'), '--allowed-origins', proxyOrigin],
  { stdio: ['ignore', 'ignore', fs.openSync(path.join(tmp, 'server.log'), 'a')] });
  for (let i = 0; i < 900 && !fs.existsSync(ready); i++) await sleep(100);
  if (!fs.existsSync(ready)) throw new Error('the server did not start (see ' + path.join(tmp, 'server.log') + ')');
  backend = fs.readFileSync(ready, 'utf8').trim();
}
function stopServer() {
  return new Promise((resolve) => {
    if (!server || server.exitCode !== null) return resolve();
    server.once('exit', () => resolve());
    server.kill('SIGTERM');
  });
}

const mime = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
function startProxy(www) {
  const s = http.createServer((req, res) => {
    if (req.url.startsWith('/v1/')) {
      if (req.method === 'PUT' && req.url.startsWith('/v1/blobs/')) blobPuts.push(req.url);
      const [h, p] = backend.split(':');
      const up = http.request({ host: h, port: Number(p), path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      });
      up.on('error', () => res.destroy()); // the server is down: the page sees a network failure
      req.pipe(up);
      return;
    }
    const file = path.join(www, req.url === '/' ? 'index.html' : path.basename(req.url.split('?')[0]));
    if (!fs.existsSync(file)) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'Content-Type': mime[path.extname(file)] || 'application/octet-stream', 'Cache-Control': 'no-cache' });
    res.end(fs.readFileSync(file));
  });
  s.on('upgrade', (req, socket, head) => {
    const [h, p] = backend.split(':');
    const up = net.connect(Number(p), h, () => {
      let text = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2) text += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
      up.write(text + '\r\n');
      up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}

// --- the native CLI: the coach, the mentor and the candidate's reference device -------------

function cli(who, args, input = '') {
  const r = spawnSync(CLI, ['--server', `ws://${backend}`, '--data', path.join(tmp, 'cli-' + who), ...args],
    { input, encoding: 'utf8', timeout: 60000 });
  return { status: r.status, stdout: r.stdout || '', stderr: r.stderr || '' };
}
function login(who, person) { return cli(who, ['login', '--email', person.email], person.password + '\n'); }

function onServer(sql) { return execFileSync('sqlite3', ['-readonly', dbFile, sql], { encoding: 'utf8' }).trim(); }
const lit = (s) => `'${String(s).replace(/'/g, "''")}'`;

// --- the page -----------------------------------------------------------------------------------

// Waits (bounded) until `fn` (run in the page) answers something truthy.
async function until(page, fn, arg) {
  for (let i = 0; i < 200; i++) {
    const v = await page.evaluate(fn, arg);
    if (v) return v;
    await sleep(150);
  }
  return null;
}

// A small PDF (as the server's content check sees one) with random bytes in it.
function pdfBytes(size) {
  const body = crypto.randomBytes(size);
  return Buffer.concat([Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1'), body, Buffer.from('\n%%EOF\n')]);
}

async function main() {
  const www = path.join(tmp, 'www');
  prepareWebRoot(WASM_WEB_DIR, www, 'files test');
  proxy = await startProxy(www);
  proxyOrigin = `http://127.0.0.1:${proxy.address().port}`;
  await startServer(await reserveLoopbackAddress());  // kept across restarts

  const { browser, context } = await browserProcess.launch();
  let page = context.pages()[0] || await context.newPage();
  page.on('pageerror', (e) => console.log('page error:', e.message));
  await page.goto(proxyOrigin + '/');

  // 1. Sign in, first pull, the reads.
  await openDevice(page);
  const account = await page.evaluate(async ({ url, a, o }) => {
    const account = await window.db.signIn(url, a.email, a.password);
    await window.db.startSync(o);
    return account;
  }, { url: proxyOrigin, a: AMINA, o: SYNC_OPTIONS });
  const me = account.user.id;
  await settleDevice(page);
  const reads = await page.evaluate(async () => {
    const threads = await window.db.threads();
    const id = threads[0] && threads[0].id;
    return { threads, row: id ? await window.db.get('threads', id) : null, none: await window.db.get('threads', '00000000-0000-7000-8000-000000000000'),
      unread: await window.db.unreadTotal(), messages: id ? await window.db.threadMessages(id) : [] };
  });
  const thread = reads.threads[0] && reads.threads[0].id;
  check('threads() lists the candidate\'s thread with its summary', reads.threads.length === 1 && typeof reads.threads[0].unread === 'number' &&
    !!reads.threads[0].title && !!reads.threads[0].last_message, JSON.stringify(reads.threads).slice(0, 300));
  check('get() answers a row, or null for an unknown id', reads.row && reads.row.id === thread && reads.none === null, JSON.stringify(reads.row));
  check('threadMessages() gives each message with its state', reads.messages.length >= 4 &&
    reads.messages.every((m) => typeof m.state === 'string' && typeof m.mine === 'boolean' && Array.isArray(m.attachments)), JSON.stringify(reads.messages[0]));
  check('unreadTotal() is the sum of the threads\' unread counts', reads.unread === reads.threads.reduce((n, t) => n + t.unread, 0), String(reads.unread));

  // 2. Files refused: too large, a type the server does not take. Nothing queued is lost.
  const refused = await page.evaluate(async (thread) => {
    await window.db.stopSync();
    const before = await window.db.pendingCount();
    const kept = await window.db.mutate('message.send', { id: crypto.randomUUID(), thread_id: thread, body: 'gardé pendant les refus' });
    const big = new Uint8Array(50 * 1024 * 1024);
    big.set(new TextEncoder().encode('%PDF-1.4\n'));
    const exe = new Uint8Array(4096);
    exe.set([0x4d, 0x5a, 0x90, 0x00]);
    const out = { before, kept };
    try { await window.db.sendMessage(thread, 'trop gros', [{ name: 'scan.pdf', type: 'application/pdf', bytes: big }]); } catch (e) { out.big = { code: e.code, origin: e.origin, message: e.message }; }
    try { await window.db.sendMessage(thread, 'un programme', [{ name: 'setup.exe', type: 'application/x-msdownload', bytes: exe }]); } catch (e) { out.exe = { code: e.code, origin: e.origin, message: e.message }; }
    try { await window.db.addFile({ name: 'setup.exe', type: 'application/x-msdownload', bytes: exe }); } catch (e) { out.exeFile = { code: e.code, origin: e.origin, message: e.message }; }
    // A good file with a text the mutator refuses (over 8 KiB): refused before the file is written.
    const pdf = new TextEncoder().encode('%PDF-1.4\n' + crypto.randomUUID() + '\n%%EOF\n');
    try { await window.db.sendMessage(thread, 'x'.repeat(9000), [{ name: 'lettre.pdf', type: 'application/pdf', bytes: pdf }]); } catch (e) { out.long = { code: e.code, origin: e.origin, message: e.message }; }
    const d = new Uint8Array(await crypto.subtle.digest('SHA-256', pdf));
    out.longSha = [...d].map((x) => x.toString(16).padStart(2, '0')).join('');
    out.after = await window.db.pendingCount();
    return out;
  }, thread);
  check('a 50 MB file is refused, saying the limit', refused.big && refused.big.code === 'too_large' && refused.big.origin === 'usage' &&
    /scan\.pdf/.test(refused.big.message) && /MiB|MB|bytes/.test(refused.big.message), JSON.stringify(refused.big));
  check('an .exe is refused, naming the kinds accepted', refused.exe && refused.exe.code === 'unsupported' && refused.exe.origin === 'usage' &&
    /PDF/.test(refused.exe.message) && refused.exeFile && refused.exeFile.code === 'unsupported', JSON.stringify([refused.exe, refused.exeFile]));
  check('the refusals lose nothing already queued', refused.after === refused.before + 1, JSON.stringify(refused));
  await page.evaluate(async (o) => window.db.startSync(o), SYNC_OPTIONS);
  await settleDevice(page);
  // Not on the device (nor on the server): fileBlob asks the server, which has no such file.
  const notKept = await page.evaluate(async (sha) => { try { await window.db.fileBlob(sha); return null; } catch (e) { return { code: e.code, origin: e.origin }; } }, refused.longSha);
  check('a message whose text is refused writes none of its files', refused.long && refused.long.origin === 'usage' &&
    notKept && notKept.code === 'not_found' && notKept.origin === 'server', JSON.stringify({ long: refused.long, notKept }));

  // 3. A PDF sent while the server is stopped; a reload; the server back.
  await stopServer();
  await until(page, async () => !(await window.db.syncStatus()).online);
  const pdf = pdfBytes(200 * 1024);
  const sha = crypto.createHash('sha256').update(pdf).digest('hex');
  const body = `mon CV ${Date.now()}`;
  const sent = await page.evaluate(async ({ thread, body, pdf }) => {
    const id = await window.db.sendMessage(thread, body, [{ name: 'CV Amina.pdf', type: 'application/pdf', bytes: new Uint8Array(pdf) }]);
    const m = (await window.db.threadMessages(thread)).find((x) => x.id === id);
    return { id, m, pending: await window.db.pendingCount() };
  }, { thread, body, pdf: [...pdf] });
  check('a message with a PDF is queued offline, the file kept on the device', sent.m && sent.m.state === 'queued' &&
    sent.m.attachments.length === 1 && sent.m.attachments[0].sha256 === sha && sent.m.attachments[0].on_device === true &&
    sent.m.attachments[0].type === 'application/pdf' && sent.pending === 1, JSON.stringify(sent));
  await page.reload();
  const reopened = await openDevice(page);
  const afterReload = await page.evaluate(async ({ thread, id }) => {
    const m = (await window.db.threadMessages(thread)).find((x) => x.id === id);
    return { m, pending: await window.db.pendingCount() };
  }, { thread, id: sent.id });
  check('after a reload the message and its file are still queued', reopened.account && afterReload.pending === 1 &&
    afterReload.m && afterReload.m.attachments[0].on_device === true, JSON.stringify({ reopened, afterReload }));
  await startServer(backend);
  await page.evaluate(async (o) => window.db.startSync(o), SYNC_OPTIONS);
  const st = await settleDevice(page);
  const puts = blobPuts.filter((u) => u.endsWith('/' + sha)).length;
  const pushed = Number(onServer(`SELECT count(*) FROM sync_rows WHERE collection = 'messages' AND deleted = 0 AND json_extract(data, '$.body') = ${lit(body)}`));
  const withFile = onServer(`SELECT json_extract(data, '$.attachments[0].sha256') FROM sync_rows WHERE collection = 'messages' AND json_extract(data, '$.body') = ${lit(body)}`);
  check('the server back: the PDF is uploaded once, the message pushed once with it', st.pending_ops === 0 && puts === 1 &&
    pushed === 1 && withFile === sha, JSON.stringify({ st: st.state, pending: st.pending_ops, puts, pushed, withFile }));
  const blob = await page.evaluate(async (sha) => {
    const b = await window.db.fileBlob(sha);
    const d = new Uint8Array(await crypto.subtle.digest('SHA-256', await b.arrayBuffer()));
    return { type: b.type, size: b.size, sha: [...d].map((x) => x.toString(16).padStart(2, '0')).join('') };
  }, sha);
  check('fileBlob gives the same bytes from the device', blob.sha === sha && blob.size === pdf.length && blob.type === 'application/pdf', JSON.stringify(blob));
  login('coach', COACH);
  cli('coach', ['sync']);
  const coachCopy = path.join(tmp, 'coach-copy.pdf');
  const dl = cli('coach', ['download', sha, '--out', coachCopy]);
  check('the coach (another user of the thread) downloads the same bytes', dl.status === 0 && fs.existsSync(coachCopy) &&
    fs.readFileSync(coachCopy).equals(pdf), dl.stderr);
  // The other way: a file the coach attaches, fetched by the page from the server.
  const coachPdf = pdfBytes(64 * 1024);
  const coachSha = crypto.createHash('sha256').update(coachPdf).digest('hex');
  fs.writeFileSync(path.join(tmp, 'guide.pdf'), coachPdf);
  const coachSend = cli('coach', ['send', thread, 'le guide', '--attach', path.join(tmp, 'guide.pdf')]);
  cli('coach', ['sync']);
  const got = await until(page, async (sha) => {
    const all = await window.db.threadMessages((await window.db.threads())[0].id);
    const m = all.find((x) => x.attachments.some((a) => a.sha256 === sha));
    if (!m) return null;
    const before = m.attachments.find((a) => a.sha256 === sha).on_device;
    const b = await window.db.fileBlob(sha);
    const d = new Uint8Array(await crypto.subtle.digest('SHA-256', await b.arrayBuffer()));
    return { before, sha: [...d].map((x) => x.toString(16).padStart(2, '0')).join('') };
  }, coachSha);
  check('a file not on the device is downloaded by fileBlob with the session\'s token', coachSend.status === 0 && got &&
    got.before === false && got.sha === coachSha, JSON.stringify(got) + coachSend.stderr);

  // 4. markRead.
  const read = await page.evaluate(async (thread) => {
    const before = await window.db.unreadTotal();
    await window.db.markRead(thread);
    return { before, after: await window.db.unreadTotal() };
  }, thread);
  await settleDevice(page);
  const receipt = onServer(`SELECT count(*) FROM sync_rows WHERE collection = 'receipts' AND json_extract(data, '$.user_id') = ${lit(me)}`);
  check('markRead: unread goes to 0, the receipt reaches the server', read.before >= 1 && read.after === 0 && Number(receipt) >= 1,
    JSON.stringify({ read, receipt }));

  // 5. The computed views against the native CLI, on the same rows.
  login('roy', ROY);
  login('amina', AMINA);
  const suggested = JSON.parse(cli('coach', ['mentors', 'suggest', '--candidate', me, '--json']).stdout || '[]');
  const royId = (suggested.find((m) => m.name === 'Isabelle Roy') || {}).mentor_id;
  const proposed = cli('coach', ['mentors', 'propose', '--candidate', me, '--mentor', royId || 'unknown']);
  const planned = cli('coach', ['plan', 'create', '--candidate', me]);
  cli('coach', ['sync']);
  cli('roy', ['sync']);
  const msId = (cli('roy', ['mentorships']).stdout.match(/^([0-9a-f]{8})\s+proposed/m) || [])[1];
  const accepted = cli('roy', ['mentorship', 'accept', msId || 'none']);
  cli('roy', ['sync']);
  cli('amina', ['sync']);
  check('the coach starts a plan and proposes a mentorship, the mentor accepts it (CLI)', proposed.status === 0 && planned.status === 0 &&
    accepted.status === 0, proposed.stderr + planned.stderr + accepted.stderr + royId);
  const web = await until(page, async () => {
    try {
      const progress = await window.db.planProgress();
      if (!progress) return null; // the plan is not pulled yet
      return { slots: await window.db.slots(null, 14), progress, zone: await window.db.personTimeZone() };
    } catch (e) { return null; }
  });
  const nativeSlots = JSON.parse(cli('amina', ['slots', '--days', '14', '--json']).stdout || 'null');
  check('slots() are the slots the native core computes', web && nativeSlots && web.slots.length > 0 &&
    JSON.stringify(web.slots.map((s) => [s.start, s.end])) === JSON.stringify(nativeSlots.map((s) => [s.start, s.end])) &&
    web.slots.every((s) => s.mentorship_id && s.time_zone && s.local_start && s.mentor_time_zone), JSON.stringify({ web: web && web.slots.slice(0, 2), nativeSlots: nativeSlots && nativeSlots.slice(0, 2) }));
  const nativePlan = JSON.parse(cli('amina', ['plan', '--json']).stdout || '{}');
  check('planProgress() is the native plan progress', web && JSON.stringify(web.progress) === JSON.stringify(nativePlan.progress),
    JSON.stringify({ web: web && web.progress, native: nativePlan.progress }));
  // Evidence: a file kept and queued by addFile, the step.attach op carrying its reference.
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), crypto.randomBytes(2048)]);
  const pngSha = crypto.createHash('sha256').update(png).digest('hex');
  const evidence = await page.evaluate(async (png) => {
    const file = await window.db.addFile({ name: 'attestation.png', type: 'image/png', bytes: new Uint8Array(png) });
    const step = (await window.db.rows('plan_steps'))[0];
    await window.db.mutate('step.attach', { id: step.id, entry_id: crypto.randomUUID(), kind: 'file', sha256: file.sha256, name: file.name, size: file.size });
    return { file, step: step.id };
  }, [...png]);
  await settleDevice(page);
  const onStep = onServer(`SELECT count(*) FROM sync_rows r, json_each(json_extract(r.data, '$.evidence')) e WHERE r.collection = 'plan_steps' AND r.id = ${lit(evidence.step)} AND json_extract(e.value, '$.sha256') = ${lit(pngSha)}`);
  check('addFile keeps and queues a file; step.attach carrying it is pushed after its one upload', evidence.file.sha256 === pngSha &&
    evidence.file.type === 'image/png' && evidence.file.size === png.length && blobPuts.filter((u) => u.endsWith('/' + pngSha)).length === 1 &&
    Number(onStep) === 1, JSON.stringify({ evidence, onStep }));
  const career = JSON.parse(cli('amina', ['career']).stdout || '{}');
  check('personTimeZone() is the zone of the person\'s profiles', web && web.zone === (career.time_zone || 'UTC'), JSON.stringify({ zone: web && web.zone, career: career.time_zone }));
  // The same slot booked from the page (sync stopped) and from the CLI, which syncs first: the
  // server refuses the page's, a rejection the page then dismisses.
  const slot = web && web.slots[0];
  const mine = await page.evaluate(async (slot) => {
    await window.db.stopSync();
    const id = crypto.randomUUID();
    const op = await window.db.mutate('meeting.request', { id, mentorship_id: slot ? slot.mentorship_id : 'none', start: slot ? slot.start : 'none' });
    return { id, op };
  }, slot);
  const booked = cli('amina', ['book', nativeSlots && nativeSlots[0] ? nativeSlots[0].start : 'none']);
  cli('amina', ['sync']);
  await page.evaluate(async (o) => window.db.startSync(o), SYNC_OPTIONS);
  const rejection = await until(page, async (op) => (await window.db.rejections()).find((r) => r.op_id === op), mine.op);
  const dismissed = rejection ? await page.evaluate(async (op) => {
    await window.db.dismissRejection(op);
    return !(await window.db.rejections()).some((r) => r.op_id === op);
  }, mine.op) : false;
  check('a slot booked twice: the server refuses the page\'s request, dismissRejection clears it', rejection &&
    rejection.name === 'meeting.request' && rejection.error.code === 'conflict' && dismissed, JSON.stringify(rejection));
  const meetingId = await until(page, async (id) => (await window.db.rows('meetings')).find((m) => m.id !== id)?.id, mine.id);
  const ics = meetingId ? await page.evaluate(async (id) => window.db.meetingIcs(id), meetingId) : null;
  const nativeIcs = cli('amina', ['calendar', 'meeting', meetingId || 'none']);
  check('meetingIcs() is the native .ics of the meeting, byte for byte', booked.status === 0 && ics && ics.startsWith('BEGIN:VCALENDAR\r\n') &&
    ics === nativeIcs.stdout, JSON.stringify({ booked: booked.stderr, ics: ics && ics.slice(0, 80), native: nativeIcs.stdout.slice(0, 80) + nativeIcs.stderr }));
  const unknownIcs = await page.evaluate(async () => { try { await window.db.meetingIcs('00000000-0000-7000-8000-000000000000'); return null; } catch (e) { return { code: e.code, origin: e.origin }; } });
  check('meetingIcs() of an unknown meeting rejects with not_found', unknownIcs && unknownIcs.code === 'not_found' && unknownIcs.origin === 'usage', JSON.stringify(unknownIcs));

  // 6. An online request on the session, then offline.
  const exported = await page.evaluate(async () => { try { return { ok: await window.db.request('account.export') }; } catch (e) { return { error: { code: e.code, origin: e.origin, message: e.message } }; } });
  check('request(\'account.export\') answers the export online', exported.ok && typeof exported.ok === 'object' &&
    JSON.stringify(exported.ok).includes(AMINA.email), JSON.stringify(exported).slice(0, 300));
  await stopServer();
  const offline = await page.evaluate(async () => { try { await window.db.request('account.export'); return null; } catch (e) { return { code: e.code, origin: e.origin, message: e.message }; } });
  check('request() offline rejects with origin network', offline && offline.origin === 'network', JSON.stringify(offline));

  // 7. The IndexedDB fallback keeps files too: a download, a reload with the server stopped.
  await startServer(backend);
  const idb = await page.evaluate(async ({ url, a, sha }) => {
    const { open } = await import('/passerelle.mjs');
    await window.db.close();
    window.db = await open({ storage: 'indexeddb' });
    const fresh = window.db.account === null;
    await window.db.signIn(url, a.email, a.password);
    const b = await window.db.fileBlob(sha);
    return { fresh, storage: window.db.storage, size: b.size };
  }, { url: proxyOrigin, a: AMINA, sha });
  await stopServer();
  await page.reload();
  const idbAgain = await page.evaluate(async (sha) => {
    const { open } = await import('/passerelle.mjs');
    for (let i = 0; i < 40; i++) {
      try { window.db = await open({ storage: 'indexeddb' }); break; } catch (e) { await new Promise((r) => setTimeout(r, 250)); }
    }
    const b = await window.db.fileBlob(sha);
    const d = new Uint8Array(await crypto.subtle.digest('SHA-256', await b.arrayBuffer()));
    return { signedIn: !!window.db.account, sha: [...d].map((x) => x.toString(16).padStart(2, '0')).join('') };
  }, sha);
  check('with IndexedDB storage a downloaded file is kept across a reload (read with the server stopped)', idb.fresh &&
    idb.storage === 'indexeddb' && idb.size === pdf.length && idbAgain.signedIn && idbAgain.sha === sha, JSON.stringify({ idb, idbAgain }));
  await browser.close().catch(() => {});
}

await runTest('files test', tmp, main, {
  cleanup: async () => {
    await browserProcess.kill();
    await stopServer();
    if (proxy) proxy.close();
  },
  onSignal: () => {
    browserProcess.killNow();
    if (server) server.kill('SIGTERM');
  },
});
