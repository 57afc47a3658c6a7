// Starts the admin views (kept out of the page so the CSP can forbid inline scripts).
import init, { start_admin } from '/i/inbox.js';

await init({ module_or_path: '/i/inbox_bg.wasm' });
start_admin(document.getElementById('root'));
