// Canned replies against the real stack: workspace-wide replies written by admins, personal
// ones by their agent (invisible to everyone else), bad input refused with words, and in a live
// chat `/hel` in the composer, picked with the keyboard, reaches the visitor with the visitor's
// first name filled in.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { freshWorkspace, DEMO_AGENTS, Api, BASE, signIn, closeAllSockets, launchBrowser, shot, waitEntry } from './lib.mjs';
import { signInInbox, signInAdmin, apiVisitor, inboxToken } from './inbox-lib.mjs';

afterEach(closeAllSockets);
let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const [ALICE, BOB] = DEMO_AGENTS;
const path = (ws, rest = '') => `/api/workspaces/${ws}/canned-replies${rest}`;

test('the canned replies API: who sees and changes what, and what it refuses', async () => {
  const { id: ws, admin } = await freshWorkspace('canned-api');
  const bob = new Api(BASE, await signIn(ws, BOB));
  const alice = new Api(BASE, await signIn(ws, ALICE));

  // An admin (the workspace key) adds a workspace-wide reply.
  const hello = await admin.call('POST', path(ws), { shortcut: 'hello', text: '  Hi {first_name}, I am {agent_name}.  ', scope: 'workspace' });
  assert.equal(hello.status, 201, JSON.stringify(hello.body));
  assert.deepEqual({ ...hello.body, id: undefined }, { id: undefined, shortcut: 'hello', text: 'Hi {first_name}, I am {agent_name}.', scope: 'workspace' });
  assert.match(hello.body.id, /^cr_[0-9a-f]+$/);

  // Bob adds a personal one; he sees both, Alice (an admin) and the key see only the workspace's.
  const mine = await bob.ok('POST', path(ws), { shortcut: 'bob-only', text: 'A secret of Bob', scope: 'personal' });
  assert.equal(mine.scope, 'personal');
  const shortcuts = async (api) => (await api.ok('GET', path(ws))).replies.map((r) => r.shortcut);
  assert.deepEqual(await shortcuts(bob), ['bob-only', 'hello']);
  assert.deepEqual(await shortcuts(alice), ['hello']);
  assert.deepEqual(await shortcuts(admin), ['hello']);

  // Refusals, with a JSON body a person can read.
  const refused = async (api, method, rest, body, status, words) => {
    const r = await api.call(method, path(ws, rest), body);
    assert.equal(r.status, status, `${method} ${rest} ${JSON.stringify(body)} → ${r.status} ${JSON.stringify(r.body)}`);
    assert.equal(typeof r.body.error, 'string');
    assert.equal(typeof r.body.message, 'string');
    if (words) assert.match(r.body.message, words);
    return r.body;
  };
  // An agent cannot write workspace-wide replies; the key has no personal ones.
  await refused(bob, 'POST', '', { shortcut: 'team', text: 'Hi', scope: 'workspace' }, 403);
  await refused(admin, 'POST', '', { shortcut: 'mine', text: 'Hi', scope: 'personal' }, 403);
  // Broken rules: 422 naming the rule.
  const bad = await refused(bob, 'POST', '', { shortcut: 'Bad Shortcut', text: 'Hi', scope: 'personal' }, 422, /shortcut/i);
  assert.equal(bad.error, 'unprocessable');
  await refused(bob, 'POST', '', { shortcut: 'x'.repeat(33), text: 'Hi', scope: 'personal' }, 422, /shortcut/);
  await refused(bob, 'POST', '', { shortcut: 'empty', text: '   ', scope: 'personal' }, 422, /empty/);
  await refused(bob, 'POST', '', { shortcut: 'long', text: 'x'.repeat(2001), scope: 'personal' }, 422, /2001 bytes/);
  await refused(bob, 'POST', '', { shortcut: 'noscope', text: 'Hi' }, 422, /scope/);
  await refused(bob, 'POST', '', { shortcut: 'x', text: 'Hi', scope: 'team' }, 400);
  await refused(bob, 'POST', '', '{not json', 400);
  // Shortcuts are unique within what one agent sees: 409.
  const dup = await refused(bob, 'POST', '', { shortcut: 'hello', text: 'Hey', scope: 'personal' }, 409, /\/hello/);
  assert.equal(dup.error, 'conflict');
  await refused(admin, 'POST', '', { shortcut: 'bob-only', text: 'Hey', scope: 'workspace' }, 409);
  // Alice may use a shortcut Bob uses for himself.
  await alice.ok('POST', path(ws), { shortcut: 'bob-only', text: 'Alice too', scope: 'personal' });

  // Bob's personal reply does not exist for anyone else, admins included.
  await refused(alice, 'PUT', `/${mine.id}`, { shortcut: 'x', text: 'y' }, 404);
  await refused(admin, 'DELETE', `/${mine.id}`, undefined, 404);
  // The workspace's reply: agents read it, only admins change it.
  await refused(bob, 'PUT', `/${hello.body.id}`, { shortcut: 'hello', text: 'Changed' }, 403);
  await refused(bob, 'DELETE', `/${hello.body.id}`, undefined, 403);
  const changed = await alice.ok('PUT', path(ws, `/${hello.body.id}`), { shortcut: 'hello', text: 'Hello {first_name}!' });
  assert.equal(changed.text, 'Hello {first_name}!');
  await refused(alice, 'PUT', `/${hello.body.id}`, { shortcut: 'hello', text: 'x', scope: 'personal' }, 422, /scope/);
  // Bob changes and deletes his own.
  const renamed = await bob.ok('PUT', path(ws, `/${mine.id}`), { shortcut: 'bob-2', text: 'Renamed' });
  assert.equal(renamed.shortcut, 'bob-2');
  await refused(bob, 'PUT', `/${mine.id}`, { shortcut: 'hello', text: 'x' }, 409);
  assert.deepEqual(await bob.ok('DELETE', path(ws, `/${mine.id}`)), { deleted: mine.id });
  await refused(bob, 'DELETE', `/${mine.id}`, undefined, 404);
  assert.deepEqual(await shortcuts(bob), ['hello']);
  // Without credentials: 401; a wrong method: 405.
  assert.equal((await new Api(BASE).call('GET', path(ws))).status, 401);
  assert.equal((await bob.call('PATCH', path(ws))).status, 405);
});

test('in a live chat, /hel picked with the keyboard reaches the visitor with the first name filled', async () => {
  const { id: ws, admin } = await freshWorkspace('canned-ui');
  await admin.ok('POST', path(ws), { shortcut: 'hello', text: 'Hi {first_name}, I am {agent_name}. How can I help?', scope: 'workspace' });
  const ctx = await browser.newContext();
  await ctx.grantPermissions(['notifications'], { origin: BASE });
  try {
    // The admin view lists the workspace's replies and adds one.
    const adminPage = await signInAdmin(ctx, ws, { agent: ALICE });
    await adminPage.getByRole('tab', { name: 'Canned replies' }).click();
    const table = adminPage.getByRole('table', { name: 'Workspace-wide canned replies' });
    await table.getByRole('cell', { name: '/hello', exact: true }).waitFor();
    await adminPage.getByLabel('Shortcut (a-z, 0-9, - and _)').fill('bye');
    await adminPage.getByLabel('Text', { exact: true }).fill('Thanks for chatting, {first_name}!');
    await adminPage.getByRole('button', { name: 'Add reply' }).click();
    await table.getByRole('cell', { name: '/bye', exact: true }).waitFor();
    await adminPage.close();

    // Bob adds a personal reply in the inbox's manager (the top bar's "Canned replies"); a bad
    // one is refused in words, what he typed stays; he deletes one.
    const inbox = await signInInbox(ctx, ws, BOB);
    const manager = inbox.locator('details.canned-manager');
    const summary = manager.locator('summary');
    await summary.click();
    assert.equal(await manager.getAttribute('open'), '');
    const note = inbox.getByRole('status').filter({ hasText: /./ });
    await manager.getByLabel('Shortcut').fill('Help Pricing');
    await manager.getByLabel('Text', { exact: true }).fill('Our plans are on the pricing page, {first_name}.');
    await manager.getByRole('button', { name: 'Add reply' }).click();
    await note.getByText(/The shortcut must be 1 to 32 characters/).waitFor();
    assert.equal(await manager.getByLabel('Shortcut').inputValue(), 'Help Pricing', 'what was typed stays');
    await manager.getByLabel('Shortcut').fill('help-pricing');
    await manager.getByRole('button', { name: 'Add reply' }).click();
    await manager.getByRole('button', { name: 'Delete /help-pricing' }).waitFor();
    await note.getByText('Reply added.').waitFor();
    assert.equal(await manager.getByLabel('Shortcut').inputValue(), '', 'the form is emptied');
    await manager.getByLabel('Shortcut').fill('tmp');
    await manager.getByLabel('Text', { exact: true }).fill('For a moment');
    await manager.getByRole('button', { name: 'Add reply' }).click();
    await manager.getByRole('button', { name: 'Delete /tmp' }).click();
    await note.getByText('Reply deleted.').waitFor();
    await manager.getByRole('button', { name: 'Delete /tmp' }).waitFor({ state: 'detached' });
    // Only his own are listed there (the workspace's are the admins').
    assert.deepEqual(await manager.locator('.canned-mine strong').allInnerTexts(), ['/help-pricing']);
    const bob = new Api(BASE, await inboxToken(inbox));
    assert.deepEqual((await bob.ok('GET', path(ws))).replies.map((r) => `${r.scope}:${r.shortcut}`),
      ['workspace:bye', 'workspace:hello', 'personal:help-pricing']);
    await summary.click();
    await manager.getByLabel('Shortcut').waitFor({ state: 'hidden' });

    // A visitor who gave her first name asks for a chat; Bob accepts.
    const visitor = await apiVisitor(ws, { first: 'Nia', email: 'nia@example.com' });
    await inbox.locator('.offer').getByRole('button', { name: 'Accept' }).click({ timeout: 15_000 });
    const composer = inbox.getByLabel('Message (Enter sends, Shift+Enter for a new line)');
    await composer.waitFor();
    assert.equal(await composer.getAttribute('aria-controls'), 'canned-list');

    // `/hel`: Bob's own reply first (same rank), then the workspace's; ↓ and Enter pick. The
    // list opens on the replies the inbox holds and asks for fresh ones: held back here until
    // after the ↓, which they must not undo.
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    await inbox.route('**/canned-replies', async (route) => { await held; await route.continue(); });
    const fresh = inbox.waitForResponse((r) => r.url().endsWith('/canned-replies') && r.request().method() === 'GET');
    await composer.pressSequentially('/hel');
    const list = inbox.getByRole('listbox', { name: 'Canned replies' });
    await list.waitFor();
    const options = list.getByRole('option');
    await options.nth(1).waitFor();
    assert.deepEqual(await options.evaluateAll((os) => os.map((o) => o.querySelector('strong').textContent)), ['/help-pricing', '/hello']);
    assert.equal(await composer.getAttribute('aria-activedescendant'), await options.nth(0).getAttribute('id'));
    await composer.press('ArrowDown');
    await inbox.waitForFunction(() => document.getElementById('composer').getAttribute('aria-activedescendant') === 'canned-opt-1');
    release();
    await fresh;
    await inbox.unroute('**/canned-replies');
    await inbox.evaluate(() => new Promise((r) => setTimeout(r, 100)));
    assert.equal(await composer.getAttribute('aria-activedescendant'), 'canned-opt-1', 'fresh replies keep the ↓');
    assert.equal(await options.nth(1).getAttribute('aria-selected'), 'true');
    assert.equal(await options.nth(0).getAttribute('aria-selected'), 'false');
    await shot(inbox, 'docs/screenshots/inbox-canned-replies.png');
    await composer.press('Enter');
    await list.waitFor({ state: 'hidden' });
    assert.equal(await composer.inputValue(), 'Hi Nia, I am Bob Durand. How can I help?');
    assert.equal(await composer.getAttribute('aria-activedescendant'), null);
    // Escape closes the list: Enter then sends what is typed.
    await composer.press('Enter');
    const sent = await waitEntry(visitor.socket, 'message', (e) => e.from === 'agent');
    assert.equal(sent.text, 'Hi Nia, I am Bob Durand. How can I help?');
    await composer.pressSequentially('/bye');
    await list.waitFor();
    await composer.press('Escape');
    await list.waitFor({ state: 'hidden' });
    await composer.press('Enter');
    const literal = await waitEntry(visitor.socket, 'message', (e) => e.from === 'agent' && e.text === '/bye');
    assert.equal(literal.text, '/bye');
    // A click picks too.
    await composer.pressSequentially('/');
    await list.getByRole('option').filter({ hasText: '/bye' }).click();
    assert.equal(await composer.inputValue(), 'Thanks for chatting, Nia!');
  } finally {
    await ctx.close();
  }
});
