// The phone app's service worker (scope /app/): keeps the shell, the screens, the client core
// (.wasm included) and the icons, so the app opens with no network at all, straight to the
// data already on the phone. App files are fetched from the network first (the server answers
// a 304 when unchanged), so a new build is taken as soon as the phone is online; the cache
// answers when it is not. Navigations fall back to the cached index.html (the app's routes are
// History API paths). The server's API (/v1/*: the WebSocket, file uploads and downloads) is
// never cached. No Background Sync: the app syncs while it is open (Safari has none).
const kCache = 'passerelle-app-v2';
const kShell = [
  '/app/', '/app/index.html', '/app/app.js', '/app/i18n.js', '/app/style.css', '/app/manifest.webmanifest',
  '/app/screens/home.js', '/app/screens/plan.js', '/app/screens/messages.js', '/app/screens/profile.js',
  '/app/screens/mentoring.js', '/app/screens/mentor.js', '/app/screens/mentoring_common.js',
  '/app/passerelle.mjs', '/app/worker.mjs', '/app/opfs_pool.mjs', '/app/passerelle-core.mjs', '/app/passerelle-core.wasm',
  '/app/icons/icon-192.png', '/app/icons/icon-512.png', '/app/icons/maskable-512.png',
  '/app/screens/util.js', '/app/zones.js',
  '/app/screens/employer.js', '/app/screens/employer_candidates.js', '/app/screens/activities.js',
];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(kCache);
    // One missing file (a screen not written yet) must not stop the others from being kept.
    await Promise.all(kShell.map(async (url) => {
      try {
        const res = await fetch(url, { cache: 'no-cache' });
        if (res.ok) await cache.put(url, res);
      } catch (e) { /* offline during install: kept on the next visit */ }
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key !== kCache) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/v1/') || !url.pathname.startsWith('/app/')) return;
  if (req.mode === 'navigate') {
    event.respondWith(networkFirst(req, '/app/index.html'));
    return;
  }
  event.respondWith(networkFirst(req, url.pathname));
});

// A bad connection that neither answers nor fails: the kept copy after this long.
const kPatienceMs = 4000;

// The network when it answers (and the answer kept), else what was kept.
async function networkFirst(req, key) {
  const cache = await caches.open(kCache);
  try {
    const fetched = fetch(req, { cache: 'no-cache' });
    const kept = await cache.match(key);
    const res = kept
      ? await Promise.race([fetched, new Promise((resolve, reject) => setTimeout(() => reject(new Error('slow')), kPatienceMs))])
      : await fetched;
    if (res.ok && res.type === 'basic') cache.put(key, res.clone());
    return res;
  } catch (e) {
    const kept = (await cache.match(key)) || (await cache.match(req, { ignoreSearch: true }));
    if (kept) return kept;
    if (req.mode === 'navigate') {
      const shell = await cache.match('/app/');
      if (shell) return shell;
    }
    return new Response('offline and not kept on this phone', { status: 503, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  }
}
