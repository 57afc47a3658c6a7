// The Worker's entry module, the file workerd loads (wrangler.toml `main`; `scripts/build-worker.mjs`
// puts it in edge/build/worker/ beside the wasm-bindgen glue it imports). It exports the fetch
// handler and the Durable Object classes of the Rust code, and recovers from a trapped wasm
// instance: the edge aborts on panic, and a trap leaves the instance unusable, so the next call
// starts a fresh instance and each object builds its Rust side again on it (its state is in its
// storage, not in wasm memory).
//
// Plain classes whose methods forward to the Rust objects, bound once when the module loads: a
// call costs one extra JavaScript frame, no Proxy trap per property read.
import { DurableObject as PlatformObject, WorkerEntrypoint } from 'cloudflare:workers';
import * as glue from '../index.js';

Error.stackTraceLimit = 100;

// The Rust futures' executor (wasm-bindgen-futures) schedules each of its runs with the global
// `queueMicrotask`, which the glue looks up at every call. The platform's wraps each task for
// its async-context tracing, three platform objects a call, several calls per event. A settled
// promise's `then` queues the same microtask (the engine carries the async context) and makes
// none. Only the Rust side schedules this way; nothing else here calls `queueMicrotask`.
const settled = Promise.resolve();
globalThis.queueMicrotask = (task) => {
  settled.then(task);
};

// Shared with the worker crate: its panic hook sets `criticalError`, and each new wasm instance
// counts itself in `instanceId` (also when the glue replaced a trapped instance on its own).
const init = glue.__worker_init_state();

function freshInstanceIfTrapped() {
  if (init.criticalError) {
    console.error('parlor: the wasm instance trapped; starting a fresh one');
    init.criticalError = false;
    glue.__wbg_reset_state();
  }
}

function noteTrap(e) {
  if (e instanceof WebAssembly.RuntimeError) init.criticalError = true;
  throw e;
}

function guarded(call) {
  freshInstanceIfTrapped();
  let result;
  try {
    result = call();
  } catch (e) {
    noteTrap(e);
  }
  return result instanceof Promise ? result.catch(noteTrap) : result;
}

// A Durable Object class whose methods (fetch, alarm, the WebSocket handlers, the `link` other
// objects call…) are the Rust class's, on a Rust object built again after the instance was
// replaced. It extends the platform's class: only such classes take RPC calls (`link`).
function durableObject(Rust) {
  class DurableObject extends PlatformObject {
    constructor(state, env) {
      super(state, env);
      this.args = [state, env];
      guarded(() => this.build());
    }

    build() {
      this.instance = init.instanceId;
      this.rust = new Rust(...this.args);
    }

    current() {
      if (this.instance !== init.instanceId) this.build();
      return this.rust;
    }
  }
  for (const name of Object.getOwnPropertyNames(Rust.prototype)) {
    if (name === 'constructor' || name === 'free' || name.startsWith('__')) continue;
    DurableObject.prototype[name] = function (...args) {
      return guarded(() => this.current()[name](...args));
    };
  }
  // A class may handle socket frames and its alarm within the call (see edge/src/at_once.rs).
  for (const name of ['webSocketMessage', 'alarm']) {
    const atOnce = DurableObject.prototype[`${name}AtOnce`];
    if (atOnce) DurableObject.prototype[name] = atOnce;
  }
  return DurableObject;
}

export const WorkspaceDO = durableObject(glue.WorkspaceDO);
export const ConversationDO = durableObject(glue.ConversationDO);
export const WebhookDO = durableObject(glue.WebhookDO);
export const EchoDO = durableObject(glue.EchoDO);
export const DurableEchoDO = durableObject(glue.DurableEchoDO);

export default class Parlor extends WorkerEntrypoint {
  fetch(request) {
    return guarded(() => glue.fetch(request, this.env, this.ctx));
  }
}
