// Browser end-to-end test of the coach dashboard (issue 7), on loopback:
//   the real passerelle-server with --demo on an ephemeral port; headless Debian chromium
//   driven by playwright-core; the demo coach signs in, sees the caseload, opens a candidate,
//   replies, proposes a suggested mentor, creates and edits a plan (add, move, edit, remove a
//   step) and gives a cohort label; the candidate's client core (the `passerelle` CLI) syncs and
//   has the reply, the mentorship and the edited plan, the mentor's has the mentorship; the
//   language switch works and is remembered; the CSV exports parse with csv-parse; screenshots
//   of the caseload, a candidate's page and the indicators are saved to $ARTIFACTS_DIR.
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
  await page.getByRole('button', { name: 'Enregistrer', exact: true }).click();
  await page.locator('#cand-mentoring li', { hasText: 'En recherche (santé)' }).waitFor();
  check('an employment outcome is recorded and comes back from the server', true);
  const aminaHash = new URL(page.url()).hash;

  // 3b. Mentor suggestions with their reasons (mentors.suggest), then "propose".
  const roy = page.locator('#cand-suggestions li[data-mentor]', { hasText: 'Isabelle Roy' });
  await roy.waitFor();
  const reasons = await roy.locator('.reasons li').allTextContents();
  check('mentor suggestions are shown with their reasons', reasons.some((r) => r.includes('même profession (CNP 31301)')), JSON.stringify(reasons));
  check('the best-ranked suggestion comes first', (await page.locator('#cand-suggestions li[data-mentor] strong').first().textContent()) === 'Isabelle Roy');
  await page.getByRole('button', { name: 'Proposer Isabelle Roy' }).click();
  await page.locator('#cand-mentoring li', { hasText: 'Isabelle Roy — proposé' }).waitFor();
  await page.locator('#cand-suggestions', { hasText: 'Un mentorat est déjà proposé ou actif' }).waitFor();
  check('proposing a mentor makes a proposed mentorship (from the server)', true);

  // 3c. The plan: created from the template, then a step added, moved, edited, removed.
  const waitSteps = (n) => page.waitForFunction((k) => document.querySelectorAll('ol.steps > li').length === k, n, { timeout: STEP_MS });
  await page.getByRole('button', { name: 'Créer le plan à partir du modèle' }).click();
  await waitSteps(30);
  const addStep = async (title, due) => {
    await page.locator('#step-add-title').fill(title);
    await page.locator('#step-add-category').selectOption('networking');
    await page.locator('#step-add-due').fill(due);
    await page.getByRole('button', { name: 'Ajouter l’étape' }).click();
  };
  await addStep('Atelier réseautage e2e', '2027-10-15');
  await waitSteps(31);
  await addStep('Étape à retirer', '2027-10-16');
  await waitSteps(32);
  check('steps are added at the end of the plan', (await page.locator('ol.steps > li:last-child strong').textContent()) === 'Étape à retirer');
  // Move with the keyboard: focus the labelled button and press Enter; focus stays on it.
  const position = (n, title) => page.locator(`ol.steps > li:nth-child(${n}) strong`, { hasText: title }).waitFor();
  await page.getByRole('button', { name: 'Monter « Atelier réseautage e2e »' }).focus();
  await page.keyboard.press('Enter');
  await position(30, 'Atelier réseautage e2e');
  check('a step moves up with the keyboard, and focus stays on its button',
    (await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))) === 'Monter « Atelier réseautage e2e »');
  await page.keyboard.press('Enter');
  await position(29, 'Atelier réseautage e2e');
  await page.getByRole('button', { name: 'Descendre « Atelier réseautage e2e »' }).click();
  await position(30, 'Atelier réseautage e2e');
  check('a step moves down', true);
  await page.getByRole('button', { name: 'Modifier « Atelier réseautage e2e »' }).click();
  await page.locator('form.step-edit input[name=title]').fill('Atelier réseautage Montréal');
  await page.locator('form.step-edit input[name=due]').fill('2027-10-20');
  await page.locator('form.step-edit input[name=title]').press('Enter');
  await page.locator('ol.steps > li', { hasText: 'Atelier réseautage Montréal' }).filter({ hasText: 'échéance 2027-10-20' }).waitFor();
  check('a step\'s title and due date are edited', true);
  await page.getByRole('button', { name: 'Retirer « Étape à retirer »' }).click();
  await page.getByRole('button', { name: 'Oui, retirer' }).click();
  await waitSteps(31);
  check('a step is removed after a confirmation', (await page.locator('ol.steps > li', { hasText: 'Étape à retirer' }).count()) === 0);

  // 3d. A cohort label on the candidate's file.
  await page.locator('#cohort-input').fill('2027-Q1 Casablanca');
  await page.getByRole('button', { name: 'Enregistrer la cohorte' }).click();
  await page.locator('#cohort-help', { hasText: 'Étiquette choisie' }).waitFor();
  check('the coach gives the candidate a cohort label', (await page.locator('#cohort-input').inputValue()) === '2027-Q1 Casablanca');
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-candidate.png'), fullPage: false });
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
  const ms = run(['mentorships']);
  check('the proposed mentorship reached the candidate', /proposed\s+Amina Benali with Isabelle Roy/.test(ms.stdout), ms.stdout + ms.stderr);
  const planOut = run(['plan', '--json']);
  let steps = [];
  try { steps = JSON.parse(planOut.stdout).steps; } catch (e) { /* checked below */ }
  const edited = steps.find((x) => x.title?.fr === 'Atelier réseautage Montréal');
  check('the candidate has the plan as edited (renamed, rescheduled, moved, one removed)',
    steps.length === 31 && edited?.due_date === '2027-10-20' && steps.indexOf(edited) === 29 && !steps.some((x) => x.title?.fr === 'Étape à retirer'),
    planOut.stdout.slice(0, 300) + planOut.stderr);
  // The candidate marks it done; the coach's page names her and the step in the history.
  const done = run(['step', 'done', edited?.id || 'none']);
  const pushed = run(['sync']);
  check('the candidate marks the edited step done', done.status === 0 && pushed.status === 0, done.stderr + pushed.stderr);
  const royLogin = spawnSync(CLI, ['--server', ws, '--data', path.join(tmp, 'roy'), 'login', '--email', 'mentor.roy@demo.passerelle.quebec'], { input: 'demo-mentor-2026\n', encoding: 'utf8', timeout: 30000 });
  spawnSync(CLI, ['--server', ws, '--data', path.join(tmp, 'roy'), 'sync'], { encoding: 'utf8', timeout: 30000 });
  const royMs = spawnSync(CLI, ['--server', ws, '--data', path.join(tmp, 'roy'), 'mentorships'], { encoding: 'utf8', timeout: 30000 });
  check('the proposed mentorship reached the mentor', royLogin.status === 0 && /proposed\s+Amina Benali with Isabelle Roy/.test(royMs.stdout), royLogin.stderr + royMs.stdout + royMs.stderr);
  await page.goto(url + aminaHash);
  await page.locator('.recent li', { hasText: 'Amina Benali — « Atelier réseautage Montréal » : à faire → fait' }).waitFor();
  const hist = page.locator('ol.steps > li', { hasText: 'Atelier réseautage Montréal' });
  await hist.locator('summary').click();
  check('the step history names who changed the step, not an id', (await hist.locator('details li').first().textContent()).includes('Amina Benali : à faire → fait'));
  await page.goto(url + '#/');
  await page.getByRole('heading', { name: 'Mes dossiers' }).waitFor();

  // 5. The language switch works and is remembered.
  await page.locator('#lang').selectOption('en');  // (the plan's category options include « Langue »)
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
  // Indicators and the export of one cohort (the label given above).
  await page.locator('#ind-cohort').fill('2027-Q1 Casablanca');
  await page.getByRole('button', { name: 'Compute' }).click();
  await page.waitForFunction(() => [...document.querySelectorAll('.kpi')].find((k) => k.textContent.includes('Candidates'))?.querySelector('.value')?.textContent.trim() === '1', null, { timeout: STEP_MS });
  check('indicators filter by a cohort label', true);
  const cohortCsv = await page.evaluate(async () => {
    const q = new URLSearchParams({ cohort: '2027-Q1 Casablanca' });
    const h = { headers: { Authorization: `Bearer ${sessionStorage.getItem('passerelle.token')}` } };
    return [await (await fetch(`/v1/export/indicators.csv?${q}`, h)).text(), await (await fetch(`/v1/export/caseload.csv?${q}`, h)).text()];
  });
  const cohortInd = parse(cohortCsv[0], { columns: true });
  const cohortRows = parse(cohortCsv[1], { columns: true });
  check('the CSV exports filter by the cohort label', cohortInd.find((r) => r.indicator === 'candidates')?.value === '1' &&
    cohortRows.length === 1 && cohortRows[0].name === 'Amina Benali' && cohortRows[0].cohort === '2027-Q1 Casablanca', cohortCsv.join('\n').slice(0, 400));

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
