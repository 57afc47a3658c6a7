// Conversations with known outcomes for the missed-chat report, over the real API and sockets
// (shared by tests/e2e/report.test.mjs and scripts/screenshots.mjs).
import { BASE, startVisitor, openVisitor, askForLiveChat, waitEntry, openAgentChat } from './lib.mjs';

const offeredFor = (conv) => (m) => m.type === 'offered' && m.offer.conversation === conv;

/** A visitor who asks for a live chat: `{conversation, visitor}` once the request is made. */
export async function visitorAsks(ws, name, base = BASE) {
  const v = await startVisitor(ws, { base });
  const visitor = await openVisitor(v.token, { base });
  await askForLiveChat(visitor, { first_name: name, email: `${name.toLowerCase()}@example.com` });
  return { conversation: v.conversation, visitor };
}

/** The agent accepts the offer for `conversation` and writes once; resolves when the visitor sees it. */
export async function acceptAndReply(ws, inbox, token, { conversation, visitor }, text, base = BASE) {
  const { offer } = await inbox.waitFor(offeredFor(conversation), 10_000, 'offer');
  inbox.send({ type: 'accept', offer: offer.offer });
  await inbox.waitFor((m) => m.type === 'chat_started' && m.chat.conversation === conversation, 10_000, 'chat_started');
  const chat = await openAgentChat(ws, conversation, token, { base });
  chat.send({ type: 'say', client_id: `r-${conversation}`, text });
  await waitEntry(visitor, 'message', (e) => e.text === text);
  return chat;
}

/** The agent declines the offer for `conversation`; resolves on the visitor's fallback. */
export async function declineOffer(inbox, { conversation, visitor }) {
  const { offer } = await inbox.waitFor(offeredFor(conversation), 10_000, 'offer');
  inbox.send({ type: 'decline', offer: offer.offer });
  return waitEntry(visitor, 'fallback');
}

/** The offer for `conversation` reaches the agent and is left to expire; resolves on the fallback. */
export async function letExpire(inbox, { conversation, visitor }) {
  await inbox.waitFor(offeredFor(conversation), 10_000, 'offer');
  return waitEntry(visitor, 'fallback', () => true, 20_000);
}

/** Today's date (YYYY-MM-DD) in an IANA zone, and the day before. */
export function localDates(zone, now = Date.now()) {
  const fmt = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
  return { today: fmt.format(new Date(now)), yesterday: fmt.format(new Date(now - 86_400_000)) };
}
