// Helpers for the inbox and admin specs: sign in, walk a visitor to a live chat, observe
// notifications. (Named inbox-lib so the runner does not take it for a spec.)
import { BASE, Api, Socket, wsUrl, widgetPage } from './lib.mjs';

export const VIEWPORT = { width: 1280, height: 800 };

/** Records every Notification the page constructs (the real constructor still runs). */
export function recordNotifications() {
  window.__notifications = [];
  const Real = window.Notification;
  if (!Real) return;
  class Recorded extends Real {
    constructor(title, options = {}) {
      super(title, options);
      window.__notifications.push({ title, body: options.body, tag: options.tag });
    }
  }
  Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
  Recorded.requestPermission = (...a) => Real.requestPermission(...a);
  window.Notification = Recorded;
}

/** Makes the page look hidden (another tab in front). */
export async function hidePage(page) {
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { get: () => 'hidden', configurable: true });
    Object.defineProperty(document, 'hidden', { get: () => true, configurable: true });
    document.hasFocus = () => false;
    document.dispatchEvent(new Event('visibilitychange'));
  });
}

export async function showPage(page) {
  await page.evaluate(() => {
    delete document.visibilityState;
    delete document.hidden;
    delete document.hasFocus;
    document.dispatchEvent(new Event('visibilitychange'));
  });
}

/** Opens the inbox and signs in; resolves when the chat list is shown. */
export async function signInInbox(context, workspace, agent) {
  const page = await context.newPage();
  await page.setViewportSize(VIEWPORT);
  await page.goto(`${BASE}/inbox.html`);
  await page.getByLabel('Workspace').fill(workspace);
  await page.getByLabel('Email').fill(agent.email);
  await page.getByLabel('Password').fill(agent.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Live chats' }).waitFor({ timeout: 15_000 });
  await page.getByText('Online — receiving chats').waitFor({ timeout: 15_000 });
  return page;
}

/** Opens the admin page and signs in with an admin agent or the workspace key. */
export async function signInAdmin(context, workspace, { agent, key }) {
  const page = await context.newPage();
  await page.setViewportSize(VIEWPORT);
  await page.goto(`${BASE}/admin.html`);
  await page.getByLabel('Workspace', { exact: true }).fill(workspace);
  if (key) {
    await page.getByLabel('Workspace admin key (wsk_…)').fill(key);
  } else {
    await page.getByLabel('Email').fill(agent.email);
    await page.getByLabel('Password').fill(agent.password);
  }
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('tab', { name: 'Conversations' }).waitFor({ timeout: 15_000 });
  return page;
}

/** A visitor page that walks the demo dialogue up to the info capture form, filled in. */
export async function visitorAtCapture(context, workspace, { first = 'Ada', email = 'ada@example.com', company = '' } = {}) {
  const page = await widgetPage(context, workspace);
  await page.setViewportSize(VIEWPORT);
  await page.goto(`${BASE}/e2e/page.html?utm_source=e2e`);
  const pricing = page.getByRole('button', { name: 'Pricing questions' });
  try {
    await pricing.waitFor({ timeout: 4_000 });
  } catch {
    await page.getByRole('button', { name: 'Open chat' }).first().click();
  }
  await pricing.click({ timeout: 15_000 });
  await page.getByRole('button', { name: 'Yes, connect me' }).click();
  await page.getByLabel('First name').fill(first);
  await page.getByLabel('Work email').fill(email);
  if (company) await page.getByLabel('Company').fill(company);
  return page;
}

/** Submits the capture form (the live chat request); returns the time of the click. */
export async function askForLiveChat(page) {
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Submit' }).click();
  return t0;
}

/** A visitor driven over the API and a WebSocket (no browser), up to the live chat request. */
export async function apiVisitor(workspace, { first = 'Api', email = 'api@example.com' } = {}) {
  const r = await new Api(BASE).call('POST', '/api/visitor/conversations', { workspace, page_url: `${BASE}/e2e/page.html`, language: 'en' });
  if (r.status !== 201 && r.status !== 200) throw new Error(`start → ${r.status} ${JSON.stringify(r.body)}`);
  const { conversation, token } = r.body;
  const s = await Socket.open(wsUrl(`/api/visitor/ws?token=${encodeURIComponent(token)}`));
  s.send({ type: 'hello', v: 1, last_seq: 0 });
  await s.waitFor((m) => m.type === 'entry' && m.entry.event === 'card' && m.entry.card.id === 'intent', 10_000, 'intent card');
  s.send({ type: 'answer', card: 'intent', button: 'pricing' });
  await s.waitFor((m) => m.type === 'entry' && m.entry.event === 'card' && m.entry.card.id === 'connect', 10_000, 'connect card');
  s.send({ type: 'answer', card: 'connect', button: 'yes' });
  await s.waitFor((m) => m.type === 'entry' && m.entry.event === 'card' && m.entry.card.id === 'details', 10_000, 'details card');
  s.send({ type: 'capture', card: 'details', values: { first_name: first, email } });
  await s.waitFor((m) => m.type === 'entry' && m.entry.event === 'live_chat_requested', 10_000, 'live chat requested');
  return { conversation, token, socket: s };
}

/** The session token the inbox page keeps. */
export async function inboxToken(page) {
  return page.evaluate(() => JSON.parse(localStorage.getItem('parlor:inbox')).token);
}
