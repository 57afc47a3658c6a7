// The visitor widget in real Chromium against the real edge: every card kind, validation,
// a live chat with an agent driven over the real inbox and chat sockets, reload, offline,
// XSS payloads both ways, and a keyboard-only walk through the cards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, Api, Socket, wsUrl, launchBrowser, freshWorkspace, widgetPage, DEMO_AGENTS, closeAllSockets, until } from './lib.mjs';

// A failed test must not leave a socket open: it would keep this file's process alive.
after(closeAllSockets);

const ALICE = DEMO_AGENTS[0];
let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

/** A workspace with one agent, Alice, signed in with her inbox socket open. */
async function workspaceWithAgent(prefix) {
  const { id, admin } = await freshWorkspace(prefix, { agents: [ALICE] });
  const session = await new Api(BASE).ok('POST', `/api/workspaces/${id}/sessions`, { email: ALICE.email, password: ALICE.password });
  const inbox = await Socket.open(wsUrl(`/api/workspaces/${id}/inbox/ws?token=${session.token}`));
  inbox.send({ type: 'hello', v: 1 });
  await inbox.waitFor((m) => m.type === 'welcome');
  return { id, admin, token: session.token, inbox };
}

/** Walks the demo dialogue to the live chat card with the mouse and keyboard as a visitor would. */
async function reachLiveChat(page, { first = 'Ann', email = 'ann@example.com' } = {}) {
  await page.getByRole('button', { name: 'Pricing questions' }).click({ timeout: 15_000 });
  await page.getByRole('button', { name: 'Yes, connect me' }).click();
  await page.getByLabel('First name').fill(first);
  await page.getByLabel('Work email').fill(email);
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.getByText('Connecting you to a sales agent…').first().waitFor();
}

/** The agent accepts the pending offer and opens the chat socket. */
async function acceptOffer(ws) {
  const offered = await ws.inbox.waitFor((m) => m.type === 'offered', 10_000, 'offered');
  ws.inbox.send({ type: 'accept', offer: offered.offer.offer });
  const conv = offered.offer.conversation;
  await ws.inbox.waitFor((m) => m.type === 'chat_started', 10_000, 'chat_started');
  const chat = await Socket.open(wsUrl(`/api/workspaces/${ws.id}/conversations/${conv}/ws?token=${ws.token}`));
  chat.send({ type: 'hello', v: 1, last_seq: 0 });
  await chat.waitFor((m) => m.type === 'welcome');
  return { chat, conversation: conv, offered: offered.offer };
}

/** A chat bubble (not the screen-reader announcement) containing `text`. */
const bubble = (page, text) => page.locator('#parlor-widget div.b', { hasText: text });

async function visitorSays(page, text) {
  const box = page.getByLabel('Your message');
  await box.fill(text);
  await box.press('Enter');
}

test('every card kind, inline validation errors, then a live chat with an agent both ways', async () => {
  const ws = await workspaceWithAgent('wcards');
  const context = await browser.newContext();
  const page = await widgetPage(context, ws.id);
  await page.goto(`${BASE}/e2e/page.html`);
  await page.getByText('Hi there! Welcome to Acme Analytics.').waitFor({ timeout: 15_000 }); // message card
  await page.getByRole('button', { name: 'Pricing questions' }).click(); // question card
  await page.getByRole('button', { name: 'Yes, connect me' }).click();
  // Info capture: required marks and inline errors, nothing sent until valid.
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.getByText('This field is required.').first().waitFor();
  await page.getByLabel('First name').fill('Ann');
  await page.getByLabel('Work email').fill('not-an-email');
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.getByText(/valid email address|doesn't look like an email/).first().waitFor();
  await page.getByLabel('Work email').fill('ann@example.com');
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.getByText('Connecting you to a sales agent…').first().waitFor(); // live chat card
  const offered = ws.inbox.waitFor((m) => m.type === 'offered');
  assert.equal((await offered).offer.visitor.email, 'ann@example.com');

  const { chat } = await acceptOffer(ws);
  await page.getByText(`Alice Martin`).first().waitFor();
  const avatar = await page.locator('#parlor-widget img').first().getAttribute('src');
  assert.match(avatar, /alice\.svg$/);

  chat.send({ type: 'say', client_id: 'a1', text: 'Hello Ann, how can I help?' });
  await bubble(page, 'Hello Ann, how can I help?').waitFor();
  await visitorSays(page, 'What does the team plan cost?');
  const got = await chat.waitFor((m) => m.type === 'entry' && m.entry.event === 'message' && m.entry.from === 'visitor');
  assert.equal(got.entry.text, 'What does the team plan cost?');
  chat.close();
  ws.inbox.close();
  await context.close();
});

test('a reload mid-chat resumes the same conversation and transcript', async () => {
  const ws = await workspaceWithAgent('wreload');
  const context = await browser.newContext();
  const page = await widgetPage(context, ws.id);
  await page.goto(`${BASE}/e2e/page.html`);
  await reachLiveChat(page);
  const { chat, conversation } = await acceptOffer(ws);
  chat.send({ type: 'say', client_id: 'a1', text: 'Agent line before reload' });
  await bubble(page, 'Agent line before reload').waitFor();
  await visitorSays(page, 'Visitor line before reload');
  await chat.waitFor((m) => m.type === 'entry' && m.entry.text === 'Visitor line before reload');

  await page.reload();
  await bubble(page, 'Agent line before reload').waitFor({ timeout: 15_000 });
  await bubble(page, 'Visitor line before reload').waitFor();
  const token = await page.evaluate((w) => localStorage.getItem(`parlor:${w}`), ws.id);
  assert.equal(token.split('.')[0], conversation, 'same conversation after reload');
  // Each line appears once.
  assert.equal(await bubble(page, 'Agent line before reload').count(), 1);
  chat.close();
  ws.inbox.close();
  await context.close();
});

test('going offline and back loses and duplicates nothing', async () => {
  const ws = await workspaceWithAgent('woffline');
  const context = await browser.newContext();
  const page = await widgetPage(context, ws.id);
  await page.goto(`${BASE}/e2e/page.html`);
  await reachLiveChat(page);
  const { chat, conversation } = await acceptOffer(ws);

  await context.setOffline(true);
  // Force the socket down the way a flaky network does.
  await page.evaluate(() => window.dispatchEvent(new Event('offline')));
  await visitorSays(page, 'typed while offline 1');
  await visitorSays(page, 'typed while offline 2');
  chat.send({ type: 'say', client_id: 'a-off', text: 'agent wrote during the outage' });
  await context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));

  await bubble(page, 'agent wrote during the outage').waitFor({ timeout: 40_000 });
  await chat.waitFor((m) => m.type === 'entry' && m.entry.text === 'typed while offline 2', 40_000);
  const detail = await ws.admin.ok('GET', `/api/workspaces/${ws.id}/conversations/${conversation}`);
  const texts = detail.transcript.entries.filter((e) => e.event === 'message').map((e) => e.text);
  assert.deepEqual(texts.filter((t) => t.startsWith('typed while offline')), ['typed while offline 1', 'typed while offline 2']);
  const seqs = detail.transcript.entries.map((e) => e.seq);
  assert.deepEqual(seqs, seqs.map((_, i) => i + 1), 'sequence numbers have no gaps or repeats');
  assert.equal(await bubble(page, 'typed while offline 1').count(), 1);
  assert.equal(await bubble(page, 'agent wrote during the outage').count(), 1);
  chat.close();
  ws.inbox.close();
  await context.close();
});

const XSS = [
  '<img src=x onerror="window.__xss=1">',
  '<script>window.__xss=2</script>',
  '"><svg onload=window.__xss=3>',
  'javascript:window.__xss=4',
  '<a href="javascript:window.__xss=5">click</a>',
  '{{constructor.constructor("window.__xss=6")()}}',
];

test('XSS payloads sent both ways show up as inert text', async () => {
  const ws = await workspaceWithAgent('wxss');
  const context = await browser.newContext();
  const page = await widgetPage(context, ws.id);
  await page.goto(`${BASE}/e2e/page.html`);
  await reachLiveChat(page, { first: '<b onmouseover=window.__xss=7>Ann</b>' });
  const { chat } = await acceptOffer(ws);
  for (const [i, payload] of XSS.entries()) {
    chat.send({ type: 'say', client_id: `x${i}`, text: `agent ${payload}` });
    await visitorSays(page, `visitor ${payload}`);
  }
  for (const payload of XSS) {
    await bubble(page, `agent ${payload}`).first().waitFor();
    await bubble(page, `visitor ${payload}`).first().waitFor();
  }
  const shadowImages = await page.evaluate(() => document.querySelector('#parlor-widget').shadowRoot.querySelectorAll('img, script, svg[onload], a[href^="javascript"]').length);
  const avatarCount = await page.locator('#parlor-widget img').count();
  assert.equal(shadowImages, avatarCount, 'no element was created from a payload (only the avatar image)');
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  chat.close();
  ws.inbox.close();
  await context.close();
});

test('keyboard only: through every card to a live chat', async () => {
  const ws = await workspaceWithAgent('wkeys');
  const context = await browser.newContext();
  const page = await widgetPage(context, ws.id);
  await page.goto(`${BASE}/e2e/page.html`);
  const pricing = page.getByRole('button', { name: 'Pricing questions' });
  await pricing.waitFor({ timeout: 15_000 });
  // Focus moves into each new card; Tab/Enter/typing is all a visitor needs.
  await pricing.focus();
  await page.keyboard.press('Enter');
  const yes = page.getByRole('button', { name: 'Yes, connect me' });
  await yes.waitFor();
  await page.waitForFunction(() => document.querySelector('#parlor-widget').shadowRoot.activeElement?.textContent?.includes('Yes, connect me'), null, { timeout: 5_000 });
  await page.keyboard.press('Enter');
  await page.getByLabel('First name').waitFor();
  await page.waitForFunction(() => document.querySelector('#parlor-widget').shadowRoot.activeElement?.id !== undefined
    && document.querySelector('#parlor-widget').shadowRoot.activeElement?.tagName === 'INPUT', null, { timeout: 5_000 });
  await page.keyboard.type('Kim');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab'); // last name (optional)
  await page.keyboard.type('kim@example.com');
  await page.keyboard.press('Enter');
  await page.getByText('Connecting you to a sales agent…').first().waitFor();
  const offered = await ws.inbox.waitFor((m) => m.type === 'offered');
  assert.deepEqual(
    { first_name: offered.offer.visitor.first_name, email: offered.offer.visitor.email },
    { first_name: 'Kim', email: 'kim@example.com' },
  );
  ws.inbox.close();
  await context.close();
});

test('window.Parlor: queued commands and events in order; the panel opens when the agent joins; unread messages badge the launcher and the title', async () => {
  const ws = await workspaceWithAgent('wapi');
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.route(`${BASE}/e2e/api.html`, (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pricing</title>
      <script>
        window.Parlor = window.Parlor || function () { (Parlor.q = Parlor.q || []).push(arguments); };
        window.events = [];
        ['ready', 'open', 'close', 'chat_requested', 'chat_started', 'message', 'lead_captured'].forEach(function (n) {
          Parlor('on', n, function (d) { events.push(d ? n + ':' + d : n); });
        });
        addEventListener('parlor:chat_started', function () { events.push('dom:chat_started'); });
        Parlor('open');
      </script></head>
      <body><h1>Pricing</h1><script src="/widget.js" data-workspace="${ws.id}" async></script></body></html>`,
  }));
  await page.goto(`${BASE}/e2e/api.html`);
  // Parlor('open') queued before the loader ran opened the panel.
  await reachLiveChat(page);
  // The visitor sees how long they have waited, second by second.
  await page.locator('#parlor-widget .wt').filter({ hasText: /^Waiting for an agent… 0:0[1-9]$/ }).waitFor({ timeout: 5_000 });
  // Writing while waiting: the message goes to whoever accepts.
  await visitorSays(page, 'Quote for 40 seats?');
  await bubble(page, 'Quote for 40 seats?').waitFor();
  // The visitor closes the panel while waiting; the agent's arrival opens it again.
  await page.locator('#parlor-widget button[data-act=close]').click();
  await page.waitForFunction(() => !document.getElementById('parlor-widget').shadowRoot.querySelector('.pw.op'));
  const { chat } = await acceptOffer(ws);
  await chat.waitFor((f) => f.type === 'entry' && f.entry.event === 'message' && f.entry.text === 'Quote for 40 seats?', 10_000, 'the waiting message in the agent pane');
  await page.waitForFunction(() => document.getElementById('parlor-widget').shadowRoot.querySelector('.pw.op'), null, { timeout: 10_000 });
  // Closed again (by the API this time): two agent messages wait unread.
  await page.evaluate(() => window.Parlor('close'));
  await page.waitForFunction(() => !document.getElementById('parlor-widget').shadowRoot.querySelector('.pw.op'));
  chat.send({ type: 'say', client_id: 'a1', text: 'Hi Ann!' });
  chat.send({ type: 'say', client_id: 'a2', text: 'Still there?' });
  const badge = page.locator('#parlor-widget .ub');
  await badge.filter({ hasText: '2' }).waitFor({ timeout: 10_000 });
  // The title counts them and blinks.
  await page.waitForFunction(() => document.title === '(2) Pricing', null, { timeout: 3_000 });
  await page.waitForFunction(() => document.title === 'New message', null, { timeout: 3_000 });
  await page.evaluate(() => window.Parlor('open'));
  await badge.waitFor({ state: 'hidden' });
  await page.waitForFunction(() => document.title === 'Pricing', null, { timeout: 3_000 });
  await page.waitForTimeout(1_500);
  assert.equal(await page.title(), 'Pricing', 'the blinking stopped');
  await visitorSays(page, 'Yes!');
  await bubble(page, 'Yes!').waitFor();
  await page.waitForFunction(() => window.events.filter((e) => e === 'message:visitor').length === 2);
  const events = await page.evaluate(() => window.events);
  console.log(`  events: ${events.join(', ')}`);
  assert.deepEqual(events, [
    'ready', 'open', 'lead_captured', 'chat_requested', 'message:visitor', 'close', 'open', 'chat_started', 'dom:chat_started',
    'close', 'message:agent', 'message:agent', 'open', 'message:visitor',
  ]);
  await context.close();
});

test('a hidden tab: the agent\'s messages count in the title, which blinks, and data-sound chimes; seeing the panel ends it', async () => {
  const ws = await workspaceWithAgent('wattn');
  const context = await browser.newContext();
  // Counts the tones the page starts (headless Chromium plays them to no device).
  await context.addInitScript(() => {
    window.chimes = 0;
    const Base = window.AudioContext;
    window.AudioContext = class extends Base {
      createOscillator() {
        const o = super.createOscillator();
        const start = o.start.bind(o);
        o.start = (...a) => ((window.chimes += 1), start(...a));
        return o;
      }
    };
  });
  const page = await context.newPage();
  await page.route(`${BASE}/e2e/sound.html`, (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Plans</title></head>
      <body><h1>Plans</h1><script src="/widget.js" data-workspace="${ws.id}" data-open data-sound async></script></body></html>`,
  }));
  await page.goto(`${BASE}/e2e/sound.html`);
  await reachLiveChat(page);
  const { chat } = await acceptOffer(ws);
  await page.getByText('Alice Martin joined the chat').first().waitFor({ timeout: 10_000 });
  // Panel open, tab in view: the visitor sees it, nothing calls for attention.
  chat.send({ type: 'say', client_id: 'a1', text: 'Hello, I am here.' });
  await bubble(page, 'Hello, I am here.').waitFor({ timeout: 10_000 });
  assert.equal(await page.title(), 'Plans');
  assert.equal(await page.evaluate(() => window.chimes), 0);
  // The visitor switches tabs: the next message is counted, blinks and chimes.
  await page.evaluate(() => {
    Object.defineProperty(document, 'hidden', { get: () => true, configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  chat.send({ type: 'say', client_id: 'a2', text: 'Are you still there?' });
  await page.waitForFunction(() => document.title === '(1) Plans', null, { timeout: 10_000 });
  await page.waitForFunction(() => window.chimes === 1, null, { timeout: 3_000 });
  await page.waitForFunction(() => document.title === 'New message', null, { timeout: 3_000 });
  // The launcher's badge is for a closed panel; this one is open.
  assert.equal(await page.locator('#parlor-widget .ub').isVisible(), false);
  // Back to the tab: the title is the page's own again.
  await page.evaluate(() => {
    delete document.hidden;
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await page.waitForFunction(() => document.title === 'Plans', null, { timeout: 3_000 });
  await page.waitForTimeout(1_500);
  assert.equal(await page.title(), 'Plans', 'the blinking stopped');
  chat.close();
  ws.inbox.close();
  await context.close();
});

test('a start that stalls gives up after 20 s with "Try again", which then starts', async () => {
  const { id } = await freshWorkspace('wstall');
  const context = await browser.newContext();
  const page = await widgetPage(context, id);
  // The network holds the first start forever (the server never sees it); later ones go through.
  let held = 0;
  await page.route(`${BASE}/api/visitor/conversations`, async (route) => {
    if (held++ === 0) return; // never answered
    await route.continue();
  });
  const t0 = Date.now();
  await page.goto(`${BASE}/e2e/page.html`);
  const retry = page.getByRole('button', { name: 'Try again' });
  await retry.waitFor({ timeout: 30_000 });
  const ms = Date.now() - t0;
  console.log(`  the stalled start gave up after ${ms} ms`);
  assert.ok(ms >= 19_000, `not before the 20 s timeout (${ms} ms)`);
  await retry.click();
  await page.getByRole('button', { name: 'Pricing questions' }).waitFor({ timeout: 15_000 });
  assert.equal(held, 2, 'one start held, one answered');
  await context.close();
});

test('a start the server answers busy is tried again by the widget, without a click', async () => {
  const { id } = await freshWorkspace('wbusy');
  const context = await browser.newContext();
  const page = await widgetPage(context, id);
  // The first start meets a busy server (what the Worker answers when the workspace object is
  // overloaded); the ones after reach the server.
  let starts = 0;
  let firstAt = 0;
  let secondAt = 0;
  await page.route(`${BASE}/api/visitor/conversations`, async (route) => {
    starts += 1;
    if (starts === 1) {
      firstAt = Date.now();
      return route.fulfill({ status: 503, contentType: 'application/json', headers: { 'retry-after': '1' }, body: JSON.stringify({ error: 'busy', message: 'busy; retry in a moment' }) });
    }
    if (starts === 2) secondAt = Date.now();
    await route.continue();
  });
  await page.goto(`${BASE}/e2e/page.html`);
  await page.getByRole('button', { name: 'Pricing questions' }).waitFor({ timeout: 15_000 });
  assert.equal(starts, 2, 'one start answered busy, one tried again by itself');
  assert.ok(secondAt - firstAt >= 900, `the widget waited the second the server asked for (${secondAt - firstAt} ms)`);
  assert.equal(await page.getByRole('button', { name: 'Try again' }).count(), 0, 'the visitor was never asked to click');
  await context.close();
});

test('a start whose answer is lost after the server carried it out is tried again as the same start: one conversation', async () => {
  const { id, admin } = await freshWorkspace('wlost');
  const context = await browser.newContext();
  const page = await widgetPage(context, id);
  // The first start reaches the server, which starts the conversation; a gateway then loses the
  // answer (502). The widget tries again by itself, with the same key.
  const keys = [];
  let firstAnswer;
  await page.route(`${BASE}/api/visitor/conversations`, async (route) => {
    keys.push(JSON.parse(route.request().postData()).start);
    if (keys.length === 1) {
      const served = await route.fetch();
      firstAnswer = await served.json();
      return route.fulfill({ status: 502, contentType: 'text/html', body: '<h1>502 Bad Gateway</h1>' });
    }
    await route.continue();
  });
  await page.goto(`${BASE}/e2e/page.html`);
  await page.getByRole('button', { name: 'Pricing questions' }).waitFor({ timeout: 15_000 });
  assert.equal(keys.length, 2, 'one start lost, one tried again by itself');
  assert.match(keys[0], /^[0-9a-f]{32}-0$/, 'a key from the page\'s random base');
  assert.equal(keys[1], keys[0], 'the retry is the same start');
  const rows = await admin.ok('GET', `/api/workspaces/${id}/conversations`);
  assert.deepEqual(rows.map((r) => r.id), [firstAnswer.conversation], 'one conversation, the one the lost answer named');
  const stored = await page.evaluate(() => Object.entries(localStorage).map(([, v]) => v).join(' '));
  assert.ok(stored.includes(firstAnswer.token), 'the widget keeps the token of that conversation');
  await context.close();
});

test('a start whose answer never came is sent again by the next page the visitor opens: one conversation', async () => {
  const { id, admin } = await freshWorkspace('wnext');
  const context = await browser.newContext();
  const page = await widgetPage(context, id);
  // The first page's start reaches the server, which starts the conversation; the connection
  // then drops before the answer reaches the page, and the visitor goes to another page.
  const keys = [];
  let firstAnswer;
  await context.route(`${BASE}/api/visitor/conversations`, async (route) => {
    keys.push(JSON.parse(route.request().postData()).start);
    if (keys.length === 1) {
      const served = await route.fetch();
      firstAnswer = await served.json();
      return route.abort('connectionreset');
    }
    await route.continue();
  });
  await page.goto(`${BASE}/e2e/page.html`);
  await page.getByRole('button', { name: 'Try again' }).waitFor({ timeout: 15_000 });
  const kept = await page.evaluate((ws) => localStorage.getItem(`parlor:${ws}:start`), id);
  assert.equal(kept, keys[0], 'the unanswered start\'s key is kept for the next page');
  // The next page does not open the chat itself: the widget loads at once all the same, as for
  // a conversation that goes on, and sends the kept start without a click.
  await page.route(`${BASE}/e2e/next.html`, (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Next page</title></head>
      <body><h1>Another page</h1><script src="/widget.js" data-workspace="${id}" async></script></body></html>`,
  }));
  await page.goto(`${BASE}/e2e/next.html`);
  await until(() => keys.length === 2, { timeout: 15_000, what: 'the next page to send the kept start' });
  await page.getByRole('button', { name: 'Open chat' }).click();
  await page.getByRole('button', { name: 'Pricing questions' }).waitFor({ timeout: 15_000 });
  assert.equal(keys.length, 2, 'one start lost, one sent by the next page');
  assert.equal(keys[1], keys[0], 'the next page sends the same start');
  const rows = await admin.ok('GET', `/api/workspaces/${id}/conversations`);
  assert.deepEqual(rows.map((r) => r.id), [firstAnswer.conversation], 'one conversation, the one the lost answer named');
  const stored = await page.evaluate((ws) => ({ token: localStorage.getItem(`parlor:${ws}`), key: localStorage.getItem(`parlor:${ws}:start`) }), id);
  assert.deepEqual(stored, { token: firstAnswer.token, key: null }, 'its token kept, the answered key dropped');
  await context.close();
});

test('a widget that cannot load says so beside the launcher when the visitor asks, and the launcher tries again', async () => {
  const { id } = await freshWorkspace('wnoload');
  const context = await browser.newContext();
  const page = await context.newPage();
  // The visitor opens the chat themselves (no data-open).
  await page.route(`${BASE}/e2e/plain.html*`, (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Plain page</title></head>
      <body><h1>Host page</h1><script src="/widget.js" data-workspace="${id}" async></script></body></html>`,
  }));
  // The network fails the widget's files (its glue and its wasm) until told otherwise.
  let offline = true;
  const failed = [];
  await page.route(/\/w\/widget.*\.(js|wasm)$/, (route) => {
    if (!offline) return route.continue();
    failed.push(route.request().url());
    return route.abort('internetdisconnected');
  });
  await page.goto(`${BASE}/e2e/plain.html`);
  const launcher = page.getByRole('button', { name: 'Open chat' });
  await launcher.waitFor({ timeout: 15_000 });
  const note = page.getByRole('alert').filter({ hasText: 'Chat could not load. Try again.' });
  // The load when the page is idle fails unseen: nobody asked yet.
  for (let i = 0; i < 100 && failed.length === 0; i++) await page.waitForTimeout(100);
  assert.ok(failed.length > 0, 'the idle-time load was tried');
  await page.waitForTimeout(300);
  assert.equal(await note.count(), 0);
  // The visitor clicks: the failure is said beside the launcher.
  await launcher.click();
  await note.waitFor({ timeout: 15_000 });
  // Back online, the same launcher tries again and the dialogue opens; the note is gone.
  offline = false;
  await launcher.click();
  await page.getByRole('button', { name: 'Pricing questions' }).waitFor({ timeout: 15_000 });
  assert.equal(await page.getByText('Chat could not load. Try again.').count(), 0);
  await context.close();
});

test('a dialogue that runs out of cards ends and offers a new conversation, which starts afresh', async () => {
  const { id } = await freshWorkspace('wfinish');
  const context = await browser.newContext();
  const page = await widgetPage(context, id);
  const starts = [];
  page.on('request', (r) => { if (r.url().endsWith('/api/visitor/conversations')) starts.push(r); });
  await page.goto(`${BASE}/e2e/page.html`);
  await page.getByRole('button', { name: 'Just browsing' }).click({ timeout: 15_000 });
  await page.getByText('No problem! We are here if you need anything.').waitFor();
  const again = page.getByRole('button', { name: 'Start a new conversation' });
  await again.waitFor({ timeout: 5_000 });
  assert.equal(await page.getByText('The agent ended the chat.').count(), 0, 'nobody ended a chat');
  await again.click();
  await page.getByRole('button', { name: 'Just browsing' }).waitFor({ timeout: 15_000 });
  assert.equal(starts.length, 2, 'a second conversation was started');
  assert.equal(await page.getByText('No problem! We are here if you need anything.').count(), 0, 'the old transcript is gone');
  await context.close();
});
