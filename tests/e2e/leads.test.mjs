// Leads end to end: when live chat cannot happen (closed hours, nobody available) the visitor
// gets the offline form in real Chromium, leaves a message, sees the thanks line (also after a
// reload); the lead appears in the admin Leads view and the CSV export; the workspace's admins
// are emailed (no notification address is set); a visitor who chatted gets the transcript by
// email once; bad frames are refused in words; erasure by email and the retention purge
// remove leads.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, launchBrowser, freshWorkspace, DEMO_AGENTS, signIn, openInbox, startVisitor, openVisitor,
  askForLiveChat, waitEntry, until, closeAllSockets, shot,
} from './lib.mjs';
import { VIEWPORT, visitorAtCapture, askForLiveChat as submitCapture, signInAdmin } from './inbox-lib.mjs';

const [ALICE] = DEMO_AGENTS;
const week = (ranges) => Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ranges]));
const CLOSED = { time_zone: 'Europe/Paris', weekly: week([]), exceptions: [] };

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });
afterEach(closeAllSockets);

/** A strict RFC 4180 reader. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; }
    else cell += c;
  }
  return rows;
}

/** Keeps every WebSocket the context's pages open in `window.__sockets`, so a test can drop them. */
function keepSockets(ctx) {
  return ctx.addInitScript(() => {
    const Native = window.WebSocket;
    window.__sockets = [];
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        window.__sockets.push(this);
      }
    };
  });
}

const leadsOf = async (admin, ws, query = '') => (await admin.ok('GET', `/api/workspaces/${ws}/leads${query}`)).leads;
const outbox = (admin, ws) => admin.ok('GET', `/api/workspaces/${ws}/outbox`);

test('closed hours: the offline form, the thanks line after a reload, the lead in the Leads view and the CSV, admins emailed', async () => {
  const { id: ws, admin } = await freshWorkspace('leads', { settings: { business_hours: CLOSED } });
  const inbox = await openInbox(ws, await signIn(ws, ALICE));
  const ctx = await browser.newContext({ viewport: VIEWPORT });
  try {
    const page = await visitorAtCapture(ctx, ws, { first: 'Noor', email: 'Noor@Example.com' });
    await submitCapture(page);
    // Live chat cannot happen: the fallback text, then the form asking only for the message.
    const form = page.locator('form[data-card="_offline"]');
    const message = form.getByLabel('Your message');
    await message.waitFor({ timeout: 10_000 });
    assert.equal(await form.locator('input').count(), 1, 'the captured email is not asked again');
    await shot(page, 'docs/screenshots/offline-form.png');
    await message.fill('Please send me a quote, with "commas, quotes"\nand =SUM(1) on two lines.');
    await form.getByRole('button', { name: 'Submit' }).click();
    const thanks = page.locator('p.sy', { hasText: 'Thanks — we\'ll email you at Noor@Example.com.' });
    await thanks.waitFor({ timeout: 10_000 });
    assert.equal(inbox.frames.filter((m) => m.type === 'offered').length, 0, 'no agent was offered the chat');

    // A reload keeps the thanks state: it comes back from the server's replay.
    await page.reload();
    await thanks.waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('form[data-card="_offline"] button').isDisabled(), true, 'the form stays sent');

    // The lead: one record, keyed by the normalised email.
    const [lead] = await until(async () => {
      const l = await leadsOf(admin, ws);
      return l.length && l[0].outcome.kind === 'left_message' && l;
    }, { what: 'the lead with its message' });
    assert.equal(lead.key, 'noor@example.com');
    assert.equal(lead.name, 'Noor');
    assert.equal(lead.source, 'capture');
    assert.equal(lead.outcome.reason, 'outside_hours');
    assert.equal(lead.outcome_text, 'left a message');
    assert.match(lead.message, /^Please send me a quote/);
    assert.equal(lead.utm.source, 'e2e');
    assert.equal(lead.conversations, 1);
    assert.deepEqual(lead.answers, {
      'What brings you here today?': 'Pricing questions',
      'Would you like to talk to someone from our sales team now?': 'Yes, connect me',
    });
    // Filters.
    assert.equal((await leadsOf(admin, ws, '?outcome=left_message&q=QUOTE')).length, 1);
    assert.equal((await leadsOf(admin, ws, '?source=offline_form')).length, 0);
    const bad = await admin.call('GET', `/api/workspaces/${ws}/leads?outcome=won`);
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /outcome/);

    // Nobody set notification emails: the admin (Alice) hears of the lead and the missed chat.
    const mails = await until(async () => {
      const rows = await outbox(admin, ws);
      const kinds = rows.map((r) => r.entry.kind);
      return kinds.includes('lead') && kinds.includes('lead_message') && kinds.includes('failed_action') && rows;
    }, { what: 'lead, message and failed-action emails' });
    for (const r of mails) assert.deepEqual(r.entry.to, [ALICE.email], `${r.entry.kind} goes to the admin`);
    const newLead = mails.find((r) => r.entry.kind === 'lead').entry;
    assert.equal(newLead.subject, 'New lead: Noor <Noor@Example.com>');
    assert.match(mails.find((r) => r.entry.kind === 'lead_message').entry.body, /Please send me a quote/);

    // The CSV: an attachment that parses back to the same cells, formula neutralised.
    const r = await fetch(`${BASE}/api/workspaces/${ws}/leads.csv`, { headers: { authorization: `Bearer ${admin.token}` } });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/csv/);
    assert.match(r.headers.get('content-disposition'), /^attachment; filename="leads.csv"/);
    const rows = parseCsv(await r.text());
    assert.equal(rows[0][0], 'email');
    assert.equal(rows.length, 2);
    const cell = (name) => rows[1][rows[0].indexOf(name)];
    assert.equal(cell('email'), 'Noor@Example.com');
    assert.equal(cell('outcome'), 'left a message');
    assert.equal(cell('message'), lead.message, 'commas, quotes and line breaks survive');
    assert.equal(cell('utm_source'), 'e2e');
    const unauth = await fetch(`${BASE}/api/workspaces/${ws}/leads.csv`);
    assert.equal(unauth.status, 401);

    // The admin Leads view.
    const adminPage = await signInAdmin(ctx, ws, { key: admin.token });
    await adminPage.getByRole('tab', { name: 'Leads' }).click();
    const table = adminPage.getByRole('table', { name: 'Leads' });
    await table.getByText('Noor@Example.com').waitFor({ timeout: 10_000 });
    await table.getByText('left a message').waitFor();
    await shot(adminPage, 'docs/screenshots/leads.png');
    await adminPage.getByLabel('Search').fill('nobody-matches-this');
    await adminPage.getByRole('button', { name: 'Apply' }).click();
    await adminPage.getByText('No leads yet.', { exact: false }).waitFor();
    // The conversation detail shows the message left.
    await adminPage.getByRole('tab', { name: 'Conversations' }).click();
    await adminPage.getByRole('row').filter({ hasText: 'Noor' }).first().click();
    await adminPage.getByText('Visitor left a message (reply to Noor@Example.com)').waitFor({ timeout: 10_000 });
  } finally {
    await ctx.close();
  }
});

test('a closed panel opens on the offline form, which reaches the server after the socket dropped', async () => {
  // An agent is online but never accepts: the offer expires after 2 s and the chat falls back.
  const { id: ws, admin } = await freshWorkspace('leads-drop', { agents: [ALICE], settings: { accept_timeout_ms: 2_000 } });
  const inbox = await openInbox(ws, await signIn(ws, ALICE));
  const ctx = await browser.newContext({ viewport: VIEWPORT });
  try {
    // The page's sockets are kept, so the test can drop them as a network change would.
    await keepSockets(ctx);
    const page = await visitorAtCapture(ctx, ws, { first: 'Lin', email: 'lin@example.com' });
    await submitCapture(page);
    await inbox.waitFor((m) => m.type === 'offered', 10_000, 'offer');
    // The visitor closes the panel while waiting, and keeps reading the page.
    await page.getByRole('button', { name: 'Close chat' }).first().click();
    const form = page.locator('form[data-card="_offline"]');
    await page.getByRole('button', { name: 'Open chat' }).first().waitFor({ timeout: 1_000 });
    // Nobody accepted: the panel opens by itself on the offline form.
    const message = form.getByLabel('Your message');
    await message.waitFor({ state: 'visible', timeout: 15_000 });

    // The socket drops. The conversation is closed, so nothing reconnects until the visitor acts.
    const opened = await page.evaluate(() => {
      for (const s of window.__sockets) s.close();
      return window.__sockets.length;
    });
    await until(() => page.evaluate(() => window.__sockets.every((s) => s.readyState === 3)), { what: 'sockets closed' });
    await page.waitForTimeout(1_500);
    assert.equal(await page.evaluate(() => window.__sockets.length), opened, 'no reconnect while nothing is owed');

    await message.fill('Call me tomorrow');
    await form.getByRole('button', { name: 'Submit' }).click();
    await page.locator('p.sy', { hasText: "Thanks — we'll email you at lin@example.com." }).waitFor({ timeout: 10_000 });
    assert.ok(await page.evaluate(() => window.__sockets.length) > opened, 'a socket was opened for the form');
    const [lead] = await until(async () => {
      const l = await leadsOf(admin, ws);
      return l.length && l[0].outcome.kind === 'left_message' && l;
    }, { what: 'the lead with its message' });
    assert.equal(lead.message, 'Call me tomorrow');
  } finally {
    await ctx.close();
  }
});

test('a visitor whose network was gone while waiting finds the fallback and the offline form on return, not "you ended the chat"', async () => {
  // An agent is online but never accepts; the visitor's page is gone past the 10 s grace.
  const { id: ws, admin } = await freshWorkspace('leads-away', {
    agents: [ALICE], settings: { accept_timeout_ms: 60_000, visitor_gone_waiting_ms: 10_000 },
  });
  const { live_chat_fallback: fallback } = await admin.ok('GET', `/api/workspaces/${ws}/settings`);
  const inbox = await openInbox(ws, await signIn(ws, ALICE));
  const ctx = await browser.newContext({ viewport: VIEWPORT });
  try {
    // The page's sockets are kept, so the test can drop them as a lost network would.
    await keepSockets(ctx);
    const page = await visitorAtCapture(ctx, ws, { first: 'Noa', email: 'noa@example.com' });
    await submitCapture(page);
    const { offer } = await inbox.waitFor((m) => m.type === 'offered', 10_000, 'offer');
    // The network goes (a train, a suspended phone): the socket drops and no reconnect gets through.
    await ctx.setOffline(true);
    await page.evaluate(() => {
      window.dispatchEvent(new Event('offline'));
      for (const s of window.__sockets) s.close();
    });
    const t0 = Date.now();
    const withdrawn = await inbox.waitFor((m) => m.type === 'offer_withdrawn' && m.offer === offer.offer, 25_000, 'withdrawn');
    console.log(`  offer withdrawn ${Date.now() - t0} ms after the network went (grace 10 s)`);
    assert.equal(withdrawn.reason, 'cancelled');
    await ctx.setOffline(false);
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    // Back: the fallback message and the offline form (the email is known), no "ended" line.
    const form = page.locator('form[data-card="_offline"]');
    const message = form.getByLabel('Your message');
    await message.waitFor({ state: 'visible', timeout: 30_000 });
    await page.getByText(fallback).first().waitFor();
    assert.equal(await page.getByText('You ended the chat.').count(), 0);
    await message.fill('Sorry, lost my connection');
    await form.getByRole('button', { name: 'Submit' }).click();
    await page.locator('p.sy', { hasText: "Thanks — we'll email you at noa@example.com." }).waitFor({ timeout: 10_000 });
    const [lead] = await until(async () => {
      const l = await leadsOf(admin, ws);
      return l.length && l[0].outcome.kind === 'left_message' && l;
    }, { what: 'the lead with its message' });
    assert.equal(lead.message, 'Sorry, lost my connection');
  } finally {
    await ctx.close();
  }
});

test('nobody available: the message is stored once, bad input is refused in words, the lead merges by email', async () => {
  // Open (no business hours) but nobody connected: every request falls back at once.
  const { id: ws, admin } = await freshWorkspace('leads-api');
  // Before any fallback: refused.
  const early = await startVisitor(ws);
  const earlySocket = await openVisitor(early.token);
  earlySocket.send({ type: 'leave_message', client_id: 'm1', email: 'x@example.com', text: 'hi' });
  const refusedEarly = await earlySocket.waitFor((m) => m.type === 'error', 5000, 'error before fallback');
  assert.equal(refusedEarly.code, 'no_fallback');
  assert.match(refusedEarly.message, /only when live chat could not happen/);

  const v = await startVisitor(ws, { page_url: 'https://www.example.com/pricing?utm_source=ads&utm_campaign=spring%20sale' });
  const socket = await openVisitor(v.token);
  await askForLiveChat(socket, { first_name: 'Sam', email: 'sam@example.com' });
  const fallback = await waitEntry(socket, 'fallback');
  assert.equal(fallback.kind, 'live_chat');
  const error = async (frame, code, on = socket) => {
    const before = on.frames.length;
    on.send(frame);
    const e = await on.waitFor((m) => m.type === 'error' && on.frames.indexOf(m) >= before, 5000, code);
    assert.equal(e.code, code, JSON.stringify(e));
    assert.ok(e.message.length > 10, 'a sentence');
    return e;
  };
  await error({ type: 'leave_message', client_id: 'm1', email: 'not-an-email', text: 'hi' }, 'invalid_email');
  await error({ type: 'leave_message', client_id: 'm1', text: 'x'.repeat(4001) }, 'message_too_long');
  await error({ type: 'leave_message', client_id: 'm1', text: '   ' }, 'empty_message');
  // Stored once, acknowledged after storage; a resend gets the same ack.
  socket.send({ type: 'leave_message', client_id: 'm1', text: 'Call me tomorrow' });
  const ack = await socket.waitFor((m) => m.type === 'ack' && m.client_id === 'm1', 5000, 'ack');
  const left = await waitEntry(socket, 'left_message');
  assert.equal(left.seq, ack.seq);
  assert.equal(left.email, 'sam@example.com');
  socket.send({ type: 'leave_message', client_id: 'm1', text: 'Call me tomorrow' });
  await until(() => socket.frames.filter((m) => m.type === 'ack' && m.client_id === 'm1').length === 2, { what: 'second ack' });
  assert.equal(socket.frames.filter((m) => m.type === 'entry' && m.entry.event === 'left_message').length, 1);
  // Five tries a socket, then one every 10 s: the sixth at once is refused.
  await error({ type: 'leave_message', client_id: 'm2', text: 'again' }, 'rate_limited');
  // A replay after a reconnect carries the message (the widget's thanks state).
  const again = await openVisitor(v.token);
  await waitEntry(again, 'left_message');
  await error({ type: 'leave_message', client_id: 'm2', text: 'again' }, 'message_already_left', again);

  const [lead] = await until(async () => {
    const l = await leadsOf(admin, ws);
    return l.length && l[0].outcome.kind === 'left_message' && l;
  }, { what: 'lead' });
  assert.equal(lead.outcome.reason, 'no_eligible_agent');
  assert.deepEqual(lead.utm, { source: 'ads', campaign: 'spring sale' });

  // The same visitor, another conversation, the email typed otherwise: one lead, two conversations.
  const v2 = await startVisitor(ws);
  const s2 = await openVisitor(v2.token);
  await askForLiveChat(s2, { first_name: 'Sam', email: ' SAM@example.com' });
  await waitEntry(s2, 'fallback');
  const merged = await until(async () => {
    const l = await leadsOf(admin, ws);
    return l.length === 1 && l[0].conversations === 2 && l[0];
  }, { what: 'merged lead' });
  assert.equal(merged.last_conversation, v2.conversation);
  assert.equal(merged.outcome.kind, 'missed');
  assert.equal(merged.message, 'Call me tomorrow', 'the message stays');

  // Erasure by email removes the lead.
  const erased = await admin.ok('POST', `/api/workspaces/${ws}/erasures`, { email: 'sam@example.com' });
  assert.equal(erased.erased.leads, 1);
  assert.equal((await leadsOf(admin, ws)).length, 0);
});

test('after a chat with an agent the visitor gets the transcript by email, once', async () => {
  const { id: ws, admin } = await freshWorkspace('leads-transcript');
  const inbox = await openInbox(ws, await signIn(ws, ALICE));
  const v = await startVisitor(ws);
  const socket = await openVisitor(v.token);
  // Not before a chat ended.
  socket.send({ type: 'email_transcript' });
  assert.equal((await socket.waitFor((m) => m.type === 'error', 5000, 'early')).code, 'transcript_unavailable');
  await askForLiveChat(socket, { first_name: 'Lea', email: 'lea@example.com' });
  const { offer } = await inbox.waitFor((m) => m.type === 'offered' && m.offer.conversation === v.conversation, 10_000, 'offer');
  inbox.send({ type: 'accept', offer: offer.offer });
  await waitEntry(socket, 'agent_joined');
  socket.send({ type: 'say', client_id: 'l1', text: '<b>Is the Pro plan monthly?</b>' });
  await waitEntry(socket, 'message');
  socket.send({ type: 'end' });
  await waitEntry(socket, 'ended');
  socket.send({ type: 'email_transcript' });
  const sent = await waitEntry(socket, 'transcript_emailed');
  assert.equal(sent.to, 'lea@example.com');
  const mail = await until(async () => (await outbox(admin, ws)).find((r) => r.entry.kind === 'transcript'), { what: 'transcript email' });
  assert.deepEqual(mail.entry.to, ['lea@example.com'], 'to the visitor only');
  // The page URL is the visitor's word: with no allowed origins, no site vouches for it.
  assert.equal(mail.entry.subject, 'Your conversation');
  assert.match(mail.entry.body, /You: <b>Is the Pro plan monthly\?<\/b>/, 'plain text, the visitor text as typed');
  assert.match(mail.entry.body, /Alice Martin joined the chat/);
  socket.send({ type: 'email_transcript' });
  const twice = await socket.waitFor((m) => m.type === 'error' && m.code === 'transcript_already_sent', 5000, 'second request');
  assert.match(twice.message, /already emailed/);
  assert.equal((await outbox(admin, ws)).filter((r) => r.entry.kind === 'transcript').length, 1);
  const lead = (await leadsOf(admin, ws))[0];
  assert.equal(lead.outcome_text, 'chatted with Alice Martin');
});

test('the retention purge removes leads not seen for the retention period', async () => {
  const { id: ws, admin } = await freshWorkspace('leads-retention');
  const v = await startVisitor(ws);
  const socket = await openVisitor(v.token);
  await askForLiveChat(socket, { first_name: 'Old', email: 'old@example.com' });
  await waitEntry(socket, 'fallback');
  await until(async () => (await leadsOf(admin, ws)).length === 1, { what: 'lead' });
  const settings = await admin.ok('GET', `/api/workspaces/${ws}/settings`);
  await admin.ok('PUT', `/api/workspaces/${ws}/settings`, { ...settings, test_retention_ms: 1500 });
  await until(async () => (await leadsOf(admin, ws)).length === 0, { timeout: 15_000, what: 'the lead purged' });
  const audit = await admin.ok('GET', `/api/workspaces/${ws}/audit`);
  assert.ok(audit.some((r) => r.entry.reason === 'retention' && r.entry.erased.leads === 1), 'the purge is audited');
});
