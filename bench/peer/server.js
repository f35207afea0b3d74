// The peer baseline of passerelle-bench (docs/benchmarks.md, "The peer"): what a team would
// write instead of Passerelle for the chat workload. One Node.js process, `ws` for WebSockets,
// `better-sqlite3` for storage in WAL mode with synchronous=FULL, and group commit: the pushes
// that arrive while a commit runs share the next one, and each is answered after its COMMIT.
// It speaks the frames the bench's chat workload speaks (hello, auth.resume, push of
// message.send, pull by cursor, plain and carrying pokes), nothing else: no mutators, no
// projections, no change log per reader; a message is one row and one thread update.
//
//   node server.js --db DIR/peer.db --seed world.json --ready-file FILE [--port 0]
//
// world.json: {"pairs":[{"candidate":{"id","token"},"coach":{"id","token"},"thread_id"}]}
'use strict';
const fs = require('fs');
const { WebSocketServer } = require('ws');
const Database = require('better-sqlite3');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];

const db = new Database(args.db);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(`CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, thread_id TEXT NOT NULL,
           author_id TEXT NOT NULL, body TEXT NOT NULL, sent_at TEXT NOT NULL, n INTEGER NOT NULL);
         CREATE INDEX IF NOT EXISTS messages_by_thread ON messages (thread_id, seq);
         CREATE TABLE IF NOT EXISTS ops (user_id TEXT NOT NULL, op_id TEXT NOT NULL, status TEXT NOT NULL,
           PRIMARY KEY (user_id, op_id));
         CREATE TABLE IF NOT EXISTS threads (id TEXT PRIMARY KEY, a TEXT NOT NULL, b TEXT NOT NULL, last_n INTEGER NOT NULL);`);

// Accounts and threads from the bench's world: token -> user, user -> threads, thread -> members.
const users = new Map();
const threadsOf = new Map();
const members = new Map();
const world = JSON.parse(fs.readFileSync(args.seed, 'utf8'));
const addThread = db.prepare('INSERT OR IGNORE INTO threads (id, a, b, last_n) VALUES (?, ?, ?, 0)');
for (const p of world.pairs) {
  users.set(p.candidate.token, p.candidate.id);
  users.set(p.coach.token, p.coach.id);
  members.set(p.thread_id, [p.candidate.id, p.coach.id]);
  for (const u of [p.candidate.id, p.coach.id]) {
    if (!threadsOf.has(u)) threadsOf.set(u, []);
    threadsOf.get(u).push(p.thread_id);
  }
  addThread.run(p.thread_id, p.candidate.id, p.coach.id);
}

const seenOp = db.prepare('SELECT status FROM ops WHERE user_id = ? AND op_id = ?');
const recordOp = db.prepare('INSERT INTO ops (user_id, op_id, status) VALUES (?, ?, ?)');
const nextN = db.prepare('UPDATE threads SET last_n = last_n + 1 WHERE id = ? RETURNING last_n');
const insertMessage = db.prepare(
  'INSERT INTO messages (id, thread_id, author_id, body, sent_at, n) VALUES (?, ?, ?, ?, ?, ?) RETURNING seq');
const pullThread = db.prepare('SELECT seq, id, thread_id, author_id, body, sent_at, n FROM messages WHERE thread_id = ? AND seq > ? ORDER BY seq LIMIT ?');
const lastSeq = db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM messages');

// Group commit: pushes queue here; one transaction runs them all, then each is answered.
let queue = [];
let scheduled = false;
const sessionsOf = new Map();  // user -> Set of sockets
const lastSeen = new Map();    // user -> seq of their latest visible change (for `prev`)

const runBatch = db.transaction((batch) => {
  const now = new Date().toISOString();
  for (const item of batch) {
    item.results = [];
    item.rows = [];
    for (const op of item.ops) {
      const seen = seenOp.get(item.user, op.op_id);
      if (seen) { item.results.push({ op_id: op.op_id, status: seen.status }); continue; }
      const a = op.args || {};
      const m = members.get(a.thread_id);
      let status = 'applied';
      let error;
      if (op.name !== 'message.send' || !m || !m.includes(item.user) || typeof a.body !== 'string' || typeof a.id !== 'string') {
        status = 'rejected';
        error = { code: 'forbidden', message: 'not a member of this thread' };
      } else {
        const n = nextN.get(a.thread_id).last_n;
        const seq = insertMessage.get(a.id, a.thread_id, item.user, a.body, now, n).seq;
        item.rows.push({ seq, id: a.id, thread_id: a.thread_id, author_id: item.user, body: a.body, sent_at: now, n });
      }
      recordOp.run(item.user, op.op_id, status);
      item.results.push(error ? { op_id: op.op_id, status, error } : { op_id: op.op_id, status });
    }
  }
});

function flush() {
  scheduled = false;
  const batch = queue;
  queue = [];
  try {
    runBatch(batch);  // COMMIT with synchronous=FULL before any answer
  } catch (e) {
    for (const item of batch) answer(item.ws, item.id, { ok: false, error: { code: 'internal', message: 'push again' } });
    return;
  }
  for (const item of batch) {
    answer(item.ws, item.id, { ok: true, results: item.results });
    for (const row of item.rows) poke(row);
  }
}

function change(row) {
  return { collection: 'messages', id: row.id, seq: row.seq, deleted: false,
           data: { id: row.id, thread_id: row.thread_id, author_id: row.author_id, body: row.body, sent_at: row.sent_at, n: row.n } };
}

// The message goes to both members' sessions in the poke, serialized once per reader.
function poke(row) {
  const body = JSON.stringify(change(row));
  for (const user of members.get(row.thread_id)) {
    const prev = lastSeen.get(user) || 0;
    lastSeen.set(user, row.seq);
    const carried = `{"type":"poke","seq":${row.seq},"prev":${prev},"changes":[${body}]}`;
    const plain = `{"type":"poke","seq":${row.seq}}`;
    for (const ws of sessionsOf.get(user) || []) ws.send(ws.liveRows ? carried : plain);
  }
}

function answer(ws, id, fields) {
  if (ws.readyState === 1) ws.send(JSON.stringify({ re: id, ...fields }));
}

const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(args.port || 0), path: '/v1/ws', perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    let req;
    try { req = JSON.parse(data); } catch { return answer(ws, null, { ok: false, error: { code: 'bad_request', message: 'malformed JSON' } }); }
    switch (req.type) {
      case 'hello':
        ws.liveRows = req.live_rows === true;
        return answer(ws, req.id, { ok: true, protocol: 1, server: 'peer', live_rows: ws.liveRows || undefined });
      case 'auth.resume': {
        const user = users.get(req.token);
        if (!user) return answer(ws, req.id, { ok: false, error: { code: 'unauthenticated', message: 'unknown token' } });
        ws.user = user;
        if (!sessionsOf.has(user)) sessionsOf.set(user, new Set());
        sessionsOf.get(user).add(ws);
        return answer(ws, req.id, { ok: true, user: { id: user } });
      }
      case 'push':
        if (!ws.user) return answer(ws, req.id, { ok: false, error: { code: 'unauthenticated', message: 'sign in first' } });
        queue.push({ ws, id: req.id, user: ws.user, ops: req.ops || [] });
        if (!scheduled) { scheduled = true; setImmediate(flush); }
        return;
      case 'pull': {
        if (!ws.user) return answer(ws, req.id, { ok: false, error: { code: 'unauthenticated', message: 'sign in first' } });
        const limit = Math.min(Number(req.limit) || 500, 2000);
        const end = lastSeq.get().s;
        let changes = [];
        for (const t of threadsOf.get(ws.user) || []) changes = changes.concat(pullThread.all(t, req.cursor || 0, limit).map(change));
        changes.sort((x, y) => x.seq - y.seq);
        const more = changes.length > limit;
        changes = changes.slice(0, limit);
        const cursor = more ? changes[changes.length - 1].seq : Math.max(end, req.cursor || 0);
        if (!more) lastSeen.set(ws.user, Math.max(lastSeen.get(ws.user) || 0, cursor));
        return answer(ws, req.id, { ok: true, changes, cursor, more });
      }
      default:
        return answer(ws, req.id, { ok: false, error: { code: 'bad_request', message: `unknown request type '${req.type}'` } });
    }
  });
  ws.on('close', () => { if (ws.user) sessionsOf.get(ws.user)?.delete(ws); });
});
wss.on('listening', () => {
  if (args['ready-file']) fs.writeFileSync(args['ready-file'], `ws://127.0.0.1:${wss.address().port}\n`);
});
