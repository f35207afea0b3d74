// The browser core against a misbehaving server (docs/bindings.md, "The web binding"): a small
// WebSocket server written here (Node's http upgrade and RFC 6455 framing, no package) on a
// loopback port serves the page and the core, lets the page sign in, then on successive
// connections answers auth.resume and
//   1. sends a binary frame;
//   2. sends a frame that is not JSON;
//   3. sends a 2 MiB frame;
//   4. answers a request that was never made, then the push with an answer of the wrong shape;
//   5. from then on behaves: every pushed op applied, a pull page of one row whose id has every
//      character JSON escapes (the core writes the observers' rows_changed as text: each id must
//      reach the page as the server sent it).
// Each fault must show in the sync status as a clear error, be followed by a reconnection, and
// the queue must drain in the end with every op applied exactly once; the Worker never dies.
//
// Environment: WASM_WEB_DIR (<build-wasm>/bindings/web), CHROMIUM (optional).
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { check, prepareWebRoot, runTest } from './harness.mjs';

const WASM_WEB_DIR = process.env.WASM_WEB_DIR;
const CHROMIUM = process.env.CHROMIUM || 'chromium';
const USER = crypto.randomUUID();
const EMAIL = 'fake.candidate@example.org';


// --- a WebSocket server, just enough of RFC 6455 for this test ----------------------------------
function frame(text, opcode = 0x1) {
  const payload = Buffer.from(text, 'utf8');
  const first = 0x80 | opcode;
  let head;
  if (payload.length < 126) head = Buffer.from([first, payload.length]);
  else if (payload.length < 65536) { head = Buffer.alloc(4); head[0] = first; head[1] = 126; head.writeUInt16BE(payload.length, 2); }
  else { head = Buffer.alloc(10); head[0] = first; head[1] = 127; head.writeBigUInt64BE(BigInt(payload.length), 2); }
  return Buffer.concat([head, payload]);
}

class Conn {
  constructor(socket, onText) {
    this.socket = socket;
    this.buf = Buffer.alloc(0);
    socket.on('data', (d) => { this.buf = Buffer.concat([this.buf, d]); this.parse(onText); });
    socket.on('error', () => {});
  }
  parse(onText) {
    for (;;) {
      if (this.buf.length < 2) return;
      const op = this.buf[0] & 0x0f;
      let len = this.buf[1] & 0x7f, at = 2;
      if (len === 126) { if (this.buf.length < 4) return; len = this.buf.readUInt16BE(2); at = 4; }
      else if (len === 127) { if (this.buf.length < 10) return; len = Number(this.buf.readBigUInt64BE(2)); at = 10; }
      const masked = (this.buf[1] & 0x80) !== 0;
      const need = at + (masked ? 4 : 0) + len;
      if (this.buf.length < need) return;
      const mask = masked ? this.buf.subarray(at, at + 4) : null;
      const data = Buffer.from(this.buf.subarray(at + (masked ? 4 : 0), need));
      if (mask) for (let i = 0; i < data.length; i++) data[i] ^= mask[i % 4];
      this.buf = this.buf.subarray(need);
      if (op === 1) onText(data.toString('utf8'));
      else if (op === 8) { this.socket.end(Buffer.from([0x88, 0])); return; }
      else if (op === 9) this.socket.write(Buffer.concat([Buffer.from([0x8a, data.length]), data]));
    }
  }
  send(text) { if (!this.socket.destroyed) this.socket.write(frame(text)); }
  sendBinary(text) { if (!this.socket.destroyed) this.socket.write(frame(text, 0x2)); }
}

const user = { id: USER, email: EMAIL, name: 'Candidate Test', role: 'candidate', locale: 'fr' };
const AWKWARD_ID = 'p "quoted" \\ back/slash\nnew line\u0001\u001f\t\b\f\r é ✓ 😀 </script>';
let syncConnections = 0;
const applied = new Map(); // op id -> times applied
const ok = (re, fields = {}) => JSON.stringify({ re, ok: true, ...fields });

function serve(conn) {
  let n = 0; // which sync connection this is (0: not one yet)
  conn.onRequest = (text) => {
    const req = JSON.parse(text);
    switch (req.type) {
      case 'auth.login': conn.send(ok(req.id, { token: 'fake-token', expires_at: '2099-01-01T00:00:00Z', user })); return;
      case 'hello': conn.send(ok(req.id, { protocol: 1 })); return;
      case 'auth.resume':
        n = ++syncConnections;
        conn.send(ok(req.id, { user, expires_at: '2099-01-01T00:00:00Z' }));
        if (n === 1) conn.sendBinary(JSON.stringify({ type: 'poke' }));
        if (n === 2) conn.send('{this is not JSON');
        if (n === 3) conn.send(JSON.stringify({ type: 'poke', pad: 'x'.repeat(2 * 1024 * 1024) }));
        return;
      case 'push':
        if (n < 4) return; // this socket is about to end: the ops stay unanswered, so unapplied
        if (n === 4) {
          conn.send(ok(424242, { results: [] }));                         // no such request
          conn.send(ok(req.id, { changes: [], cursor: 0, more: false })); // a pull's answer to the push
          return;
        }
        for (const op of req.ops) applied.set(op.op_id, (applied.get(op.op_id) || 0) + 1);
        conn.send(ok(req.id, { results: req.ops.map((op) => ({ op_id: op.op_id, status: 'applied' })) }));
        return;
      case 'pull':
        conn.send(ok(req.id, { changes: [{ collection: 'profiles', id: AWKWARD_ID, seq: 1, deleted: false,
          data: { id: AWKWARD_ID, name: 'Awkward' } }], cursor: 1, more: false, epoch: 'fake-epoch', horizon: 1 }));
        return;
      default:
        conn.send(JSON.stringify({ re: req.id, ok: false, error: { code: 'unsupported', message: 'not in this fake server' } }));
    }
  };
}

const mime = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
function startFakeServer(www) {
  const server = http.createServer((req, res) => {
    const name = req.url === '/' ? 'index.html' : path.basename(req.url.split('?')[0]);
    const file = path.join(www, name);
    if (!fs.existsSync(file)) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'Content-Type': mime[path.extname(file)] || 'application/octet-stream' });
    res.end(fs.readFileSync(file));
  });
  server.on('upgrade', (req, socket) => {
    const accept = crypto.createHash('sha1').update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    const conn = new Conn(socket, (text) => conn.onRequest(text));
    serve(conn);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-badserver-'));
let browser = null, server = null;
async function main() {
  const www = path.join(tmp, 'www');
  prepareWebRoot(WASM_WEB_DIR, www, 'bad server test');
  server = await startFakeServer(www);
  const url = `http://127.0.0.1:${server.address().port}/`;

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  const page = await browser.newPage();
  page.setDefaultTimeout(30000);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(url);
  const result = await page.evaluate(async ({ url, email }) => {
    const { open } = await import('/passerelle.mjs');
    const db = window.db = await open();
    await db.signIn(url, email, 'any password');
    const errors = [];
    const observed = [];
    db.onSyncState((s) => { if (s.last_error) errors.push(s.last_error); });
    db.observe((rows) => { if (rows) observed.push(...rows); });
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await db.mutate('profile.update', { country: ['MA', 'FR', 'CO'][i] }));
    await db.startSync({ request_timeout_ms: 3000, backoff_min_ms: 50, backoff_max_ms: 200 });
    let s;
    for (let i = 0; i < 300; i++) {
      s = await db.syncStatus();
      if (s.state === 'up_to_date' && s.pending_ops === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // The Worker still answers, and a write after all this still goes.
    ids.push(await db.mutate('profile.update', { country: 'CA' }));
    for (let i = 0; i < 100; i++) {
      s = await db.syncStatus();
      if (s.state === 'up_to_date' && s.pending_ops === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await db.stopSync();
    return { ids, status: s, errors, observed };
  }, { url, email: EMAIL });

  const msgs = result.errors.map((e) => `${e.origin}/${e.code}: ${e.message}`);
  const saw = (re) => result.errors.some((e) => e.origin === 'server' && re.test(`${e.code}: ${e.message}`));
  const cannotRead = result.errors.filter((e) => e.origin === 'server' && /^the server sent a frame this device cannot read/.test(e.message));
  check('a binary frame and a frame that is not JSON are each a clear server error', new Set(cannotRead.map((e) => e.message)).size >= 1 &&
    syncConnections >= 5, JSON.stringify(msgs));
  // Each faulty socket is left with its push unanswered: a fault the core did not catch would
  // show as a request time-out instead.
  check('each fault was caught when it came, none waited for a time-out', !msgs.some((m) => /did not answer/.test(m)), JSON.stringify(msgs));
  check('a 2 MiB frame is a clear too_large error', saw(/^too_large: the server sent a frame of \d+ bytes/), JSON.stringify(msgs));
  check('an answer of the wrong shape is a clear error', saw(/unexpected answer/), JSON.stringify(msgs));
  check('the engine reconnected after each fault', syncConnections >= 5, String(syncConnections));
  check('the queue drained: every op applied exactly once', result.status.pending_ops === 0 &&
    result.ids.every((id) => applied.get(id) === 1), JSON.stringify({ status: result.status, applied: [...applied] }));
  check('the pulled row with every escaped character reached the observers under its own id',
    result.observed.some((r) => r.collection === 'profiles' && r.id === AWKWARD_ID) &&
    result.observed.every((r) => typeof r.collection === 'string' && typeof r.id === 'string'),
    JSON.stringify(result.observed.slice(0, 5)));
  check('no error escaped into the page', pageErrors.length === 0, JSON.stringify(pageErrors));
}

await runTest('bad server test', tmp, main, {
  cleanup: async () => { if (browser) await browser.close().catch(() => {}); if (server) server.close(); },
});
