// The phone app, a mentor's journey (issue 19, docs/app.md, docs/mentoring.md), on a phone:
// the demo coach proposes Priya Singh (mentor, English) for Yassine Trabelsi (CLI); on her phone
// she accepts the proposal, adds a weekly availability window; the candidate books a slot of
// that window (his CLI); she sees the meeting, records three referrals, and downloads the
// meeting's .ics, which python's icalendar parses with the meeting's DTSTART.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { check, runTest } from './harness.mjs';
import {
  AppServer, CliUser, DEMO, eventually, fillForm, launchBrowser, newPhone, openTab, saveShot, screen, signIn, stage,
} from './app_harness.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-app-mentor-'));
const server = new AppServer(tmp);
let browser = null;
const SINGH = { email: 'mentor.singh@demo.passerelle.quebec', password: 'demo-mentor-2026' };
const YASSINE = { email: 'yassine.trabelsi@demo.passerelle.quebec', password: 'demo-candidate-2026' };
// Debian's python3 (the one python3-icalendar installs into), else whatever python3 is first.
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

async function main() {
  await server.start();
  browser = await launchBrowser();
  const coach = new CliUser(tmp, 'coach', server).login(DEMO.coach);
  const candidate = new CliUser(tmp, 'yassine', server).login(YASSINE);
  const yassineId = server.userId(YASSINE.email);
  const singhId = server.userId(SINGH.email);
  coach.run(['mentors', 'propose', '--candidate', yassineId, '--mentor', singhId]);
  coach.sync();
  const mentorship = () => server.rows('mentorships', 'candidate_id', yassineId)[0];
  check('the coach\'s proposal is on the server', mentorship()?.status === 'proposed', JSON.stringify(mentorship()));

  const { context, page } = await newPhone(browser, { lang: 'en' });
  await signIn(page, server, SINGH);
  const view = screen(page, 'mentor');

  await stage('the mentor accepts the proposal on her phone', async () => {
    await openTab(page, 'mentor');
    await view.getByText(/Yassine Trabelsi/).first().waitFor();
    await saveShot(page, 'mentor-proposal-en');
    await view.getByRole('button', { name: /^(accept|accepter)$/i }).first().tap();
    check('the mentorship is active on the server', await eventually(() => mentorship()?.status === 'active'), JSON.stringify(mentorship()?.status));
  }, check);

  await stage('the mentor adds a weekly availability window (Friday 14:00-16:00)', async () => {
    // As a person would, fill in the new row once it is on screen: `.last()` taken before the
    // redraw is the row above it (an existing window, which this test once moved to Friday).
    const days = view.getByLabel(/^(day|jour)$/i);
    const rowsBefore = await days.count();
    await view.getByRole('button', { name: /^(add a weekly window|ajouter une plage)/i }).tap();
    check('the new window is drawn', !!(await eventually(async () => (await days.count()) === rowsBefore + 1)));
    await days.last().selectOption('5');
    await view.getByLabel(/^(from|de|début)$/i).last().selectOption('14:00');
    await view.getByLabel(/^(to|à|fin)$/i).last().selectOption('16:00');
    await view.getByRole('button', { name: /^(save my availability|enregistrer mes disponibilités)/i }).tap();
    const has = () => {
      const a = server.rows('availability', 'time_zone', 'America/Toronto').find((r) => r.id === singhId)
        || server.sql(`SELECT data FROM sync_rows WHERE collection='availability' AND id='${singhId}'`);
      const row = typeof a === 'string' ? (a ? JSON.parse(a) : null) : a;
      return row && (row.weekly || []).some((w) => w.weekday === 5 && w.start === '14:00' && w.end === '16:00');
    };
    const reached = await eventually(has);
    // When it fails, what the phone said: its sync line and the availability section.
    const said = reached ? '' : `${await page.locator('#syncline').innerText().catch(() => '?')} | ${
      (await view.innerText().catch(() => '?')).split('\n').filter((l) => /(availab|disponib|saved|enregistr|error|erreur|window|plage)/i.test(l)).join(' / ')}`;
    check('the new window is in her availability on the server', reached, said);
  }, check);

  // The candidate books the first Friday 14:00 slot (his CLI prints slots in both zones).
  candidate.sync();
  const slots = JSON.parse(candidate.run(['slots', '--json']));
  const torontoTime = (t) => new Date(t).toLocaleString('en-US', { timeZone: 'America/Toronto', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const friday = slots.find((s) => torontoTime(s.start) === 'Fri 14:00') || slots[0];
  check('the new window offers Friday 14:00 (Toronto) slots to the candidate', slots.some((s) => torontoTime(s.start) === 'Fri 14:00'),
    JSON.stringify(slots.slice(0, 3).map((s) => torontoTime(s.start))));
  const start = friday.start;
  candidate.run(['book', start]);
  candidate.sync();
  const meeting = await eventually(() => server.rows('meetings', 'candidate_id', yassineId).find((m) => m.status === 'scheduled'));
  check('the candidate\'s booking is a scheduled meeting on the server', !!meeting, start);

  await stage('the mentor sees the meeting and downloads its .ics', async () => {
    await openTab(page, 'home');
    await openTab(page, 'mentor');
    await view.getByText(/Yassine Trabelsi/).first().waitFor();
    const download = page.waitForEvent('download');
    await view.getByRole('button', { name: /(add to my calendar|calendrier)/i }).first().tap();
    const file = path.join(tmp, 'meeting.ics');
    await (await download).saveAs(file);
    const py = spawnSync(PYTHON, ['-c', [
      'import sys, icalendar',
      'cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())',
      'ev = [c for c in cal.walk("VEVENT")][0]',
      'print(ev.decoded("dtstart").astimezone(__import__("datetime").timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))',
    ].join('\n'), file], { encoding: 'utf8' });
    const want = meeting ? new Date(meeting.start).toISOString().replace(/\.\d{3}Z$/, 'Z') : '?';
    check('the .ics parses with python icalendar and its DTSTART is the meeting\'s start', py.status === 0 && py.stdout.trim() === want,
      `${py.stdout.trim()} vs ${want} ${py.stderr.split('\n').slice(-2).join(' ')}`);
  }, check);

  await stage('the mentor records three referrals', async () => {
    const people = [['Dr. Amélie Fortin', 'Chief engineer', 'Hydro-Québec'], ['Marc Dubé', 'Recruiter', 'WSP'],
      ['Nora Lefebvre', 'Project manager', 'Ville de Sherbrooke']];
    for (const [name, role, org] of people) {
      // The form folds away under its summary; it may still be open from the previous referral.
      if (!(await view.getByLabel(/^(name|nom)$/i).first().isVisible())) {
        await view.locator('summary').filter({ hasText: /^(add a referral|ajouter une référence)/i }).first().tap();
      }
      await fillForm([[view.getByLabel(/^(name|nom)$/i).first(), name], [view.getByLabel(/^(role|rôle)$/i).first(), role],
        [view.getByLabel(/^(organi[sz]ation)$/i).first(), org]]);
      await view.getByRole('button', { name: /^(add|ajouter)$/i }).first().tap();
      await view.getByText(name).first().waitFor();
    }
    const n = await eventually(() => server.rows('referrals', 'mentor_id', singhId).length === 3 && 3);
    check('three referrals on the server, each once', n === 3, String(server.rows('referrals', 'mentor_id', singhId).length));
    await saveShot(page, 'mentor-referrals-en');
  }, check);
  check('no uncaught error in the page', page.errors.length === 0, JSON.stringify(page.errors));
  await context.close();
}

await runTest('app mentor journey', tmp, main, {
  cleanup: async () => {
    if (browser) await browser.close().catch(() => {});
    await server.stop();
  },
  onSignal: () => server.killNow(),
});
