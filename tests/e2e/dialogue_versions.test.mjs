// Dialogue versions over the real API: a save checked against the version the editor opened
// (If-Match / If-None-Match → 412 `changed`), the ETag of a read, the newest 10 versions kept,
// and the targeting order set by a reorder deciding which dialogue a visitor's page gets.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  freshWorkspace, demoDialogue, DEMO_AGENTS, signIn, startVisitor, openVisitor, waitEntry, until,
  closeAllSockets, Api, BASE,
} from './lib.mjs';

afterEach(closeAllSockets);

const [ALICE, BOB] = DEMO_AGENTS;
const CHANGED = /^This dialogue was changed since you opened it \(now version (\d+), you opened version (\d+)\)\. Reload it to see the changes\.$/;

/** The demo dialogue under another id, name and targeting; its first card id says which one a visitor got. */
function dialogue(id, { name = id, targeting = [] } = {}) {
  const d = structuredClone(demoDialogue());
  d.branches[0].cards[0] = { id: `hello-${id}`, kind: 'message', text: `Hi from ${name}!` };
  return { ...d, id, name, targeting };
}

/** PUT with optional conditional headers: `{status, body, etag}`. */
async function put(api, ws, d, headers = {}) {
  const r = await api.call('PUT', `/api/workspaces/${ws}/dialogues/${d.id}`, d, { headers });
  return { status: r.status, body: r.body, etag: r.headers.get('etag') };
}

test('saves are versioned: If-None-Match, ETag, If-Match between two editors, the kept versions', async () => {
  const { id: ws, admin } = await freshWorkspace('dver', { dialogue: null });
  const path = `/api/workspaces/${ws}/dialogues/offers`;
  const d = dialogue('offers', { name: 'Offers' });

  // Created from the API only if it does not exist yet.
  const created = await put(admin, ws, d, { 'if-none-match': '*' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.version, 1);
  assert.equal(created.body.ok, true);
  assert.ok(Array.isArray(created.body.errors) && Array.isArray(created.body.warnings));
  assert.equal(created.etag, '"1"');
  const again = await put(admin, ws, d, { 'if-none-match': '*' });
  assert.equal(again.status, 412);
  assert.equal(again.body.error, 'changed');
  assert.match(again.body.message, /^This dialogue was changed since you opened it \(it already exists at version 1/);

  // Two editors open version 1; the first save wins, the second is told to reload.
  const [a, b] = await Promise.all([admin.call('GET', path), admin.call('GET', path)]);
  assert.equal(a.status, 200);
  assert.equal(a.headers.get('etag'), '"1"');
  assert.equal(b.headers.get('etag'), '"1"');
  assert.deepEqual(a.body, d);
  const first = await put(admin, ws, { ...a.body, name: 'Offers (editor A)' }, { 'if-match': a.headers.get('etag') });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.version, 2);
  assert.equal(first.etag, '"2"');
  const second = await put(admin, ws, { ...b.body, name: 'Offers (editor B)' }, { 'if-match': b.headers.get('etag') });
  assert.equal(second.status, 412, JSON.stringify(second.body));
  assert.equal(second.body.error, 'changed');
  assert.equal(second.body.message,
    'This dialogue was changed since you opened it (now version 2, you opened version 1). Reload it to see the changes.');
  assert.equal((await admin.ok('GET', path)).name, 'Offers (editor A)', 'the refused save changed nothing');

  // Two saves of version 2 at the same moment: exactly one goes through.
  const race = await Promise.all(['C', 'D'].map((who) =>
    put(admin, ws, { ...d, name: `Offers (editor ${who})` }, { 'if-match': '2' })));
  assert.deepEqual(race.map((r) => r.status).sort(), [200, 412], JSON.stringify(race.map((r) => r.body)));
  const winner = race.find((r) => r.status === 200);
  assert.equal(winner.body.version, 3);
  assert.match(race.find((r) => r.status === 412).body.message, CHANGED);

  // The kept versions, newest first, with who saved them and what they were.
  let list = await admin.ok('GET', `${path}/versions`);
  assert.equal(list.current, 3);
  assert.deepEqual(list.versions.map((v) => v.version), [3, 2, 1]);
  const winnerName = `Offers (editor ${race[0].status === 200 ? 'C' : 'D'})`;
  assert.equal((await admin.ok('GET', path)).name, winnerName);
  assert.deepEqual(list.versions.map((v) => v.dialogue.name), [winnerName, 'Offers (editor A)', 'Offers']);
  for (const v of list.versions) {
    assert.equal(v.saved_by, 'admin_key');
    assert.ok(Math.abs(v.saved_at - Date.now()) < 120_000, `saved_at ${v.saved_at} is ms since the epoch`);
    assert.equal(v.dialogue.id, 'offers');
  }

  // An admin agent's save names the agent; a plain agent may not see versions.
  const alice = new Api(BASE, await signIn(ws, ALICE));
  const bySession = await put(alice, ws, { ...d, name: 'Offers (Alice)' }, { 'if-match': '"3"' });
  assert.equal(bySession.status, 200, JSON.stringify(bySession.body));
  assert.equal(bySession.body.version, 4);
  list = await alice.ok('GET', `${path}/versions`);
  assert.equal(list.versions[0].saved_by, ALICE.id);
  const bob = new Api(BASE, await signIn(ws, BOB));
  assert.equal((await bob.call('GET', `${path}/versions`)).status, 403);

  // Without a condition a save goes through as before versions, and still counts.
  const plain = await put(admin, ws, d);
  assert.equal(plain.status, 200);
  assert.equal(plain.body.version, 5);

  // A condition that is not a version is refused, and changes nothing.
  const malformed = await put(admin, ws, d, { 'if-match': 'latest' });
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body.error, 'bad_request');
  assert.match(malformed.body.message, /If-Match/);
  assert.equal((await admin.call('GET', path)).headers.get('etag'), '"5"');

  // Saves up to version 16: only the newest 10 are kept.
  for (let v = 6; v <= 16; v++) {
    const r = await put(admin, ws, { ...d, name: `Offers v${v}` }, { 'if-match': `"${v - 1}"` });
    assert.equal(r.status, 200, `save ${v}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.version, v);
  }
  list = await admin.ok('GET', `${path}/versions`);
  assert.equal(list.current, 16);
  assert.deepEqual(list.versions.map((v) => v.version), [16, 15, 14, 13, 12, 11, 10, 9, 8, 7]);
  assert.equal(list.versions[0].dialogue.name, 'Offers v16');
  assert.equal(list.versions[9].dialogue.name, 'Offers v7');

  // Deleting the dialogue deletes its versions; a new one under the same id starts at 1.
  assert.equal((await admin.call('DELETE', path)).status, 200);
  assert.equal((await admin.call('GET', `${path}/versions`)).status, 404);
  const stale = await put(admin, ws, d, { 'if-match': '"16"' });
  assert.equal(stale.status, 412, 'an editor of the deleted dialogue does not bring it back');
  assert.match(stale.body.message, /it was deleted, you opened version 16/);
  const reborn = await put(admin, ws, d, { 'if-none-match': '*' });
  assert.equal(reborn.status, 201);
  assert.equal(reborn.body.version, 1);
  assert.deepEqual((await admin.ok('GET', `${path}/versions`)).versions.map((v) => v.version), [1]);
  assert.equal((await admin.call('GET', `/api/workspaces/${ws}/dialogues/nope/versions`)).status, 404);
});

test('reorder sets the targeting order: the first matching dialogue is the one a page gets', async () => {
  const { id: ws, admin } = await freshWorkspace('dord', { dialogue: null });
  const page_url = 'https://www.example.com/pricing/plans';
  const pricing = dialogue('pricing', { targeting: [{ match: 'prefix', value: '/pricing' }] });
  const plans = dialogue('plans', { targeting: [{ match: 'contains', value: 'plans' }] });
  const other = dialogue('careers', { targeting: [{ match: 'exact', value: '/careers' }] });
  for (const d of [pricing, plans, other]) assert.equal((await put(admin, ws, d)).status, 201);
  const listed = async () => (await admin.ok('GET', `/api/workspaces/${ws}/dialogues`)).map((d) => d.id);
  assert.deepEqual(await listed(), ['pricing', 'plans', 'careers'], 'new dialogues go last');

  /** The dialogue a new visitor on `page_url` is shown: its first card, and the index row. */
  async function served() {
    const v = await startVisitor(ws, { page_url });
    const visitor = await openVisitor(v.token);
    const card = await waitEntry(visitor, 'card');
    visitor.close();
    const row = await until(async () => {
      const r = await admin.call('GET', `/api/workspaces/${ws}/conversations/${v.conversation}`);
      return r.status === 200 && r.body.conversation;
    }, { what: 'the conversation row' });
    assert.equal(card.card.id, `hello-${row.dialogue}`, 'the card shown is the indexed dialogue\'s');
    return row.dialogue;
  }
  assert.equal(await served(), 'pricing');

  const moved = await admin.call('POST', `/api/workspaces/${ws}/dialogues/reorder`, { ids: ['plans', 'careers', 'pricing'] });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  assert.deepEqual(moved.body, { ids: ['plans', 'careers', 'pricing'] });
  assert.deepEqual(await listed(), ['plans', 'careers', 'pricing']);
  assert.equal(await served(), 'plans');

  // Saving a dialogue keeps its place; a new one goes last.
  assert.equal((await put(admin, ws, { ...pricing, name: 'Pricing 2' }, { 'if-match': '"1"' })).status, 200);
  assert.equal((await put(admin, ws, dialogue('late'))).status, 201);
  assert.deepEqual(await listed(), ['plans', 'careers', 'pricing', 'late']);

  // An order that is not every dialogue exactly once is refused, naming the problem.
  const bad = async (ids, pattern) => {
    const r = await admin.call('POST', `/api/workspaces/${ws}/dialogues/reorder`, { ids });
    assert.ok(r.status === 422 || r.status === 400, `${JSON.stringify(ids)} → ${r.status}`);
    assert.match(r.body.message, pattern);
  };
  await bad(['plans', 'careers', 'pricing'], /leaves out dialogue "late"/);
  await bad(['plans', 'careers', 'pricing', 'late', 'plans'], /"plans" is listed more than once/);
  await bad(['plans', 'careers', 'pricing', 'late', 'ghost'], /there is no dialogue "ghost"/);
  const shapeless = await admin.call('POST', `/api/workspaces/${ws}/dialogues/reorder`, { order: ['plans'] });
  assert.equal(shapeless.status, 400);
  assert.deepEqual(await listed(), ['plans', 'careers', 'pricing', 'late'], 'a refused order changes nothing');
  assert.equal(await served(), 'plans');

  // Only admins reorder.
  const bob = new Api(BASE, await signIn(ws, BOB));
  const refused = await bob.call('POST', `/api/workspaces/${ws}/dialogues/reorder`, { ids: ['late', 'plans', 'careers', 'pricing'] });
  assert.equal(refused.status, 403);
});
