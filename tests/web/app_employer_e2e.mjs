// The employer's page and the candidate's activity and proposal screens (issue 21 item 6,
// docs/employers.md, docs/activities.md), against the real server serving the app:
// - a coach invites an employer (the protocol, as the dashboard does); she opens the e-mail's
//   link on a laptop, creates her account, fills her organization's profile and checklist and
//   adds a need in the page (employer.update, need.create through the core);
// - staff (the coach's CLI) confirm her conditions; the demo candidate Amina shares her profile
//   (her CLI); the coach proposes her for the need: the employer's page shows Amina's card with
//   the reasons, she accepts — the proposal is accepted on the server; Amina's phone shows the
//   proposal and her card as employers see it;
// - the coach records an internship: the employer sees it with its dates;
// - the coach creates a speed-jobbing session with one seat, Julien (CLI) takes it, the coach
//   builds the rotation: the employer sees her schedule with Julien, prints it and downloads the
//   .ics (python's icalendar parses it);
// - Amina, offline (server stopped), registers on her phone: the page says the registration is
//   sent and waits; back online it syncs and says she is number 1 on the waiting list.
// Screenshots on a laptop (1280x800) and a phone (390x844) go to <build>/test-artifacts/app/.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { check, runTest } from './harness.mjs';
import {
  AppServer, CliUser, DEMO, LAPTOP, PHONE, eventually, fillForm, inviteByEmail, launchBrowser, newPhone, saveShot, screen,
  setLanguage, signIn, stage, waitScreen,
} from './app_harness.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-app-employer-'));
const server = new AppServer(tmp);
let browser = null;
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const EMPLOYER = { email: 'rh@cliniquelaval.example', password: 'employeur-2026-secret', name: 'Sophie Tremblay' };

// A tab of the employer's or candidate's bar, by its name in either language.
async function tab(page, name, screenName) {
  await page.getByRole('navigation').getByRole('link', { name }).first().click();
  await waitScreen(page, screenName);
}

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// axe-core's serious and critical violations, and controls under 44x44 CSS px (as
// app_screens_e2e checks every other screen): [] when the screen is clean.
async function quality(page) {
  await page.evaluate(AXE);
  const axe = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`));
  const small = await page.evaluate(() => {
    const out = [];
    for (const el of document.querySelectorAll('button, summary, a[href], select, textarea, input:not([type="hidden"]):not([type="checkbox"]):not([type="radio"]), label.check')) {
      const r = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      if (!r.width || !r.height || style.visibility === 'hidden' || el.closest('[hidden], .sr-only')) continue;
      if ((el.tagName === 'A' && style.display === 'inline') || el.classList.contains('skip')) continue;
      if (r.width < 44 || r.height < 44) out.push(`${el.tagName.toLowerCase()} "${(el.textContent || el.id).trim().slice(0, 30)}" ${Math.round(r.width)}x${Math.round(r.height)}`);
    }
    return out;
  });
  return [...axe, ...small];
}

// Ticks a checkbox brought to the middle of the screen (the fixed tab bar covers the bottom).
async function tick(locator) {
  await locator.evaluate((el) => el.scrollIntoView({ block: 'center' }));
  await locator.check();
}

async function main() {
  await server.start();
  browser = await launchBrowser();
  const coach = new CliUser(tmp, 'coach', server).login(DEMO.coach);
  const amina = new CliUser(tmp, 'amina', server).login(DEMO.amina);
  const julien = new CliUser(tmp, 'julien', server).login(DEMO.julien);
  const aminaId = server.userId(DEMO.amina.email);

  // 1. The invitation, accepted on a laptop.
  const invite = await inviteByEmail(browser, server, DEMO.coach, EMPLOYER.email, 'employer', 'en');
  check('the coach invites an employer', invite.answer?.ok === true && !!invite.link, JSON.stringify(invite.answer));
  const { context, page } = await newPhone(browser, { lang: 'en', viewport: LAPTOP, mobile: false });
  const view = screen(page, 'employer');
  await stage('the employer creates her account from the e-mail\'s link and lands on her page', async () => {
    await page.goto(invite.link.replace(/^https?:\/\/[^/]+/, server.url));
    await fillForm([[page.getByLabel(/^(your name|name|nom)/i).first(), EMPLOYER.name],
      [page.getByLabel(/^(choose a password|password|mot de passe)/i).first(), EMPLOYER.password],
      [page.getByLabel(/^(confirm|confirmez)/i).first(), EMPLOYER.password]]);
    await page.getByRole('button', { name: /(create|créer)/i }).first().click();
    await waitScreen(page, 'employer', 60000);
    const tabs = await page.getByRole('navigation').innerText();
    check('the employer\'s tabs are her own (company, candidates, activities, profile), not a candidate\'s',
      /My company/.test(tabs) && /Candidates/.test(tabs) && /Activities/.test(tabs) && !/Plan/.test(tabs), tabs.replace(/\s+/g, ' '));
  }, check);
  const employerId = server.userId(EMPLOYER.email);

  await stage('she fills her profile and checklist and adds a need', async () => {
    await fillForm([[view.getByLabel(/^organization$/i), 'Clinique Laval'], [view.getByLabel(/^sector$/i), 'Health care'],
      [view.getByLabel(/^city$/i), 'Laval'], [view.getByLabel(/^region$/i), 'Laval'],
      [view.getByLabel(/^occupations sought/i), '32101'], [view.getByLabel(/^working languages/i), 'fr, en'],
      [view.getByLabel(/^positions open$/i), '2'], [view.getByLabel(/^interns you can host$/i), '1']]);
    for (const label of [/a work station/i, /colleagues on site/i, /someone to coach/i]) await tick(view.getByLabel(label));
    await view.getByRole('button', { name: /^save the profile$/i }).click();
    const profile = () => server.rows('employer_profiles').find((r) => r.id === employerId);
    check('her profile and checklist reach the server', await eventually(() => profile()?.organization === 'Clinique Laval'
      && profile()?.conditions?.coach_on_site === true), JSON.stringify(profile()));
    await fillForm([[view.getByLabel(/^title/i), 'Licensed practical nurse, evenings'], [view.getByLabel(/^NOC code/i), '32101'],
      [view.getByLabel(/^region \(optional\)/i), 'Laval']]);
    await view.getByRole('button', { name: /^add the need$/i }).click();
    await view.getByText('Licensed practical nurse, evenings').first().waitFor();
    check('her need reaches the server', await eventually(() => server.rows('employer_needs', 'employer_id', employerId).length === 1));
  }, check);

  // 2. Staff confirm, Amina consents, the coach proposes her.
  coach.sync();
  coach.run(['employer', 'confirm', employerId]);
  amina.run(['consent', 'give', '--available-from', '2027-03-01', '--summary', 'Nurse, 8 years in a Casablanca hospital.']);
  amina.sync();
  coach.sync();
  const need = server.rows('employer_needs', 'employer_id', employerId)[0];
  coach.run(['employer', 'propose', '--need', need.id, '--candidate', aminaId]);
  coach.sync();
  const proposal = () => server.rows('employer_proposals', 'employer_id', employerId)[0];
  check('the proposal is on the server', proposal()?.status === 'proposed', JSON.stringify(proposal()?.status));

  const candidates = screen(page, 'employer_candidates');
  await stage('she sees Amina\'s card with the reasons and accepts', async () => {
    await view.getByText(/conditions confirmed by program staff/i).first().waitFor({ timeout: 60000 });
    await view.getByRole('link', { name: /1 proposed candidate waits for your answer/ }).click();
    await waitScreen(page, 'employer_candidates');
    await candidates.getByRole('heading', { name: DEMO.amina.name }).waitFor({ timeout: 60000 });
    const text = await candidates.innerText();
    check('the card shows why she was proposed (the stored reasons) and her summary', /Why this person/.test(text)
      && /same occupation|speaks the working language|wants to settle|available from/i.test(text) && /8 years in a Casablanca/.test(text), text.slice(0, 600));
    check('the card holds nothing of her immigration file', !/immigration|CSQ|permanent residence/i.test(text));
    await saveShot(page, 'employer-candidates-laptop-en');
    await candidates.getByRole('button', { name: /^accept$/i }).first().click();
    check('the proposal is accepted on the server', await eventually(() => proposal()?.status === 'accepted'), JSON.stringify(proposal()?.status));
    await candidates.locator('.pill', { hasText: /^accepted$/ }).first().waitFor();
  }, check);

  // 3. An internship.
  coach.sync();
  coach.run(['employer', 'internship', '--employer', employerId, '--candidate', aminaId, '--start', '2027-04-05', '--end', '2027-04-30',
    '--zone', 'America/Toronto', '--need', need.id]);
  coach.sync();
  await stage('she sees the internship with its dates', async () => {
    const item = candidates.locator('[data-internship]').first();
    await item.waitFor({ timeout: 60000 });
    const text = await item.innerText();
    check('the internship shows Amina, its dates and that no outcome is recorded yet',
      text.includes(DEMO.amina.name) && /Apr 5, 2027/.test(text) && /Apr 30, 2027/.test(text) && !/May 1/.test(text) && /not recorded yet/i.test(text), text);
    // The form stays unfolded across the redraws a sync makes; the select is taken when shown.
    await item.locator('summary').click();
    const which = candidates.locator('[data-internship]').first().getByLabel(/^outcome of the internship$/i);
    await which.waitFor();
    await which.selectOption('hired_priime');
    await item.getByRole('button', { name: /^record the outcome$/i }).click();
    const internship = () => server.rows('internships', 'employer_id', employerId)[0];
    check('she records the outcome "hired with PRIIME": on the server, the internship completed',
      await eventually(() => internship()?.outcome === 'hired_priime' && internship()?.status === 'completed'), JSON.stringify(internship()?.outcome));
    await candidates.locator('[data-internship]').first().getByText(/hired with the PRIIME wage subsidy/).waitFor();
  }, check);

  // 4. A speed-jobbing session: one seat, Julien takes it, the coach builds the rotation.
  const tomorrow = new Date(Date.now() + 36 * 3600 * 1000);
  tomorrow.setUTCHours(15, 0, 0, 0);
  const start = tomorrow.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const end = new Date(tomorrow.getTime() + 2 * 3600 * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  coach.run(['activities', 'create', '--kind', 'speed_jobbing', '--title', 'Speed jobbing — santé, Laval', '--start', start, '--end', end,
    '--time-zone', 'America/Toronto', '--place', 'Cosmodôme, Laval', '--capacity', '1', '--audience', 'all', '--employers', employerId]);
  coach.sync();
  const activity = () => server.rows('activities').find((a) => a.title === 'Speed jobbing — santé, Laval');
  check('the session is on the server', !!activity());
  julien.sync();
  julien.run(['activities', 'register', activity().id]);
  julien.sync();
  coach.sync();
  coach.run(['activities', 'schedule', activity().id]);
  coach.sync();
  check('the rotation is built', await eventually(() => !!activity()?.scheduled_at), JSON.stringify(activity()?.scheduled_at));

  const acts = screen(page, 'activities');
  await stage('she sees her speed-jobbing schedule, prints it and downloads the .ics', async () => {
    await tab(page, /^activities$/i, 'activities');
    await acts.getByRole('link', { name: 'Speed jobbing — santé, Laval' }).first().click();
    await acts.locator('table.agenda').waitFor({ timeout: 60000 });
    const table = await acts.locator('table.agenda').innerText();
    check('her schedule lists Julien at table 1', /Julien Moreau/.test(table) && /\b1\b/.test(table), table);
    await saveShot(page, 'employer-schedule-laptop-en');
    await page.emulateMedia({ media: 'print' });
    const hidden = await page.evaluate(() => getComputedStyle(document.querySelector('#tabs')).display === 'none'
      && getComputedStyle(document.querySelector('#schedule-print')).display === 'none');
    await saveShot(page, 'employer-schedule-print-en');
    await page.emulateMedia({ media: 'screen' });
    check('the printed page keeps the schedule and leaves out the bars and buttons', hidden);
    const download = page.waitForEvent('download');
    await acts.getByRole('button', { name: /add to my calendar/i }).click();
    const file = path.join(tmp, 'agenda.ics');
    await (await download).saveAs(file);
    const py = spawnSync(PYTHON, ['-c', [
      'import sys, icalendar',
      'cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())',
      'evs = [c for c in cal.walk("VEVENT")]',
      'print(len(evs), evs[0].decoded("dtstart").astimezone(__import__("datetime").timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))',
    ].join('\n'), file], { encoding: 'utf8' });
    check('the .ics (from the core) parses with python icalendar: one meeting at the session\'s start',
      py.status === 0 && py.stdout.trim() === `1 ${start}`, `${py.stdout.trim()} vs 1 ${start} ${py.stderr.split('\n').slice(-2).join(' ')}`);
  }, check);

  await stage('the employer\'s page at a phone width', async () => {
    await page.setViewportSize(PHONE);
    await saveShot(page, 'employer-schedule-phone-en');
    const onSchedule = await quality(page);
    check('her schedule at 390 px: no serious axe-core violation, targets of 44 px', onSchedule.length === 0, JSON.stringify(onSchedule));
    await tab(page, /^my company$/i, 'employer');
    await saveShot(page, 'employer-company-phone-en');
    const onCompany = await quality(page);
    check('her company page at 390 px: no serious axe-core violation, targets of 44 px', onCompany.length === 0, JSON.stringify(onCompany));
    await tab(page, /^candidates$/i, 'employer_candidates');
    const onCandidates = await quality(page);
    check('her candidates page at 390 px: no serious axe-core violation, targets of 44 px', onCandidates.length === 0, JSON.stringify(onCandidates));
    await saveShot(page, 'employer-candidates-phone-en');
    await tab(page, /^my company$/i, 'employer');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
    check('at 390 px nothing is wider than the screen', !overflow);
    await page.setViewportSize(LAPTOP);
    await saveShot(page, 'employer-company-laptop-en');
    await setLanguage(page, 'fr');
    await view.getByRole('heading', { name: /Mes besoins/ }).waitFor();
    await saveShot(page, 'employer-company-laptop-fr');
    await tab(page, /^candidat·es$/i, 'employer_candidates');
    await saveShot(page, 'employer-candidates-laptop-fr');
    await setLanguage(page, 'en');
  }, check);
  check('no uncaught error in the employer\'s page', page.errors.length === 0, JSON.stringify(page.errors));

  // 5. Amina on her phone: her proposal and card, then an offline registration that waits.
  const phone = await newPhone(browser, { lang: 'en' });
  const p2 = phone.page;
  await signIn(p2, server, DEMO.amina);
  await setLanguage(p2, 'en');
  await stage('Amina sees her proposal and her card as employers see it', async () => {
    await tab(p2, /^profile$/i, 'profile');
    const proposals = p2.locator('#my-proposals');
    await proposals.getByText(/Clinique Laval/).first().waitFor({ timeout: 60000 });
    const text = await proposals.innerText();
    check('her proposal names the employer and the need, accepted, with the reasons', /Licensed practical nurse/.test(text)
      && /accepted by the employer/i.test(text) && /Why you/.test(text), text);
    check('her card is shown as employers see it', /8 years in a Casablanca/.test(await p2.locator('#my-card').innerText()));
    const onProfile = await quality(p2);
    check('her profile with proposals: no serious axe-core violation, targets of 44 px', onProfile.length === 0, JSON.stringify(onProfile));
    await p2.locator('#my-card').scrollIntoViewIfNeeded();
    await saveShot(p2, 'candidate-proposals-phone-en');
  }, check);

  const acts2 = screen(p2, 'activities');
  await stage('Amina registers offline; the page says it waits to be sent', async () => {
    await tab(p2, /^activities$/i, 'activities');
    await acts2.getByRole('link', { name: 'Speed jobbing — santé, Laval' }).first().waitFor({ timeout: 60000 });
    await server.stop();
    await phone.context.setOffline(true);
    const card = acts2.locator('[data-activity]').first();
    await card.getByLabel(EMPLOYER.name).waitFor();
    await card.getByRole('button', { name: /^register$/i }).tap();
    await card.locator('[data-status="requested"]').waitFor();
    const text = await card.innerText();
    check('offline, her registration shows at once as sent and waiting (the core\'s sentence)', /waiting for the server/i.test(text), text);
    await saveShot(p2, 'candidate-activity-offline-phone-en');
  }, check);
  await server.start();
  await phone.context.setOffline(false);
  await stage('back online, it syncs: she is number 1 on the waiting list', async () => {
    const card = acts2.locator('[data-activity]').first();
    await card.locator('[data-status="waitlisted"]').waitFor({ timeout: 90000 });
    const text = await card.innerText();
    check('the page says why: full, number 1 on the waiting list', /number 1 on the waiting list/i.test(text), text);
    const reg = server.rows('activity_registrations', 'candidate_id', aminaId)[0];
    check('the server holds her registration on the waiting list, position 1', reg?.status === 'waitlisted' && reg?.position === 1, JSON.stringify(reg));
    await tab(p2, /^home$/i, 'home');
    const home = await screen(p2, 'home').locator('[aria-labelledby="home-activities"]').innerText();
    await screen(p2, 'home').locator('[aria-labelledby="home-activities"]').scrollIntoViewIfNeeded();
    await saveShot(p2, 'candidate-home-activities-phone-en');
    check('her home lists the activity with where she stands', /Speed jobbing — santé, Laval/.test(home) && /number 1 on the waiting list/.test(home), home);
    await tab(p2, /^activities$/i, 'activities');
    await saveShot(p2, 'candidate-activity-waitlisted-phone-en');
    const onActivities = await quality(p2);
    check('her activities screen: no serious axe-core violation, targets of 44 px', onActivities.length === 0, JSON.stringify(onActivities));
    await setLanguage(p2, 'fr');
    await card.getByText(/vous êtes 1re sur la liste d.attente/i).first().waitFor();
    await saveShot(p2, 'candidate-activity-waitlisted-phone-fr');
    await setLanguage(p2, 'en');
    await card.getByRole('button', { name: /^withdraw$/i }).tap();
    await card.locator('[data-status="cancelled"]').waitFor();
    const latest = () => server.rows('activity_registrations', 'candidate_id', aminaId)[0];
    check('she withdraws: the server cancels her registration and the card offers to register again',
      await eventually(() => latest()?.status === 'cancelled') && await card.getByRole('button', { name: /^register again$/i }).isVisible(), JSON.stringify(latest()?.status));
  }, check);
  check('no uncaught error in the candidate\'s page', p2.errors.length === 0, JSON.stringify(p2.errors));
  await phone.context.close();
  await context.close();
}

await runTest('app employer page and activities', tmp, main, {
  cleanup: async () => {
    if (browser) await browser.close().catch(() => {});
    await server.stop();
  },
  onSignal: () => server.killNow(),
});
