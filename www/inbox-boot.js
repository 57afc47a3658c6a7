// Starts the agent inbox (kept out of the page so the CSP can forbid inline scripts).
import init, { start_inbox } from '/i/inbox.js';

await init({ module_or_path: '/i/inbox_bg.wasm' });
start_inbox(document.getElementById('root'));
