// The agent inbox's service worker: offers that arrive by Web Push while no inbox tab is open.
// Each push is a decrypted `PushMsg` (docs/protocol.md, "Web Push"): `offer` shows a
// notification that opens the inbox on the offer, ready to accept; `offer_gone` closes it.
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

const tagOf = (msg) => `offer:${msg.workspace}:${msg.conversation}`;

self.addEventListener('push', (event) => {
  let msg = null;
  try {
    msg = event.data ? event.data.json() : null;
  } catch {
    msg = null;
  }
  if (!msg || typeof msg.type !== 'string') return;
  if (msg.type === 'offer') {
    const url = `/inbox?offer=${encodeURIComponent(msg.offer)}&workspace=${encodeURIComponent(msg.workspace)}`;
    event.waitUntil(self.registration.showNotification(String(msg.title), {
      body: String(msg.body),
      tag: tagOf(msg),
      renotify: true,
      requireInteraction: true,
      data: { url, deadline: msg.deadline },
    }));
  } else if (msg.type === 'offer_gone') {
    event.waitUntil(self.registration.getNotifications({ tag: tagOf(msg) })
      .then((list) => list.forEach((n) => n.close())));
  }
});

// A click focuses an open inbox (its banner already shows the offer) or opens one on it.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || '/inbox';
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const inbox = windows.find((c) => new URL(c.url).pathname === '/inbox');
    if (inbox) return inbox.focus();
    return self.clients.openWindow(url);
  })());
});
