// How fast the phone app starts (issue 19, docs/benchmarks.md "The phone app on a slow
// network"): measured and printed, never asserted (timings depend on the machine).
//   cold: a phone that never saw the app (a new browser context: empty cache, no service
//     worker) on an emulated slow network (CDP Network.emulateNetworkConditions: 1.6 Mbit/s
//     down, 750 kbit/s up, 150 ms RTT, and a proxy with the same link, below), from navigation to /app/ until the sign-in form is
//     usable (its submit button visible and enabled, the core opened);
//   warm offline: a phone where the candidate signed in and synced, then the server stopped and
//     the network off: from navigation to /app/plan until the plan's steps are on screen (the
//     shell from the service worker, the data from the device).
// Run: bash tests/web/run.sh app_perf.mjs (with the environment of the app tests, e.g.
// PASSERELLE_SERVER, PASSERELLE_CLI, WEB_ROOT, WASM_WEB_DIR; RUNS=5 for more runs).
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AppServer, CliUser, DEMO, eventually, launchBrowser, newPhone, screen, signIn } from './app_harness.mjs';

const RUNS = Number(process.env.RUNS || 3);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-app-perf-'));
const server = new AppServer(tmp, ['--allowed-origins', '*']);
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
// Chromium's network emulation (CDP, on the page) does not slow the dedicated Worker's own
// fetches, so the page is also served through this loopback proxy with the same link: one
// shared 1.6 Mbit/s down and 750 kbit/s up, 75 ms each way (150 ms RTT). A chunk occupies the
// link for its transmission time, then arrives 75 ms later; the sender goes on meanwhile, as
// TCP's window lets it (holding each connection until its chunk had arrived made one
// connection stop and wait 75 ms per 64 KiB, about 160 kB/s at best: not the link's rate).
function slowProxy(targetHostPort) {
  const [host, port] = targetHostPort.split(':');
  const link = { down: { rate: 1.6e6 / 8, free: 0 }, up: { rate: 0.75e6 / 8, free: 0 } };
  const pipe = (from, to, dir) => from.on('data', (chunk) => {
    const now = Date.now();
    const d = link[dir];
    d.free = Math.max(now, d.free) + (chunk.length / d.rate) * 1000;
    from.pause();
    setTimeout(() => from.resume(), d.free - now);
    setTimeout(() => { if (!to.destroyed) to.write(chunk); }, d.free - now + 75);
  });
  const proxy = net.createServer((client) => {
    const upstream = net.connect(Number(port), host);
    pipe(client, upstream, 'up');
    pipe(upstream, client, 'down');
    const end = () => { client.destroy(); upstream.destroy(); };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  return new Promise((resolve) => proxy.listen(0, '127.0.0.1', () => resolve(proxy)));
}
const SLOW = { offline: false, latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 0.75e6 / 8 };

async function cold(browser, url) {
  const { context, page } = await newPhone(browser, { lang: 'en' });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', SLOW);
  // Bytes of every response, the Worker's (the .wasm) included: Playwright sees those, the
  // page's CDP session does not.
  const sizes = [];
  context.on('requestfinished', (r) => sizes.push(r.sizes().then((s) => s.responseBodySize + s.responseHeadersSize).catch(() => 0)));
  const t0 = Date.now();
  await page.goto(url, { waitUntil: 'commit', timeout: 60000 });
  const submit = screen(page, 'signin').locator('button[type="submit"]');
  await submit.waitFor({ state: 'visible', timeout: 60000 });
  const shownMs = Date.now() - t0;
  await page.waitForFunction(() => {
    const b = document.querySelector('[data-screen="signin"] button[type="submit"]');
    return b && !b.disabled && !!window.passerelle;
  }, null, { timeout: 60000 });
  const ms = Date.now() - t0;
  const bytes = (await Promise.all(sizes)).reduce((a, b) => a + b, 0);
  await context.close();
  return { ms, shownMs, bytes };
}

async function main() {
  await server.start();
  const browser = await launchBrowser();
  const coach = new CliUser(tmp, 'coach', server).login(DEMO.coach);
  coach.run(['plan', 'create', '--candidate', server.userId(DEMO.amina.email), '--arrival', new Date(Date.now() + 120 * 86400000).toISOString().slice(0, 10)]);
  coach.sync();

  const proxy = await slowProxy(server.hostPort);
  const slowUrl = `http://127.0.0.1:${proxy.address().port}/app/`;
  const colds = [];
  for (let i = 0; i < RUNS; i++) colds.push(await cold(browser, slowUrl));
  proxy.close();
  console.log(`cold first load, 1.6 Mbit/s down, 150 ms RTT, until sign-in is usable: median ${median(colds.map((c) => c.ms))} ms ` +
    `(runs: ${colds.map((c) => c.ms).join(', ')} ms; ${Math.round(colds[0].bytes / 1024)} KiB transferred); ` +
    `the form shown (its button waiting for the core): median ${median(colds.map((c) => c.shownMs))} ms`);

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
