// What the phone app's browser tests share (issue 19, docs/app.md): the real passerelle-server
// serving web/ and the app at /app/ on a loopback port, which a test can stop and start again on
// the same port and database (a real offline stretch); the coach's and the mentor's side through
// the `passerelle` CLI; the invitation e-mails read from --mail-dir; a phone in headless Chromium
// (390x844, touch, mobile); and helpers that find the app's controls by role and label in either
// language.
//
// Environment (tests/web/CMakeLists.txt sets it): PASSERELLE_SERVER, PASSERELLE_CLI, WEB_ROOT
// (the source web/), WASM_WEB_DIR (<build-wasm>/bindings/web), ARTIFACTS_DIR, CHROMIUM.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { reserveLoopbackAddress } from './harness.mjs';

export const SERVER = process.env.PASSERELLE_SERVER;
export const CLI = process.env.PASSERELLE_CLI;
export const WEB_ROOT = process.env.WEB_ROOT;
export const WASM_WEB_DIR = process.env.WASM_WEB_DIR;
export const ARTIFACTS = process.env.ARTIFACTS_DIR || path.resolve('test-artifacts');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const STEP_MS = 30000; // generous: ctest runs the browser tests side by side
export const PHONE = { width: 390, height: 844 };
export const LAPTOP = { width: 1280, height: 800 };
const openPages = [];
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const DEMO = {
  admin: { email: 'admin@demo.passerelle.quebec', password: 'demo-admin-2026' },
  coach: { email: 'coach.gagnon@demo.passerelle.quebec', password: 'demo-coach-2026' },
  coachEn: { email: 'coach.nguyen@demo.passerelle.quebec', password: 'demo-coach-2026' },
  roy: { email: 'mentor.roy@demo.passerelle.quebec', password: 'demo-mentor-2026', name: 'Isabelle Roy' },
  amina: { email: 'amina.benali@demo.passerelle.quebec', password: 'demo-candidate-2026', name: 'Amina Benali' },
  julien: { email: 'julien.moreau@demo.passerelle.quebec', password: 'demo-candidate-2026', name: 'Julien Moreau' },
  carlos: { email: 'carlos.restrepo@demo.passerelle.quebec', password: 'demo-candidate-2026', name: 'Carlos Restrepo' },
};

const CORE_FILES = ['passerelle.mjs', 'worker.mjs', 'opfs_pool.mjs', 'passerelle-core.mjs', 'passerelle-core.wasm'];

// The app's files as the server serves them. A server with --wasm-dir serves the core from the
// wasm build itself; an older one gets a copy of web/ with the core put into its app/ folder.
function serverHasWasmDir() {
  const help = spawnSync(SERVER, ['serve', '--help'], { encoding: 'utf8' });
  return /--wasm-dir/.test(`${help.stdout}${help.stderr}`);
}
function webArgs(tmp) {
  if (!fs.existsSync(path.join(WASM_WEB_DIR || '', 'passerelle-core.wasm')))
    throw new Error(`no WebAssembly build in ${WASM_WEB_DIR}: scripts/build.sh makes it`);
  if (serverHasWasmDir()) return ['--web-root', WEB_ROOT, '--wasm-dir', WASM_WEB_DIR];
  const www = path.join(tmp, 'www');
  if (!fs.existsSync(www)) {
    fs.cpSync(WEB_ROOT, www, { recursive: true });
    fs.mkdirSync(path.join(www, 'app'), { recursive: true });
    for (const f of CORE_FILES) fs.copyFileSync(path.join(WASM_WEB_DIR, f), path.join(www, 'app', f));
  }
  return ['--web-root', www];
}

// passerelle-server with --demo on a loopback port; stop() is SIGTERM, start() again reuses the
// port and the database, so that a page on that origin sees the same server come back.
export class AppServer {
  constructor(tmp, extraArgs = []) {
    Object.assign(this, { tmp, extraArgs, child: null, hostPort: null });
    this.dbFile = path.join(tmp, 'db.sqlite');
    this.mailDir = path.join(tmp, 'mail');
    this.log = path.join(tmp, 'server.log');
  }
  get url() { return `http://${this.hostPort}`; }
  get appUrl() { return `${this.url}/app/`; }
  get wsUrl() { return `ws://${this.hostPort}/v1/ws`; }

  async start() {
    const ready = path.join(this.tmp, 'ready');
    fs.rmSync(ready, { force: true });
    // --scrypt-log2n 10: the demo accounts' hashes are cheap to make (a test, not a deployment).
    // The same address at every start: the pages reconnect to it after a restart.
    this.hostPort = this.hostPort || await reserveLoopbackAddress();
    this.child = spawn(SERVER, ['serve', '--listen', this.hostPort, '--ready-file', ready, '--demo',
      '--scrypt-log2n', '10', '--db', `sqlite:${this.dbFile}`, '--mail-dir', this.mailDir, ...webArgs(this.tmp),
      ...this.extraArgs], { detached: true, stdio: ['ignore', 'ignore', fs.openSync(this.log, 'a')] });
    for (let i = 0; i < 900 && !fs.existsSync(ready); i++) await sleep(100);
    if (!fs.existsSync(ready)) throw new Error(`the server did not start (see ${this.log})`);
    this.hostPort = fs.readFileSync(ready, 'utf8').trim();
    return this;
  }

  stop() {
    const child = this.child;
    return new Promise((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
  killNow() { try { if (this.child) process.kill(-this.child.pid, 'SIGKILL'); } catch (e) { /* gone */ } }

  // Read-only SQL on the server's database (sqlite3 CLI): the ground truth of "exactly once".
  sql(query) { return execFileSync('sqlite3', ['-readonly', this.dbFile, query], { encoding: 'utf8' }).trim(); }
  userId(email) { return this.sql(`SELECT id FROM users WHERE email = ${lit(email)}`); }
  // Live rows of a synced collection whose JSON field `field` equals `value`.
  rows(collection, field, value) {
    const where = field ? ` AND json_extract(data, '$.${field}') = ${lit(value)}` : '';
    const out = this.sql(`SELECT data FROM sync_rows WHERE collection = ${lit(collection)} AND deleted = 0${where}`);
    return out ? out.split('\n').map((l) => JSON.parse(l)) : [];
  }
  // How many times each op id was applied.
  appliedCount(opId) { return Number(this.sql(`SELECT count(*) FROM sync_ops WHERE op_id = ${lit(opId)} AND status = 'applied'`)); }

  // The newest e-mail to `to`, its quoted-printable soft breaks joined again.
  async mailTo(to, { after = 0 } = {}) {
    for (let i = 0; i < 150; i++) {
      const files = fs.existsSync(this.mailDir) ? fs.readdirSync(this.mailDir).map((f) => path.join(this.mailDir, f)) : [];
      const found = files.filter((f) => fs.statSync(f).mtimeMs >= after)
        .map((f) => fs.readFileSync(f, 'utf8').replace(/=\r?\n/g, '').replace(/=3D/g, '='))
        .filter((t) => t.includes(to));
      if (found.length) return found[found.length - 1];
      await sleep(100);
    }
    return null;
  }
}
export const lit = (s) => `'${String(s).replace(/'/g, "''")}'`;

// The `passerelle` CLI on a data folder of its own: the coach's or the mentor's other device.
export class CliUser {
  constructor(tmp, name, server) {
    Object.assign(this, { server, dir: path.join(tmp, `cli-${name}`) });
  }
  run(args, input = '') {
    const r = spawnSync(CLI, ['--server', this.server.wsUrl, '--data', this.dir, ...args], { input, encoding: 'utf8', timeout: 60000 });
    if (r.status !== 0) throw new Error(`passerelle ${args.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  }
  try(args, input = '') {
    return spawnSync(CLI, ['--server', this.server.wsUrl, '--data', this.dir, ...args], { input, encoding: 'utf8', timeout: 60000 });
  }
  login({ email, password }) { this.run(['login', '--email', email], `${password}\n`); this.run(['sync']); return this; }
  sync() { return this.run(['sync']); }
}

// The protocol spoken directly from a page on the server's origin (Node 20 has no WebSocket):
// a sequence of requests after hello, answers returned in order.
export async function protocol(page, wsUrl, requests) {
  return page.evaluate(async ({ wsUrl, requests }) => {
    const all = [{ id: 1, type: 'hello', protocol: 1 }, ...requests.map((r, i) => ({ id: i + 2, ...r }))];
    const answers = [];
    const ws = new WebSocket(wsUrl);
    return new Promise((resolve) => {
      ws.onopen = () => ws.send(JSON.stringify(all[0]));
      ws.onmessage = (m) => {
        const a = JSON.parse(m.data);
        if (a.re === undefined) return; // a poke, not an answer
        answers.push(a);
        if (answers.length === all.length) { ws.close(); resolve(answers.slice(1)); } else ws.send(JSON.stringify(all[answers.length]));
      };
      ws.onerror = () => resolve(answers.slice(1));
      ws.onclose = () => resolve(answers.slice(1));
    });
  }, { wsUrl, requests });
}

// A coach invites `email` over the protocol; returns the link of the e-mail the server wrote.
export async function inviteByEmail(browser, server, coach, email, role = 'candidate', locale = 'en') {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${server.url}/`);
  const t0 = Date.now() - 1000;
  const answers = await protocol(page, server.wsUrl, [
    { type: 'auth.login', email: coach.email, password: coach.password },
    { type: 'invite.create', email, role, locale }]);
  await ctx.close();
  const mail = await server.mailTo(email, { after: t0 });
  const link = mail && (mail.match(/https?:\/\/\S+?invite#[A-Za-z0-9_-]{20,}/) || [])[0];
  return { answer: answers[1], mail, link };
}

export async function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
}

// A phone: 390x844, touch, mobile, in `lang`. A context of its own (its own storage, service
// worker and OPFS), as a second phone is.
export async function newPhone(browser, { lang = 'en', viewport = PHONE, mobile = true, bypassCSP = false } = {}) {
  const context = await browser.newContext({
    viewport, hasTouch: mobile, isMobile: mobile, deviceScaleFactor: mobile ? 2 : 1,
    locale: lang === 'fr' ? 'fr-CA' : 'en-CA', timezoneId: 'America/Toronto', acceptDownloads: true,
    serviceWorkers: 'allow', bypassCSP,
  });
  context.setDefaultTimeout(STEP_MS);
  const page = await context.newPage();
  openPages.push(page);
  page.errors = [];
  page.on('pageerror', (e) => { page.errors.push(e.message); console.log('page error:', e.message); });
  return { context, page };
}

// The app's words in both languages, as regular expressions for roles and labels.
export const words = {
  email: /^(e-?mail|courriel)/i,
  password: /^(password|mot de passe)$/i,
  signIn: /^(sign in|log in|se connecter|connexion)$/i,
  name: /^(your name|name|full name|nom|votre nom|nom complet)$/i,
  newPassword: /(choose a password|new password|password|mot de passe)/i,
};

export const screen = (page, name) => page.locator(`[data-screen="${name}"]`);
export async function waitScreen(page, name, timeout = STEP_MS) {
  await screen(page, name).first().waitFor({ state: 'visible', timeout });
}

// Signs in through the app's own sign-in screen.
export async function signIn(page, server, who, { touch = true } = {}) {
  await page.goto(server.appUrl);
  await page.getByLabel(words.email).first().fill(who.email);
  await page.getByLabel(words.password).first().fill(who.password);
  const button = page.getByRole('button', { name: words.signIn }).first();
  await (touch ? button.tap() : button.click());
  await waitScreen(page, 'home', 60000);
}

// Goes to a tab of the bottom bar (a link or button named in either language), by touch.
export async function openTab(page, name) {
  const names = {
    home: /^(home|accueil)/i, plan: /^(plan|my plan|action plan|mon plan|plan d.action)/i,
    messages: /^(messages)/i, mentoring: /^(mentoring|mentorat)/i, mentor: /^(mentoring|mentorat|mentor|my mentees|mes mentorés)/i,
    profile: /^(profile|profil)/i,
  };
  const nav = page.getByRole('navigation');
  const target = nav.getByRole('link', { name: names[name] }).or(nav.getByRole('button', { name: names[name] })).first();
  await target.tap();
  await waitScreen(page, name);
}

// Waits until the app's sync line says nothing is waiting (or its queue is empty in the core).
export async function settled(page, timeout = 60000) {
  const started = Date.now();
  while (Date.now() - started < timeout) {
    const s = await page.evaluate(async () => {
      const db = window.passerelle; // app.js exposes the core's object for the tests
      if (!db) return null;
      try { return await db.syncStatus(); } catch (e) { return null; }
    });
    if (s && s.state === 'up_to_date' && s.pending_ops === 0) return s;
    await sleep(200);
  }
  return null;
}

export function saveShot(page, name) {
  fs.mkdirSync(path.join(ARTIFACTS, 'app'), { recursive: true });
  return page.screenshot({ path: path.join(ARTIFACTS, 'app', `${name}.png`) });
}

// Polls `fn` (sync or async) until it returns a truthy value, at most `timeout` ms; returns the
// last value (falsy when time ran out).
export async function eventually(fn, timeout = 30000, every = 200) {
  const started = Date.now();
  let v;
  do {
    v = await fn();
    if (v) return v;
    await sleep(every);
  } while (Date.now() - started < timeout);
  return v;
}

// One stage of a journey: a throw inside fails that stage (with its first line) and the journey
// goes on where it still can, so that one missing control does not hide every later check.
export async function stage(name, fn, checkFn) {
  try { await fn(); return true; } catch (e) {
    checkFn(name, false, `— ${String(e.message || e).split('\n')[0]}`);
    // What each open phone showed, for whoever reads the failure.
    const slug = name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
    for (const [i, p] of openPages.filter((x) => !x.isClosed()).entries()) {
      await saveShot(p, `failed-${slug}-${i}`).catch(() => {});
      const text = await p.locator('body').innerText().catch(() => '');
      console.log(`  phone ${i} at ${p.url()}: ${text.replace(/\s+/g, ' ').slice(0, 300)}`);
    }
    return false;
  }
}

// Fills several fields, then reads them all back and fills again until each holds its value. A
// sync that lands mid-way redraws the screen: Playwright may then focus a field that was just
// replaced, and its text goes to the field the redraw gave the focus back to (a person's next tap
// lands on the new page, so only automation meets this).
export async function fillForm(pairs, tries = 5) {
  for (let i = 0; i < tries; i++) {
    for (const [locator, value] of pairs) await locator.fill(value);
    const values = await Promise.all(pairs.map(([locator]) => locator.inputValue()));
    if (values.every((v, k) => v === pairs[k][1])) return;
  }
  throw new Error(`the form did not keep its values after ${tries} tries`);
}

// A control by role, in either language: role 'button' first, then 'link'.
export function control(scope, name) {
  return scope.getByRole('button', { name }).or(scope.getByRole('link', { name })).first();
}

// The candidate's coach thread's messages as the coach's CLI sees them, after a sync.
export function coachSees(coach, threadId) {
  coach.sync();
  return coach.run(['messages', threadId]);
}

// The app's language switch (a labelled <select> in the top bar).
export async function setLanguage(page, lang) {
  await page.getByLabel(/(language|langue)/i).first().selectOption(lang);
  await page.waitForFunction((l) => document.documentElement.lang.startsWith(l), lang, { timeout: STEP_MS });
}
