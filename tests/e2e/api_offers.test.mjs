// Offers over the API, no browser: expiry → fallback + failed-action email, Prime + team
// tries a second agent, decline and going away free an offer at once.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  freshWorkspace, DEMO_AGENTS, demoDialogue, signIn, openInbox, startVisitor, openVisitor,
  askForLiveChat, entriesOf, waitEntry, until, closeAllSockets,
} from './lib.mjs';

afterEach(closeAllSockets);

const [ALICE, BOB] = DEMO_AGENTS;
const offeredFor = (conv) => (m) => m.type === 'offered' && m.offer.conversation === conv;

/** Both demo agents' inboxes, keyed by agent id. */
async function inboxes(ws, agents = [ALICE, BOB]) {
  const out = {};
  for (const a of agents) out[a.id] = await openInbox(ws, await signIn(ws, a));
  return out;
}

/** The first inbox (of several) that gets an offer for `conv`: `[agentId, offeredFrame]`. */
function firstOffer(boxes, conv, timeout = 10_000) {
  return Promise.any(Object.entries(boxes).map(([id, s]) => s.waitFor(offeredFor(conv), timeout, 'offer').then((m) => [id, m])));
}

test('an unaccepted offer expires: the visitor gets the live chat fallback text, the lead is emailed', async () => {
  const fallbackText = 'Nobody could answer just now — we will email you today.';
  const { id: ws, admin } = await freshWorkspace('expiry', {
    agents: [ALICE],
    settings: {
      accept_timeout_ms: 1500, inactivity_timeout_ms: 60_000,
      live_chat_fallback: fallbackText, notification_emails: ['leads@acme.test', 'boss@acme.test'],
    },
  });
  const { [ALICE.id]: inbox } = await inboxes(ws, [ALICE]);
  const v = await startVisitor(ws);
  const visitor = await openVisitor(v.token);
  await askForLiveChat(visitor, { first_name: 'Grace', email: 'grace@hopper.test' });
  const { offer } = await inbox.waitFor(offeredFor(v.conversation));
  const withdrawn = await inbox.waitFor((m) => m.type === 'offer_withdrawn' && m.offer === offer.offer, 10_000, 'withdrawn');
  const fb = await waitEntry(visitor, 'fallback');
  const late = Date.now() - offer.deadline;
  console.log(`  fallback seen ${late} ms after the offer deadline`);
  assert.equal(withdrawn.reason, 'expired');
  assert.ok(late >= -50 && late < 5000, `fallback near the deadline (${late} ms)`);
  assert.equal(fb.kind, 'live_chat');
  assert.equal(fb.text, fallbackText);

  // Accepting now is refused.
  inbox.send({ type: 'accept', offer: offer.offer });
  const err = await inbox.waitFor((m) => m.type === 'error', 5000, 'late accept error');
  assert.equal(err.code, 'offer_unavailable');

  const outbox = await until(async () => {
    const rows = await admin.ok('GET', `/api/workspaces/${ws}/outbox`);
    return rows.find((r) => r.entry.action?.conversation === v.conversation);
  }, { what: 'outbox row' });
  const mail = outbox.entry;
  assert.deepEqual(mail.to, ['leads@acme.test', 'boss@acme.test']);
  assert.equal(mail.action.visitor.first_name, 'Grace');
  assert.equal(mail.action.visitor.email, 'grace@hopper.test');
  assert.match(mail.body, /Grace/);
  assert.match(mail.body, /grace@hopper\.test/);
  assert.ok(mail.subject.length > 0);

  // Exactly one fallback, and the conversation is listed as fell_back.
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(entriesOf(visitor, 'fallback').length, 1);
  const detail = await admin.ok('GET', `/api/workspaces/${ws}/conversations/${v.conversation}`);
  assert.equal(detail.conversation.status, 'fell_back');
  assert.equal(detail.transcript.entries.filter((e) => e.event === 'fallback').length, 1);
  inbox.close(); visitor.close();
});

test('Prime + team routing: a second agent of the team gets a fresh offer before the fallback', async () => {
  const { id: ws, admin } = await freshWorkspace('prime', {
    dialogue: demoDialogue({ mode: 'team', team: 'sales' }),
    settings: { plan: 'prime', extra_team_attempts: 1, accept_timeout_ms: 1500, inactivity_timeout_ms: 60_000 },
  });
  const boxes = await inboxes(ws);
  const v = await startVisitor(ws);
  const visitor = await openVisitor(v.token);
  await askForLiveChat(visitor);
  const [first, o1] = await firstOffer(boxes, v.conversation);
  const second = first === ALICE.id ? BOB.id : ALICE.id;
  const o2 = await boxes[second].waitFor(offeredFor(v.conversation), 10_000, 'second offer');
  await boxes[first].waitFor((m) => m.type === 'offer_withdrawn' && m.offer === o1.offer.offer && m.reason === 'expired', 1000, 'first withdrawn');
  assert.notEqual(o2.offer.offer, o1.offer.offer);
  assert.ok(o2.offer.deadline - o1.offer.deadline >= 1400, 'a fresh accept timeout');
  assert.equal(entriesOf(visitor, 'fallback').length, 0, 'no fallback between the two offers');
  const fb = await waitEntry(visitor, 'fallback');
  console.log(`  offers: ${first} then ${second}; fallback ${Date.now() - o2.offer.deadline} ms after the 2nd deadline`);
  assert.equal(fb.kind, 'live_chat');
  // Exactly two offers in all: the extra attempt is one agent, not a loop.
  const offers = Object.values(boxes).flatMap((s) => s.frames.filter(offeredFor(v.conversation)));
  assert.equal(offers.length, 2);
  const audit = await admin.ok('GET', `/api/workspaces/${ws}/audit`);
  assert.ok(audit.some((r) => r.entry.conversation === v.conversation), 'routing decisions are audited');
  for (const s of [...Object.values(boxes), visitor]) s.close();
});

test('Standard plan + team routing: one offer only, then the fallback', async () => {
  const { id: ws } = await freshWorkspace('std', {
    dialogue: demoDialogue({ mode: 'team', team: 'sales' }),
    settings: { plan: 'standard', accept_timeout_ms: 1200, inactivity_timeout_ms: 60_000 },
  });
  const boxes = await inboxes(ws);
  const v = await startVisitor(ws);
  const visitor = await openVisitor(v.token);
  await askForLiveChat(visitor);
  await firstOffer(boxes, v.conversation);
  await waitEntry(visitor, 'fallback');
  const offers = Object.values(boxes).flatMap((s) => s.frames.filter(offeredFor(v.conversation)));
  assert.equal(offers.length, 1);
  for (const s of [...Object.values(boxes), visitor]) s.close();
});

test('decline frees the offer at once and routing moves on', async () => {
  const { id: ws } = await freshWorkspace('decline', {
    dialogue: demoDialogue({ mode: 'team', team: 'sales' }),
    settings: { plan: 'prime', extra_team_attempts: 1, accept_timeout_ms: 60_000, inactivity_timeout_ms: 120_000 },
  });
  const boxes = await inboxes(ws);
  const v = await startVisitor(ws);
  const visitor = await openVisitor(v.token);
  await askForLiveChat(visitor);
  const [first, o1] = await firstOffer(boxes, v.conversation);
  const second = first === ALICE.id ? BOB.id : ALICE.id;
  let t = Date.now();
  boxes[first].send({ type: 'decline', offer: o1.offer.offer });
  const w1 = await boxes[first].waitFor((m) => m.type === 'offer_withdrawn' && m.offer === o1.offer.offer, 5000, 'withdrawn');
  assert.equal(w1.reason, 'declined');
  const o2 = await boxes[second].waitFor(offeredFor(v.conversation), 5000, 'moved on');
  console.log(`  decline → next agent offered in ${Date.now() - t} ms (accept timeout 60 s)`);
  // The decliner holds nothing any more.
  boxes[first].send({ type: 'hello', v: 1 });
  const welcome = await boxes[first].waitFor((m) => m.type === 'welcome' && m !== boxes[first].frames.find((f) => f.type === 'welcome'), 5000, 'second welcome');
  assert.deepEqual(welcome.offers, []);
  t = Date.now();
  boxes[second].send({ type: 'decline', offer: o2.offer.offer });
  const fb = await waitEntry(visitor, 'fallback');
  console.log(`  second decline → fallback in ${Date.now() - t} ms`);
  assert.equal(fb.kind, 'live_chat');
  // Declining again is an error frame, not a crash.
  boxes[second].send({ type: 'decline', offer: o2.offer.offer });
  const err = await boxes[second].waitFor((m) => m.type === 'error', 5000, 'error');
  assert.equal(err.code, 'offer_unavailable');
  for (const s of [...Object.values(boxes), visitor]) s.close();
});

test('an agent going away with an offer pending frees it at once', async () => {
  const { id: ws } = await freshWorkspace('away', {
    agents: [ALICE],
    settings: { accept_timeout_ms: 60_000, inactivity_timeout_ms: 120_000 },
  });
  const { [ALICE.id]: inbox } = await inboxes(ws, [ALICE]);
  const v = await startVisitor(ws);
  const visitor = await openVisitor(v.token);
  await askForLiveChat(visitor);
  const { offer } = await inbox.waitFor(offeredFor(v.conversation));
  const t = Date.now();
  inbox.send({ type: 'set_presence', presence: 'away' });
  const w = await inbox.waitFor((m) => m.type === 'offer_withdrawn' && m.offer === offer.offer, 5000, 'withdrawn');
  const fb = await waitEntry(visitor, 'fallback', () => true, 5000);
  console.log(`  away → fallback in ${Date.now() - t} ms (accept timeout 60 s)`);
  assert.equal(w.reason, 'agent_unavailable');
  assert.equal(fb.kind, 'live_chat');
  await inbox.waitFor((m) => m.type === 'welcome' && m.presence === 'away', 5000, 'welcome away');

  // While away, a new visitor is not offered to Alice; back to available, she is.
  const v2 = await startVisitor(ws);
  const visitor2 = await openVisitor(v2.token);
  await askForLiveChat(visitor2);
  await waitEntry(visitor2, 'fallback');
  assert.ok(!inbox.frames.some(offeredFor(v2.conversation)));
  inbox.send({ type: 'set_presence', presence: 'available' });
  await inbox.waitFor((m) => m.type === 'welcome' && m.presence === 'available', 5000, 'available');
  const v3 = await startVisitor(ws);
  const visitor3 = await openVisitor(v3.token);
  await askForLiveChat(visitor3);
  await inbox.waitFor(offeredFor(v3.conversation), 5000, 'offer after coming back');
  for (const s of [inbox, visitor, visitor2, visitor3]) s.close();
});
