// The live preview's page (www/preview.html): the draft from the dialogue designer, the
// controls that play the workspace's part, and the restart. The engine and the widget's fake
// server are in shim.js; what this page shows is set as text, never as HTML.
(() => {
  const $ = (id) => document.getElementById(id);
  const P = window.parlorPreview;
  if (!P) {
    // Opened on its own (shim.js left the widget out).
    $('controls').hidden = true;
    $('alone').hidden = false;
    return;
  }

  // The draft survives the reload that restarts the walk-through (and only that reload).
  const KEY = 'parlor-preview:dialogue';
  const FRESH = 'parlor-preview:fresh';
  const AGENT = 'Alex';
  let current = null; // the draft this walk-through runs (JSON)
  let latest = null; // the newest draft the designer sent
  let absorb = false; // the designer's answer to our ready after our own restart: nothing to do
  try {
    if (sessionStorage.getItem(FRESH)) {
      current = latest = sessionStorage.getItem(KEY);
      absorb = current !== null;
      sessionStorage.removeItem(FRESH);
    }
  } catch {}
  if (current !== null) P.setDialogue(current);

  const restart = (json) => {
    try {
      localStorage.removeItem('parlor:preview');
      if (json !== null) {
        sessionStorage.setItem(KEY, json);
        sessionStorage.setItem(FRESH, '1');
      }
    } catch {}
    location.reload();
  };

  // The designer's drafts: same origin, from the page that framed this one, only.
  addEventListener('message', (e) => {
    if (e.origin !== location.origin || e.source !== window.parent) return;
    const m = e.data;
    if (!m || m.type !== 'parlor-preview-dialogue' || !m.dialogue) return;
    const json = JSON.stringify(m.dialogue);
    const absorbing = absorb;
    absorb = false;
    latest = json;
    if (current === null) {
      current = json;
      P.setDialogue(json);
    } else if (m.restart) {
      if (!(absorbing && json === current)) restart(json);
    } else {
      $('changed').hidden = json === current;
    }
  });

  // The controls follow the walk-through.
  const words = {
    idle: 'Starting…',
    bot: 'The visitor is answering the dialogue.',
    waiting: 'Waiting for an agent: let one join, or nobody answer.',
    chatting: `Live chat with ${AGENT}.`,
    closed: 'The conversation is over.',
  };
  const sync = () => {
    const state = P.state();
    $('state').textContent = words[state] || '';
    $('join').disabled = $('nobody').disabled = state !== 'waiting';
    $('say-text').disabled = $('say-send').disabled = state !== 'chatting';
  };
  P.onChange(sync);
  P.onError((message) => {
    $('error').textContent = message;
  });
  sync();

  // Each action's refusal (if any) replaces the last one.
  const act = (fn) => () => {
    $('error').textContent = '';
    fn();
  };
  $('restart').addEventListener('click', () => restart(latest));
  $('join').addEventListener('click', act(() => P.agentJoins(AGENT)));
  $('nobody').addEventListener('click', act(() => P.fallBack()));
  $('available').addEventListener('change', (e) => P.setAvailable(e.target.checked));
  $('say').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = $('say-text').value;
    if (!text.trim()) return;
    act(() => P.agentSays(text))();
    $('say-text').value = '';
  });

  // Ready: the designer answers with the draft.
  P.engine.then(
    () => window.parent.postMessage({ type: 'parlor-preview-ready' }, location.origin),
    () => ($('error').textContent = 'The preview could not load.'),
  );
  P.ready.catch((e) => ($('error').textContent = 'This draft cannot be previewed: ' + (e instanceof Error ? e.message : e)));
})();
