// Parlor loader: <script src="https://HOST/widget.js" data-workspace="demo" async></script>
// Costs almost nothing on page load: draws a launcher in a shadow root, then fetches the wasm
// widget when the page is idle, when the visitor clicks, or at once to resume a conversation.
(() => {
  const me = document.currentScript;
  if (!me || window.__parlor) return;
  window.__parlor = 1;
  const workspace = me.dataset.workspace || '';
  const base = new URL(me.src, location.href).origin;

  // data-open: greet proactively by opening the panel with the dialogue's first card.
  let opened = 'open' in me.dataset && me.dataset.open !== 'false';
  let loading;
  let host;
  let root;

  // Each step a task of its own (no task over 50 ms on a slow machine): the wasm streams and
  // compiles off the main thread, then instantiation, then the first render after a yield.
  const load = () =>
    (loading ||= import(base + '/w/widget.js')
      .then(async (m) => {
        await m.default({ module_or_path: base + '/w/widget_bg.wasm' });
        await new Promise((go) => setTimeout(go));
        m.mount(root, { workspace, base, open: opened });
      })
      .catch((e) => {
        loading = null;
        console.error('parlor:', e);
      }));

  const start = () => {
    host = document.createElement('div');
    host.id = 'parlor-widget';
    root = host.attachShadow({ mode: 'open' });
    root.innerHTML =
      '<style>:host{all:initial}button{position:fixed;bottom:20px;right:20px;z-index:2147483000;width:56px;height:56px;border:0;border-radius:50%;background:#2563eb;color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.28);display:grid;place-items:center;padding:0}svg{width:28px;height:28px;fill:currentColor}button:focus-visible{outline:2px solid #18181b;outline-offset:2px}</style>' +
      '<button type="button" aria-label="' +
      (/^fr\b/i.test(navigator.language) ? 'Ouvrir le chat' : 'Open chat') +
      '" aria-expanded="false"><svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg></button>';
    root.querySelector('button').onclick = () => {
      opened = true;
      load();
    };
    document.body.appendChild(host);

    let token = null;
    try {
      token = localStorage.getItem('parlor:' + workspace);
    } catch {}
    if (token) load();
    else if (window.requestIdleCallback) requestIdleCallback(load, { timeout: 4000 });
    else setTimeout(load, 2000);
  };

  if (document.body) start();
  else addEventListener('DOMContentLoaded', start);
})();
