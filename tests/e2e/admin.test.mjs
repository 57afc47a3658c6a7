// The admin views end to end: Conversations in real time (including chats nobody accepted),
// and the embed snippet (the dialogue designer has its own file, designer.test.mjs).
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
