// The phone app, two candidates racing for one slot (issue 19, docs/mentoring.md "Booking"):
// the demo coach proposes Isabelle Roy to Amina Benali and to Julien Moreau, she accepts both
// (CLI). Each candidate signs in on a phone of their own (two browser contexts: own storage,
// own service worker) and opens the mentoring screen. Then both phones are offline for real
// (the server process stopped, the network off), both book the same first free slot, and both
// come back online (the server started again on its port and database): the server holds
// exactly one meeting at that time, and the phone that lost says why on its screen.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { check, runTest } from './harness.mjs';
import {
  AppServer, CliUser, DEMO, control, eventually, launchBrowser, newPhone, openTab, saveShot, screen, signIn, stage,
} from './app_harness.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-app-race-'));
const server = new AppServer(tmp);
let browser = null;
const SLOT = /(your time|chez vous)/i;
const BOOK = /^(book|réserver)/i;
const WHY = /(taken|refused|not confirmed|prise|refusée|non confirmée)/i;

async function main() {
  await server.start();
  browser = await launchBrowser();
  const coach = new CliUser(tmp, 'coach', server).login(DEMO.coach);
  const mentor = new CliUser(tmp, 'roy', server).login(DEMO.roy);
  const royId = server.userId(DEMO.roy.email);
  const people = [DEMO.amina, DEMO.julien].map((p) => ({ ...p, id: server.userId(p.email) }));
  for (const p of people) coach.run(['mentors', 'propose', '--candidate', p.id, '--mentor', royId]);
  coach.sync();
  mentor.sync();
  for (const p of people) mentor.run(['mentorship', 'accept', server.rows('mentorships', 'candidate_id', p.id)[0].id]);
  mentor.sync();
  check('both mentorships are active', people.every((p) => server.rows('mentorships', 'candidate_id', p.id)[0]?.status === 'active'));

  const phones = [];
  for (const p of people) {
    const phone = await newPhone(browser, { lang: 'en' });
    await signIn(phone.page, server, p);
    await openTab(phone.page, 'mentoring');
    await screen(phone.page, 'mentoring').getByRole('button', { name: SLOT }).first().waitFor({ timeout: 30000 });
    phones.push({ ...p, ...phone });
  }

  // Both phones offline: no server, no network.
  await server.stop();
  for (const ph of phones) await ph.context.setOffline(true);
  // As a person would, book once the phone says it is offline (the sync line).
  for (const ph of phones) await ph.page.getByText(/^(offline|hors ligne)/i).first().waitFor().catch(() => {});
  const picked = [];
  await stage('offline, both candidates book the same first free slot', async () => {
    for (const ph of phones) {
      const view = screen(ph.page, 'mentoring');
      const slot = view.getByRole('button', { name: SLOT }).first();
      picked.push(await slot.getAttribute('aria-label'));
      await slot.tap();
      await control(view, BOOK).tap();
    }
    const kept = [];
    for (const ph of phones) {
      const notice = screen(ph.page, 'mentoring').getByText(/(saved on this phone|enregistrée sur ce téléphone)/i).first();
      kept.push(await notice.waitFor().then(() => true, () => false));
    }
    check('offline, each phone says its booking is saved on the phone and sent once online', kept.every(Boolean), JSON.stringify({ kept, picked }));
  }, check);
  await server.start();
  for (const ph of phones) await ph.context.setOffline(false);

  const scheduled = () => server.rows('meetings', 'mentor_id', royId).filter((m) => m.status === 'scheduled');
  await stage('back online: exactly one meeting, the other phone says why', async () => {
    await eventually(() => scheduled().length >= 1, 60000);
    await new Promise((r) => setTimeout(r, 1500));
    const meetings = scheduled();
    check('exactly one meeting on the server for that slot', meetings.length === 1, JSON.stringify({ meetings: meetings.map((m) => [m.candidate_id, m.start]) }));
    const winner = meetings[0]?.candidate_id;
    const loser = phones.find((p) => p.id !== winner);
    if (!loser) throw new Error('no meeting on the server, so no loser to look at');
    const why = await eventually(async () => WHY.test(await screen(loser.page, 'mentoring').innerText()), 60000);
    check('the phone that lost the slot shows why', !!why, (await screen(loser.page, 'mentoring').innerText()).slice(0, 400));
    await saveShot(loser.page, 'race-refused'); // in the loser's own language (French for both demo candidates)
  }, check);
  for (const ph of phones) check(`no uncaught error in ${ph.name}'s page`, ph.page.errors.length === 0, JSON.stringify(ph.page.errors));
}

await runTest('app race', tmp, main, {
  cleanup: async () => {
    if (browser) await browser.close().catch(() => {});
    await server.stop();
  },
  onSignal: () => server.killNow(),
});
