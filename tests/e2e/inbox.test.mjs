// The agent inbox end to end: offer banner + sound + browser notification, accept, chat both
// ways; the avatar snapshot; capacity. Real Chromium, visitor and agent in separate contexts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, Api, launchBrowser, freshWorkspace, DEMO_AGENTS, shot, closeAllSockets } from './lib.mjs';
import {
  VIEWPORT, recordNotifications, hidePage, showPage, signInInbox, visitorAtCapture, askForLiveChat,
  apiVisitor, inboxToken,
} from './inbox-lib.mjs';

// A failed test must not leave a socket open: it would keep this file's process alive.
after(closeAllSockets);

const [ALICE, BOB] = DEMO_AGENTS;
let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

async function agentContext() {
  const ctx = await browser.newContext({ viewport: VIEWPORT });
  await ctx.grantPermissions(['notifications'], { origin: BASE });
  await ctx.addInitScript(recordNotifications);
  return ctx;
}

test('an offer shows a blue banner, chimes and notifies; Accept joins and messages flow both ways', async (t) => {
  const { id: ws } = await freshWorkspace('inbox1');
  const agentCtx = await agentContext();
  const visitorCtx = await browser.newContext({ viewport: VIEWPORT });
  try {
    const inbox = await signInInbox(agentCtx, ws, ALICE);
    // Permission is granted up front, so no Enable banner; the page is then hidden.
    assert.equal(await inbox.getByText('Please enable browser notifications').count(), 0);
    await hidePage(inbox);

    const visitor = await visitorAtCapture(visitorCtx, ws, { first: 'Ada', email: 'ada@lovelace.dev', company: 'Analytical' });
    const t0 = await askForLiveChat(visitor);
    const banner = inbox.locator('.offer');
    await banner.waitFor({ state: 'visible', timeout: 15_000 });
    const latency = Date.now() - t0;
    t.diagnostic(`offer latency (capture submit → banner visible): ${latency} ms`);
    console.log(`# offer latency: ${latency} ms`);
    assert.ok(latency < 5_000, `offer banner after ${latency} ms`);

    await banner.getByText('Ada · ada@lovelace.dev · Analytical').waitFor();
    assert.match(await banner.locator('.countdown').innerText(), /\d+ s left to accept/);
    const bg = await banner.evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.equal(bg, 'rgb(29, 78, 216)', 'the banner is blue');
    await inbox.waitForFunction(() => (window.__parlorSound?.played ?? 0) >= 1, null, { timeout: 5_000 });
    const notes = await inbox.evaluate(() => window.__notifications);
    assert.equal(notes.length, 1, 'one notification while hidden');
    assert.equal(notes[0].title, 'New live chat');
    assert.match(notes[0].body, /Ada/);
    await showPage(inbox);
    // A tip per thing worth knowing, each dismissed for good: this headless browser has no
    // push service, so the inbox first says new chats need the tab; then, a notification
    // having been shown, where to look if it never appeared.
    const tip = inbox.getByRole('note');
    await tip.getByText('New chats reach you only while an inbox tab is open').waitFor();
    await tip.getByRole('button', { name: 'Got it' }).click();
    await tip.getByText("Not seeing notifications? Check your operating system's notification settings").waitFor();
    await shot(inbox, 'docs/screenshots/inbox-offer-banner.png');
    await tip.getByRole('button', { name: 'Got it' }).click();
    await tip.waitFor({ state: 'hidden' });
    assert.deepEqual(await inbox.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('parlor:inbox:tip:')).sort()),
      ['parlor:inbox:tip:no-push', 'parlor:inbox:tip:os-settings'], 'both stay dismissed in this browser');

    await banner.getByRole('button', { name: 'Accept' }).click();
    await banner.waitFor({ state: 'detached', timeout: 10_000 });
    const list = inbox.getByRole('navigation', { name: 'Live chats' });
    await list.getByText('Ada').first().waitFor();
    await inbox.getByTestId('capacity').getByText('1 / 10').waitFor();
    // The visitor sees the agent join.
    await visitor.getByText('Alice Martin joined the chat').first().waitFor({ timeout: 10_000 });

    // Agent → visitor (Enter sends).
    const composer = inbox.getByLabel('Message (Enter sends, Shift+Enter for a new line)');
    await composer.fill('Hello Ada, how can I help?');
    await composer.press('Enter');
    await visitor.getByText('Hello Ada, how can I help?').first().waitFor({ timeout: 10_000 });
    // Visitor → agent.
    const box = visitor.getByRole('textbox', { name: 'Your message' });
    await box.fill('What does the Pro plan cost?');
    await box.press('Enter');
    await inbox.locator('.transcript .msg-visitor').getByText('What does the Pro plan cost?').waitFor({ timeout: 10_000 });
    // Details panel: captured fields and the dialogue's answers.
    const details = inbox.getByRole('complementary', { name: 'Visitor details' });
    await details.getByText('ada@lovelace.dev').waitFor();
    await details.getByText('Pricing questions').waitFor();
    await shot(inbox, 'docs/screenshots/inbox-chats.png');

    // Each entry is drawn once.
    const seqs = await inbox.locator('.transcript li').evaluateAll((els) => els.map((e) => e.dataset.seq));
    assert.equal(new Set(seqs).size, seqs.length, 'no entry drawn twice');

    // The agent ends the chat: it stays in the list, greyed, until dismissed.
    await inbox.getByRole('button', { name: 'End chat' }).click();
    await inbox.locator('.chat-item.closed').waitFor({ timeout: 10_000 });
    await inbox.getByTestId('capacity').getByText('0 / 10').waitFor();
    // One click: the list is no longer redrawn under the pointer by frames that change nothing
    // in it (Model::list_print), which once lost this click in a full npm test.
    await inbox.getByRole('button', { name: /^Dismiss chat with/ }).click();
    await inbox.getByText('No live chats yet.').waitFor();
  } finally {
    await agentCtx.close();
    await visitorCtx.close();
  }
});

test('the inbox asks to enable notifications after sign-in, and signs out', async () => {
  const { id: ws } = await freshWorkspace('inbox-notif');
  const ctx = await browser.newContext({ viewport: VIEWPORT });
  try {
    const inbox = await signInInbox(ctx, ws, BOB);
    await inbox.getByText('Please enable browser notifications to receive live chat notifications.').waitFor();
    const enable = inbox.getByRole('button', { name: 'Enable' });
    await enable.waitFor();
    await ctx.grantPermissions(['notifications'], { origin: BASE });
    await enable.click();
    await inbox.getByText('Please enable browser notifications').waitFor({ state: 'hidden' });
    // Wrong password: words a person understands.
    await inbox.getByRole('button', { name: 'Sign out' }).click();
    await inbox.getByLabel('Workspace').fill(ws);
    await inbox.getByLabel('Email').fill(BOB.email);
    await inbox.getByLabel('Password').fill('not-the-password');
    await inbox.getByRole('button', { name: 'Sign in' }).click();
    await inbox.getByText('That email and password do not match').waitFor();
  } finally {
    await ctx.close();
  }
});

test("a profile picture change during a chat is not seen by that visitor until the next chat", async () => {
  const { id: ws } = await freshWorkspace('inbox-avatar');
  const agentCtx = await agentContext();
  const visitorCtx = await browser.newContext({ viewport: VIEWPORT });
  try {
    const inbox = await signInInbox(agentCtx, ws, ALICE);
    const visitor = await visitorAtCapture(visitorCtx, ws);
    await askForLiveChat(visitor);
    await inbox.locator('.offer').getByRole('button', { name: 'Accept' }).click({ timeout: 15_000 });
    const avatar = visitor.locator('#parlor-widget img[alt="Alice Martin"]').first();
    await avatar.waitFor({ timeout: 10_000 });
    assert.match(await avatar.getAttribute('src'), /\/img\/alice\.svg$/);

    const me = new Api(BASE, await inboxToken(inbox));
    await me.ok('PATCH', `/api/workspaces/${ws}/me`, { avatar_url: `${BASE}/img/alice-new.svg` });
    const composer = inbox.getByLabel('Message (Enter sends, Shift+Enter for a new line)');
    await composer.fill('I just changed my picture.');
    await composer.press('Enter');
    await visitor.getByText('I just changed my picture.').first().waitFor({ timeout: 10_000 });
    const srcs = await visitor.locator('#parlor-widget img[alt="Alice Martin"]').evaluateAll((els) => els.map((e) => e.getAttribute('src')));
    assert.ok(srcs.length > 0 && srcs.every((s) => s.endsWith('/img/alice.svg')), `still the old picture: ${srcs}`);

    // End this chat; the next one shows the new picture.
    await inbox.getByRole('button', { name: 'End chat' }).click();
    await visitor.getByRole('button', { name: 'Start a new conversation' }).click({ timeout: 10_000 });
    await visitor.getByRole('button', { name: 'Pricing questions' }).click({ timeout: 15_000 });
    await visitor.getByRole('button', { name: 'Yes, connect me' }).click();
    await visitor.getByLabel('First name').fill('Ada');
    await visitor.getByLabel('Work email').fill('ada@example.com');
    await askForLiveChat(visitor);
    await inbox.locator('.offer').getByRole('button', { name: 'Accept' }).click({ timeout: 15_000 });
    await visitor.getByText('Alice Martin joined the chat').nth(1).waitFor({ timeout: 10_000 }).catch(() => {});
    const all = await visitor.locator('#parlor-widget img').evaluateAll((els) => els.map((e) => `${e.alt}=${e.getAttribute('src')}`));
    console.log('# widget images after the second accept:', all.join(', '));
    await visitor.locator('#parlor-widget img[src$="/img/alice-new.svg"]').first().waitFor({ timeout: 10_000 });
  } finally {
    await agentCtx.close();
    await visitorCtx.close();
  }
});

test('an agent holding 10 chats is not offered an 11th; the inbox shows 10 / 10', async () => {
  // Only Alice takes live chats, so the 11th visitor has nobody and falls back.
  const { id: ws, admin } = await freshWorkspace('inbox-cap');
  await admin.ok('PATCH', `/api/workspaces/${ws}/agents/bob`, { live_chat: false });
  const agentCtx = await agentContext();
  const visitors = [];
  try {
    const inbox = await signInInbox(agentCtx, ws, ALICE);
    for (let i = 1; i <= 10; i++) {
      visitors.push(await apiVisitor(ws, { first: `V${i}`, email: `v${i}@example.com` }));
      const accept = inbox.locator('.offer').getByRole('button', { name: 'Accept' });
      await accept.first().click({ timeout: 15_000 });
      await inbox.getByTestId('capacity').getByText(`${i} / 10`).waitFor({ timeout: 10_000 });
    }
    const eleventh = await apiVisitor(ws, { first: 'V11', email: 'v11@example.com' });
    visitors.push(eleventh);
    await eleventh.socket.waitFor((m) => m.type === 'entry' && m.entry.event === 'fallback', 15_000, 'fallback for the 11th');
    assert.equal(await inbox.locator('.offer').count(), 0, 'no 11th offer');
    await inbox.getByTestId('capacity').getByText('10 / 10').waitFor();
    assert.equal(await inbox.locator('.chat-item').count(), 10);
  } finally {
    for (const v of visitors) v.socket.close();
    await agentCtx.close();
  }
});
