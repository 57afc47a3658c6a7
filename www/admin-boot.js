// Starts the admin views (kept out of the page so the CSP can forbid inline scripts). Their own
// bundle: agents, who load /i/, never download the admin's code.
import init, { start_admin } from '/a/admin.js';

await init({ module_or_path: '/a/admin_bg.wasm' });
start_admin(document.getElementById('root'));
