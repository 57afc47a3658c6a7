// The Conversations view's last-message preview against the real stack: previews are paced
// (at most one per 2 s for a small workspace), and a burst that goes quiet still ends on its
// latest message — flushed by the conversation's in-memory timer, with no further input.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  freshWorkspace, DEMO_AGENTS, signIn, openInbox, openAgentChat, startVisitor, openVisitor,
  askForLiveChat, waitEntry, closeAllSockets, until,
} from './lib.mjs';

afterEach(closeAllSockets);

const [ALICE] = DEMO_AGENTS;

test('the view ends on the latest message of a burst, with nothing sent after it', async () => {
  const { id: ws, admin } = await freshWorkspace('view');
  const token = await signIn(ws, ALICE);
  const inbox = await openInbox(ws, token);
  const v = await startVisitor(ws);
  const visitor = await openVisitor(v.token);
  await askForLiveChat(visitor, { first_name: 'Ida', email: 'ida@example.com' });
  const { offer } = await inbox.waitFor((m) => m.type === 'offered' && m.offer.conversation === v.conversation, 10_000, 'offered');
  inbox.send({ type: 'accept', offer: offer.offer });
  await waitEntry(visitor, 'agent_joined');
  const agent = await openAgentChat(ws, v.conversation, token);

  const row = async () => (await admin.ok('GET', `/api/workspaces/${ws}/conversations`)).find((r) => r.id === v.conversation);
  const before = await row();
  assert.equal(before.status, 'live');

  // Four messages within the pace: at most the first may go at once, the rest are owed.
  for (let n = 1; n <= 4; n += 1) {
    visitor.send({ type: 'say', client_id: `v-${n}`, text: `burst ${n}` });
    await visitor.waitFor((m) => m.type === 'ack' && m.client_id === `v-${n}`, 5000, `ack ${n}`);
  }
  await waitEntry(agent, 'message', (e) => e.client_id === 'v-4');
  const soon = await row();
  assert.notEqual(soon.last_message, 'burst 4', 'paced: the latest message is not shown at once');

  // Nothing else is sent; the owed preview still arrives (pace 2 s + up to 1 s + 0.5 s).
  const flushed = await until(async () => {
    const r = await row();
    return r.last_message === 'burst 4' ? r : null;
  }, { what: 'the trailing preview', timeout: 15_000 });
  assert.ok(flushed.revision > before.revision, `revision grew: ${before.revision} → ${flushed.revision}`);
  assert.equal(flushed.status, 'live');
});
