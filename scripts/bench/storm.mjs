// Section 3: routing storm. New live chat requests per second into ONE workspace object, in
// steps of increasing rate. Cheapest path to a routing decision: a dialogue whose only card is
// the live chat card, so starting the conversation (one POST, no visitor socket) makes the
// conversation object request a live chat at once. Latency = POST sent → the agent's
// `offered` frame on its inbox socket. Agents accept every offer (as in real use).
import { log, summary, sleep } from './common.mjs';
import { benchWorkspace, startConversation } from './workspace.mjs';

export const stormDialogue = () => ({
  id: 'storm',
  name: 'Storm',
  targeting: [],
  branches: [{ id: 'main', cards: [{ id: 'live', kind: 'live_chat', text: 'Connecting you to an agent…', routing: { mode: 'round_robin' } }] }],
});

export async function routingStorm(base, operator, { rates, stepMs, agents, capacity, thresholdMs, maxInFlight = 400, id = 'bench-storm', beforeStep, afterStep }) {
  const sentAt = new Map();
  const latencies = new Map();
  const ws = await benchWorkspace(base, operator, {
    id, agents, capacity, dialogue: stormDialogue(), log,
    onOffered: (conv, now) => {
      const t = sentAt.get(conv);
      if (t !== undefined) { if (!latencies.has(conv)) latencies.set(conv, now - t); } else if (!early.has(conv)) early.set(conv, now);
    },
  });
  const steps = [];
  try {
    for (const rate of rates) {
      const convs = [];
      const errors = {};
      const count = Math.round((rate * stepMs) / 1000);
      let inFlight = 0;
      let skipped = 0;
      const pending = [];
      await beforeStep?.(rate);
      const t0 = performance.now();
      log(`storm: ${rate} new chats/s for ${stepMs / 1000} s (${count} requests)`);
      for (let i = 0; i < count; i++) {
        const due = t0 + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait);
        if (inFlight >= maxInFlight) { skipped += 1; continue; }
        inFlight += 1;
        const start = performance.now();
        pending.push(startConversation(base, ws.id, 'https://bench.example/storm').then((c) => {
          // The offer may already have arrived (it is sent before the POST returns).
          sentAt.set(c.conversation, start);
          convs.push({ id: c.conversation, start });
        }).catch((e) => {
          const code = e.message.match(/→ (\d+)/)?.[1] ?? 'network';
          errors[code] = (errors[code] ?? 0) + 1;
        }).finally(() => { inFlight -= 1; }));
      }
      const sendSeconds = (performance.now() - t0) / 1000;
      await Promise.all(pending);
      const until = performance.now() + 15_000;
      while (convs.some((c) => !latencies.has(c.id) && !early.has(c.id)) && performance.now() < until) await sleep(100);
      const lat = [];
      let missing = 0;
      for (const c of convs) {
        if (latencies.has(c.id)) lat.push(latencies.get(c.id));
        else if (early.has(c.id)) lat.push(early.get(c.id) - c.start);
        else missing += 1;
      }
      if (missing) errors.no_offer = missing;
      if (skipped) errors.client_backlog = skipped;
      const s = summary(lat);
      const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
      const achieved = count / Math.max(sendSeconds, stepMs / 1000);
      const ok = s.p99 != null && s.p99 <= thresholdMs && errorCount === 0;
      steps.push({ rate, requests: count, achieved, latency: s, errors, errorCount, ok });
      await afterStep?.(rate, count);
      log(`  ${rate}/s: p50 ${s.p50?.toFixed(0)} ms, p99 ${s.p99?.toFixed(0)} ms, offers ${lat.length}/${count}, errors ${JSON.stringify(errors)}`);
      if (!ok && (s.p99 == null || s.p99 > 4 * thresholdMs || errorCount > count / 10)) {
        log('  storm: degraded well past the threshold, stopping');
        break;
      }
      await sleep(1000);
    }
  } finally {
    ws.close();
  }
  const sustainable = steps.filter((s) => s.ok).reduce((m, s) => Math.max(m, s.rate), 0);
  return { steps, sustainable, thresholdMs, stepMs, agents, capacity, acceptErrors: ws.stats.acceptErrors };
}

// Offers seen before the POST returned: keyed by conversation, with the receive time.
const early = new Map();
