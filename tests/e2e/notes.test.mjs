// Internal notes against the real stack: an agent's note is stored and shown to agents and
// admins, and never reaches the visitor — not live, not on a reconnect, not in the transcript
// email. The visitor's entry numbers stay contiguous (they leave notes out).
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  freshWorkspace, DEMO_AGENTS, signIn, openInbox, openAgentChat, startVisitor, openVisitor,
  askForLiveChat, entriesOf, waitEntry, seqsOf, closeAllSockets, until, launchBrowser, shot,
} from './lib.mjs';
import { signInInbox } from './inbox-lib.mjs';

afterEach(closeAllSockets);

const [ALICE] = DEMO_AGENTS;
const SECRET = 'INTERNAL-ONLY: asked for a discount last week';
const hasNote = (socket) => socket.frames.some((m) => JSON.stringify(m).includes('INTERNAL-ONLY') || m.entry?.event === 'note');

test('a note reaches the agent and the admin, never the visitor (live, replay, email)', async () => {
  const { id: ws, admin } = await freshWorkspace('notes');
  const token = await signIn(ws, ALICE);
  const inbox = await openInbox(ws, token);
  const v = await startVisitor(ws);
  const visitor = await openVisitor(v.token);
  await askForLiveChat(visitor, { first_name: 'Nia', email: 'nia@example.com' });
  const { offer } = await inbox.waitFor((m) => m.type === 'offered' && m.offer.conversation === v.conversation, 10_000, 'offered');
  inbox.send({ type: 'accept', offer: offer.offer });
  await waitEntry(visitor, 'agent_joined');
  const agent = await openAgentChat(ws, v.conversation, token);

  // A visitor cannot write a note: refused, nothing stored.
  visitor.send({ type: 'note', client_id: 'vn-1', text: 'sneaky' });
  await visitor.waitFor((m) => m.type === 'error', 5000, 'visitor note refused');

  // The note: acked and stored once (a resend is acked with the same seq).
  agent.send({ type: 'note', client_id: 'n-1', text: SECRET });
  const ack = await agent.waitFor((m) => m.type === 'ack' && m.client_id === 'n-1', 5000, 'note ack');
  const note = await waitEntry(agent, 'note');
  assert.equal(note.seq, ack.seq);
  assert.equal(note.text, SECRET);
  assert.equal(note.by, ALICE.name);
  agent.send({ type: 'note', client_id: 'n-1', text: SECRET });
  const again = await agent.waitFor((m) => m.type === 'ack' && m.client_id === 'n-1' && m !== ack, 5000, 'resent note ack');
  assert.equal(again.seq, ack.seq);

  // Then a message: the visitor gets it, numbered right after their last entry.
  agent.send({ type: 'say', client_id: 'a-1', text: 'Hello Nia!' });
  const seen = await waitEntry(visitor, 'message', (e) => e.client_id === 'a-1');
  const agentSeen = await waitEntry(agent, 'message', (e) => e.client_id === 'a-1');
  assert.equal(agentSeen.seq, note.seq + 1);
  assert.equal(seen.seq, agentSeen.seq - 1, 'the visitor does not count the note');
  visitor.send({ type: 'say', client_id: 'v-1', text: 'Hi!' });
  const vack = await visitor.waitFor((m) => m.type === 'ack' && m.client_id === 'v-1', 5000, 'visitor ack');
  const vEntry = await waitEntry(visitor, 'message', (e) => e.client_id === 'v-1');
  assert.equal(vack.seq, vEntry.seq, 'the visitor ack uses the visitor numbers');
  assert.equal(entriesOf(agent, 'note').length, 1, 'stored once');
  assert.ok(!hasNote(visitor), 'no note frame on the visitor socket');
  const live = seqsOf(visitor);
  assert.deepEqual(live, live.map((_, i) => i + 1), `visitor seqs contiguous: ${live}`);

  // A reconnect from 0 replays everything but the note, contiguously; the welcome agrees.
  const replay = await openVisitor(v.token, { lastSeq: 0 });
  await waitEntry(replay, 'message', (e) => e.client_id === 'v-1');
  assert.ok(!hasNote(replay), 'no note in the visitor replay');
  const welcome = replay.frames.find((m) => m.type === 'welcome');
  const rs = seqsOf(replay);
  assert.deepEqual(rs, rs.map((_, i) => i + 1));
  assert.equal(welcome.conversation.last_seq, rs.at(-1));
  assert.deepEqual(entriesOf(replay).map((e) => e.event), entriesOf(visitor).map((e) => e.event));
  // A reconnect in the middle (after the visitor's seq of the agent's message - 1).
  const mid = await openVisitor(v.token, { lastSeq: seen.seq - 1 });
  await waitEntry(mid, 'message', (e) => e.client_id === 'v-1');
  assert.deepEqual(seqsOf(mid), [seen.seq, vEntry.seq]);
  assert.ok(!hasNote(mid));

  // The agent's replay has the note.
  const agentReplay = await openAgentChat(ws, v.conversation, token, { lastSeq: 0 });
  const replayed = await waitEntry(agentReplay, 'note');
  assert.equal(replayed.text, SECRET);

  // The conversation detail (admin, and the agent who holds it) shows it.
  const detail = await admin.ok('GET', `/api/workspaces/${ws}/conversations/${v.conversation}`);
  const notes = detail.transcript.entries.filter((e) => e.event === 'note');
  assert.equal(notes.length, 1);
  assert.equal(notes[0].text, SECRET);
  assert.notEqual(detail.conversation.last_message, SECRET, 'not the preview');

  // The visitor's transcript email leaves it out.
  visitor.send({ type: 'end' });
  await waitEntry(visitor, 'ended');
  // After the end, a new note is refused like any input (if the pane is still connected).
  if (!agent.closed) {
    agent.send({ type: 'note', client_id: 'n-2', text: 'INTERNAL-ONLY after' });
    await agent.waitFor((m) => m.type === 'error' || !!agent.closed, 5000, 'note after end refused').catch(() => {});
    assert.ok(!entriesOf(agent, 'note').some((e) => e.client_id === 'n-2'), 'not stored');
  }
  visitor.send({ type: 'email_transcript' });
  await waitEntry(visitor, 'transcript_emailed');
  const mail = await until(async () => (await admin.ok('GET', `/api/workspaces/${ws}/outbox`)).find((r) => r.entry.kind === 'transcript'), { what: 'transcript email' });
  assert.match(mail.entry.body, /Hello Nia!/);
  assert.ok(!mail.entry.body.includes('INTERNAL-ONLY'), 'no note in the email');
  assert.ok(!hasNote(visitor), 'still no note on the visitor socket');
});

test('in the inbox: the Note switch writes a note drawn apart, and the visitor gets only messages', async () => {
  const { id: ws } = await freshWorkspace('notes-ui');
  const browser = await launchBrowser();
  try {
    const page = await signInInbox(await browser.newContext(), ws, ALICE);
    const v = await startVisitor(ws);
    const visitor = await openVisitor(v.token);
    await askForLiveChat(visitor, { first_name: 'Nia', email: 'nia@example.com' });
    await page.getByRole('button', { name: 'Accept' }).click();
    await waitEntry(visitor, 'agent_joined');
    const composer = page.getByLabel(/^Message/);
    await composer.fill('Hello Nia!');
    await composer.press('Enter');
    await waitEntry(visitor, 'message', (e) => e.text === 'Hello Nia!');

    const toggle = page.getByRole('button', { name: 'Note', exact: true });
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
    await composer.fill(SECRET);
    await page.getByRole('button', { name: 'Add note' }).click();
    const drawn = page.locator('li.note', { hasText: SECRET });
    await drawn.waitFor({ timeout: 10_000 });
    assert.match(await drawn.innerText(), /Internal note · only your team sees this · Alice Martin/);
    await shot(page, 'docs/screenshots/inbox-note.png');

    // Switched off, the composer writes to the visitor again.
    await toggle.click();
    await composer.fill('Anything else?');
    await composer.press('Enter');
    await waitEntry(visitor, 'message', (e) => e.text === 'Anything else?');
    assert.ok(!hasNote(visitor), 'the note never reached the visitor');
    assert.deepEqual(entriesOf(visitor, 'message').map((e) => e.text), ['Hello Nia!', 'Anything else?']);
  } finally {
    await browser.close();
  }
});
