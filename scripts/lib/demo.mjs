// The demo workspace: a dialogue that walks a visitor to a live chat, and two agents.
import { Api } from './api.mjs';

export const DEMO_AGENTS = [
  { id: 'alice', email: 'alice@demo.parlor.dev', name: 'Alice Martin', password: 'parlor-demo-alice', avatar_url: '{base}/img/alice.svg', role: 'admin', teams: ['sales'] },
  { id: 'bob', email: 'bob@demo.parlor.dev', name: 'Bob Durand', password: 'parlor-demo-bob', avatar_url: '{base}/img/bob.svg', role: 'agent', teams: ['sales'] },
];

export function demoDialogue(routing = { mode: 'round_robin' }) {
  return {
    id: 'welcome',
    name: 'Welcome',
    targeting: [],
    branches: [
      {
        id: 'main',
        cards: [
          { id: 'hello', kind: 'message', text: 'Hi there! Welcome to Acme Analytics.' },
          {
            id: 'intent', kind: 'question', text: 'What brings you here today?',
            buttons: [
              { id: 'pricing', label: 'Pricing questions', goto: 'pricing' },
              { id: 'browse', label: 'Just browsing', goto: 'browse' },
            ],
          },
        ],
      },
      {
        id: 'pricing',
        cards: [
          {
            id: 'connect', kind: 'question', text: 'Would you like to talk to someone from our sales team now?',
            buttons: [
              { id: 'yes', label: 'Yes, connect me', goto: 'talk' },
              { id: 'no', label: 'Not now', goto: 'browse' },
            ],
          },
        ],
      },
      {
        id: 'talk',
        cards: [
          {
            id: 'details', kind: 'info_capture', text: 'Great! Tell us who you are so the right person can help.',
            fields: [
              { key: 'first_name', kind: 'first_name', label: 'First name', required: true },
              { key: 'last_name', kind: 'last_name', label: 'Last name', required: false },
              { key: 'email', kind: 'email', label: 'Work email', required: true },
              { key: 'company', kind: 'company', label: 'Company', required: false },
            ],
          },
          { id: 'live', kind: 'live_chat', text: 'Connecting you to a sales agent…', routing },
        ],
      },
      {
        id: 'browse',
        cards: [{ id: 'bye', kind: 'message', text: 'No problem! We are here if you need anything.' }],
      },
    ],
  };
}

/** Creates a workspace with the demo dialogue and agents. Returns its admin key. */
export async function seedWorkspace(base, operatorToken, { id = 'demo', settings = {}, agents = DEMO_AGENTS, dialogue = demoDialogue() } = {}) {
  const op = new Api(base, operatorToken);
  const created = await op.call('POST', '/api/workspaces', { id, name: id === 'demo' ? 'Acme Analytics (demo)' : id });
  if (created.status === 409) return null;
  if (created.status !== 201) throw new Error(`create workspace → ${created.status} ${JSON.stringify(created.body)}`);
  const admin = new Api(base, created.body.admin_key);
  const current = await admin.ok('GET', `/api/workspaces/${id}/settings`);
  await admin.ok('PUT', `/api/workspaces/${id}/settings`, { ...current, ...settings });
  await admin.ok('PUT', `/api/workspaces/${id}/teams/sales`, { name: 'Sales' });
  for (const a of agents) {
    const avatar = a.avatar_url?.replace('{base}', base);
    await admin.ok('POST', `/api/workspaces/${id}/agents`, { ...a, avatar_url: avatar });
  }
  if (dialogue) await admin.ok('PUT', `/api/workspaces/${id}/dialogues/${dialogue.id}`, dialogue);
  return created.body.admin_key;
}
