// The WebSocket connection to /v1/ws (docs/protocol.md): hello, sign-in, requests matched by
// id, pokes, and reconnection with backoff. Status changes go to onStatus(state, detail).
export class Connection {
  constructor({ onStatus, onPoke, onReady, onSignedOut }) {
    this.onStatus = onStatus;
    this.onPoke = onPoke;
    this.onReady = onReady;          // (user) after a successful sign-in or resume
    this.onSignedOut = onSignedOut;  // the stored token was refused
    this.nextId = 1;
    this.waiting = new Map();
    this.ws = null;
    this.token = null;
    this.ready = false;
    this.retry = 0;
    this.timer = null;
  }

  url() {
    return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/ws`;
  }

  // Opens the socket and says hello; resolves once hello is answered.
  open() {
    clearTimeout(this.timer);
    this.onStatus('connecting');
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url());
      this.ws = ws;
      ws.onopen = async () => {
        try {
          await this.request('hello', { protocol: 1 });
          this.retry = 0;
          resolve();
        } catch (e) { reject(e); }
      };
      ws.onmessage = (ev) => this.receive(ev.data);
      ws.onclose = () => {
        const wasCurrent = this.ws === ws;
        for (const [, w] of this.waiting) w.reject({ code: 'offline', message: 'connection lost' });
        this.waiting.clear();
        this.ready = false;
        reject({ code: 'offline', message: 'connection failed' });
        if (wasCurrent && this.token) this.scheduleReconnect();
      };
    });
  }

  scheduleReconnect() {
    const delay = Math.min(15, 2 ** this.retry++);
    let left = delay;
    this.onStatus('offline', left);
    clearInterval(this.countdown);
    this.countdown = setInterval(() => {
      left -= 1;
      if (left > 0) this.onStatus('offline', left);
    }, 1000);
    this.timer = setTimeout(() => { clearInterval(this.countdown); this.resume(); }, delay * 1000);
  }

  async resume() {
    try {
      await this.open();
      const a = await this.request('auth.resume', { token: this.token });
      this.ready = true;
      this.onStatus('online');
      this.onReady(a.user);
    } catch (e) {
      if (e.code === 'unauthenticated') { this.token = null; this.onSignedOut(); }
    }
  }

  async login(email, password) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) await this.open();
    const a = await this.request('auth.login', { email, password });
    this.token = a.token;
    this.ready = true;
    this.onStatus('online');
    return a.user;
  }

  async logout() {
    const ws = this.ws;
    this.token = null;
    this.ws = null;
    try { if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ id: this.nextId++, type: 'auth.logout' })); } catch (e) { /* closing anyway */ }
    setTimeout(() => ws && ws.close(), 100);
  }

  request(type, fields = {}) {
    return new Promise((resolve, reject) => {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return reject({ code: 'offline', message: 'not connected' });
      const id = this.nextId++;
      this.waiting.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ id, type, ...fields }));
    });
  }

  receive(text) {
    let msg;
    try { msg = JSON.parse(text); } catch (e) { return; }
    if (msg.type === 'poke') return this.onPoke(msg.seq);
    const w = this.waiting.get(msg.re);
    if (!w) return;
    this.waiting.delete(msg.re);
    if (msg.ok) w.resolve(msg); else w.reject(msg.error || { code: 'internal', message: 'unknown error' });
  }
}

// UUIDv7 (time-ordered), as the apps make op and row ids.
export function uuidv7() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  let ts = Date.now();
  for (let i = 5; i >= 0; i--) { b[i] = ts % 256; ts = Math.floor(ts / 256); }
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
