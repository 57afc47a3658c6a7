// The local dev server's devtools inspector (opened with PARLOR_INSPECTOR_PORT, see
// dev-server.mjs), as one function per protocol call: `cdp(method, params)` resolves with the
// reply. Used by the profilers, never by the tests or the bench's measured runs.
import WebSocket from 'ws';

export async function connectInspector(port) {
  const [target] = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
  let id = 0;
  const pending = new Map();
  socket.on('message', (data) => {
    const m = JSON.parse(data);
    pending.get(m.id)?.(m);
    pending.delete(m.id);
  });
  const cdp = (method, params = {}) => new Promise((resolve) => { id += 1; pending.set(id, resolve); socket.send(JSON.stringify({ id, method, params })); });
  return { cdp, close: () => socket.close() };
}
