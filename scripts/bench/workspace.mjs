// Seeds a benchmark workspace: many agents with a given capacity, signed in, inbox sockets open,
// accepting every offer they get. Used by the chat load and the routing storm.
import { randomBytes } from 'node:crypto';
import { Api } from '../lib/api.mjs';
import { seedWorkspace, demoDialogue } from '../lib/demo.mjs';
import { Sock, pool } from './common.mjs';

export const wsBase = (url) => url.replace(/^http/, 'ws');

/**
 * Creates workspace `id` with `agents` agents of `capacity` chats each, signs them in and opens
 * their inboxes. `onOffered(conversation, receivedAt)` and `onChatStarted(conversation, at)` are
 * called from the agents' inbox frames; every offer is accepted at once.
 */
export async function benchWorkspace(base, operator, { id, agents, capacity, dialogue = demoDialogue(), onOffered, onChatStarted, log, accept = true }) {
  const settings = {
    capacity,
    engagement_limit: 1_000_000,
    plan: 'standard',
    accept_timeout_ms: 100_000,
    inactivity_timeout_ms: 3_600_000,
  };
  const key = await seedWorkspace(base, operator, { id, settings, agents: [], dialogue });
  if (!key) throw new Error(`workspace ${id} already exists`);
  const admin = new Api(base, key);
  const list = Array.from({ length: agents }, (_, i) => ({
    id: `agent-${i}`,
    email: `agent-${i}@bench.parlor.dev`,
    name: `Agent ${i}`,
    password: `bench-password-${i}`,
    teams: ['sales'],
  }));
  // Each create hashes a password (PBKDF2, in the Worker), so keep it modest.
  const created = await pool(list.length, 4, (i) => admin.ok('POST', `/api/workspaces/${id}/agents`, list[i]));
  if (created.errors.length) throw created.errors[0];
  log?.(`  ${id}: ${agents} agents created`);
  const signed = await pool(list.length, 4, async (i) => {
    const r = await new Api(base).ok('POST', `/api/workspaces/${id}/sessions`, { email: list[i].email, password: list[i].password });
    return r.token;
  });
  if (signed.errors.length) throw signed.errors[0];
  const inboxes = [];
  const stats = { acceptErrors: 0, otherErrors: [] };
  const opened = await pool(list.length, 10, async (i) => {
    let sock;
    const onFrame = (msg, now) => {
      if (msg.type === 'offered') {
        onOffered?.(msg.offer.conversation, now);
        if (accept) sock.send({ type: 'accept', offer: msg.offer.offer });
      } else if (msg.type === 'chat_started') {
        onChatStarted?.(msg.chat.conversation, now, i);
      } else if (msg.type === 'error') {
        stats.acceptErrors += 1;
        if (stats.otherErrors.length < 5) stats.otherErrors.push(msg);
      }
    };
    sock = await Sock.open(`${wsBase(base)}/api/workspaces/${id}/inbox/ws?token=${encodeURIComponent(signed.results[i])}`, onFrame);
    const welcome = sock.waitFor((m) => m.type === 'welcome', 20_000, 'inbox welcome');
    sock.send({ type: 'hello', v: 1 });
    await welcome;
    inboxes[i] = sock;
  });
  if (opened.errors.length) throw opened.errors[0];
  log?.(`  ${id}: ${agents} agents signed in, inboxes open (capacity ${capacity} each)`);
  return { id, admin, tokens: signed.results, inboxes, stats, close: () => inboxes.forEach((s) => s?.close()) };
}

let ipCounter = 0;
/** A distinct made-up client IP per visitor, so the per-IP start limit sees many visitors. */
export function nextIp() {
  ipCounter += 1;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

/** POST /api/visitor/conversations as a fresh visitor, with a start key as the widget sends
 * one (a random base and the page's count of answered starts). */
export async function startConversation(base, workspace, pageUrl) {
  const start = `${randomBytes(16).toString('hex')}-0`;
  const r = await fetch(`${base}/api/visitor/conversations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'cf-connecting-ip': nextIp(), 'x-forwarded-for': nextIp() },
    body: JSON.stringify({ workspace, page_url: pageUrl, language: 'en', start }),
  });
  const body = await r.text();
  if (r.status !== 201) throw new Error(`start conversation → ${r.status} ${body.slice(0, 200)}`);
  return JSON.parse(body);
}
