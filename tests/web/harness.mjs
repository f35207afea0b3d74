// What the browser tests of the WebAssembly core share: a Chromium they start by hand, and the
// folder of web files they serve it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright-core';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Headless Chromium on a profile folder of its own, started by hand rather than by playwright so
// that the test holds its process group: it can SIGKILL all of it (as a killed browser dies) and
// start it again on the same profile.
// A loopback address ("127.0.0.1:PORT") for a server that must keep it across restarts (the
// page reconnects to the same URL). A port the kernel handed out once (listen on port 0) can go
// to another test's server or to any outgoing connection while ours is down between two starts;
// a port below the kernel's ephemeral range never does. The range is the one the C++ tests'
// ReservedPort takes from (tests/support/include/passerelle/test/reserved_port.h), without its
// lock: two tests clash only if both draw the same of its ~12,000 ports at the same moment.
export async function reserveLoopbackAddress() {
  let low = 32768;
  try {
    const [first] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (first > 2048) low = first;
  } catch { /* not Linux: the default */ }
  const first = low > 12288 ? low - 12288 : 1024;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = first + Math.floor(Math.random() * (low - first));
    const free = await new Promise((resolve) => {
      const probe = net.createServer();
      probe.once('error', () => resolve(false));
      probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(true)));
    });
    if (free) return `127.0.0.1:${port}`;
  }
  throw new Error(`no free loopback port between ${first} and ${low - 1}`);
}

export class ChromiumProcess {
  constructor(executable, profile, logFile, stepMs) {
    Object.assign(this, { executable, profile, logFile, stepMs, child: null });
  }

  async launch() {
    const portFile = path.join(this.profile, 'DevToolsActivePort');
    fs.rmSync(portFile, { force: true });
    this.child = spawn(this.executable, ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--no-default-browser-check', `--user-data-dir=${this.profile}`, '--remote-debugging-address=127.0.0.1',
      '--remote-debugging-port=0', 'about:blank'], { detached: true, stdio: ['ignore', 'ignore', fs.openSync(this.logFile, 'a')] });
    for (let i = 0; i < 300 && !fs.existsSync(portFile); i++) await sleep(100);
    if (!fs.existsSync(portFile)) throw new Error(`Chromium did not start (see ${this.logFile})`);
    let port = '';
    for (let i = 0; i < 50 && !port; i++) { port = fs.readFileSync(portFile, 'utf8').split('\n')[0].trim(); if (!port) await sleep(100); }
    const browser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
    const context = browser.contexts()[0];
    context.setDefaultTimeout(this.stepMs);
    return { browser, context };
  }

  // SIGKILL of the whole process group; resolves once Chromium is gone.
  kill() {
    const child = this.child;
    return new Promise((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      try { process.kill(-child.pid, 'SIGKILL'); } catch (e) { resolve(); }
    });
  }

  // The same, without waiting: for a signal handler about to exit.
  killNow() {
    try { if (this.child) process.kill(-this.child.pid, 'SIGKILL'); } catch (e) { /* already gone */ }
  }
}

// A folder holding the web binding and the core from the wasm build, and an empty page.
export function prepareWebRoot(wasmWebDir, www, title) {
  if (!fs.existsSync(path.join(wasmWebDir || '', 'passerelle-core.wasm')))
    throw new Error(`no WebAssembly build in ${wasmWebDir}: scripts/build.sh makes it`);
  fs.mkdirSync(www);
  for (const f of ['passerelle.mjs', 'worker.mjs', 'opfs_pool.mjs', 'passerelle-core.mjs', 'passerelle-core.wasm'])
    fs.copyFileSync(path.join(wasmWebDir, f), path.join(www, f));
  fs.writeFileSync(path.join(www, 'index.html'), `<!doctype html><meta charset="utf-8"><title>${title}</title><p>${title}</p>\n`);
}

// The tally of checks; runTest prints it last, as the "N passed, N failed" line.
const tally = { passed: 0, failed: 0 };
export function check(name, ok, detail = '') {
  if (ok) { tally.passed++; console.log(`[ OK ] ${name}`); } else { tally.failed++; console.log(`[FAIL] ${name} ${detail}`); }
}

// Runs a test's `main`: a throw counts as one failure, shown with the tails of the logs left in
// `tmp`; `cleanup` runs whatever happens, and `onSignal` (synchronous: kill what was started)
// when run.sh's time-out or Ctrl-C stops the test, since Chromium and the servers run in process
// groups of their own. Exits 0 only when every check passed; `tmp` is kept when one failed.
export async function runTest(name, tmp, main, { cleanup = async () => {}, onSignal = () => {} } = {}) {
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => {
      onSignal();
      console.log(`[FAIL] stopped by ${signal}`);
      console.log(`${tally.passed} passed, ${tally.failed + 1} failed`);
      process.exit(1);
    });
  }
  const started = Date.now();
  try {
    await main();
  } catch (e) {
    tally.failed++;
    console.log(`[FAIL] ${e.stack || e}`);
    for (const log of ['server.log', 'chromium.log']) {
      const f = path.join(tmp, log);
      if (fs.existsSync(f)) console.log(`--- ${log}\n` + fs.readFileSync(f, 'utf8').split('\n').slice(-15).join('\n'));
    }
  } finally {
    await cleanup();
  }
  console.log(`${name} took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`${tally.passed} passed, ${tally.failed} failed`);
  if (!tally.failed) fs.rmSync(tmp, { recursive: true, force: true });
  process.exit(tally.failed ? 1 : 0);
}

// Opens the device core in `page` as window.db, waiting (bounded) while a previous page's Worker
// still holds the Web Lock. With `watch`, window.states lists the sync states seen and
// window.pulledRows the most rows a pull reported. Returns {storage, account} or {error}.
export async function openDevice(page, { watch = false } = {}) {
  return page.evaluate(async (watch) => {
    const { open } = await import('/passerelle.mjs');
    for (let i = 0; ; i++) {
      try {
        window.db = await open();
        if (watch) {
          window.states = [];
          window.pulledRows = 0;
          window.db.onSyncState((s) => {
            window.states.push(s.state);
            if (s.progress) window.pulledRows = Math.max(window.pulledRows, s.progress.pulled_rows);
          });
        }
        return { storage: window.db.storage, account: window.db.account };
      } catch (e) {
        if (e.code !== 'conflict' || i >= 40) return { error: { code: e.code, origin: e.origin, message: e.message } };
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }, watch);
}

// Waits (bounded, `tries` × 100 ms) until window.db's outbox is empty and the engine up to
// date; returns the last sync status either way.
export async function settleDevice(page, tries = 300) {
  return page.evaluate(async (tries) => {
    for (let i = 0; i < tries; i++) {
      const s = await window.db.syncStatus();
      if (s.state === 'up_to_date' && s.pending_ops === 0) return s;
      await new Promise((r) => setTimeout(r, 100));
    }
    return await window.db.syncStatus();
  }, tries);
}
