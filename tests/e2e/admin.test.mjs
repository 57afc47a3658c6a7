// The admin views end to end: Conversations in real time (including chats nobody accepted),
// and the dialogue editor refusing a live chat card that is not last in its branch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launchBrowser, freshWorkspace, DEMO_AGENTS, shot, closeAllSockets } from './lib.mjs';
import { VIEWPORT, signInInbox, signInAdmin, visitorAtCapture, askForLiveChat } from './inbox-lib.mjs';

// A failed test must not leave a socket open: it would keep this file's process alive.
after(closeAllSockets);

const [ALICE, BOB] = DEMO_AGENTS;
let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

test('a chat nobody accepts never reaches a chat list but appears in Conversations without reload', async () => {
  const { id: ws } = await freshWorkspace('admin-conv', { settings: { accept_timeout_ms: 2_000, extra_team_attempts: 0 } });
  const adminCtx = await browser.newContext({ viewport: VIEWPORT });
  const aliceCtx = await browser.newContext({ viewport: VIEWPORT });
  const bobCtx = await browser.newContext({ viewport: VIEWPORT });
  const visitorCtx = await browser.newContext({ viewport: VIEWPORT });
  try {
    const admin = await signInAdmin(adminCtx, ws, { agent: ALICE });
    const alice = await signInInbox(aliceCtx, ws, ALICE);
    const bob = await signInInbox(bobCtx, ws, BOB);
    await admin.getByText('Live updates on').waitFor({ timeout: 10_000 });
    const rowsBefore = await admin.locator('tbody tr.row-click').count();

    const visitor = await visitorAtCapture(visitorCtx, ws, { first: 'Grace', email: 'grace@hopper.dev', company: 'Navy' });
    await askForLiveChat(visitor);
    // The row appears in the admin view without a reload, with the captured fields.
    const row = admin.locator('tbody tr.row-click', { hasText: 'grace@hopper.dev' });
    await row.waitFor({ timeout: 10_000 });
    assert.ok((await admin.locator('tbody tr.row-click').count()) > rowsBefore);
    // Nobody accepts: the offer expires, the visitor gets the fallback message.
    await visitor.getByText(/busy|get back to you/i).first().waitFor({ timeout: 20_000 });
    await row.getByText('No agent took it').waitFor({ timeout: 10_000 });
    for (const inbox of [alice, bob]) {
      await inbox.locator('.offer').waitFor({ state: 'detached', timeout: 10_000 });
      assert.equal(await inbox.locator('.chat-item').count(), 0, 'not in any agent chat list');
      await inbox.getByText('No live chats yet.').waitFor();
    }
    // Filter and open: transcript and captured fields.
    await admin.getByLabel('Status').selectOption('fell_back');
    await row.getByRole('button').click();
    const detail = admin.getByLabel('Conversation detail');
    await detail.getByText('Grace').first().waitFor();
    await detail.getByText('Navy').first().waitFor();
    await detail.getByText('Visitor chose “Yes, connect me”').waitFor();
    await shot(admin, 'docs/screenshots/admin-conversations.png');
  } finally {
    for (const c of [adminCtx, aliceCtx, bobCtx, visitorCtx]) await c.close();
  }
});

test('the dialogue editor refuses a live chat card that is not last in its branch, and says why', async () => {
  const { id: ws, admin: api } = await freshWorkspace('admin-dlg');
  const ctx = await browser.newContext({ viewport: VIEWPORT });
  try {
    // The workspace admin key works as a sign-in too.
    const page = await signInAdmin(ctx, ws, { key: api.token });
    // …exchanged for a session: the browser never keeps the key itself.
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
    assert.ok(!stored.includes(api.token), 'the admin key is not kept in the browser\'s storage');
    await page.getByRole('tab', { name: 'Dialogues' }).click();
    await page.getByRole('button', { name: 'Edit Welcome' }).click();
    const talk = page.getByRole('region', { name: 'Branch talk' });
    await talk.waitFor();
    // Check first: the demo dialogue is valid.
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await page.getByText(/No errors|No problems found/).waitFor();
    // Add a message card after the live chat card of branch "talk".
    await talk.getByLabel('New card').selectOption('message');
    await talk.getByRole('button', { name: 'Add card' }).click();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const error = talk.locator('.issue-error').first();
    await error.waitFor({ timeout: 10_000 });
    const text = await error.innerText();
    assert.match(text, /talk/, 'names the branch');
    assert.match(text, /live/, 'names the card');
    await page.getByText(/Not saved/).waitFor();
    // The error sits next to the card concerned.
    const bad = page.locator('.dlg-card.has-error[data-card="live"]');
    await bad.waitFor();
    await bad.scrollIntoViewIfNeeded();
    await shot(page, 'docs/screenshots/admin-dialogue-editor.png');
    // Nothing was saved.
    const saved = await api.ok('GET', `/api/workspaces/${ws}/dialogues`);
    const branch = saved.find((d) => d.id === 'welcome').branches.find((b) => b.id === 'talk');
    assert.equal(branch.cards.at(-1).kind, 'live_chat');
    assert.equal(branch.cards.length, 2);
    // Moving the new card up fixes it; Save then succeeds.
    await talk.getByRole('button', { name: 'Move up message' }).click();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText(/^Saved/).waitFor({ timeout: 10_000 });
    const after = await api.ok('GET', `/api/workspaces/${ws}/dialogues`);
    const talk2 = after.find((d) => d.id === 'welcome').branches.find((b) => b.id === 'talk');
    assert.deepEqual(talk2.cards.map((c) => c.kind), ['info_capture', 'message', 'live_chat']);
  } finally {
    await ctx.close();
  }
});

test('the embed snippet names this server and workspace', async () => {
  const { id: ws, admin: api } = await freshWorkspace('admin-embed');
  const ctx = await browser.newContext({ viewport: VIEWPORT });
  try {
    const page = await signInAdmin(ctx, ws, { key: api.token });
    await page.getByRole('tab', { name: 'Embed' }).click();
    const snippet = await page.locator('#snippet').innerText();
    assert.equal(snippet, `<script src="${BASE}/widget.js" data-workspace="${ws}" async></script>`);
  } finally {
    await ctx.close();
  }
});
