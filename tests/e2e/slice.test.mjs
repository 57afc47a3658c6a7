// The first slice through every layer: script tag → loader → wasm widget in a shadow root →
// edge Worker → WorkspaceDO → ConversationDO (SQLite) over a real WebSocket.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launchBrowser, demoAdmin, closeAllSockets } from './lib.mjs';

// A failed test must not leave a socket open: it would keep this file's process alive.
after(closeAllSockets);

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

test('the demo page shows the first card, and a clicked answer is stored and answered with the next card', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${BASE}/`);
  await page.getByText('What brings you here today?').waitFor({ timeout: 15_000 });
  await page.getByRole('button', { name: 'Pricing questions' }).click();
  await page.getByText('Would you like to talk to someone from our sales team now?').waitFor();

  // Read the answer back through the server, not from the page.
  const admin = demoAdmin();
  const list = await admin.ok('GET', '/api/workspaces/demo/conversations');
  assert.ok(list.length >= 1, 'the conversation is in the index');
  const token = await page.evaluate(() => localStorage.getItem('parlor:demo'));
  assert.ok(token, 'the widget keeps its conversation token');
  const id = token.split('.')[0];
  const detail = await admin.ok('GET', `/api/workspaces/demo/conversations/${id}`);
  const answered = detail.transcript.entries.find((e) => e.event === 'answered');
  assert.deepEqual(
    { card: answered.card, button: answered.button, label: answered.label },
    { card: 'intent', button: 'pricing', label: 'Pricing questions' },
  );
  const shownCards = detail.transcript.entries.filter((e) => e.event === 'card').map((e) => e.card.id);
  assert.deepEqual(shownCards, ['hello', 'intent', 'connect']);
  await context.close();
});

test('the widget renders inside a shadow root, untouched by the host page CSS', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${BASE}/`);
  const button = page.getByRole('button', { name: 'Pricing questions' });
  await button.waitFor({ timeout: 15_000 });
  const inShadow = await button.evaluate((el) => el.getRootNode() instanceof ShadowRoot);
  assert.equal(inShadow, true);
  const font = await button.evaluate((el) => getComputedStyle(el).fontFamily);
  assert.doesNotMatch(font, /Comic Sans/);
  await context.close();
});
