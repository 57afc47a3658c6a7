// The dialogue designer's live preview end to end: the real widget in the dock's frame runs the
// draft with core's conversation machine in the page — answers, a capture refused then accepted,
// an agent joining and writing, a restart, nobody answering — and the server never hears of it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launchBrowser, freshWorkspace, shot, closeAllSockets, until } from './lib.mjs';
import { signInAdmin } from './inbox-lib.mjs';

after(closeAllSockets);

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const DESKTOP = { width: 1440, height: 900 };

/** Walks the demo dialogue in the frame up to the live chat, through a refused capture. */
async function walkToLiveChat(frame) {
  await frame.getByRole('button', { name: 'Pricing questions' }).click({ timeout: 20_000 });
  await frame.getByRole('button', { name: 'Yes, connect me' }).click();
  await frame.getByLabel('First name').fill('Ada');
  await frame.getByLabel('Work email').fill('not-an-email');
  await frame.getByRole('button', { name: 'Submit' }).click();
  await frame.getByText(/valid email address|look like an email address/).first().waitFor();
  await frame.getByLabel('Work email').fill('ada@example.com');
  await frame.getByRole('button', { name: 'Submit' }).click();
  await frame.getByText('Connecting you to a sales agent…').first().waitFor();
  // The page's own status line (the widget says "Waiting for an agent…" too).
  await frame.locator('#state', { hasText: 'Waiting for an agent' }).waitFor();
}

test('the preview walks the draft in the page: answers, captures, an agent, the workspace\'s own fallback — and creates nothing', async () => {
  const { id: ws, admin: api } = await freshWorkspace('preview');
  const ctx = await browser.newContext({ viewport: DESKTOP });
  try {
    // The workspace's own fallback text: the preview shows it, not the default.
    const settings = await api.ok('GET', `/api/workspaces/${ws}/settings`);
    await api.ok('PUT', `/api/workspaces/${ws}/settings`, { ...settings, live_chat_fallback: 'Our team is away: leave us a note.' });
    const page = await signInAdmin(ctx, ws, { key: api.token });
    await page.setViewportSize(DESKTOP);
    // Requests the preview makes: none may reach the visitor API.
    const visitorApi = [];
    page.on('request', (r) => { if (new URL(r.url()).pathname.startsWith('/api/visitor')) visitorApi.push(r.url()); });
    page.on('websocket', (s) => { if (s.url().includes('/api/visitor/')) visitorApi.push(s.url()); });
    await page.getByRole('tab', { name: 'Dialogues' }).click();
    await page.getByRole('button', { name: 'Edit Welcome' }).click();
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page.locator('#preview-frame').waitFor();
    const frame = page.frameLocator('#preview-frame');

    await walkToLiveChat(frame);
    // Nobody can join before the request, only after; the agent joins and writes.
    await frame.getByRole('button', { name: 'An agent joins' }).click();
    await frame.getByText(/Alex\s+joined the chat/).first().waitFor();
    await frame.getByLabel('The agent writes:').fill('Hi Ada, how can I help?');
    // The page's Send (the widget has its own).
    await frame.locator('#say-send').click();
    await frame.getByText('Hi Ada, how can I help?').first().waitFor();
    await page.waitForTimeout(400); // the message's fade-in, for the screenshot
    await shot(page, 'docs/screenshots/designer-preview.png');

    // Restart: a fresh walk-through of the same draft.
    await frame.getByRole('button', { name: 'Restart', exact: true }).click();
    // Gone from the transcript and from the screen reader's live region alike.
    await until(async () => (await frame.getByText('Hi Ada, how can I help?').count()) === 0, { what: 'the old walk-through gone' });
    await walkToLiveChat(frame);
    await frame.getByRole('button', { name: 'Nobody answers (fallback)' }).click();
    await frame.getByText('Our team is away: leave us a note.').first().waitFor();
    await frame.getByText(/Leave us a message/).first().waitFor();
    await frame.locator('#state', { hasText: 'The conversation is over.' }).waitFor();

    // Nothing was created, and the preview never called the visitor API.
    assert.deepEqual(await api.ok('GET', `/api/workspaces/${ws}/conversations`), [], 'no conversation in the workspace');
    assert.deepEqual(visitorApi, [], 'no request reached /api/visitor');
  } finally {
    await ctx.close();
  }
});

test('opened on its own, the preview page says where it belongs and loads no widget', async () => {
  const ctx = await browser.newContext({ viewport: DESKTOP });
  try {
    const page = await ctx.newPage();
    const resp = await page.goto(`${BASE}/preview.html`);
    const csp = resp.headers()['content-security-policy'] ?? '';
    assert.match(csp, /frame-ancestors 'self'/, 'framed by the same origin only');
    assert.doesNotMatch(csp, /script-src[^;]*'unsafe-inline'/, 'no inline scripts');
    await page.getByText('Open the preview from the dialogue designer').waitFor();
    assert.equal(await page.locator('#parlor-widget').count(), 0);
  } finally {
    await ctx.close();
  }
});
