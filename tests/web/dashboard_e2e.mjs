// Browser end-to-end test of the coach dashboard (issue 7), on loopback:
//   the real passerelle-server with --demo on an ephemeral port; headless Debian chromium
//   driven by playwright-core; the demo coach signs in, sees the caseload, opens a candidate,
//   replies; the candidate's client core (the `passerelle` CLI) syncs and has the reply; the
//   language switch works and is remembered; the CSV exports parse with csv-parse; screenshots
//   of the caseload and of the indicators are saved to $ARTIFACTS_DIR.
// Environment: PASSERELLE_SERVER, PASSERELLE_CLI, WEB_ROOT, ARTIFACTS_DIR, CHROMIUM (optional).
// Prints "N passed, N failed" at the end; exits 1 on any failure.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { parse } from 'csv-parse/sync';

const SERVER = process.env.PASSERELLE_SERVER;
const CLI = process.env.PASSERELLE_CLI;
const WEB_ROOT = process.env.WEB_ROOT;
const ARTIFACTS = process.env.ARTIFACTS_DIR || path.resolve('test-artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const STEP_MS = 15000;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-web-'));
fs.mkdirSync(ARTIFACTS, { recursive: true });
let passed = 0, failed = 0;
const started = Date.now();
function check(name, ok, detail = '') {
  if (ok) { passed++; console.log(`[ OK ] ${name}`); } else { failed++; console.log(`[FAIL] ${name} ${detail}`); }
}

let server, browser;
async function main() {
  const ready = path.join(tmp, 'ready');
  server = spawn(SERVER, ['serve', '--demo', '--listen', '127.0.0.1:0', '--ready-file', ready,
    '--db', `sqlite:${path.join(tmp, 'db.sqlite')}`, '--mail-dir', path.join(tmp, 'mail'),
    '--web-root', WEB_ROOT, '--scrypt-log2n', '10'], { stdio: ['ignore', 'ignore', fs.openSync(path.join(tmp, 'server.log'), 'w')] });
  for (let i = 0; i < 300 && !fs.existsSync(ready); i++) await new Promise((r) => setTimeout(r, 100));
  if (!fs.existsSync(ready)) throw new Error('the server did not start (see ' + path.join(tmp, 'server.log') + ')');
  const address = fs.readFileSync(ready, 'utf8').trim();
  const url = `http://${address}/`;

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  const context = await browser.newContext({ viewport: { width: 1366, height: 850 }, locale: 'fr-CA', acceptDownloads: true });
  context.setDefaultTimeout(STEP_MS);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log('page error:', e.message));

  // 1. Sign in as the demo coach (French by default for him).
  await page.goto(url);
  await page.getByLabel('Courriel').fill('coach.gagnon@demo.passerelle.quebec');
  await page.getByLabel('Mot de passe').fill('demo-coach-2026');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByRole('heading', { name: 'Mes dossiers' }).waitFor();
  const rows = page.locator('#caseload tbody tr');
  await rows.first().waitFor();
  const names = await page.locator('#caseload tbody tr td:first-child').allTextContents();
  check('the caseload lists the coach\'s candidates', ['Amina Benali', 'Julien Moreau', 'Yassine Trabelsi'].every((n) => names.includes(n)) && !names.includes('Carlos Restrepo'), JSON.stringify(names));
  const amina = page.locator('tr', { hasText: 'Amina Benali' });
  check('unread messages are counted', (await amina.locator('.badge').textContent()).trim() === '2');
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-caseload.png'), fullPage: true });

  // 2. The caseload exports as RFC 4180 CSV that a standard reader parses.
  const csv = await page.evaluate(async () => {
    const r = await fetch('/v1/export/caseload.csv', { headers: { Authorization: `Bearer ${sessionStorage.getItem('passerelle.token')}` } });
    return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
  });
  const records = parse(csv.text, { columns: true, relax_quotes: false });
  check('caseload CSV parses with a header and one row per candidate', csv.status === 200 && records.length === 3 && records.some((r) => r.name === 'Amina Benali' && r.country === 'MA'), `${csv.status} ${csv.text.slice(0, 200)}`);

  // 3. Open Amina's file and reply.
  await amina.getByRole('link').click();
  await page.getByRole('heading', { name: 'Amina Benali' }).waitFor();
  await page.locator('.msg', { hasText: 'Je prépare mes diplômes' }).waitFor();
  const reply = `Très bien Amina, envoyez-moi vos diplômes. (e2e ${Date.now()})`;
  await page.getByLabel('Répondre').fill(reply);
  await page.getByRole('button', { name: 'Envoyer' }).click();
  await page.locator('.msg.mine:not(.queued)', { hasText: reply }).waitFor();
  check('the reply is shown as sent', true);
  await page.locator('#outcome-status').selectOption('searching');
  await page.locator('#outcome-sector').fill('santé');
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await page.locator('#cand-mentoring li', { hasText: 'En recherche (santé)' }).waitFor();
  check('an employment outcome is recorded and comes back from the server', true);
  await page.goto(url + '#/');
  await page.locator('tr', { hasText: 'Amina Benali' }).waitFor();
  await page.locator('tr', { hasText: 'Amina Benali' }).locator('.badge').waitFor({ state: 'detached' });
  check('opening the thread marked it read (no unread badge)', true);

  // 4. The reply reaches the candidate's client core.
  const data = path.join(tmp, 'amina');
  const ws = `ws://${address}`;
  const run = (args, input = '') => spawnSync(CLI, ['--server', ws, '--data', data, ...args], { input, encoding: 'utf8', timeout: 30000 });
  const login = run(['login', '--email', 'amina.benali@demo.passerelle.quebec'], 'demo-candidate-2026\n');
  check('the candidate signs in with the CLI', login.status === 0, login.stderr);
  const sync = run(['sync']);
  check('the candidate syncs', sync.status === 0, sync.stderr);
  const threads = run(['threads']);
  const threadId = (threads.stdout.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/) || [])[0];
  let messages = run(['messages', threadId || '']);
  if (messages.status !== 0) messages = run(['messages', '--thread', threadId || '']);
  check('the coach\'s reply arrived at the candidate\'s client core', messages.stdout.includes(reply), threads.stdout + messages.stdout + messages.stderr);

  // 5. The language switch works and is remembered.
  await page.getByLabel('Langue').selectOption('en');
  await page.getByRole('heading', { name: 'My caseload' }).waitFor();
  check('switching to English translates the page', (await page.locator('th', { hasText: 'Planned arrival' }).count()) === 1);
  await page.reload();
  await page.getByRole('heading', { name: 'My caseload' }).waitFor();
  check('the language is remembered after a reload', (await page.getByRole('link', { name: 'Indicators' }).count()) === 1);

  // 6. Indicators (the coach's own caseload) and their CSV.
  await page.getByRole('link', { name: 'Indicators' }).click();
  await page.locator('.kpis').waitFor();
  const kpi = await page.locator('.kpi', { hasText: 'Candidates' }).locator('.value').textContent();
  check('indicators show the caseload\'s candidates', kpi.trim() === '3', kpi);
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-indicators.png'), fullPage: true });
  const ind = await page.evaluate(async () => {
    const r = await fetch('/v1/export/indicators.csv', { headers: { Authorization: `Bearer ${sessionStorage.getItem('passerelle.token')}` } });
    return await r.text();
  });
  const indRecords = parse(ind, { columns: true });
  check('indicators CSV parses', indRecords.find((r) => r.indicator === 'candidates')?.value === '3', ind.slice(0, 200));

  // 7. A candidate cannot use the dashboard.
  const other = await browser.newContext({ locale: 'en-CA' });
  other.setDefaultTimeout(STEP_MS);
  const cpage = await other.newPage();
  await cpage.goto(url);
  await cpage.getByLabel('E-mail').fill('amina.benali@demo.passerelle.quebec');
  await cpage.getByLabel('Password').fill('demo-candidate-2026');
  await cpage.getByRole('button', { name: 'Sign in' }).click();
  await cpage.getByText('This dashboard is for coaches and admins.').waitFor();
  check('a candidate is refused by the dashboard', true);
}

try {
  await main();
} catch (e) {
  failed++;
  console.log(`[FAIL] ${e.stack || e}`);
  const log = path.join(tmp, 'server.log');
  if (fs.existsSync(log)) console.log(fs.readFileSync(log, 'utf8').split('\n').slice(-15).join('\n'));
} finally {
  if (browser) await browser.close().catch(() => {});
  if (server) server.kill('SIGTERM');
}
console.log(`browser test took ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${ARTIFACTS}`);
console.log(`${passed} passed, ${failed} failed`);
if (!failed) fs.rmSync(tmp, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
