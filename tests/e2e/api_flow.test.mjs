// The whole live-chat flow over the API, no browser: visitor → cards → routing → offer on an
// inbox socket → accept → messages both ways with sequence numbers → inactivity expiry.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  freshWorkspace, DEMO_AGENTS, signIn, openInbox, openAgentChat, startVisitor, openVisitor,
  askForLiveChat, entriesOf, waitEntry, seqsOf, closeAllSockets,
} from './lib.mjs';

afterEach(closeAllSockets);

const [ALICE, BOB] = DEMO_AGENTS;

/** Asserts a socket's entries are numbered 1, 2, 3… with no gap and no repeat. */
function assertGapless(socket, label) {
  const seqs = seqsOf(socket);
  assert.deepEqual(seqs, seqs.map((_, i) => i + 1), `${label}: seqs ${seqs.join(',')}`);
}

test('visitor → offer with captured fields → accept → messages with seqs → inactivity expiry frees the slot', async () => {
  // One agent with one slot, so "the slot is freed" is observable: a second visitor falls back
  // while the chat is live, a third one is offered after it expired.
  const { id: ws } = await freshWorkspace('flow', {
    agents: [ALICE],
    settings: { inactivity_timeout_ms: 3000, accept_timeout_ms: 30_000, capacity: 1 },
  });
  const token = await signIn(ws, ALICE);
  const inbox = await openInbox(ws, token);

  const v1 = await startVisitor(ws);
  const visitor = await openVisitor(v1.token);
  const captured = await askForLiveChat(visitor, { first_name: 'Ada', email: 'ada@example.com' });
  const t0 = Date.now();
  const { offer } = await inbox.waitFor((m) => m.type === 'offered' && m.offer.conversation === v1.conversation, 10_000, 'offered');
  console.log(`  offer reached the inbox ${Date.now() - t0} ms after live_chat_requested`);
  assert.equal(offer.visitor.first_name, captured.first_name);
  assert.equal(offer.visitor.email, captured.email);
  assert.equal(offer.page_url, 'https://www.example.com/pricing');
  assert.ok(offer.deadline > Date.now() + 20_000, 'deadline follows the accept timeout');

  inbox.send({ type: 'accept', offer: offer.offer });
  const started = await inbox.waitFor((m) => m.type === 'chat_started', 10_000, 'chat_started');
  assert.equal(started.chat.conversation, v1.conversation);
  assert.equal(started.chat.visitor.email, captured.email);
  const joined = await waitEntry(visitor, 'agent_joined');
  assert.equal(joined.agent.name, ALICE.name);
  const agent = await openAgentChat(ws, v1.conversation, token);

  // While Alice holds her only slot, another visitor cannot be offered: live chat fallback.
  const v2 = await startVisitor(ws);
  const visitor2 = await openVisitor(v2.token);
  await askForLiveChat(visitor2, { first_name: 'Bea', email: 'bea@example.com' });
  const fb2 = await waitEntry(visitor2, 'fallback');
  assert.equal(fb2.kind, 'live_chat');
  assert.ok(!inbox.frames.some((m) => m.type === 'offered' && m.offer.conversation === v2.conversation), 'no offer beyond capacity');
  visitor2.close();

  // Messages both ways; every ack carries the stored entry's seq.
  const acks = [];
  for (let i = 0; i < 3; i++) {
    const vid = `v-${i}`;
    const tv = Date.now();
    visitor.send({ type: 'say', client_id: vid, text: `visitor says ${i}` });
    const ack = await visitor.waitFor((m) => m.type === 'ack' && m.client_id === vid, 5000, `ack ${vid}`);
    const seen = await waitEntry(agent, 'message', (e) => e.client_id === vid);
    acks.push(Date.now() - tv);
    assert.equal(ack.seq, seen.seq, 'ack seq == entry seq');
    assert.equal(seen.from, 'visitor');
    assert.equal(seen.text, `visitor says ${i}`);

    const aid = `a-${i}`;
    agent.send({ type: 'say', client_id: aid, text: `agent says ${i}` });
    const ack2 = await agent.waitFor((m) => m.type === 'ack' && m.client_id === aid, 5000, `ack ${aid}`);
    const seen2 = await waitEntry(visitor, 'message', (e) => e.client_id === aid);
    assert.equal(ack2.seq, seen2.seq);
    assert.equal(seen2.from, 'agent');
  }
  console.log(`  visitor→agent message round trips: ${acks.join(', ')} ms`);

  // A resend of the same client_id is acknowledged with the original seq and stored once.
  const before = entriesOf(visitor).length;
  const original = visitor.frames.find((m) => m.type === 'ack' && m.client_id === 'v-1');
  visitor.send({ type: 'say', client_id: 'v-1', text: 'visitor says 1' });
  await visitor.waitFor((m) => m.type === 'ack' && m.client_id === 'v-1' && m !== original, 5000, 'second ack');
  const acksV1 = visitor.frames.filter((m) => m.type === 'ack' && m.client_id === 'v-1');
  assert.equal(acksV1.length, 2);
  assert.equal(acksV1[1].seq, acksV1[0].seq, 'the resend is acked with the original seq');
  visitor.send({ type: 'say', client_id: 'v-last', text: 'last words' });
  const last = await waitEntry(agent, 'message', (e) => e.client_id === 'v-last');
  await waitEntry(visitor, 'message', (e) => e.client_id === 'v-last');
  const lastActivity = Date.now();
  assert.equal(entriesOf(visitor).length, before + 1, 'the resend appended nothing');
  assert.equal(entriesOf(agent, 'message').filter((e) => e.client_id === 'v-1').length, 1);

  // Inactivity: 3 s after the last message both sides get `expired`, the inbox `chat_closed`.
  const [expV, expA, closed] = await Promise.all([
    waitEntry(visitor, 'expired', () => true, 10_000),
    waitEntry(agent, 'expired', () => true, 10_000),
    inbox.waitFor((m) => m.type === 'chat_closed' && m.conversation === v1.conversation, 10_000, 'chat_closed'),
  ]);
  const expiredAfter = Date.now() - lastActivity;
  console.log(`  expired ${expiredAfter} ms after the last message (timeout 3000 ms)`);
  assert.ok(expiredAfter >= 2500, `not before the timeout (${expiredAfter} ms)`);
  assert.equal(expV.seq, expA.seq);
  assert.equal(expV.seq, last.seq + 1);
  assert.equal(closed.reason, 'expired');
  assertGapless(visitor, 'visitor');

  // Input after expiry is refused and nothing is stored.
  visitor.send({ type: 'say', client_id: 'v-late', text: 'hello?' });
  const err = await visitor.waitFor((m) => m.type === 'error', 5000, 'error after expiry');
  assert.ok(err.code, 'an error code');
  assert.ok(!entriesOf(visitor).some((e) => e.client_id === 'v-late'));

  // The slot is free: the next visitor is offered to Alice.
  const v3 = await startVisitor(ws);
  const visitor3 = await openVisitor(v3.token);
  await askForLiveChat(visitor3, { first_name: 'Cy', email: 'cy@example.com' });
  const o3 = await inbox.waitFor((m) => m.type === 'offered' && m.offer.conversation === v3.conversation, 10_000, 'third offer');
  assert.equal(o3.offer.visitor.first_name, 'Cy');
  for (const s of [inbox, visitor, agent, visitor3]) s.close();
});

test('round robin alternates between two available agents', async () => {
  const { id: ws } = await freshWorkspace('rr', { settings: { accept_timeout_ms: 30_000 } });
  const inboxes = {};
  for (const a of [ALICE, BOB]) inboxes[a.id] = await openInbox(ws, await signIn(ws, a));
  const order = [];
  const sockets = [];
  for (let i = 0; i < 4; i++) {
    const v = await startVisitor(ws);
    const s = await openVisitor(v.token);
    sockets.push(s);
    await askForLiveChat(s, { first_name: `V${i}`, email: `v${i}@example.com` });
    const got = await Promise.any(Object.entries(inboxes).map(([agent, inbox]) =>
      inbox.waitFor((m) => m.type === 'offered' && m.offer.conversation === v.conversation, 10_000, 'offer').then((m) => [agent, m])));
    order.push(got[0]);
    // Accept, so the next pick is not influenced by an outstanding offer.
    inboxes[got[0]].send({ type: 'accept', offer: got[1].offer.offer });
    await inboxes[got[0]].waitFor((m) => m.type === 'chat_started' && m.chat.conversation === v.conversation, 10_000, 'chat_started');
  }
  console.log(`  offer order: ${order.join(' → ')}`);
  assert.notEqual(order[0], order[1]);
  assert.deepEqual(order, [order[0], order[1], order[0], order[1]]);
  for (const s of [...Object.values(inboxes), ...sockets]) s.close();
});

test('lists page with ?limit and a Link header to the next page, until every row was given once', async () => {
  const { id: ws, admin } = await freshWorkspace('paging', { agents: [ALICE] });
  const started = [];
  for (let i = 0; i < 7; i++) started.push((await startVisitor(ws)).conversation);
  // Three more ask for a human with nobody online: routing decisions for the audit log.
  for (let i = 0; i < 3; i++) {
    const v = await startVisitor(ws);
    started.push(v.conversation);
    await askForLiveChat(await openVisitor(v.token));
  }

  /** Follows `Link: <…>; rel="next"` from `first`; the items of every page and their sizes. */
  async function walk(first) {
    const items = [], sizes = [];
    for (let path = first; path;) {
      const r = await admin.call('GET', path);
      assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
      assert.ok(Array.isArray(r.body));
      items.push(...r.body);
      sizes.push(r.body.length);
      const link = r.headers.get('link');
      path = link ? link.match(/^<([^>]+)>; rel="next"$/)?.[1] : null;
      if (link) assert.ok(path?.startsWith(`/api/workspaces/${ws}/`), `Link: ${link}`);
      assert.ok(sizes.length < 20, 'the pages end');
    }
    return { items, sizes };
  }

  const convs = await walk(`/api/workspaces/${ws}/conversations?limit=3`);
  console.log(`  conversations in pages of 3: ${convs.sizes.join(', ')}`);
  assert.deepEqual(convs.items.map((c) => c.id).sort(), [...started].sort(), 'each conversation once');
  assert.ok(convs.sizes.slice(0, -1).every((n) => n === 3));
  const updated = convs.items.map((c) => c.updated_at);
  assert.deepEqual(updated, [...updated].sort((a, b) => b - a), 'most recently updated first');
  // The same with a status filter: the filter survives into the next page's link.
  const automated = await walk(`/api/workspaces/${ws}/conversations?limit=2&status=automated`);
  assert.equal(automated.items.length, 7, 'the seven that never asked for a human');
  assert.ok(automated.items.every((c) => c.status === 'automated'));

  const all = (await admin.ok('GET', `/api/workspaces/${ws}/audit`));
  assert.ok(all.length >= 3, `routing decisions were audited (${all.length})`);
  const audit = await walk(`/api/workspaces/${ws}/audit?limit=2`);
  assert.deepEqual(audit.items.map((e) => e.seq), all.map((e) => e.seq), 'the audit log page by page is the whole log');

  for (const q of ['limit=0', 'limit=500', 'limit=x', 'cursor=not-a-cursor']) {
    const r = await admin.call('GET', `/api/workspaces/${ws}/conversations?${q}`);
    assert.equal(r.status, 400, q);
    assert.equal(typeof r.body.message, 'string');
  }
});
