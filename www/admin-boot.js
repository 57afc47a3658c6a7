// Starts the admin views (kept out of the page so the CSP can forbid inline scripts). Their own
// bundle: agents, who load /i/, never download the admin's code.
import init, { start_admin } from '/a/admin.js';

// The admin's language: ?lang= (then remembered), else the last one chosen, else the browser's
// first of English and French. French comes as a catalogue of translations the views look up.
const asked = new URLSearchParams(location.search).get('lang');
if (asked === 'en' || asked === 'fr') localStorage.setItem('parlor:lang', asked);
const lang = localStorage.getItem('parlor:lang')
  ?? (navigator.languages ?? [navigator.language]).map((l) => l.slice(0, 2)).find((l) => l === 'en' || l === 'fr')
  ?? 'en';
document.documentElement.lang = lang;
for (const a of document.querySelectorAll('.lang a')) if (a.lang === lang) a.setAttribute('aria-current', 'true');
const [words] = await Promise.all([
  lang === 'fr' ? fetch('/a/admin.fr.txt').then((r) => (r.ok ? r.text() : '')).catch(() => '') : '',
  init({ module_or_path: '/a/admin_bg.wasm' }),
]);
start_admin(document.getElementById('root'), words);
