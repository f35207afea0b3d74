// Onboarding in the dashboard (issue 27), on loopback: the real passerelle-server with --demo,
// headless Debian chromium driven by playwright-core.
//   - the demo coach invites a candidate from the Invitations page; the e-mail lands in
//     --mail-dir; its code is accepted (the e-mail's command line, the `passerelle` CLI) and the
//     candidate appears in that coach's caseload;
//   - revoke then accept: refused; resend: the old code refused, the new one works;
//   - a coach asking to invite an admin gets `forbidden`;
//   - a CSV of 500 rows with 10 bad ones: the check's report names exactly those 10, the send
//     mails the 490 others;
//   - the admin's Accounts page finds the new candidate with her coach;
//   - axe-core finds no serious or critical violation on every dashboard page at 1280 and 390 px.
// Environment: PASSERELLE_SERVER, PASSERELLE_CLI, WEB_ROOT, ARTIFACTS_DIR, CHROMIUM (optional).
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
const CLI = process.env.PASSERELLE_CLI;
const WEB_ROOT = process.env.WEB_ROOT;
const ARTIFACTS = process.env.ARTIFACTS_DIR || path.resolve('test-artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const STEP_MS = 15000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-invites-'));
const mailDir = path.join(tmp, 'mail');
fs.mkdirSync(ARTIFACTS, { recursive: true });
let server, browser, wsUrl;

function mails() {
  if (!fs.existsSync(mailDir)) return [];
  return fs.readdirSync(mailDir).filter((f) => f.endsWith('.eml')).map((f) => fs.readFileSync(path.join(mailDir, f), 'utf8'));
}
const unfold = (m) => m.replaceAll('=\r\n', '');
const mailsTo = (email) => mails().filter((m) => m.includes(`\nTo: ${email}`));
const tokenIn = (m) => (unfold(m).match(/invite#([A-Za-z0-9_-]{43})/) || [])[1];
async function eventually(fn, ms = 20000) {
  for (const until = Date.now() + ms; Date.now() < until; await sleep(100)) if (await fn()) return true;
  return fn();
}

// The e-mail's command line: passerelle --server URL --data DIR accept-invite TOKEN --name N.
function acceptWithCli(token, name) {
  const data = fs.mkdtempSync(path.join(tmp, 'device-'));
  const r = spawnSync(CLI, ['--server', wsUrl, '--data', data, 'accept-invite', token, '--name', name],
    { input: 'a long enough password\n', encoding: 'utf8', timeout: 30000 });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

async function signIn(page, url, email, password) {
  await page.goto(url);
  await page.getByLabel(/Courriel|E-mail/).fill(email);
  await page.getByLabel(/Mot de passe|Password/).fill(password);
  await page.locator('#login-form button[type=submit]').click();
  await page.locator('#nav').waitFor();
}

// A request on a fresh WebSocket in the page, signed in with the page's session.
async function requestInPage(page, type, fields) {
  return page.evaluate(async ([type, fields]) => {
    const ws = new WebSocket(`ws://${location.host}/v1/ws`);
    let id = 0;
    const waiting = new Map();
    const seen = [];
    ws.onmessage = (ev) => { const m = JSON.parse(ev.data); seen.push(ev.data); waiting.get(m.re)?.(m); };
    const call = (t, f) => Promise.race([
      new Promise((resolve) => { const n = ++id; waiting.set(n, resolve); ws.send(JSON.stringify({ id: n, type: t, ...f })); }),
      new Promise((resolve) => setTimeout(() => resolve({ error: { code: 'no answer', message: seen.join(' ') } }), 5000))]);
    await new Promise((r, j) => { ws.onopen = r; ws.onerror = j; });
    await call('hello', { protocol: 1 });
    await call('auth.resume', { token: sessionStorage.getItem('passerelle.token') });
    const a = await call(type, fields);
    ws.close();
    return a;
  }, [type, fields]);
}

async function axeCheck(page, label) {
  await page.addScriptTag({ content: AXE_SOURCE });
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  });
  check(`axe: no serious or critical violation on ${label}`, result.length === 0, result.join('\n'));
}

async function main() {
  const ready = path.join(tmp, 'ready');
  server = spawn(SERVER, ['serve', '--demo', '--listen', '127.0.0.1:0', '--ready-file', ready,
    '--db', `sqlite:${path.join(tmp, 'db.sqlite')}`, '--mail-dir', mailDir, '--invite-rate', '500',
    '--web-root', WEB_ROOT, '--scrypt-log2n', '10'], { detached: true, stdio: ['ignore', 'ignore', fs.openSync(path.join(tmp, 'server.log'), 'w')] });
  for (let i = 0; i < 300 && !fs.existsSync(ready); i++) await sleep(100);
  if (!fs.existsSync(ready)) throw new Error('the server did not start');
  const address = fs.readFileSync(ready, 'utf8').trim();
  const url = `http://${address}/`;
  wsUrl = `ws://${address}`;

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 850 }, locale: 'fr-CA' });
  context.setDefaultTimeout(STEP_MS);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log('page error:', e.message));

  // 1. The coach invites a candidate; the e-mail goes; the code makes the account; she is in
  //    the coach's caseload.
  await signIn(page, url, 'coach.gagnon@demo.passerelle.quebec', 'demo-coach-2026');
  await page.getByRole('link', { name: 'Invitations' }).click();
  await page.getByRole('heading', { name: 'Invitations', level: 1 }).waitFor();
  await page.getByLabel('Courriel', { exact: true }).fill('fatou.ndiaye@example.org');
  await page.getByLabel('Nom', { exact: true }).fill('Fatou Ndiaye');
  await page.getByLabel('Arrivée prévue').fill('2027-06-01');
  await page.getByLabel('Pays (code ISO)').fill('SN');
  await page.getByRole('button', { name: 'Envoyer l’invitation', exact: true }).click();
  await page.locator('#inv-list tr', { hasText: 'fatou.ndiaye@example.org' }).waitFor();
  check('the invitation is listed as pending', (await page.locator('#inv-list tr', { hasText: 'fatou.ndiaye@example.org' }).locator('.inv-status').textContent()) === 'en attente');
  await eventually(() => mailsTo('fatou.ndiaye@example.org').length === 1);
  const fatouMail = mailsTo('fatou.ndiaye@example.org')[0] || '';
  check('the invitation e-mail lands in --mail-dir', !!tokenIn(fatouMail));
  const accepted = acceptWithCli(tokenIn(fatouMail), 'Fatou Ndiaye');
  check('the e-mail\'s code makes the account', accepted.ok, accepted.out);
  await page.getByRole('link', { name: 'Dossiers' }).click();
  await page.locator('#caseload tr', { hasText: 'Fatou Ndiaye' }).waitFor();
  check('the candidate appears in the coach\'s caseload', (await page.locator('#caseload tr', { hasText: 'Fatou Ndiaye' }).textContent()).includes('SN'));

  // 2. Revoke, then accept: refused. Resend: the old code refused, the new one works.
  await page.getByRole('link', { name: 'Invitations' }).click();
  for (const email of ['revoked@example.org', 'resent@example.org']) {
    await page.getByLabel('Courriel', { exact: true }).fill(email);
    await page.getByRole('button', { name: 'Envoyer l’invitation', exact: true }).click();
    await page.locator('#inv-list tr', { hasText: email }).waitFor();
  }
  await eventually(() => mailsTo('revoked@example.org').length === 1 && mailsTo('resent@example.org').length === 1);
  await page.getByRole('button', { name: 'Révoquer l’invitation de revoked@example.org' }).click();
  await page.locator('#inv-list tr', { hasText: 'revoked@example.org' }).locator('.inv-status', { hasText: 'révoquée' }).waitFor();
  const afterRevoke = acceptWithCli(tokenIn(mailsTo('revoked@example.org')[0]), 'Revoked');
  check('revoke then accept: refused', !afterRevoke.ok && /revoked/.test(afterRevoke.out), afterRevoke.out);
  const oldToken = tokenIn(mailsTo('resent@example.org')[0]);
  await page.getByRole('button', { name: 'Renvoyer l’invitation de resent@example.org' }).click();
  await eventually(() => mailsTo('resent@example.org').length === 2);
  const newToken = mailsTo('resent@example.org').map(tokenIn).find((x) => x !== oldToken);
  const oldRefused = acceptWithCli(oldToken, 'Old Link');
  check('resend: the old link is refused', !oldRefused.ok, oldRefused.out);
  check('resend: the new link works', acceptWithCli(newToken, 'New Link').ok);

  // 3. A coach inviting an admin: forbidden (the form does not offer it; the server refuses).
  const roles = await page.locator('#inv-role option').evaluateAll((os) => os.map((o) => o.value));
  check('a coach\'s form offers candidate, mentor and employer only', JSON.stringify(roles) === '["candidate","mentor","employer"]', JSON.stringify(roles));
  const asAdmin = await requestInPage(page, 'invite.create', { email: 'boss@example.org', role: 'admin' });
  check('a coach inviting an admin gets forbidden', asAdmin.error?.code === 'forbidden', JSON.stringify(asAdmin));

  // 4. A cohort of 500 rows with 10 bad ones.
  const bad = new Map();
  let csv = 'email,name,locale,planned_arrival,country\r\n';
  for (let i = 1; i <= 500; i++) {
    let email = `cohort${i}@example.org`, arrival = '2027-09-01';
    if (i % 50 === 7) {
      const kind = (i / 50) | 0;
      if (kind < 4) { email = `cohort${i}.example.org`; bad.set(i, 'invalid_email'); }
      else if (kind < 7) { email = `cohort${i - 1}@example.org`; bad.set(i, 'duplicate_in_file'); }
      else if (kind < 9) { arrival = '2027-02-30'; bad.set(i, 'invalid'); }
      else { email = 'fatou.ndiaye@example.org'; bad.set(i, 'already_registered'); }
    }
    csv += `${email},"Personne ${i}, cohorte",fr,${arrival},MA\r\n`;
  }
  const before = mails().length;
  await page.locator('#cohort-file').setInputFiles({ name: 'cohort.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: 'Vérifier le fichier' }).click();
  await page.locator('#cohort-summary').waitFor();
  const reported = await page.locator('#cohort-problems tbody tr').evaluateAll((rows) => rows.map((r) => [Number(r.dataset.row), r.children[2].textContent]));
  const reportedRows = reported.map(([r]) => r).sort((a, b) => a - b);
  check('the check names exactly the 10 bad rows', JSON.stringify(reportedRows) === JSON.stringify([...bad.keys()].sort((a, b) => a - b)), JSON.stringify(reported));
  check('a check sends nothing', mails().length === before);
  await page.getByRole('button', { name: 'Envoyer les invitations', exact: true }).click();
  await page.locator('#cohort-summary', { hasText: '490 invitation(s)' }).waitFor();
  const allSent = await eventually(() => mails().length === before + 490, 60000);
  check('the send mails the 490 good rows', allSent, `${mails().length - before} e-mails`);
  await sleep(500);
  const cohortMails = mails().map((m) => (m.match(/\nTo: ([^\r\n]+)/) || [])[1]).filter((to) => to.startsWith('cohort'));
  check('each person of the cohort gets one e-mail', cohortMails.length === 490 && new Set(cohortMails).size === 490, `${new Set(cohortMails).size} recipients, ${cohortMails.length} e-mails`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-invitations.png'), fullPage: true });

  // 5. axe-core on the coach's pages, at 1280 and 390 px.
  const coachPages = [['#/', 'the caseload'], ['#/indicators', 'the indicators'], ['#/invitations', 'the invitations']];
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 850 });
    for (const [hash, label] of coachPages) {
      await page.goto(`${url}${hash}`);
      await page.locator('main h1').first().waitFor();
      if (hash === '#/') await page.locator('#caseload table').waitFor();
      if (hash === '#/indicators') { await page.locator('#ind-form button[type=submit]').click(); await page.locator('#ind-out table').waitFor(); }
      await axeCheck(page, `${label} at ${width} px`);
    }
    await page.goto(`${url}#/`);
    await page.locator('#caseload tr', { hasText: 'Amina Benali' }).getByRole('link').click();
    await page.locator('.msg').first().waitFor();
    await axeCheck(page, `a candidate's page at ${width} px`);
  }

  // 6. The admin: Accounts finds the new candidate with her coach; audit and accounts pass axe.
  await page.setViewportSize({ width: 1280, height: 850 });
  await page.getByRole('button', { name: /Se déconnecter|Sign out/ }).click();
  await page.locator('#login-form').waitFor();
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 850 });
    await axeCheck(page, `the sign-in page at ${width} px`);
  }
  await page.setViewportSize({ width: 1280, height: 850 });
  await signIn(page, url, 'admin@demo.passerelle.quebec', 'demo-admin-2026');
  await page.getByRole('link', { name: 'Comptes' }).click();
  await page.getByLabel('Nom ou courriel').fill('fatou');
  await page.getByRole('button', { name: 'Rechercher' }).click();
  const fatouRow = page.locator('#acc-out tr', { hasText: 'fatou.ndiaye@example.org' });
  await fatouRow.waitFor();
  check('the admin finds the candidate with her coach', (await fatouRow.locator('select[id^=coach-] option:checked').textContent()).includes('Gagnon'));
  await fatouRow.getByRole('button', { name: 'Désactiver le compte de Fatou Ndiaye' }).click();
  await page.locator('#acc-out tr', { hasText: 'fatou.ndiaye@example.org' }).getByRole('button', { name: 'Réactiver le compte de Fatou Ndiaye' }).waitFor();
  check('the admin disables an account', true);
  // The admin invites a mentor with their profile; a bad field is refused and what was typed stays.
  await page.getByRole('link', { name: 'Invitations' }).click();
  // The accounts page (whose rows also have « Rôle » labels) is replaced once the route has run.
  await page.locator('#inv-role').waitFor();
  await page.locator('#inv-role').selectOption('mentor');
  await page.getByLabel('Courriel', { exact: true }).fill('mentor.new@example.org');
  await page.getByLabel('Code CNP (5 chiffres)').fill('31301');
  await page.getByLabel('Langues de travail').fill('fr C2, en Z9');
  await page.getByLabel('Ville').fill('Trois-Rivières');
  await page.getByRole('button', { name: 'Envoyer l’invitation', exact: true }).click();
  await page.locator('#inv-error', { hasText: 'Refusé' }).waitFor();
  check('a bad mentor field is refused and the form keeps what was typed', (await page.getByLabel('Ville').inputValue()) === 'Trois-Rivières');
  await page.getByLabel('Langues de travail').fill('fr C2, en B1');
  await page.getByRole('button', { name: 'Envoyer l’invitation', exact: true }).click();
  await page.locator('#inv-list tr', { hasText: 'mentor.new@example.org' }).waitFor();
  check('the admin invites a mentor with their profile', (await page.locator('#inv-error').textContent()) === '');
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 850 });
    for (const [hash, label] of [['#/accounts', 'the accounts'], ['#/audit', 'the audit log'], ['#/invitations', 'the admin\'s invitations']]) {
      await page.goto(`${url}${hash}`);
      await page.locator('main h1').first().waitFor();
      await page.waitForLoadState('networkidle');
      await axeCheck(page, `${label} at ${width} px`);
    }
  }
}

await runTest('invites_e2e', tmp, main, {
  cleanup: async () => {
    if (browser) await browser.close().catch(() => {});
    if (server) try { process.kill(-server.pid, 'SIGTERM'); } catch (e) { /* gone */ }
  },
  onSignal: () => { if (server) try { process.kill(-server.pid, 'SIGKILL'); } catch (e) { /* gone */ } },
});
