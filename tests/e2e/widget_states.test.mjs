// A reload shows the visitor the same screen as before, in every state of a conversation:
// a question, a form, waiting for an agent, a live chat, an agent who left, and the end.
// And the visitor sees, in words, that their agent is reconnecting, then that they left and
// someone else is being found.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, Api, Socket, wsUrl, launchBrowser, freshWorkspace, widgetPage, DEMO_AGENTS, openAgentChat, closeAllSockets,
} from './lib.mjs';

const [ALICE, BOB] = DEMO_AGENTS;
let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { closeAllSockets(); await browser?.close(); });

async function inbox(ws, agent) {
  const session = await new Api(BASE).ok('POST', `/api/workspaces/${ws}/sessions`, { email: agent.email, password: agent.password });
  const s = await Socket.open(wsUrl(`/api/workspaces/${ws}/inbox/ws?token=${session.token}`));
  s.send({ type: 'hello', v: 1 });
  await s.waitFor((m) => m.type === 'welcome');
  return { s, token: session.token };
}

/** What the visitor sees in the panel (the widget's shadow root), whitespace-normalised. */
async function screen(page) {
  return page.evaluate(() => {
    const panel = document.getElementById('parlor-widget')?.shadowRoot?.getElementById('parlor-panel');
    if (!panel) return '';
    // The screen reader's live region repeats announcements; it is not part of the screen.
    const visible = (el) => !el.closest('[hidden]') && !el.closest('[aria-live]');
    const parts = [];
    const walk = document.createTreeWalker(panel, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      if (visible(n.parentElement) && n.textContent.trim()) parts.push(n.textContent.trim());
    }
    // Times of day depend on the clock, not the state.
    return parts.filter((t) => !/^\d{1,2}:\d{2}( ?[AP]M)?$/.test(t)).join(' | ');
  });
}

/** Reloads and waits until the panel shows the same text again (it replays the transcript). */
async function sameAfterReload(page, what) {
  const before = await screen(page);
  assert.ok(before.length > 0, `${what}: something is shown`);
  await page.reload();
  let now = '';
  for (let i = 0; i < 75; i++) {
    await page.waitForTimeout(200);
    now = await screen(page);
    if (now === before) break;
  }
  assert.equal(now, before, `${what}: the same screen after a reload`);
  console.log(`  ${what}: same screen after reload`);
}

test('every state survives a reload, and an agent who leaves is replaced in words the visitor reads', async () => {
  // The agent-gone grace leaves time to reload while the agent is only reconnecting.
  const { id: ws } = await freshWorkspace('wstates', { settings: { accept_timeout_ms: 60_000, agent_gone_ms: 20_000 } });
  const alice = await inbox(ws, ALICE);
  const context = await browser.newContext();
  const page = await widgetPage(context, ws);
  await page.goto(`${BASE}/e2e/page.html`);

  await page.getByRole('button', { name: 'Pricing questions' }).waitFor({ timeout: 15_000 });
  await sameAfterReload(page, 'question');
  await page.getByRole('button', { name: 'Pricing questions' }).click();
  await page.getByRole('button', { name: 'Yes, connect me' }).click();
  await page.getByLabel('First name').waitFor();
  await sameAfterReload(page, 'form');
  await page.getByLabel('First name').fill('Ann');
  await page.getByLabel('Work email').fill('ann@example.com');
  await page.getByRole('button', { name: 'Submit' }).click();
  const offered = await alice.s.waitFor((m) => m.type === 'offered', 10_000, 'offered');
  await page.getByText('Waiting for an agent…').first().waitFor();
  await sameAfterReload(page, 'waiting');

  alice.s.send({ type: 'accept', offer: offered.offer.offer });
  await page.getByText(`${ALICE.name} joined the chat`).first().waitFor();
  // Her inbox opens the chat's socket, as the real inbox does.
  const aliceChat = await openAgentChat(ws, offered.offer.conversation, alice.token);
  await sameAfterReload(page, 'live chat');
  assert.equal(await page.getByText('Waiting for an agent…').isVisible(), false, 'not waiting once an agent joined');

  // Alice closes her inbox; Bob is online. After a few seconds the visitor reads that she is
  // reconnecting; after the grace, that she left, and they wait for Bob.
  const bob = await inbox(ws, BOB);
  const t0 = Date.now();
  alice.s.close();
  aliceChat.close();
  await page.getByText(`${ALICE.name} is reconnecting…`).waitFor({ timeout: 15_000 });
  console.log(`  "${ALICE.name} is reconnecting…" shown ${Date.now() - t0} ms after her inbox closed`);
  await sameAfterReload(page, 'agent reconnecting');
  await page.getByText(`${ALICE.name} left the chat; finding someone else…`).first().waitFor({ timeout: 30_000 });
  await page.getByText('Waiting for an agent…').first().waitFor();
  assert.equal(await page.getByText('is reconnecting…').first().isVisible(), false, 'no longer reconnecting once she left');
  await sameAfterReload(page, 'agent left');
  const second = await bob.s.waitFor((m) => m.type === 'offered' && m.offer.conversation === offered.offer.conversation, 10_000, 'offer to bob');
  bob.s.send({ type: 'accept', offer: second.offer.offer });
  await page.getByText(`${BOB.name} joined the chat`).first().waitFor();

  await page.getByRole('button', { name: 'End chat' }).click();
  await page.getByText(/ended/i).first().waitFor();
  await sameAfterReload(page, 'ended');
  bob.s.close();
  await context.close();
});

test('on a short screen the panel keeps its header in view while the transcript scrolls (phone and desktop widths)', async () => {
  const { id: ws } = await freshWorkspace('wshort');
  for (const width of [390, 1280]) {
    const page = await widgetPage(await browser.newContext(), ws);
    await page.setViewportSize({ width, height: 420 });
    await page.goto(`${BASE}/e2e/page.html`);
    const root = page.locator('#parlor-widget');
    // Walk to the info capture form: its fields take focus, which must not scroll the panel.
    await root.getByRole('button', { name: 'Pricing questions' }).click();
    await root.getByRole('button', { name: 'Yes, connect me' }).click();
    await root.getByLabel('First name').waitFor();
    await page.waitForTimeout(300);
    const box = await page.evaluate(() => {
      const sr = document.getElementById('parlor-widget').shadowRoot;
      const r = (sel) => sr.querySelector(sel)?.getBoundingClientRect().toJSON();
      const log = sr.querySelector('.lg');
      return { panel: r('.pn'), head: r('.hd'), panelScroll: sr.querySelector('.pn').scrollTop, scrolls: log.scrollHeight > log.clientHeight };
    });
    assert.ok(box.scrolls, `${width}px: the transcript is taller than the space it has`);
    assert.equal(box.panelScroll, 0, `${width}px: the panel itself never scrolls`);
    assert.ok(box.head.top >= box.panel.top - 0.5 && box.head.height >= 40, `${width}px: header in view: ${JSON.stringify(box)}`);
    assert.ok(box.panel.bottom <= 420.5, `${width}px: panel within the screen: ${JSON.stringify(box)}`);
    await page.context().close();
  }
});
