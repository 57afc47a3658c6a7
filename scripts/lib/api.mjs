// A small client for Parlor's HTTP API, used by the demo seeding, the tests and the benchmarks.
export class Api {
  constructor(base, token) {
    this.base = base;
    this.token = token;
  }

  with(token) {
    return new Api(this.base, token);
  }

  async call(method, path, body, { headers = {} } = {}) {
    const h = { ...headers };
    if (this.token) h.authorization = `Bearer ${this.token}`;
    if (body !== undefined) h['content-type'] = 'application/json';
    const send = () => fetch(this.base + path, {
      method,
      headers: h,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    let r = await send();
    let text = await r.text();
    // Local `wrangler dev` only: its proxy sometimes loses a kept-alive connection to the Worker
    // and answers a POST with this 503 although the Worker never restarted (workers-sdk issue
    // 14641, fixed in later wrangler releases). Production has no such hop; try once more.
    if (r.status === 503 && text.startsWith('Your worker restarted mid-request')) {
      r = await send();
      text = await r.text();
    }
    let json;
    try { json = text ? JSON.parse(text) : null; } catch { json = { raw: text }; }
    return { status: r.status, body: json, headers: r.headers };
  }

  /** Like call() but throws unless the status is 2xx. */
  async ok(method, path, body) {
    const r = await this.call(method, path, body);
    if (r.status < 200 || r.status > 299) {
      throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    }
    return r.body;
  }
}
