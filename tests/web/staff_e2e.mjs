// Employers, activities and internships in the coach dashboard (issue 21), on loopback: the real
// passerelle-server with --demo and headless Debian chromium driven by playwright-core.
//   - an employer account (`passerelle-server admin create`) declares its profile, the three
//     internship conditions and a need (nurse, NOC 31301, French); Amina (a nurse) and Julien
//     (an electrician) consent to be shown to employers;
//   - the demo coach opens Employers, confirms the conditions, opens the need and sees Amina
//     ranked first with the reason "même profession (CNP 31301)"; proposes her; the employer
//     accepts from their device and the page shows "acceptée" without a reload;
//   - the coach edits the employer's profile (a wrong NOC code refused with why, then saved);
//   - typing in a form survives the re-render a poke causes;
//   - the coach creates a speed-jobbing session with that employer, registers Amina and Julien,
//     builds the rotation and sees the grid; the .ics of a person comes from the server; in a
//     one-seat conference the second registration waits (number 1, and why), and the coach
//     cancels it from its page (activity.cancel, with a reason);
//   - an internship of 29 days is refused with the server's reason, 27 days are recorded; an
//     extension to 29 days is refused with the reason (the date stays), to 28 days recorded;
//     the outcome "hired" is recorded;
//   - the coach closes a need from its page (need.close);
//   - a candidate asking for the preselection gets `forbidden`; English works;
//   - axe-core finds no serious or critical violation on the new pages; screenshots at 1280 and
//     390 px in ARTIFACTS_DIR.
// Environment: PASSERELLE_SERVER, WEB_ROOT, ARTIFACTS_DIR, CHROMIUM (optional).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { check, runTest } from './harness.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const SERVER = process.env.PASSERELLE_SERVER;
const WEB_ROOT = process.env.WEB_ROOT;
const ARTIFACTS = process.env.ARTIFACTS_DIR || path.resolve('test-artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const STEP_MS = 15000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-staff-'));
fs.mkdirSync(ARTIFACTS, { recursive: true });
let server, browser;

const COACH = ['coach.gagnon@demo.passerelle.quebec', 'demo-coach-2026'];
const AMINA = ['amina.benali@demo.passerelle.quebec', 'demo-candidate-2026'];
const JULIEN = ['julien.moreau@demo.passerelle.quebec', 'demo-candidate-2026'];
const EMPLOYER = ['rh@clinique-test.example.org', 'a long enough password'];

async function signIn(page, url, [email, password]) {
  await page.goto(url);
  await page.getByLabel(/Courriel|E-mail/).fill(email);
  await page.getByLabel(/Mot de passe|Password/).fill(password);
  await page.locator('#login-form button[type=submit]').click();
  await page.locator('#nav').waitFor();
}

// Requests on a fresh WebSocket in the page, signed in as someone else (an employer's or a
// candidate's device, in short). Answers of each request, in order.
async function as(page, [email, password], requests) {
  return page.evaluate(async ([email, password, requests]) => {
    const ws = new WebSocket(`ws://${location.host}/v1/ws`);
    let id = 0;
    const waiting = new Map();
    ws.onmessage = (ev) => { const m = JSON.parse(ev.data); waiting.get(m.re)?.(m); };
    const call = (t, f) => Promise.race([
      new Promise((resolve) => { const n = ++id; waiting.set(n, resolve); ws.send(JSON.stringify({ id: n, type: t, ...f })); }),
      new Promise((resolve) => setTimeout(() => resolve({ error: { code: 'no answer' } }), 10000))]);
    await new Promise((r, j) => { ws.onopen = r; ws.onerror = j; });
    await call('hello', { protocol: 1 });
    const login = await call('auth.login', { email, password });
    const out = [];
    for (const [type, fields] of requests) out.push(await call(type, fields));
    ws.close();
    return { login, out };
  }, [email, password, requests]);
}

const push = (ops) => ['push', { ops: ops.map(([name, args]) => ({ op_id: crypto.randomUUID(), name, args })) }];
const applied = (a) => a.out.every((x) => !x.results || x.results.every((r) => r.status === 'applied'));

async function axeCheck(page, label) {
  await page.addScriptTag({ content: AXE_SOURCE });
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  });
  check(`axe: no serious or critical violation on ${label}`, result.length === 0, result.join('\n'));
}

function day(offsetDays) { return new Date(Date.now() + offsetDays * 86400000).toISOString().slice(0, 10); }
// A datetime-local value in Montréal (the browser's zone here), `minutes` from now.
function montrealIn(minutes) {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Toronto', hourCycle: 'h23', year: 'numeric', month: '2-digit',
    day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(new Date(Date.now() + minutes * 60000)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

async function main() {
  const ready = path.join(tmp, 'ready');
  const db = `sqlite:${path.join(tmp, 'db.sqlite')}`;
  server = spawn(SERVER, ['serve', '--demo', '--listen', '127.0.0.1:0', '--ready-file', ready, '--db', db,
    '--mail-dir', path.join(tmp, 'mail'), '--web-root', WEB_ROOT, '--scrypt-log2n', '10'],
  { detached: true, stdio: ['ignore', 'ignore', fs.openSync(path.join(tmp, 'server.log'), 'w')] });
  for (let i = 0; i < 300 && !fs.existsSync(ready); i++) await sleep(100);
  if (!fs.existsSync(ready)) throw new Error('the server did not start');
  const url = `http://${fs.readFileSync(ready, 'utf8').trim()}/`;
  const made = spawnSync(SERVER, ['admin', 'create', '--db', db, '--email', EMPLOYER[0], '--name', 'Nadia Roy', '--role', 'employer',
    '--scrypt-log2n', '10'], { input: `${EMPLOYER[1]}\n`, encoding: 'utf8', timeout: 30000 });
  if (made.status !== 0) throw new Error(`admin create: ${made.stdout}${made.stderr}`);

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'fr-CA', timezoneId: 'America/Toronto', acceptDownloads: true });
  context.setDefaultTimeout(STEP_MS);
  const page = await context.newPage();
  page.on('pageerror', (e) => { console.log('page error:', e.message); check('no error in the page', false, e.message); });
  await page.goto(url);

  // 1. The employer's profile, conditions and need; two candidates consent.
  const needId = crypto.randomUUID();
  const employer = await as(page, EMPLOYER, [push([
    ['employer.update', { organization: 'Clinique Test', sector: 'Santé', city: 'Montréal', region: 'Montréal', occupation_codes: ['31301'],
      languages: ['fr'], positions_open: 2, internship_capacity: 1, conditions: { work_station: true, colleagues_on_site: true, coach_on_site: true } }],
    ['need.create', { id: needId, title: 'Infirmière clinicienne', occupation_code: '31301', languages: ['fr'], region: 'Montréal' }]])]);
  check('the employer declares a profile and a need', applied(employer), JSON.stringify(employer));
  for (const who of [AMINA, JULIEN]) {
    const c = await as(page, who, [push([['consent.give', { available_from: day(60) }]])]);
    check(`${who[0]} consents`, applied(c), JSON.stringify(c));
  }

  // 2. The coach: employers, conditions, preselection with reasons, proposal, the answer.
  await signIn(page, url, COACH);
  await page.getByRole('link', { name: 'Employeurs' }).click();
  await page.getByRole('heading', { name: 'Clinique Test', level: 2 }).waitFor();
  const confirm = page.getByRole('button', { name: 'Confirmer les conditions de Clinique Test' });
  await confirm.click();
  await page.locator('.cond-state.ok', { hasText: 'Conditions confirmées par Marc-André Gagnon' }).waitFor();
  check('the coach confirms the internship conditions', true);
  // The coach edits the profile (employer.update naming the employer): a wrong NOC code is
  // refused with the server's reason and what was typed stays; then the city and positions change.
  const card = page.locator('section.employer', { hasText: 'Clinique Test' });
  await card.locator('summary', { hasText: 'Modifier le profil' }).click();
  const codes = card.getByLabel('Professions recherchées (CNP)');
  await codes.fill('31301, 123');
  await card.getByRole('button', { name: 'Enregistrer le profil de Clinique Test' }).click();
  const editError = card.locator('#emp-edit-' + (await card.getAttribute('data-employer')) + ' p.error');
  await editError.waitFor();
  check('employer.update with a wrong NOC code: refused with the reason, the codes typed stay',
    /NOC|CNP/.test(await editError.textContent()) && (await codes.inputValue()) === '31301, 123', await editError.textContent());
  await codes.fill('31301');
  await card.getByLabel('Ville').fill('Laval');
  await card.getByLabel('Postes ouverts').fill('3');
  await card.getByRole('button', { name: 'Enregistrer le profil de Clinique Test' }).click();
  await card.locator('dl.facts dd', { hasText: /^3$/ }).waitFor();
  check('employer.update by staff: city and positions saved, the conditions still confirmed',
    (await card.locator('p.muted').first().textContent()).includes('Laval') && (await card.locator('.cond-state.ok').count()) === 1
    && (await editError.count()) === 0);
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-employer-edit.png'), fullPage: true });
  await card.locator('summary', { hasText: 'Modifier le profil' }).click();
  // Typing survives a poke: Amina (the coach's candidate) changes her profile while the coach
  // types a need; the poke's pull re-renders the employer cards (a marked heading is replaced).
  await page.locator('summary', { hasText: 'Ajouter un besoin' }).click();
  const needTitle = page.getByLabel('Intitulé');
  await needTitle.fill('Préposée aux bénéficiaires');
  await page.evaluate(() => { document.querySelector('#emp-list h2').dataset.probe = 'before'; });
  const poke = await as(page, AMINA, [push([['profile.update', { time_zone: 'Africa/Casablanca' }]])]);
  await page.waitForFunction(() => document.querySelector('#emp-list h2') && !document.querySelector('#emp-list h2').dataset.probe);
  check('a poke re-renders the page and keeps what was typed (and the open form)', applied(poke) &&
    (await needTitle.inputValue()) === 'Préposée aux bénéficiaires' && await needTitle.isVisible(), JSON.stringify(poke));
  await page.getByRole('button', { name: 'Ajouter le besoin' }).click();
  await page.getByRole('link', { name: 'Préposée aux bénéficiaires' }).waitFor();
  check('the coach adds a need for the employer', true);
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-employers.png'), fullPage: true });

  await page.getByRole('link', { name: 'Infirmière clinicienne' }).click();
  const first = page.locator('#need-preselect ol > li').first();
  await first.waitFor();
  const firstName = await first.locator('strong').textContent();
  const reasons = await first.locator('.reasons li').allTextContents();
  check('Amina is ranked first', firstName === 'Amina Benali', firstName);
  check('her reasons are shown (occupation, languages, region)', reasons.some((r) => r.startsWith('même profession (CNP 31301)')) &&
    reasons.some((r) => r.startsWith('parle la ou les langues de travail : fr')), reasons.join(' | '));
  check('Julien is listed below her', (await page.locator('#need-preselect ol > li').nth(1).locator('strong').textContent()) === 'Julien Moreau');
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-preselection.png'), fullPage: true });
  await page.getByRole('button', { name: 'Proposer Amina Benali' }).click();
  await page.locator('#need-proposals li', { hasText: 'Amina Benali' }).locator('.prop-status', { hasText: 'en attente de réponse' }).waitFor();
  await page.locator('#need-preselect li', { hasText: 'Amina Benali' }).waitFor({ state: 'detached' });
  check('the proposal is listed and Amina leaves the preselection', true);
  const employerRows = await as(page, EMPLOYER, [['pull', { cursor: 0, limit: 1000 }]]);
  const proposal = employerRows.out[0].changes.find((c) => c.collection === 'employer_proposals' && c.data?.candidate_id);
  check('the employer\'s device has the proposal and her card', !!proposal && employerRows.out[0].changes.some((c) => c.collection === 'candidate_cards' && c.data?.name === 'Amina Benali'));
  const answer = await as(page, EMPLOYER, [push([['proposal.respond', { id: proposal?.id, accept: true }]])]);
  check('the employer accepts', applied(answer), JSON.stringify(answer));
  // Rows every coach reads bring no poke: the page's 10 s pull brings the answer.
  await page.locator('#need-proposals li', { hasText: 'Amina Benali' }).locator('.prop-status', { hasText: 'acceptée' }).waitFor({ timeout: 30000 });
  check('the employer\'s answer shows up on the coach\'s page without a reload', true);
  // The coach closes the added need from its page (need.close): the button goes, the state says so.
  await page.goto(`${url}#/employers`);
  await page.getByRole('link', { name: 'Préposée aux bénéficiaires' }).click();
  await page.getByRole('button', { name: 'Fermer le besoin « Préposée aux bénéficiaires »' }).click();
  await page.locator('#need-head', { hasText: 'fermé le' }).waitFor();
  check('need.close from the need page: closed, the button gone', (await page.locator('#need-close').count()) === 0);
  await page.locator('#need-preselect', { hasText: 'Ce besoin est fermé' }).waitFor();
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-need-closed.png'), fullPage: true });
  await page.goto(`${url}#/employers/need/${needId}`);
  await page.locator('#need-close').waitFor();
  const refused = await as(page, AMINA, [['employers.preselect', { need_id: needId }]]);
  check('a candidate asking for the preselection gets forbidden', refused.out[0].error?.code === 'forbidden', JSON.stringify(refused.out[0]));

  // 3. A speed-jobbing session: create, register, build the rotation, the schedule.
  await page.getByRole('link', { name: 'Activités' }).click();
  await page.getByRole('heading', { name: 'Créer une activité' }).waitFor();
  await page.getByLabel('Titre').fill('Speed jobbing santé');
  await page.getByLabel('Début').fill(`${day(3)}T10:00`);
  await page.getByLabel('Fin', { exact: true }).fill(`${day(3)}T12:00`);
  await page.getByLabel('Lieu').fill('Salle 201, Montréal');
  await page.getByLabel('Places').fill('10');
  await page.locator('#act-employers').getByLabel('Clinique Test').check();
  await page.getByRole('button', { name: 'Créer l’activité' }).click();
  await page.getByRole('heading', { name: 'Speed jobbing santé', level: 1 }).waitFor();
  check('the coach creates a speed-jobbing session', (await page.locator('#act-error').count()) === 0);
  for (const name of ['Amina Benali', 'Julien Moreau']) {
    await page.locator('#reg-candidate option', { hasText: name }).waitFor({ state: 'attached' });
    await page.locator('#reg-candidate').selectOption({ label: name });
    await page.getByRole('button', { name: 'Inscrire', exact: true }).click();
    await page.locator('#act-registrations tr', { hasText: name }).locator('td', { hasText: 'place confirmée' }).waitFor();
  }
  check('two registrations hold seats', true);
  await page.getByRole('button', { name: 'Construire la rotation' }).click();
  await page.locator('#sched-grid').waitFor();
  const grid = await page.locator('#sched-grid').textContent();
  check('the schedule grid names both candidates at the employer\'s table', grid.includes('Amina Benali') && grid.includes('Julien Moreau') && grid.includes('Table 1'), grid);
  check('two slots, one per candidate', (await page.locator('#sched-grid tbody tr').count()) === 2);
  await page.locator('#sched-people summary').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Horaire (.ics) : Amina Benali' }).click()]);
  const ics = fs.readFileSync(await download.path(), 'utf8');
  check('Amina\'s .ics comes from the server', ics.startsWith('BEGIN:VCALENDAR') && ics.includes('BEGIN:VEVENT') && ics.replace(/\r?\n /g, '').includes('Nadia Roy'), ics);
  // A conference of one seat: the second registration waits, and the page says where.
  await page.getByRole('link', { name: 'Activités', exact: true }).click();
  await page.getByLabel('Type').selectOption('conference');
  await page.getByLabel('Titre').fill('Conférence santé');
  // It starts in 10 minutes: attendance is recorded from one hour before the start.
  await page.getByLabel('Début').fill(montrealIn(10));
  await page.getByLabel('Fin', { exact: true }).fill(montrealIn(130));
  await page.getByLabel('Lien de visioconférence').fill('https://meet.example.org/sante');
  await page.getByLabel('Places').fill('1');
  await page.getByRole('button', { name: 'Créer l’activité' }).click();
  await page.getByRole('heading', { name: 'Conférence santé', level: 1 }).waitFor();
  for (const name of ['Amina Benali', 'Julien Moreau']) {
    await page.locator('#reg-candidate option', { hasText: name }).waitFor({ state: 'attached' });
    await page.locator('#reg-candidate').selectOption({ label: name });
    await page.getByRole('button', { name: 'Inscrire', exact: true }).click();
    await page.locator('#act-registrations tr', { hasText: name }).waitFor();
  }
  const waiting = page.locator('#act-registrations tr', { hasText: 'Julien Moreau' });
  await waiting.locator('td', { hasText: 'liste d’attente (nᵒ 1)' }).waitFor();
  check('the second registration for the last seat waits, number 1, and says why',
    (await waiting.textContent()).includes('complet à l’arrivée de l’inscription'));
  await page.getByLabel('Amina Benali était présent·e').check();
  // Pushed and answered before the reload (the page's outbox lives in memory).
  await page.waitForFunction(() => !document.querySelector('#status').textContent.includes('en attente'));
  check('attendance is recorded without a refusal', (await page.locator('#reg-error').textContent()) === '', await page.locator('#reg-error').textContent());
  await page.reload();
  await page.locator('#act-registrations tr', { hasText: 'Amina Benali' }).waitFor();
  check('after a reload (rows from the server) Amina is marked present, Julien not',
    await page.getByLabel('Amina Benali était présent·e').isChecked() && !(await page.getByLabel('Julien Moreau était présent·e').isChecked()));
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-conference.png'), fullPage: true });
  // The coach cancels it (activity.cancel) with a reason: the page says so, the form goes.
  await page.locator('#act-cancel-box summary').click();
  await page.getByLabel('Raison (dite aux inscrit·e·s)').fill('Salle indisponible');
  await page.getByRole('button', { name: 'Annuler « Conférence santé » pour tout le monde' }).click();
  await page.locator('#act-head .flag', { hasText: 'annulée' }).waitFor();
  check('activity.cancel from the page: cancelled with its reason, the form gone',
    (await page.locator('#act-head').textContent()).includes('Salle indisponible') && (await page.locator('#act-cancel').count()) === 0);
  check('a cancelled activity: no seat or waiting place counted, no registration form',
    (await page.locator('#act-head').textContent()).includes('0/1 places prises, 0 en attente') && !(await page.locator('#reg-form').isVisible()),
    await page.locator('#act-head').textContent());
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-conference-cancelled.png'), fullPage: true });
  await page.goBack();
  await page.goBack();
  await page.locator('#sched-grid').waitFor();
  await page.locator('#ics-activity').waitFor();

  await page.emulateMedia({ media: 'print' });
  const printHidden = await page.evaluate(() => getComputedStyle(document.querySelector('.top')).display === 'none' &&
    getComputedStyle(document.querySelector('#sched-build')).display === 'none' && getComputedStyle(document.querySelector('#sched-grid')).display !== 'none');
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-schedule-print.png'), fullPage: true });
  await page.emulateMedia({ media: 'screen' });
  check('printing shows the grid without navigation or buttons', printHidden);
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-activity.png'), fullPage: true });

  // 4. Internships: 29 days refused with the server's reason, 28 recorded, the outcome.
  await page.getByRole('link', { name: 'Stages' }).click();
  await page.getByRole('heading', { name: 'Enregistrer un stage' }).waitFor();
  await page.locator('#intern-candidate option', { hasText: 'Amina Benali' }).waitFor({ state: 'attached' });
  await page.locator('#intern-employer').selectOption({ label: 'Clinique Test' });
  await page.locator('#intern-candidate').selectOption({ label: 'Amina Benali' });
  await page.getByLabel('Premier jour').fill(day(30));
  await page.getByLabel('Dernier jour', { exact: true }).fill(day(58));  // 29 days
  await page.getByRole('button', { name: 'Enregistrer le stage' }).click();
  await page.locator('#intern-error', { hasText: 'Refusé par le serveur' }).waitFor();
  const why = await page.locator('#intern-error').textContent();
  check('29 days: refused with the 28-day reason', /28/.test(why), why);
  check('the refused form keeps its dates', (await page.getByLabel('Premier jour').inputValue()) === day(30));
  await page.getByLabel('Dernier jour', { exact: true }).fill(day(56));  // 27 days
  await page.getByRole('button', { name: 'Enregistrer le stage' }).click();
  const row = page.locator('#intern-list tr', { hasText: 'Amina Benali' });
  await row.waitFor();
  check('27 days: recorded', (await page.locator('#intern-error').textContent()) === '');
  // Extending to 29 days is refused with the server's reason; the date typed stays.
  const extendField = row.getByLabel('Nouveau dernier jour');
  await extendField.fill(day(58));
  await row.getByRole('button', { name: 'Prolonger' }).click();
  const extendError = page.locator('#intern-list p.error', { hasText: 'Refusé par le serveur' });
  await extendError.waitFor();
  const extendWhy = await extendError.textContent();
  check('an extension to 29 days: refused with the 28-day reason', /28/.test(extendWhy), extendWhy);
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-internship-extend-refused.png'), fullPage: true });
  check('the refused extension keeps its date', (await row.getByLabel('Nouveau dernier jour').inputValue()) === day(58));
  const periodBefore = await row.locator('td').nth(1).textContent();
  await row.getByLabel('Nouveau dernier jour').fill(day(57));  // 28 days
  await row.getByRole('button', { name: 'Prolonger' }).click();
  await extendError.waitFor({ state: 'detached' });
  await page.waitForFunction((before) => [...document.querySelectorAll('#intern-list tr')]
    .find((r) => r.textContent.includes('Amina Benali'))?.querySelectorAll('td')[1]?.textContent !== before, periodBefore);
  check('an extension to 28 days is recorded', (await row.getByLabel('Nouveau dernier jour').inputValue()) === '');
  await row.locator('select[name=outcome]').selectOption('hired');
  await row.getByRole('button', { name: 'Enregistrer le résultat' }).click();
  await page.locator('#intern-list tr', { hasText: 'Amina Benali' }).locator('td', { hasText: /^embauché·e$/ }).waitFor();
  check('the outcome is recorded', true);
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-internships.png'), fullPage: true });

  // 5. English, and the pages at 390 px; axe on each.
  await page.selectOption('#lang', 'en');
  await page.getByRole('link', { name: 'Employers' }).click();
  await page.getByRole('heading', { name: 'Partner employers' }).waitFor();
  check('the employers page in English', (await page.locator('.cond-state.ok').first().textContent()).startsWith('Conditions confirmed by'));
  await page.getByRole('link', { name: 'Infirmière clinicienne' }).click();
  await page.locator('#need-preselect li', { hasText: 'Julien Moreau' }).locator('.reasons li', { hasText: 'speaks the working language(s): fr' }).waitFor();
  check('the reasons in English without a new request', (await page.getByRole('button', { name: 'Propose Julien Moreau' }).count()) === 1);
  await page.selectOption('#lang', 'fr');
  const pages = [['#/employers', 'employers', '.employer'], [`#/employers/need/${needId}`, 'need', '#need-proposals li'],
    ['#/activities', 'activities', '#act-list table'], ['#/internships', 'internships', '#intern-list table']];
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    for (const [hash, label, ready] of pages) {
      await page.goto(`${url}${hash}`);
      await page.locator(ready).first().waitFor();
      await axeCheck(page, `${label} at ${width} px`);
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      check(`${label} at ${width} px is no wider than the screen`, wide <= width, `${wide} px`);
    }
  }
  await page.goto(`${url}#/employers/need/${needId}`);
  await page.locator('#need-proposals li').first().waitFor();
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-preselection-390.png'), fullPage: true });
  await page.goto(`${url}#/activities`);
  await page.locator('#act-list a', { hasText: 'Speed jobbing santé' }).click();
  await page.locator('#sched-grid').waitFor();
  await page.locator('#ics-activity').waitFor();
  check('the activity at 390 px is no wider than the screen', await page.evaluate(() => document.documentElement.scrollWidth) <= 390);
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-activity-390.png'), fullPage: true });
  await page.goto(`${url}#/employers`);
  await page.locator('.employer').first().waitFor();
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-employers-390.png'), fullPage: true });
}

await runTest('staff_e2e', tmp, main, {
  cleanup: async () => {
    if (browser) await browser.close().catch(() => {});
    if (server) try { process.kill(-server.pid, 'SIGTERM'); } catch (e) { /* gone */ }
  },
  onSignal: () => { if (server) try { process.kill(-server.pid, 'SIGKILL'); } catch (e) { /* gone */ } },
});
