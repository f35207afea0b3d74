// How fast the phone app starts (issue 19, docs/benchmarks.md "The phone app on a slow
// network"): measured and printed, never asserted (timings depend on the machine).
//   cold: a phone that never saw the app (a new browser context: empty cache, no service
//     worker) on an emulated slow network (CDP Network.emulateNetworkConditions: 1.6 Mbit/s
//     down, 750 kbit/s up, 150 ms RTT), from navigation to /app/ until the sign-in form is
//     usable (its submit button visible and enabled, the core opened);
//   warm offline: a phone where the candidate signed in and synced, then the server stopped and
//     the network off: from navigation to /app/plan until the plan's steps are on screen (the
//     shell from the service worker, the data from the device).
// Run: bash tests/web/run.sh app_perf.mjs (with the environment of the app tests, e.g.
// PASSERELLE_SERVER, PASSERELLE_CLI, WEB_ROOT, WASM_WEB_DIR; RUNS=5 for more runs).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppServer, CliUser, DEMO, eventually, launchBrowser, newPhone, screen, signIn } from './app_harness.mjs';

const RUNS = Number(process.env.RUNS || 3);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-app-perf-'));
const server = new AppServer(tmp);
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const SLOW = { offline: false, latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 0.75e6 / 8 };

async function cold(browser) {
  const { context, page } = await newPhone(browser, { lang: 'en' });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', SLOW);
  let bytes = 0;
  cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; });
  const t0 = Date.now();
  await page.goto(server.appUrl, { waitUntil: 'commit', timeout: 60000 });
  const submit = screen(page, 'signin').locator('button[type="submit"]');
  await submit.waitFor({ state: 'visible', timeout: 60000 });
  await page.waitForFunction(() => {
    const b = document.querySelector('[data-screen="signin"] button[type="submit"]');
    return b && !b.disabled && !!window.passerelle;
  }, null, { timeout: 60000 });
  const ms = Date.now() - t0;
  await context.close();
  return { ms, bytes };
}

async function main() {
  await server.start();
  const browser = await launchBrowser();
  const coach = new CliUser(tmp, 'coach', server).login(DEMO.coach);
  coach.run(['plan', 'create', '--candidate', server.userId(DEMO.amina.email)]);
  coach.sync();

  const colds = [];
  for (let i = 0; i < RUNS; i++) colds.push(await cold(browser));

  const { context, page } = await newPhone(browser, { lang: 'en' });
  await signIn(page, server, DEMO.amina);
  await page.goto(`${server.appUrl}plan`);
  await screen(page, 'plan').getByRole('listitem').first().waitFor({ timeout: 60000 });
  await eventually(() => page.evaluate(async () => {
    const s = await window.passerelle.syncStatus();
    return s.state === 'up_to_date' && s.pending_ops === 0;
  }), 30000);
  await server.stop();
  await context.setOffline(true);
  await page.close();
  const warms = [];
  for (let i = 0; i < RUNS; i++) {
    const p = await context.newPage();
    const t0 = Date.now();
    await p.goto(`${server.appUrl}plan`, { waitUntil: 'commit' });
    await screen(p, 'plan').getByRole('listitem').first().waitFor({ timeout: 30000 });
    warms.push(Date.now() - t0);
    await p.close();
  }
  await browser.close();
  console.log(`cold first load, 1.6 Mbit/s down, 150 ms RTT, until sign-in is usable: median ${median(colds.map((c) => c.ms))} ms ` +
    `(runs: ${colds.map((c) => c.ms).join(', ')} ms; ${Math.round(colds[0].bytes / 1024)} KiB transferred)`);
  console.log(`warm offline start until the plan is on screen: median ${median(warms)} ms (runs: ${warms.join(', ')} ms)`);
}

try {
  await main();
} catch (e) {
  console.log(`perf run failed: ${e.stack || e}`);
  process.exitCode = 1;
} finally {
  await server.stop();
  if (!process.exitCode) fs.rmSync(tmp, { recursive: true, force: true });
}
