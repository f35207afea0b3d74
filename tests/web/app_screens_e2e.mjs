// Every screen of the phone app in French and in English (issue 19, "Quality a phone user
// notices"), on a phone (390x844, touch): the signed-out screens (sign-in, forgotten password,
// invitation, reset), the candidate's (home, plan, messages, a thread, mentoring, profile) and
// the mentor's (home, mentor, profile). For each, in each language:
//   - a screenshot saved under $ARTIFACTS_DIR/app/<screen>-<lang>.png (and the home on a laptop,
//     1280x800);
//   - the page's language is that language and the screen shows none of the other language's
//     tab names;
//   - axe-core finds no serious or critical violation;
//   - every button, tab, form field and button-like link is at least 44x44 CSS px.
// The demo data: Amina Benali (candidate, with a plan and an accepted mentor, Isabelle Roy).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { check, runTest } from './harness.mjs';
import {
  AppServer, CliUser, DEMO, LAPTOP, eventually, launchBrowser, newPhone, openTab, saveShot, screen, setLanguage, signIn, stage,
  waitScreen,
} from './app_harness.mjs';

const require = createRequire(import.meta.url);
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-app-screens-'));
const server = new AppServer(tmp);
let browser = null;
const OTHER_WORDS = { fr: /\b(Home|Profile|Sign in|Messages sent)\b/, en: /\b(Accueil|Profil|Se connecter|Mentorat)\b/ };

// axe-core's serious and critical violations on the page, as "rule: target" lines.
async function axeProblems(page) {
  await page.evaluate(AXE);
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  });
  return found;
}

// Controls smaller than 44x44 CSS px (WCAG 2.5.5), visible ones only: buttons, summaries, form
// fields, and links laid out as blocks (a link inside running text, display inline, is exempt:
// WCAG's "inline" exception); a checkbox or radio counts with its label.
async function smallTargets(page) {
  return page.evaluate(() => {
    const sel = 'button, [role="button"], [role="tab"], summary, a[href], select, textarea, ' +
      'input:not([type="hidden"]):not([type="checkbox"]):not([type="radio"]), label.check';
    const out = [];
    for (const el of document.querySelectorAll(sel)) {
      const r = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      if (!r.width || !r.height || style.visibility === 'hidden' || el.closest('[hidden], .sr-only')) continue;
      if (el.tagName === 'A' && style.display === 'inline') continue; // a link in running text
      if (el.id === 'skip' || el.classList.contains('skip')) continue; // the skip link, shown on focus only
      if (r.width < 44 || r.height < 44) {
        const name = (el.getAttribute('aria-label') || el.textContent || el.id || el.tagName).trim().slice(0, 40);
        out.push(`${el.tagName.toLowerCase()} "${name}" ${Math.round(r.width)}x${Math.round(r.height)}`);
      }
    }
    return out;
  });
}

const seen = new Map(); // screen -> languages checked
async function inspect(page, name, lang, who = '') {
  await waitScreen(page, name);
  await page.waitForTimeout(300); // fonts and a late re-render settle before the picture
  await saveShot(page, `${who}${name}-${lang}`);
  const htmlLang = await page.evaluate(() => document.documentElement.lang);
  const text = await page.locator('body').innerText();
  check(`${who}${name} (${lang}): the page is in ${lang} and shows none of the other language's words`,
    htmlLang.startsWith(lang) && !OTHER_WORDS[lang].test(text), `${htmlLang} ${(text.match(OTHER_WORDS[lang]) || [])[0] || ''}`);
  const axe = await axeProblems(page);
  check(`${who}${name} (${lang}): axe-core finds no serious or critical violation`, axe.length === 0, JSON.stringify(axe));
  const small = await smallTargets(page);
  check(`${who}${name} (${lang}): touch targets are at least 44x44 px`, small.length === 0, JSON.stringify(small.slice(0, 6)));
  seen.set(who + name, [...(seen.get(who + name) || []), lang]);
}

async function main() {
  await server.start();
  browser = await launchBrowser();
  const coach = new CliUser(tmp, 'coach', server).login(DEMO.coach);
  const mentor = new CliUser(tmp, 'roy', server).login(DEMO.roy);
  const aminaId = server.userId(DEMO.amina.email);
  coach.run(['plan', 'create', '--candidate', aminaId, '--arrival', new Date(Date.now() + 120 * 86400000).toISOString().slice(0, 10)]);
  coach.run(['mentors', 'propose', '--candidate', aminaId, '--mentor', server.userId(DEMO.roy.email)]);
  coach.sync();
  mentor.sync();
  mentor.run(['mentorship', 'accept', server.rows('mentorships', 'candidate_id', aminaId)[0].id]);
  mentor.sync();

  for (const lang of ['fr', 'en']) {
    const { context, page } = await newPhone(browser, { lang });
    // Signed out: sign-in, forgotten password, invitation and reset (with made-up tokens: the
    // forms show before anything is sent).
    await stage(`the signed-out screens (${lang})`, async () => {
      await page.goto(server.appUrl);
      await waitScreen(page, 'signin', 60000);
      await setLanguage(page, lang);
      await inspect(page, 'signin', lang);
      await page.goto(`${server.appUrl}forgot`);
      await inspect(page, 'forgot', lang);
      await page.goto(`${server.appUrl}invite#made-up-token-for-the-screenshot`);
      await inspect(page, 'invite', lang);
      await page.goto(`${server.appUrl}reset#made-up-token-for-the-screenshot`);
      await inspect(page, 'reset', lang);
    }, check);
    await stage(`the candidate's screens (${lang})`, async () => {
      await signIn(page, server, DEMO.amina);
      await setLanguage(page, lang);
      await eventually(async () => (await screen(page, 'home').innerText()).length > 40, 20000);
      await inspect(page, 'home', lang);
      for (const tab of ['plan', 'messages']) { await openTab(page, tab); await inspect(page, tab, lang); }
      // A thread: the first conversation in the list.
      const first = screen(page, 'messages').getByRole('link').first();
      await first.tap();
      await page.waitForURL(/\/app\/messages\/.+/);
      await page.waitForTimeout(300);
      const threadScreen = await page.locator('[data-screen]').first().getAttribute('data-screen');
      await inspect(page, threadScreen, lang, 'thread-');
      for (const tab of ['mentoring', 'profile']) { await openTab(page, tab); await inspect(page, tab, lang); }
      if (lang === 'en') {
        const laptop = await newPhone(browser, { lang, viewport: LAPTOP, mobile: false });
        await signIn(laptop.page, server, DEMO.amina, { touch: false });
        await setLanguage(laptop.page, lang);
        await laptop.page.waitForTimeout(500);
        await saveShot(laptop.page, 'home-laptop-en');
        await laptop.context.close();
      }
    }, check);
    await context.close();

    const m = await newPhone(browser, { lang });
    await stage(`the mentor's screens (${lang})`, async () => {
      await signIn(m.page, server, DEMO.roy);
      await setLanguage(m.page, lang);
      await inspect(m.page, 'home', lang, 'mentor-');
      await openTab(m.page, 'mentor');
      await inspect(m.page, 'mentor', lang, 'mentor-');
    }, check);
    await m.context.close();
  }
  const missing = [...seen].filter(([, langs]) => langs.length !== 2).map(([n]) => n);
  check('every screen was seen in both languages', seen.size >= 9 && missing.length === 0, JSON.stringify({ screens: [...seen.keys()], missing }));
}

await runTest('app screens', tmp, main, {
  cleanup: async () => {
    if (browser) await browser.close().catch(() => {});
    await server.stop();
  },
  onSignal: () => server.killNow(),
});
