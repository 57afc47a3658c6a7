// The live preview's stand-in for the server (www/preview.html; docs/designer.md).
//
// Runs before the widget's loader. It replaces window.fetch and window.WebSocket so that the
// widget's three endpoints — the start request, the availability read and the conversation
// socket — are answered in this page by core's conversation machine compiled to wasm
// (the parlor-preview crate, /p/preview.js). A walk-through therefore creates no conversation,
// offer, lead or email, and sends nothing: any other /api/ request is answered 404 here, and
// only non-API requests (the widget's own files) reach the network.
//
// The widget itself is the real one, unchanged. page.js drives the controls and the messages
// with the dialogue designer through `window.parlorPreview` below.
(() => {
  // Opened on its own, not from the designer: no widget at all (the loader stops on this flag).
  if (window.parent === window) {
    window.__parlor = 1;
    return;
  }
  // The widget keeps its conversation token under this key: never resume an earlier one.
  try {
    localStorage.removeItem('parlor:preview');
  } catch {}
  // Open the panel at once (the loader reads calls queued before it ran).
  window.Parlor = { q: [['open']] };

  const realFetch = window.fetch.bind(window);
  const RealWebSocket = window.WebSocket;

  // The engine (wasm, content-hashed by scripts/build.mjs), and the draft from page.js.
  const engine = import('/p/preview.js').then(async (m) => {
    await m.default({ module_or_path: '/p/preview_bg.wasm' });
    return m;
  });
  let setDialogue;
  const dialogue = new Promise((resolve) => (setDialogue = resolve));
  // The workspace's own fallback texts and widget look, read with the admin's session (this
  // page is same-origin with the admin that frames it); the defaults when that fails.
  const workspace = (async () => {
    try {
      const s = JSON.parse(localStorage.getItem('parlor:admin'));
      const r = await realFetch(`/api/workspaces/${encodeURIComponent(s.workspace)}/settings`, {
        headers: { authorization: `Bearer ${s.token}` },
      });
      return r.ok ? await r.text() : null;
    } catch {
      return null;
    }
  })();
  let preview;
  const ready = Promise.all([engine, dialogue, workspace]).then(([m, json, settings]) => {
    const p = new m.Preview(json);
    if (settings) {
      try {
        p.set_workspace(settings);
      } catch {}
    }
    return (preview = p);
  });
  ready.catch(() => {});

  // Told after everything that may change the walk-through's state (page.js: the controls).
  let onChange = () => {};
  let onError = () => {};
  // Runs one engine call; its error (a refusal of a simulated action, bad JSON) is shown, not thrown.
  const call = (fn) => {
    try {
      return fn() || [];
    } catch (e) {
      onError(e instanceof Error ? e.message : String(e));
      return [];
    }
  };

  // Asynchronous and in order, like a network: the widget never hears back inside its own call.
  const later = (fn) => setTimeout(fn, 0);

  const sockets = new Set();
  let timer;
  // Frames for the widget; then the machine's next deadline (inactivity, presence) is armed.
  const deliver = (frames) => {
    for (const s of sockets) s.receive(frames);
    clearTimeout(timer);
    const at = preview && preview.next_deadline();
    if (at != null) {
      const wait = Math.min(Math.max(0, at - Date.now()) + 5, 2 ** 31 - 1);
      timer = setTimeout(() => deliver(call(() => preview.tick(Date.now()))), wait);
    }
    later(() => onChange());
  };

  // A WebSocket of /api/visitor/ws whose other end is the engine.
  class PreviewSocket extends EventTarget {
    constructor(url) {
      super();
      this.url = url;
      this.protocol = '';
      this.extensions = '';
      this.binaryType = 'blob';
      this.bufferedAmount = 0;
      this.readyState = 0;
      this.onopen = this.onmessage = this.onclose = this.onerror = null;
      ready.then(
        () => later(() => {
          if (this.readyState !== 0) return;
          this.readyState = 1;
          sockets.add(this);
          this.fire(new Event('open'));
          deliver(call(() => preview.socket(true)));
        }),
        () => later(() => this.closed(1011)),
      );
    }
    send(text) {
      if (this.readyState !== 1) throw new DOMException('WebSocket is not open', 'InvalidStateError');
      later(() => this.readyState === 1 && deliver(call(() => preview.frame(String(text)))));
    }
    close(code = 1000) {
      if (this.readyState >= 2) return;
      this.readyState = 2;
      later(() => this.closed(code));
    }
    closed(code) {
      const was = sockets.delete(this);
      this.readyState = 3;
      this.fire(new CloseEvent('close', { code, wasClean: code === 1000 }));
      if (was) deliver(call(() => preview.socket(false)));
    }
    receive(frames) {
      for (const data of frames) later(() => this.readyState === 1 && this.fire(new MessageEvent('message', { data })));
    }
    fire(event) {
      this.dispatchEvent(event);
      const handler = this['on' + event.type];
      if (typeof handler === 'function') handler.call(this, event);
    }
  }
  for (const [k, v] of Object.entries({ CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 })) PreviewSocket[k] = PreviewSocket.prototype[k] = v;

  const sameOrigin = (url) => url.origin === location.origin;
  const urlOf = (input) => {
    try {
      return new URL(input instanceof Request ? input.url : String(input), location.href);
    } catch {
      return null;
    }
  };

  window.WebSocket = function WebSocket(url, protocols) {
    const u = urlOf(String(url).replace(/^ws/, 'http'));
    if (u && sameOrigin(u) && u.pathname === '/api/visitor/ws') return new PreviewSocket(String(url));
    return new RealWebSocket(url, protocols);
  };
  Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });

  const json = (status, body) => new Response(body, { status, headers: { 'content-type': 'application/json' } });
  async function answer(url, input, init) {
    try {
      if (url.pathname === '/api/visitor/availability') {
        await ready;
        return json(200, preview.availability());
      }
      if (url.pathname === '/api/visitor/conversations') {
        const body = input instanceof Request ? await input.clone().text() : String((init && init.body) || '{}');
        await ready;
        const started = preview.start(body);
        later(() => onChange());
        return json(201, started);
      }
    } catch (e) {
      onError(e instanceof Error ? e.message : String(e));
      return json(500, '{"error":"preview","message":"The preview could not run this draft."}');
    }
    return json(404, '{"error":"not_found","message":"The preview sends nothing to the server."}');
  }
  window.fetch = function fetch(input, init) {
    const url = urlOf(input);
    if (url && sameOrigin(url) && url.pathname.startsWith('/api/')) return answer(url, input, init);
    return realFetch(input, init);
  };

  // What page.js uses.
  window.parlorPreview = {
    engine,
    ready,
    setDialogue: (json) => setDialogue(json),
    onChange: (fn) => (onChange = fn),
    onError: (fn) => (onError = fn),
    state: () => (preview ? preview.state() : 'idle'),
    setAvailable: (on) => ready.then(() => preview.set_available(on)),
    agentJoins: (name) => deliver(call(() => preview.agent_joins(name))),
    agentSays: (text) => deliver(call(() => preview.agent_says(text))),
    fallBack: () => deliver(call(() => preview.fall_back())),
  };
})();
