// Business hours: a visitor who asks for live chat while the workspace is closed gets the
// fallback at once (no offer reaches an agent) and the lead is emailed; open, routing as usual.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, freshWorkspace, DEMO_AGENTS, signIn, openInbox, startVisitor, openVisitor, askForLiveChat,
  waitEntry, entriesOf, until, closeAllSockets, demoDialogue,
} from './lib.mjs';

afterEach(closeAllSockets);
const [ALICE] = DEMO_AGENTS;
const allDay = [{ from: '00:00', to: '24:00' }];
const week = (ranges) => Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ranges]));

test('closed: the visitor gets the fallback at once and the lead is emailed; open: the agent is offered the chat', async () => {
  const { id: ws, admin } = await freshWorkspace('hours', {
    settings: {
      accept_timeout_ms: 60_000,
      notification_emails: ['leads@acme.test'],
      // Closed every day, except today (in UTC) opened by an exception below when needed.
      business_hours: { time_zone: 'Europe/Paris', weekly: week([]), exceptions: [] },
    },
  });
  const inbox = await openInbox(ws, await signIn(ws, ALICE));
  // The public availability read: closed, so nobody, whoever is online; no agent named.
  const read = async () => {
    const r = await fetch(`${BASE}/api/visitor/availability?workspace=${ws}`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('cache-control') ?? '', /max-age=\d+/);
    const text = await r.text();
    assert.ok(!text.includes(ALICE.id) && !text.includes(ALICE.name), `names no agent: ${text}`);
    return JSON.parse(text);
  };
  assert.deepEqual(await read(), { open: false, can_chat: false, look: { color: '#2563eb', position: 'right', language: 'auto' } });
  const v = await startVisitor(ws);
  const visitor = await openVisitor(v.token);
  const t0 = Date.now();
  await askForLiveChat(visitor, { first_name: 'Noor', email: 'noor@example.com' });
  const fallback = await waitEntry(visitor, 'fallback', () => true, 5_000);
  console.log(`  closed: fallback ${Date.now() - t0} ms after the details were sent`);
  assert.equal(fallback.kind, 'live_chat');
  assert.equal(inbox.frames.filter((m) => m.type === 'offered').length, 0, 'no agent was offered the chat');
  const row = await until(async () => {
    const all = await admin.ok('GET', `/api/workspaces/${ws}/outbox`);
    return all.find((r) => r.entry.action?.conversation === v.conversation) ?? null;
  }, { what: 'outbox row' });
  assert.equal(row.entry.action.visitor.email, 'noor@example.com');

  // Open all day: routing as usual.
  const settings = await admin.ok('GET', `/api/workspaces/${ws}/settings`);
  await admin.ok('PUT', `/api/workspaces/${ws}/settings`, { ...settings, business_hours: { time_zone: 'Europe/Paris', weekly: week(allDay), exceptions: [] } });
  assert.deepEqual(await read(), { open: true, can_chat: true, look: { color: '#2563eb', position: 'right', language: 'auto' } });
  const v2 = await startVisitor(ws);
  const visitor2 = await openVisitor(v2.token);
  await askForLiveChat(visitor2);
  await inbox.waitFor((m) => m.type === 'offered' && m.offer.conversation === v2.conversation, 10_000, 'offer while open');
});

test('availability of an unknown workspace is a 404, and a bad id a 400', async () => {
  let r = await fetch(`${BASE}/api/visitor/availability?workspace=no-such-workspace-here`);
  assert.equal(r.status, 404);
  r = await fetch(`${BASE}/api/visitor/availability?workspace=${encodeURIComponent('../x')}`);
  assert.equal(r.status, 400);
  assert.equal((await r.json()).error, 'bad_request');
});

test('bad business hours are refused with a message naming the problem', async () => {
  const { id: ws, admin } = await freshWorkspace('hours-bad');
  const settings = await admin.ok('GET', `/api/workspaces/${ws}/settings`);
  const put = (business_hours) => admin.call('PUT', `/api/workspaces/${ws}/settings`, { ...settings, business_hours });
  let r = await put({ time_zone: 'Mars/Olympus', weekly: week(allDay), exceptions: [] });
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.match(r.body.message, /Mars\/Olympus/);
  r = await put({ time_zone: 'Europe/Paris', weekly: { tue: [{ from: '09:00', to: '12:00' }, { from: '11:00', to: '14:00' }] }, exceptions: [] });
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.match(r.body.message, /Tuesday/);
});

test('closed, a live chat card with a branch for when nobody can chat takes the visitor on to it', async () => {
  const dialogue = demoDialogue();
  const talk = dialogue.branches.find((b) => b.id === 'talk');
  talk.cards.find((c) => c.kind === 'live_chat').when_unavailable = 'away';
  dialogue.branches.push({
    id: 'away',
    cards: [
      { id: 'away-note', kind: 'message', text: 'We are away right now.' },
      { id: 'away-form', kind: 'info_capture', text: 'Leave us a message and we will email you.', fields: [
        { key: 'message', kind: 'custom', label: 'Message', required: true },
      ] },
    ],
  });
  const { id: ws } = await freshWorkspace('hours-branch', {
    dialogue,
    settings: { business_hours: { time_zone: 'Europe/Paris', weekly: week([]), exceptions: [] } },
  });
  const inbox = await openInbox(ws, await signIn(ws, ALICE));
  const v = await startVisitor(ws);
  const visitor = await openVisitor(v.token);
  await askForLiveChat(visitor, { first_name: 'Noor', email: 'noor@example.com' });
  await waitEntry(visitor, 'live_chat_unavailable', () => true, 5_000);
  const form = await waitEntry(visitor, 'card', (e) => e.card.id === 'away-form', 5_000);
  assert.equal(form.card.kind, 'info_capture');
  assert.equal(entriesOf(visitor, 'fallback').length, 0, 'no "busy" message: the dialogue went on');
  assert.equal(inbox.frames.filter((m) => m.type === 'offered').length, 0, 'nobody was offered the chat');
  // The visitor answers the branch's form: the conversation is still open.
  visitor.send({ type: 'capture', card: 'away-form', values: { message: 'Call me tomorrow' } });
  await waitEntry(visitor, 'captured', (e) => e.card === 'away-form', 5_000);
});

test('a question that branches on availability is asked only when someone can chat', async () => {
  const dialogue = demoDialogue();
  const pricing = dialogue.branches.find((b) => b.id === 'pricing');
  pricing.cards.find((c) => c.id === 'connect').when_unavailable = 'away';
  dialogue.branches.push({
    id: 'away',
    cards: [
      { id: 'away-form', kind: 'info_capture', text: 'Our team is away. Leave your email and we will write to you.', fields: [
        { key: 'email', kind: 'email', label: 'Email', required: true },
      ] },
    ],
  });
  // Reaches the point where "talk to sales now?" would be asked; returns the card shown there.
  const reach = async (ws) => {
    const visitor = await openVisitor((await startVisitor(ws)).token);
    visitor.send({ type: 'answer', card: 'intent', button: 'pricing' });
    const next = await waitEntry(visitor, 'card', (e) => ['connect', 'away-form'].includes(e.card.id), 8_000);
    return { visitor, card: next.card.id };
  };

  // Open hours (none set), nobody online: the question is skipped.
  const { id: open } = await freshWorkspace('ask-open', { dialogue });
  const first = await reach(open);
  assert.equal(first.card, 'away-form');
  assert.equal(entriesOf(first.visitor, 'card').filter((e) => e.card.id === 'connect').length, 0);
  // Alice comes online: the next visitor is asked, and can go on to the live chat.
  const inbox = await openInbox(open, await signIn(open, ALICE));
  await until(async () => (await (await fetch(`${BASE}/api/visitor/availability?workspace=${open}`, { cache: 'no-store' })).json()).can_chat,
    { timeout: 5_000, what: 'Alice counted as available' });
  const second = await reach(open);
  assert.equal(second.card, 'connect');
  second.visitor.send({ type: 'answer', card: 'connect', button: 'yes' });
  await waitEntry(second.visitor, 'card', (e) => e.card.id === 'details');

  // Outside business hours, Alice online: skipped again, and nobody is offered anything.
  const { id: closed } = await freshWorkspace('ask-closed', {
    dialogue,
    settings: { business_hours: { time_zone: 'Europe/Paris', weekly: week([]), exceptions: [] } },
  });
  const closedInbox = await openInbox(closed, await signIn(closed, ALICE));
  const third = await reach(closed);
  assert.equal(third.card, 'away-form');
  third.visitor.send({ type: 'capture', card: 'away-form', values: { email: 'late@example.com' } });
  await waitEntry(third.visitor, 'captured', (e) => e.card === 'away-form', 5_000);
  assert.equal(closedInbox.frames.filter((m) => m.type === 'offered').length, 0);
  assert.equal(inbox.frames.filter((m) => m.type === 'offered').length, 0);
});
