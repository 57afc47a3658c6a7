// Parlor loader: <script src="https://HOST/widget.js" data-workspace="demo" async></script>
// Costs almost nothing on page load: draws a launcher in a shadow root, then fetches the wasm
// widget when the page is idle, when the visitor clicks, or at once to resume a conversation.
// WIDGET_JS and WIDGET_WASM are the content-hashed files of this build (scripts/build.mjs).
(() => {
  const me = document.currentScript;
  if (!me || window.__parlor) return;
  window.__parlor = 1;
  const data = me.dataset;
  const workspace = data.workspace || '';
  const base = new URL(me.src, location.href).origin;

  // data-open: greet proactively by opening the panel with the dialogue's first card.
  let opened = 'open' in data && data.open !== 'false';
  let loading;
  let host;
  let root;
  // The launcher is drawn once, in the workspace's colour and on its side: from data-color and
  // data-position when the page gives them, else from the public availability read (its `look`);
  // and only on a page some dialogue targets (see `draw`).
  let look;
  // Parlor('open') before the launcher was drawn: load at once rather than when idle.
  let eager;
  // The availability answer, kept when no dialogue targets this page: no launcher then, but
  // Parlor('open') still draws one (the page asked for the widget).
  let off;
  let page;
  // The address of the latest availability read: the widget asks it again on opening (the
  // browser's cache answers when it is fresh).
  let avail;

  // Parlor('identify', {id, email, name, user_hash}): who the signed-in visitor is. The wasm
  // reads it at each start (`identity` of the config below); the server checks user_hash.
  let identity;
  // window.Parlor: Parlor('open'), Parlor('close'), Parlor('on', event, fn). Calls made before
  // this script ran wait in Parlor.q (the snippet in docs/embedding.md). Every event is also a
  // `parlor:<event>` DOM event on window, for tag managers.
  const handlers = {};
  const emit = (name, detail) => {
    attend(name, detail);
    for (const fn of handlers[name] || []) {
      try {
        fn(detail);
      } catch (e) {
        reportError(e);
      }
    }
    dispatchEvent(new CustomEvent('parlor:' + name, { detail }));
  };
  // The page's attention while the visitor looks elsewhere (the panel closed or the tab
  // hidden): the agent's arrival and messages, or nobody able to chat, are counted in the
  // title, which blinks, and with data-sound a short chime plays. All of it stops once the
  // visitor sees the panel.
  const sound = 'sound' in data && data.sound != 'false';
  let fr;
  let shown;
  let unseen = 0;
  let title;
  let blink;
  let audio;
  const seen = () => {
    if (unseen && shown && !document.hidden) {
      unseen = 0;
      clearInterval(blink);
      document.title = title;
    }
  };
  const attend = (name, detail) => {
    if (name == 'open' || name == 'close') shown = name == 'open';
    if ((name == 'chat_started' || name == 'chat_unavailable' || detail == 'agent') && (document.hidden || !shown)) {
      let on = !unseen++;
      const show = () => (document.title = (on = !on) ? (fr ? 'Nouveau message' : 'New message') : '(' + unseen + ') ' + title);
      if (on) (title = document.title), (blink = setInterval(show, 1000));
      show();
      if (sound)
        try {
          // A short tone: no audio file to fetch.
          const o = (audio ||= new AudioContext()).createOscillator();
          o.connect(audio.destination);
          o.start();
          o.stop(audio.currentTime + 0.15);
        } catch {}
    }
    seen();
  };
  document.addEventListener('visibilitychange', seen);
  const command = (cmd, event, fn) => {
    if (cmd == 'on') return typeof fn == 'function' && (handlers[event] ||= []).push(fn);
    if (cmd == 'identify') {
      // Strings only; without an id there is no one to identify (a sign-out clears it).
      identity = event && event.id != null ? {} : undefined;
      for (const k of ['id', 'email', 'name', 'user_hash']) if (identity && event[k] != null) identity[k] = '' + event[k];
      return;
    }
    const mounted = root?.querySelector('.pw');
    const isOpen = mounted?.classList.contains('op');
    if (cmd == 'open') {
      if (host) host.style.display = '';
      if (mounted) isOpen || root.querySelector('[data-act=toggle]').click();
      else (opened = eager = true), root ? load() : off && draw(off);
    } else if (cmd == 'close') {
      if (mounted) isOpen && root.querySelector('[data-act=close]').click();
      else opened = false;
    }
  };
  const queued = window.Parlor?.q || [];
  window.Parlor = (...a) => command(...a);
  for (const a of queued) command(...a);

  // Each step a task of its own (no task over 50 ms on a slow machine): the wasm streams and
  // compiles off the main thread, then instantiation, then the first render after a yield.
  const load = () =>
    (loading ||= ((root.querySelector('p').textContent = ''), import(base + WIDGET_JS))
      .then(async (m) => {
        await m.default({ module_or_path: base + WIDGET_WASM });
        await new Promise((go) => setTimeout(go));
        m.mount(root, {
          workspace,
          base,
          open: opened,
          look,
          emit,
          get identity() {
            return identity;
          },
          get availability() {
            return avail;
          },
        });
        emit('ready');
        // Mounted open (data-open, or Parlor('open') before it loaded): the page hears it too.
        if (opened) emit('open');
      })
      .catch((e) => {
        loading = null;
        console.error(e);
        // Asked for and not loaded (offline, or a Content-Security-Policy in the way): said
        // beside the launcher, which tries again, so a click is never left unanswered.
        if (opened) root.querySelector('p').textContent = fr ? "Le chat n'a pas pu se charger. Réessayez." : 'Chat could not load. Try again.';
      }));

  const draw = (a) => {
    // A conversation goes on: its token, or the key of a start a page sent and never heard back
    // about (the widget sends it again and meets that conversation).
    let token;
    try {
      token = localStorage['parlor:' + workspace] || localStorage['parlor:' + workspace + ':start'];
    } catch {}
    // No launcher for a workspace that does not exist or on a site it does not allow (the chat
    // would be refused; the site's owner reads why in the console), nor where no dialogue is,
    // unless a conversation goes on (it goes on here too); unless the page opened the widget
    // itself, which then says so.
    const refused = a.origin_allowed === false || a.error == 'not_found';
    if (refused) console.error('Parlor: ' + (a.message || 'add ' + location.origin + ' to the allowed origins') + ' (workspace ' + workspace + ')');
    const none = (refused || (a.targeted === false && !token)) && !eager;
    if (root) return (host.style.display = none ? 'none' : '');
    if (none) return (off = a);
    look = data.color || data.position ? { color: data.color, position: data.position, language: data.language } : a.look || {};
    const color = /^#[0-9a-f]{6}$/i.test(look.color) ? look.color : '#2563eb';
    const side = look.position == 'left' ? 'left' : 'right';
    const lang = (look.language != 'auto' && look.language) || navigator.language;
    fr = /^fr\b/i.test(lang);
    host = document.createElement('div');
    host.id = 'parlor-widget';
    root = host.attachShadow({ mode: 'open' });
    root.innerHTML =
      '<style>:host{all:initial}button{position:fixed;bottom:20px;' + side + ':20px;z-index:2147483000;width:56px;height:56px;border:0;border-radius:50%;background:' + color + ';color:#fff;cursor:pointer;box-shadow:0 4px 14px #0004;display:grid;place-items:center;padding:0}svg{width:28px;height:28px;fill:currentColor}button:focus-visible{outline:2px solid #18181b;outline-offset:2px}p{position:fixed;bottom:84px;' + side + ':20px;z-index:2147483000;margin:0;padding:8px 12px;background:#fff;border-radius:8px;box-shadow:0 4px 14px #0004;font:14px sans-serif}p:empty{display:none}@media(max-width:480px){button{bottom:12px;' + side + ':12px}}</style><p role=alert></p>' +
      '<button aria-label="' +
      (fr ? 'Ouvrir le chat' : 'Open chat') +
      '" aria-expanded="false"><svg viewBox="0 0 24 24"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg></button>';
    root.querySelector('button').onclick = () => {
      opened = true;
      load();
    };
    document.body.appendChild(host);
    if (token || eager) load();
    else if (window.requestIdleCallback) requestIdleCallback(load, { timeout: 4000 });
    else setTimeout(load, 2000);
  };

  // The public availability read, for this page: the look (unless the page gives it) and
  // whether a dialogue targets the page (by its path and query, all that targeting looks at).
  // At most 3 s for it, then the default look and a launcher, as for an answer without
  // `targeted` (an address over 2,000 bytes is refused); cached 15 s by the browser.
  // An answer for an address the page has left since is dropped: the watch below asks again.
  const start = () => {
    let done;
    const here = location.href;
    const once = (a) => done || ((done = 1), here == location.href && draw(a || {}));
    fetch((avail = base + '/api/visitor/availability?workspace=' + encodeURIComponent(workspace) + '&page=' + encodeURIComponent(location.pathname + location.search)))
      .then((r) => r.json())
      .then(once, () => once());
    setTimeout(once, 3000);
  };
  // A single-page site moves on without loading a page: the address is looked at each second,
  // and the launcher comes and goes with the targeting of where it is.
  const begin = () => {
    page = location.href;
    setInterval(() => page == (page = location.href) || start(), 1000);
    start();
  };

  if (document.body) begin();
  else addEventListener('DOMContentLoaded', begin);
})();
