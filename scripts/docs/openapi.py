"""Writes docs/openapi.json, the OpenAPI 3.1 description of Parlor's HTTP API.
Run: python3 scripts/docs/openapi.py (the Worker serves the file at /api/openapi.json);
`--check` fails when the committed file differs (run by `npm test`)."""
import json, os, pathlib, subprocess, sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
# The schemas of the types the API reads and writes, derived from the Rust types (schemars, following
# their serde attributes and doc comments): core/examples/openapi_schemas.rs.
# `npm test` names the example it already built with the unit tests (PARLOR_SCHEMAS_BIN) rather
# than have cargo build core a second time with this package's own feature set.
SCHEMAS_BIN = os.environ.get("PARLOR_SCHEMAS_BIN")
FROM_RUST = json.loads(subprocess.run(
    [SCHEMAS_BIN] if SCHEMAS_BIN else
    ["cargo", "run", "-q", "-p", "parlor-core", "--features", "schema", "--example", "openapi_schemas"],
    cwd=ROOT, check=True, capture_output=True, text=True).stdout)

def ref(name): return {"$ref": f"#/components/schemas/{name}"}
def body(schema): return {"required": True, "content": {"application/json": {"schema": schema}}}
def resp(desc, schema=None):
    r = {"description": desc}
    if schema: r["content"] = {"application/json": {"schema": schema}}
    return r
ERR = resp("Error", ref("Error"))
def errors(*codes):
    names = {"400": "Bad request", "401": "Unauthenticated", "403": "Forbidden", "404": "Not found",
             "409": "Conflict", "410": "Gone (the conversation was erased)", "413": "Body too large (a Content-Length over the route's limit is refused before the body is read)",
             "412": "Precondition failed (error `changed`): the dialogue changed since it was opened; the message says how (\"This dialogue was changed since you opened it (now version 5, you opened version 3). Reload it to see the changes.\")",
             "422": "Unprocessable", "429": "Rate limited"}
    out = {c: {"description": names[c], "content": {"application/json": {"schema": ref("Error")}}} for c in codes if c != "503"}
    # Every 429 says when to come back; every documented path answers another method with 405,
    # and any may answer 503 `busy` when an object it needs is overloaded or restarting.
    if "429" in out: out["429"]["headers"] = RETRY_AFTER
    out["405"] = {"description": "This path does not take this method", "headers": ALLOW,
                  "content": {"application/json": {"schema": ref("Error")}}}
    out["503"] = {"description": "Error `busy` (with Retry-After: 1): an object serving the request was overloaded or restarting: try again in a second"
                  + (". Or error `unavailable`: a feature the operator did not configure on this server" if "503" in codes else ""),
                  "headers": BUSY_RETRY_AFTER, "content": {"application/json": {"schema": ref("Error")}}}
    return out
RETRY_AFTER = {"Retry-After": {"description": "Seconds until another attempt is counted", "schema": {"type": "integer", "minimum": 1}}}
BUSY_RETRY_AFTER = {"Retry-After": {"description": "With error `busy`: 1 (seconds)", "schema": {"type": "integer", "minimum": 1}}}
ALLOW = {"Allow": {"description": "The methods this path takes, e.g. `GET, PUT`", "schema": {"type": "string"}}}
WS = {"name": "ws", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[a-z0-9_-]{1,64}$"}}
def pid(name): return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1, "maxLength": 64}}
SEC = [{"bearer": []}]
ANY = {"type": "object"}
# Cursor pagination of the admin lists: the body stays an array; `Link: <…>; rel="next"` names the next page.
PAGE = [{"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 200}, "description": "Items per page"},
        {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 200}, "description": "Opaque: take it from the previous page's `Link` header"}]
def paged(r):
    r["headers"] = {"Link": {"description": "`</api/…?cursor=…>; rel=\"next\"` (RFC 8288) while there may be a next page; absent on the last page", "schema": {"type": "string"}}}
    return r

# Dialogue versions: the ETag of a read, the conditions of a save.
ETAG = {"ETag": {"description": "The dialogue's version, quoted: `\"3\"` (0 for a dialogue not saved since versions were introduced)", "schema": {"type": "string", "pattern": "^\"[0-9]+\"$"}}}
def with_etag(r):
    r["headers"] = ETAG
    return r
IF_MATCH = {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string", "pattern": "^\"?[0-9]+\"?$"},
            "description": "The version the editor opened (the ETag it read; quotes optional): the save goes through only if it is still the current one, else 412. Not a number: 400"}
IF_NONE_MATCH = {"name": "If-None-Match", "in": "header", "required": False, "schema": {"const": "*"},
                 "description": "`*`: save only if no dialogue has this id yet (creating it), else 412. Any other value: 400"}

def op(summary, ok, *, req=None, params=(), codes=("400", "401", "403", "404"), security=SEC, ok_code="200", tag=None):
    # Every body is read through the same 16 KiB limit (edge/src/http.rs MAX_BODY_BYTES) → 413.
    if req is not None and "413" not in codes: codes = (*codes, "413")
    o = {"summary": summary, "parameters": list(params), "responses": {ok_code: ok, **errors(*codes)}}
    if req is not None: o["requestBody"] = body(req)
    if security is not None: o["security"] = security
    if tag: o["tags"] = [tag]
    return o

agent_in = {"type": "object", "additionalProperties": False, "required": ["email", "name", "password"], "properties": {
    "id": {"type": "string", "pattern": "^[a-z0-9_-]{1,64}$"}, "email": {"type": "string", "format": "email", "maxLength": 254},
    "name": {"type": "string", "minLength": 1, "maxLength": 100}, "password": {"type": "string", "minLength": 8, "maxLength": 128},
    "avatar_url": {"type": ["string", "null"], "maxLength": 500, "description": "https:// URL, or a path on this site starting with a single '/'"}, "live_chat": {"type": "boolean"},
    "role": {"enum": ["agent", "admin"]}, "teams": {"type": "array", "items": {"type": "string"}}}}
agent_patch = {"type": "object", "additionalProperties": False, "properties": {
    k: v for k, v in agent_in["properties"].items() if k in ("name", "avatar_url", "live_chat", "role", "teams")}}

LEAD_COLUMNS = ["email", "name", "source", "outcome", "message", "first_seen", "last_seen", "conversations", "last_conversation",
    "page_url", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "fields", "answers"]
# Where the widget is installed (`GET`/`DELETE /api/workspaces/{ws}/sites`).
SITES = {"type": "array", "maxItems": 20, "items": {"type": "object", "required": ["origin", "first_seen", "last_seen", "allowed"], "properties": {
    "origin": {"type": "string", "maxLength": 200, "description": "`http(s)://host[:port]`, lower case, as the browser sent it"},
    "first_seen": {"type": "integer", "description": "ms since the epoch"},
    "last_seen": {"type": "integer", "description": "ms since the epoch (written at most once an hour per site)"},
    "allowed": {"type": "boolean", "description": "Whether `allowed_origins` (empty: every site) lets this site start conversations"}}}}
LEAD_FILTERS = [
    {"name": "from", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0}, "description": "Last seen at or after (ms since 1970)"},
    {"name": "to", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0}, "description": "Last seen before (ms since 1970)"},
    {"name": "source", "in": "query", "required": False, "schema": {"enum": ["capture", "offline_form"]}},
    {"name": "outcome", "in": "query", "required": False, "schema": {"enum": ["no_live_chat", "missed", "chatted", "left_message"]}},
    {"name": "q", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 200}, "description": "Case-insensitive text in the email, name, message, captured fields, answers or page URL"},
]

paths = {
  "/api/health": {"get": op("Liveness", resp("OK", ANY), codes=(), security=None)},
  "/api/openapi.json": {"get": op("This document", resp("OpenAPI document", ANY), codes=(), security=None)},
  "/api/workspaces": {"post": op("Create a workspace (operator token)", resp("Created; the admin key is shown once", ANY), ok_code="201",
      req={"type": "object", "additionalProperties": False, "required": ["id", "name"], "properties": {
          "id": {"type": "string", "pattern": "^[a-z0-9_-]{1,64}$"}, "name": {"type": "string", "minLength": 1, "maxLength": 100}}},
      codes=("400", "401", "409"), tag="operator")},
  "/api/visitor/conversations": {"post": op("Start or resume a visitor's conversation. Limited per visitor network (an IPv4 address, an IPv6 /64): new conversations 20 at once then 10 a minute, "
      "resumes (a `token` that resumes its conversation) 120 at once then 120 a minute, counted apart; beyond either, 429 with Retry-After", resp("Started", ref("Started")), ok_code="201",
      req={"type": "object", "additionalProperties": False, "required": ["workspace", "page_url"], "properties": {
          "workspace": {"type": "string"}, "page_url": {"type": "string", "maxLength": 2000, "description": "The page's URL; kept without its fragment (what follows `#` is cut before it is used or stored)"},
          "language": {"type": "string", "maxLength": 35}, "token": {"type": "string"},
          "identity": ref("IdentityClaim"),
          "start": {"type": "string", "pattern": "^[A-Za-z0-9_-]{16,64}$", "description": "The client's own name for this start, random (at least 96 bits) and the same in every retry of it: "
              "a retry of a start the server carried out (its answer lost on the way) is answered with the same conversation and token, 201 as the first time, and counted as a resume, "
              "instead of starting a second conversation (and, when the first card is a live chat card, offering an agent a second chat). Use a new key for each new start; "
              "keep a key until its start is answered (a page opened meanwhile may send it again). If that conversation was erased since, the key starts a new one, "
              "answered the same way to its retries. A `token` that resumes its own conversation comes first"}}},
      codes=("400", "403", "404", "413", "429"), security=[], tag="visitor")},
  "/api/visitor/ws": {"get": op("Visitor's conversation WebSocket (see docs/protocol.md)", resp("Switching protocols"),
      params=[{"name": "token", "in": "query", "required": True, "schema": {"type": "string"}}], codes=("400", "401", "403", "410", "429"), security=[], tag="visitor")},
  "/api/workspaces/{ws}/sessions": {"post": op("Agent sign-in", resp("Session", ANY), ok_code="201", params=[WS],
      req={"type": "object", "additionalProperties": False, "required": ["email", "password"], "properties": {
          "email": {"type": "string"}, "password": {"type": "string"}}}, codes=("400", "401", "404", "413", "429"), security=[], tag="agent")},
  "/api/workspaces/{ws}/me": {
      "get": op("The signed-in agent", resp("Agent", ref("Agent")), params=[WS], tag="agent"),
      "patch": op("Change one's own profile (name, avatar)", resp("Agent", ref("Agent")), params=[WS],
          req={"type": "object", "additionalProperties": False, "properties": {"name": agent_in["properties"]["name"], "avatar_url": agent_in["properties"]["avatar_url"]}}, tag="agent")},
  # Profile pictures (docs/protocol.md, "Profile"; docs/security.md, "Input"): the body is the image itself.
  "/api/workspaces/{ws}/me/picture": {
      "put": op("Upload one's own profile picture: the image itself as the body, PNG, JPEG or WebP as its bytes say (never SVG), at most 1 MB. "
          "Stored on this site; the answer is the agent, whose `avatar_url` names the picture (`/api/pictures/{ws}/{agent}/{hash}.{png|jpg|webp}`). An agent keeps their 5 newest pictures (older ones answer 404 from then on); removing an agent deletes theirs. "
          "A workspace key has no picture (403); not an accepted image, or a `Content-Type` that disagrees with the bytes → 422 with a sentence; over 1 MB → 413",
          resp("Agent", ref("Agent")), params=[WS], req=ANY, codes=("400", "401", "403", "404", "413", "422"), tag="agent")},
  "/api/push/key": {
      "get": op("This server's VAPID public key (RFC 8292), base64url of the uncompressed P-256 point: the `applicationServerKey` an inbox subscribes to Web Push with. 503 when the operator configured no key",
          resp("Key", {"type": "object", "required": ["public_key"], "properties": {"public_key": {"type": "string", "pattern": "^[A-Za-z0-9_-]{87}$"}}}),
          codes=("503",), security=[], tag="agent")},
  "/api/workspaces/{ws}/me/push": {
      "put": op("Store this browser's push subscription for the signed-in agent (the JSON of `PushSubscription.toJSON()`): while Available, with no inbox open, the agent is offered chats by notification for 8 hours after their last inbox closed, when no agent with an open inbox can take them (docs/protocol.md, Web Push). "
          "The same endpoint again replaces its keys; an agent keeps their 10 newest devices. An endpoint that is not https (http only to this machine on a local server), a key that is not a P-256 point or an auth secret that is not 16 bytes → 400 with a sentence; no VAPID key on this server → 503",
          resp("Devices", ref("PushDevices")), params=[WS], req=ref("PushSubscription"), codes=("400", "401", "403", "404", "413", "503"), tag="agent"),
      "delete": op("Drop one push subscription of the signed-in agent (notifications turned off, or signing out on that browser). Signing out everywhere, a password reset, a role change or removal drops all of them",
          resp("Devices", ref("PushDevices")), params=[WS, {"name": "endpoint", "in": "query", "required": True, "description": "The device's push endpoint, URL-encoded", "schema": {"type": "string", "maxLength": 1024}}], codes=("400", "401", "403", "404"), tag="agent")},
  "/api/pictures/{ws}/{agent}/{file}": {
      "get": op("An agent's uploaded picture, for anyone (visitors see it): its checked type, `X-Content-Type-Options: nosniff`, a sandboxing CSP, cached for good (a new picture gets a new name)",
          resp("The picture"), params=[WS, pid("agent"), {"name": "file", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[0-9a-f]{16}\\.(png|jpg|webp)$"}}],
          codes=("400", "404"), security=None, tag="visitor")},
  "/api/workspaces/{ws}/inbox/ws": {"get": op("Agent inbox WebSocket", resp("Switching protocols"), params=[WS], tag="agent")},
  "/api/workspaces/{ws}/admin/ws": {"get": op("Admin Conversations WebSocket", resp("Switching protocols"), params=[WS], tag="admin")},
  "/api/workspaces/{ws}/conversations/{id}/ws": {"get": op("Agent chat WebSocket for an accepted chat", resp("Switching protocols"), params=[WS, pid("id")], codes=("400", "401", "403", "404", "410", "429"), tag="agent")},
  "/api/workspaces/{ws}/settings": {
      "get": op("Workspace settings", resp("Settings", ref("Settings")), params=[WS], tag="admin"),
      "put": op("Replace workspace settings", resp("Settings", ref("Settings")), params=[WS], req=ref("Settings"), codes=("400", "401", "403", "404", "422"), tag="admin")},
  "/api/workspaces/{ws}/sites": {"get": op("Where the widget is installed: the sites (origins) whose pages read the public availability (`GET /api/visitor/availability` with `page`, as the loader does), seen most recently first, at most 20 (a new site replaces the one seen longest ago); each said allowed or not by the workspace's `allowed_origins` as they are now (a refused site's pages show no chat button). `last_seen` is within an hour. Origins come from browsers' `Origin` headers: informative, not proof",
      resp("Sites", SITES), params=[WS], tag="admin"),
      "delete": op("Remove a site from the list (one that no longer runs the tag, e.g. an old staging host), which also takes it out of the admin's warning about refused sites. A page of it that reads the availability again lists it again. Answers the list as it is now",
          resp("Sites", SITES), params=[WS, {"name": "origin", "in": "query", "required": True, "schema": {"type": "string", "maxLength": 200}, "description": "The site, exactly as listed: `https://host[:port]`"}],
          codes=("400", "401", "403", "404"), tag="admin")},
  "/api/workspaces/{ws}/agents": {
      "get": op("List agents", resp("Agents", {"type": "array", "items": ref("Agent")}), params=[WS], tag="admin"),
      "post": op("Create an agent", resp("Agent", ref("Agent")), ok_code="201", params=[WS], req=agent_in, codes=("400", "401", "403", "404", "409", "422"), tag="admin")},
  "/api/workspaces/{ws}/agents/{id}": {
      "patch": op("Change an agent (a role change or losing live_chat ends the agent's sessions)", resp("Agent", ref("Agent")), params=[WS, pid("id")], req=agent_patch, codes=("400", "401", "403", "404", "422"), tag="admin"),
      "delete": op("Remove an agent (their sessions end, their sockets close with 4001, their chats are routed again)", resp("Deleted", ANY), params=[WS, pid("id")], tag="admin")},
  "/api/workspaces/{ws}/agents/{id}/password": {"post": op("Reset an agent's password (ends all their sessions; resetting one's own returns a new token for the caller)",
      resp("OK", {"type": "object", "required": ["ok"], "properties": {"ok": {"const": True},
          "token": {"type": "string", "description": "Only when agents reset their own password: a session token replacing the caller's"}}}), params=[WS, pid("id")],
      req={"type": "object", "additionalProperties": False, "required": ["password"], "properties": {"password": agent_in["properties"]["password"]}}, tag="admin")},
  "/api/visitor/availability": {"get": op("Whether the workspace is within its business hours and someone could take a live chat now (names no agent; cacheable for 15 s); with `page`, also whether a dialogue targets that page (where none does, a start answers 404, so the loader draws no launcher there); from a page, whether the workspace allows its site",
      resp("Availability", {"type": "object", "required": ["open", "can_chat", "look"], "properties": {"open": {"type": "boolean"}, "can_chat": {"type": "boolean"},
          "targeted": {"type": "boolean", "description": "Only when asked with `page`: whether some dialogue targets that page, by the same rules a start (`POST /api/visitor/conversations`) chooses its dialogue with"},
          "origin_allowed": {"type": "boolean", "description": "Only when the request carries an `Origin` header (a page's cross-origin read): whether the workspace's `allowed_origins` let that site start conversations; false means a start from it answers 403 `origin_not_allowed`, so the loader draws no launcher there. Responses vary by `Origin`"},
          "look": {"type": "object", "description": "The widget's appearance (workspace settings `widget`), so a loader draws the launcher once, in its final colour and place",
                   "required": ["color", "position", "language"], "properties": {"color": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"}, "position": {"enum": ["left", "right"]}, "language": {"type": "string"}}}}}),
      params=[{"name": "workspace", "in": "query", "required": True, "schema": {"type": "string", "pattern": "^[a-z0-9_-]{1,64}$"}},
              {"name": "page", "in": "query", "required": False, "description": "The page's URL (as a start's `page_url`); at most 2,000 bytes, else 400", "schema": {"type": "string", "maxLength": 2000}}],
      codes=("400", "404"), security=[], tag="visitor")},
  "/api/workspaces/{ws}/identity-secret": {
      "get": op("The workspace's identity secret (made on first read): the key of HMAC-SHA256(secret, user id) = the `user_hash` a site's server computes for Parlor('identify'). Keep it on the server.",
          resp("Identity secret", ref("IdentitySecret")), params=[WS], tag="admin"),
      "post": op("Rotate the identity secret: hashes made with the previous one verify no more (their identities become claims, or are refused when verification is required)",
          resp("New identity secret", ref("IdentitySecret")), params=[WS], tag="admin")},
  "/api/workspaces/{ws}/admin-sessions": {"post": op("Exchange the workspace admin key (as the bearer) for an admin-view session token (12 h, ends when the key is rotated), so a browser never keeps the key. The previous key, during its grace after a rotation, is refused (403): only the current key opens sessions",
      resp("Session", {"type": "object", "required": ["token", "expires_at"], "properties": {"token": {"type": "string"}, "expires_at": {"type": "integer", "description": "ms since the epoch"}}}),
      ok_code="201", params=[WS], tag="admin")},
  "/api/workspaces/{ws}/admin-key": {"post": {**op("Rotate the workspace admin key: a new key, shown once; the previous key keeps working for grace_seconds (default 86400, at most 604800, 0 refuses it at once); every admin-view session made from a key ends and key holders' admin views close with 4001. The previous key, during its grace, may not rotate (403)",
      resp("New key", {"type": "object", "required": ["admin_key", "previous_key_valid_until", "token"], "properties": {
          "admin_key": {"type": "string", "pattern": "^wsk_[0-9a-f]{48}$"},
          "previous_key_valid_until": {"type": ["integer", "null"], "description": "ms since the epoch; null when the previous key is refused at once"},
          "token": {"type": ["string", "null"], "description": "When the caller used an admin-view session: its replacement"}}}),
      params=[WS], codes=("400", "401", "403", "404", "413"), tag="admin"),
      "requestBody": {"required": False, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": False, "properties": {
          "grace_seconds": {"type": "integer", "minimum": 0, "maximum": 604800}}}}}}}},
  "/api/workspaces/{ws}/teams": {"get": op("List teams", resp("Teams", {"type": "array", "items": ref("Team")}), params=[WS], tag="admin")},
  "/api/workspaces/{ws}/teams/{id}": {
      "put": op("Create or change a team (name and its own business hours)", resp("Team", ref("Team")), params=[WS, pid("id")],
          req={"type": "object", "additionalProperties": False, "required": ["name"], "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 100},
              "business_hours": {"oneOf": [{"type": "null"}, ref("BusinessHours")], "description": "The team's own hours; absent or null: the workspace's. Outside them the team takes no chats (team routing falls back at once, reason outside_hours) and a member none of whose teams is open is offered no chat in any mode."}}},
          codes=("400", "401", "403", "404", "413", "422"), tag="admin"),
      "delete": op("Remove a team", resp("Deleted", ANY), params=[WS, pid("id")], tag="admin")},
  "/api/workspaces/{ws}/dialogues": {"get": op("List dialogues in targeting order", resp("Dialogues", {"type": "array", "items": ref("Dialogue")}), params=[WS], tag="admin")},
  "/api/workspaces/{ws}/dialogue-templates": {"get": op("The ready-made dialogues a new one can start from (Sales qualification, Demo request, Pricing question), each valid with no warnings; its dialogue's id is the template's key",
      resp("Templates", ref("DialogueTemplates")), params=[WS], tag="admin")},
  "/api/workspaces/{ws}/dialogues/validate": {"post": op("Check a dialogue without saving", resp("Check", ref("DialogueCheck")), params=[WS], req=ref("Dialogue"), codes=("400", "401", "403", "404", "413"), tag="admin")},
  "/api/workspaces/{ws}/dialogues/reorder": {"post": op("Set the order targeting tries dialogues in (the first whose targeting matches a page is shown): ids must list every dialogue exactly once, else 422 naming the problem",
      resp("The new order", ref("DialogueOrder")), params=[WS], req=ref("DialogueOrder"), codes=("400", "401", "403", "404", "413", "422"), tag="admin")},
  "/api/workspaces/{ws}/dialogues/{id}": {
      "get": op("A dialogue; its version is the ETag (send it back as If-Match when saving)", with_etag(resp("Dialogue", ref("Dialogue"))), params=[WS, pid("id")], tag="admin"),
      "put": op("Save a dialogue (validated; errors → 422 with issues). Each save is a new version (the newest 10 are kept). With If-Match the save goes through only on that version, with If-None-Match: * only when the dialogue does not exist yet: else 412 `changed`; without either it always does",
          with_etag(resp("Saved", ref("DialogueSaved"))), ok_code="201", params=[WS, pid("id"), IF_MATCH, IF_NONE_MATCH], req=ref("Dialogue"), codes=("400", "401", "403", "404", "412", "413", "422"), tag="admin"),
      "delete": op("Remove a dialogue and its versions", resp("Deleted", ANY), params=[WS, pid("id")], tag="admin")},
  "/api/workspaces/{ws}/dialogues/{id}/versions": {"get": op("The dialogue's current version and its kept versions (at most 10), newest first",
      resp("Versions", ref("DialogueVersions")), params=[WS, pid("id")], tag="admin")},
  "/api/workspaces/{ws}/conversations": {"get": op("All conversations, most recently updated first, a page at a time (a conversation updated while you page may appear again)", paged(resp("Conversations", {"type": "array", "items": ref("ConversationRecord")})),
      params=[WS, *PAGE, {"name": "status", "in": "query", "required": False, "schema": {"enum": ["automated", "waiting", "live", "ended", "expired", "fell_back"]}},
              {"name": "person", "in": "query", "required": False, "description": "Only the conversations of this verified identity id (identity.verified true): one person across devices",
               "schema": {"type": "string", "minLength": 1, "maxLength": 200}}], tag="admin")},
  "/api/workspaces/{ws}/conversations/{id}": {"get": op("A conversation with its transcript", resp("Conversation", ANY), params=[WS, pid("id")], tag="admin")},
  "/api/workspaces/{ws}/audit": {"get": op("Routing audit log, newest first, a page at a time", paged(resp("Audit entries", {"type": "array", "items": ANY})), params=[WS, *PAGE], tag="admin")},
  "/api/workspaces/{ws}/erasures": {"post": op(
      "Erase a visitor's data (GDPR): by email, every conversation whose captured fields or identity email name it (ASCII case-insensitive), at most 100 per call "
      "(`more: true` → call again); or one conversation by id. Deletes the transcript and captured fields (open sockets close with 4002, later ones get 410), "
      "the index row, the email rows (outbox), the routing audit rows, and the lead of that email (`erased.leads`); leaves one audit row without personal data. Idempotent: erasing again answers 200 with zero counts.",
      resp("What was erased", ref("ErasureAnswer")), params=[WS],
      req={"type": "object", "additionalProperties": False, "minProperties": 1, "maxProperties": 1, "properties": {
          "email": {"type": "string", "format": "email", "maxLength": 254},
          "conversation": {"type": "string", "pattern": "^[0-9a-fA-F]{1,64}$"}}}, tag="admin")},
  "/api/workspaces/{ws}/outbox": {"get": op("Emails sent, newest first, a page at a time: `entry.kind` is failed_action, digest, lead, lead_message, lead_digest, transcript or webhook_disabled; `entry.to`, `subject`, `body`, `delivery` (sent | digest). Failed-action and lead emails go to notification_emails, or to every admin when that list is empty; a transcript goes to the visitor only; an endpoint disabled after a day of failed deliveries is told to the admins.",
      paged(resp("Emails", {"type": "array", "items": ANY})), params=[WS, *PAGE], tag="admin")},
  "/api/workspaces/{ws}/leads": {"get": op(
      "Leads, newest first (by last seen), 50 a page: every visitor who gave an email (info capture or offline form), one record per email "
      "(trimmed, lower-cased), updated by each conversation. Admins only.",
      resp("A page of leads", ref("LeadPage")), params=[WS, *LEAD_FILTERS,
          {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 400}, "description": "`next_cursor` of the previous page"}], tag="admin")},
  "/api/workspaces/{ws}/leads.csv": {"get": op(
      "The leads as CSV (RFC 4180, UTF-8, CRLF), same filters, newest first, at most 10,000 rows; `Content-Disposition: attachment; filename=\"leads.csv\"`. "
      "Columns: " + ", ".join(LEAD_COLUMNS) + ". A cell starting with = + - @, tab or carriage return is prefixed with ' so spreadsheets never run it as a formula.",
      {"description": "CSV file", "content": {"text/csv": {"schema": {"type": "string"}}}}, params=[WS, *LEAD_FILTERS], tag="admin")},
  "/api/workspaces/{ws}/report": {"get": op(
      "The missed-chat report (admin only): per local day and per agent, conversations started, live chat requests, accepted, missed by reason, "
      "median time to accept and to the first agent message. Days are local dates in the workspace's time zone (settings business_hours.time_zone, else UTC), "
      "daylight saving time included. A conversation counts once, on the day it was created: as one request (its first), accepted (its first acceptance) "
      "or missed (a fallback before any acceptance), never both; a visitor who left while waiting is neither. Give from and to (both included, at most 92 days), "
      "or days (1–92, default 7) ending today. Conversations erased (by request or retention) are no longer counted; one started before the report existed counts from its next change.",
      resp("The report", ref("Report")), params=[WS,
          {"name": "from", "in": "query", "required": False, "schema": {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}, "description": "First local date, YYYY-MM-DD (with to)."},
          {"name": "to", "in": "query", "required": False, "schema": {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}, "description": "Last local date, included (with from)."},
          {"name": "days", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 92, "default": 7}, "description": "Instead of from/to: this many days ending today in the workspace's zone."}],
      codes=("400", "401", "403", "404", "422"), tag="admin")},
  # Canned replies (docs/protocol.md): workspace-wide ones written by admins, personal ones by their agent.
  "/api/workspaces/{ws}/canned-replies": {
      "get": op("The canned replies the caller sees, by shortcut: the workspace-wide ones and, for an agent, their own personal ones",
          resp("Replies", {"type": "object", "required": ["replies"], "properties": {"replies": {"type": "array", "items": ref("CannedReply")}}}), params=[WS], tag="agent"),
      "post": op("Add a canned reply. `scope: workspace` needs the admin role (else 403); `personal` is the calling agent's own (the workspace admin key has none: 403). "
          "Broken rules → 422 with the reason in `message` (shortcut, text, at most 200 workspace-wide replies and 100 personal ones per agent); "
          "a shortcut the reply would be seen with already (a workspace-wide one, the agent's own, or for a workspace-wide reply any agent's personal one) → 409",
          resp("The new reply", ref("CannedReply")), ok_code="201", params=[WS], req=ref("CannedReplyIn"), codes=("400", "401", "403", "404", "409", "422"), tag="agent")},
  "/api/workspaces/{ws}/canned-replies/{id}": {
      "put": op("Change a canned reply's shortcut and text (its scope stays). A personal reply only by its agent: to anyone else it does not exist (404); a workspace-wide one only by an admin (403)",
          resp("The reply", ref("CannedReply")), params=[WS, pid("id")], req=ref("CannedReplyIn"), codes=("400", "401", "403", "404", "409", "422"), tag="agent"),
      "delete": op("Delete a canned reply (the same rights as changing it)", resp("Deleted", ANY), params=[WS, pid("id")], tag="agent")},
  # Webhooks (docs/webhooks.md): admins only; the signing secret is shown once, on creation and rotation.
  "/api/workspaces/{ws}/webhooks": {
      "get": op("List the webhook endpoints (never their secrets)", resp("Endpoints", {"type": "object", "required": ["endpoints"], "properties": {
          "endpoints": {"type": "array", "items": ref("WebhookEndpoint")}}}), params=[WS], tag="webhooks"),
      "post": op("Add a webhook endpoint (at most 10 per workspace). The answer holds its signing secret, shown only this once",
          resp("Created", {"type": "object", "required": ["endpoint", "secret"], "properties": {"endpoint": ref("WebhookEndpoint"), "secret": ref("WebhookSecret")}}),
          ok_code="201", params=[WS], req=ref("WebhookEndpointIn"), codes=("400", "401", "403", "404", "422"), tag="webhooks")},
  "/api/workspaces/{ws}/webhooks/{eid}": {
      "get": op("One webhook endpoint", resp("Endpoint", ref("WebhookEndpoint")), params=[WS, pid("eid")], tag="webhooks"),
      "patch": op("Change an endpoint: URL, events, description, or enabled (enabling a disabled endpoint clears its failure run; disabling gives up its pending deliveries, which stay in the log)",
          resp("Endpoint", ref("WebhookEndpoint")), params=[WS, pid("eid")], req=ref("WebhookEndpointPatch"), codes=("400", "401", "403", "404", "422"), tag="webhooks"),
      "delete": op("Delete an endpoint with its pending deliveries and its log", resp("Deleted", {"type": "object", "properties": {"deleted": {"type": "string"}}}),
          params=[WS, pid("eid")], tag="webhooks")},
  "/api/workspaces/{ws}/webhooks/{eid}/secret": {"post": op("Rotate the endpoint's signing secret: the new one is shown once and signs every later request, retries included",
      resp("New secret", {"type": "object", "required": ["secret"], "properties": {"secret": ref("WebhookSecret")}}), params=[WS, pid("eid")], tag="webhooks")},
  "/api/workspaces/{ws}/webhooks/{eid}/deliveries": {"get": op("The endpoint's delivery log: its last 100 attempts, newest first",
      resp("Log", {"type": "object", "required": ["deliveries"], "properties": {"deliveries": {"type": "array", "items": ref("WebhookAttempt")}}}),
      params=[WS, pid("eid")], tag="webhooks")},
  "/api/workspaces/{ws}/webhooks/{eid}/deliveries/{did}/retry": {"post": op("Send again: one attempt now of a logged delivery, with the same webhook-id and body (a pending delivery keeps its retry schedule afterwards)",
      resp("Queued", {"type": "object", "properties": {"delivery": {"type": "integer"}, "message": {"type": "string"}, "next_at": {"type": "integer"}}}),
      ok_code="202", params=[WS, pid("eid"), {"name": "did", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}],
      codes=("400", "401", "403", "404", "422"), tag="webhooks")},
  "/api/workspaces/{ws}/webhooks/{eid}/test": {"post": op("Send a webhook.test event to this endpoint now",
      resp("Queued", {"type": "object", "properties": {"message": {"type": "string", "description": "Its webhook-id"}}}),
      ok_code="202", params=[WS, pid("eid")], codes=("400", "401", "403", "404", "422"), tag="webhooks")},
}

WEBHOOK_EVENTS = ["chat.requested", "chat.accepted", "chat.missed", "chat.ended", "chat.transferred", "lead.created"]
WEBHOOK_URL = {"type": "string", "minLength": 1, "maxLength": 2048, "description": "https:// only (http://127.0.0.1 or http://localhost only on a local server with WEBHOOKS_LOCAL=1); no user name or password, no #fragment"}

schemas = {
  "Error": {"type": "object", "required": ["error", "message"], "properties": {"error": {"type": "string"}, "message": {"type": "string"}, "issues": {"type": "array", "items": ref("Issue")}}},
  "DialogueCheck": {"type": "object", "properties": {"ok": {"type": "boolean"}, "errors": {"type": "array", "items": ref("Issue")}, "warnings": {"type": "array", "items": ref("Issue")}}},
  "DialogueSaved": {"type": "object", "required": ["ok", "errors", "warnings", "version"], "properties": {"ok": {"type": "boolean"}, "errors": {"type": "array", "items": ref("Issue")}, "warnings": {"type": "array", "items": ref("Issue")},
      "version": {"type": "integer", "minimum": 1, "description": "The version this save became (also the ETag)"}}},
  "DialogueVersions": {"type": "object", "required": ["current", "versions"], "properties": {
      "current": {"type": "integer", "minimum": 0, "description": "The current version (0: not saved since versions were introduced)"},
      "versions": {"type": "array", "maxItems": 10, "description": "Newest first", "items": {"type": "object", "required": ["version", "saved_at", "saved_by", "dialogue"], "properties": {
          "version": {"type": "integer", "minimum": 1}, "saved_at": {"type": "integer", "description": "ms since the epoch"},
          "saved_by": {"type": "string", "description": "The agent who saved it, or `admin_key`"}, "dialogue": ref("Dialogue")}}}}},
  "DialogueTemplates": {"type": "object", "required": ["templates"], "properties": {"templates": {"type": "array", "items": {"type": "object", "required": ["key", "name", "description", "dialogue"], "properties": {
      "key": {"type": "string"}, "name": {"type": "string"}, "description": {"type": "string"}, "dialogue": ref("Dialogue")}}}}},
  "DialogueOrder": {"type": "object", "additionalProperties": False, "required": ["ids"], "properties": {"ids": {"type": "array", "items": {"type": "string"}, "description": "Every dialogue id once, in targeting order"}}},
  "Started": {"type": "object", "required": ["conversation", "token"], "properties": {"conversation": {"type": "string"}, "token": {"type": "string"}, "resumed": {"type": "boolean"}, "widget": ANY}},
  "Agent": {"type": "object", "properties": {"id": {"type": "string"}, "email": {"type": "string"}, "name": {"type": "string"}, "avatar_url": {"type": ["string", "null"]}, "live_chat": {"type": "boolean"}, "role": {"enum": ["agent", "admin"]}, "teams": {"type": "array", "items": {"type": "string"}}}},
  "IdentitySecret": {"type": "object", "required": ["secret"], "properties": {"secret": {"type": "string", "pattern": "^idv_[0-9a-f]{64}$"}}},
  "PushSubscription": {"type": "object", "required": ["endpoint", "keys"], "description": "What `PushSubscription.toJSON()` gives in a browser",
      "properties": {"endpoint": {"type": "string", "maxLength": 1024, "description": "The push service URL the browser was given"},
                     "expirationTime": {"type": ["integer", "null"]},
                     "keys": {"type": "object", "required": ["p256dh", "auth"], "properties": {
                         "p256dh": {"type": "string", "description": "base64url of the browser's uncompressed P-256 public key (65 bytes)"},
                         "auth": {"type": "string", "description": "base64url of the browser's 16-byte auth secret"}}}}},
  "PushDevices": {"type": "object", "required": ["devices"], "properties": {"devices": {"type": "integer", "minimum": 0, "maximum": 10, "description": "The agent's browsers that receive offers by Web Push"}}},
  "Team": {"type": "object", "required": ["id", "name"], "properties": {"id": {"type": "string"}, "name": {"type": "string"},
      "business_hours": ref("BusinessHours")}},
  "LeadPage": {"type": "object", "required": ["leads"], "properties": {
      "leads": {"type": "array", "items": ref("Lead")},
      "next_cursor": {"type": "string", "description": "Absent on the last page"}}},
  "Lead": {"type": "object", "required": ["key", "email", "source", "outcome", "outcome_text", "first_seen", "last_seen", "conversations", "last_conversation"], "properties": {
      "key": {"type": "string", "description": "The normalised email (trimmed, lower-cased): the record's identity"},
      "email": {"type": "string", "description": "As the visitor last typed it"},
      "name": {"type": "string", "description": "First and last name when captured, else empty"},
      "fields": {"type": "object", "additionalProperties": {"type": "string"}, "description": "Every captured field by key"},
      "answers": {"type": "object", "additionalProperties": {"type": "string"}, "description": "Question text → the button clicked"},
      "page_url": {"type": "string"},
      "utm": {"type": "object", "description": "UTM parameters of the page URL by name without utm_", "properties": {k: {"type": "string"} for k in ("source", "medium", "campaign", "term", "content")}},
      "source": {"enum": ["capture", "offline_form"], "description": "How the lead first gave the email"},
      "outcome": {"oneOf": [
          {"type": "object", "required": ["kind"], "properties": {"kind": {"const": "no_live_chat"}}},
          {"type": "object", "required": ["kind", "reason"], "properties": {"kind": {"const": "missed"}, "reason": ref("FallbackReason")}},
          {"type": "object", "required": ["kind", "agent"], "properties": {"kind": {"const": "chatted"}, "agent": {"type": "string"}}},
          {"type": "object", "required": ["kind"], "properties": {"kind": {"const": "left_message"}, "reason": ref("FallbackReason")}}],
          "description": "Of the latest conversation; within one conversation it only moves forward (no_live_chat < missed < chatted < left_message)"},
      "outcome_text": {"type": "string", "examples": ["chatted with Alice Martin", "missed: no agent was available to take the chat", "left a message"]},
      "message": {"type": "string", "description": "The latest offline message, if any"},
      "first_seen": {"type": "integer"}, "last_seen": {"type": "integer"},
      "conversations": {"type": "integer", "minimum": 1}, "last_conversation": {"type": "string"}}},
  "ErasureAnswer": {"type": "object", "required": ["erased", "more"], "properties": {
      "erased": {"type": "object", "required": ["conversations", "transcript_entries", "index_rows", "outbox_rows", "audit_rows"], "properties": {
          k: {"type": "integer", "minimum": 0} for k in ("conversations", "transcript_entries", "index_rows", "outbox_rows", "audit_rows", "leads")}},
      "more": {"type": "boolean", "description": "More conversations name this email: call again."}}},
  "CannedReplyIn": {"type": "object", "additionalProperties": False, "required": ["shortcut", "text"], "properties": {
      "shortcut": {"type": "string", "pattern": "^[a-z0-9_-]{1,32}$", "description": "What agents type after `/` in the composer (spaces around it are dropped)"},
      "text": {"type": "string", "minLength": 1, "description": "1 to 2,000 bytes once trimmed; `{first_name}` and `{agent_name}` are filled from the chat when inserted"},
      "scope": {"enum": ["workspace", "personal"], "description": "Required when adding; when changing, if given, the reply's own"}}},
  "WebhookSecret": {"type": "string", "pattern": "^whsec_[A-Za-z0-9+/]+=*$", "description": "whsec_ + base64 of the HMAC-SHA256 key bytes (docs/webhooks.md)"},
  "WebhookEndpointIn": {"type": "object", "additionalProperties": False, "required": ["url", "events"], "properties": {
      "url": WEBHOOK_URL, "events": {"type": "array", "minItems": 1, "items": {"enum": WEBHOOK_EVENTS}},
      "description": {"type": "string", "maxLength": 200}}},
  "WebhookEndpointPatch": {"type": "object", "additionalProperties": False, "properties": {
      "url": WEBHOOK_URL, "events": {"type": "array", "minItems": 1, "items": {"enum": WEBHOOK_EVENTS}},
      "description": {"type": "string", "maxLength": 200}, "enabled": {"type": "boolean"}}},
  "WebhookEndpoint": {"type": "object", "required": ["id", "url", "events", "enabled", "created_at", "pending"], "properties": {
      "id": {"type": "string"}, "url": {"type": "string"}, "description": {"type": "string"},
      "events": {"type": "array", "items": {"enum": WEBHOOK_EVENTS}}, "enabled": {"type": "boolean"},
      "disabled_reason": {"type": "string", "description": "Present when Parlor disabled it after 24 hours of failed deliveries"},
      "created_at": {"type": "integer", "description": "ms since the epoch"},
      "health": {"type": "object", "properties": {"failing_since": {"type": ["integer", "null"], "description": "First failure since the last success (ms)"}}},
      "pending": {"type": "integer", "minimum": 0, "description": "Deliveries waiting for an attempt"}}},
  "WebhookAttempt": {"type": "object", "required": ["seq", "delivery", "message", "event", "attempt", "at", "duration_ms", "outcome", "result"], "properties": {
      "seq": {"type": "integer"}, "delivery": {"type": "integer", "description": "Use with …/deliveries/{did}/retry"},
      "message": {"type": "string", "description": "The webhook-id, the same on every attempt"},
      "event": {"enum": WEBHOOK_EVENTS + ["webhook.test"]}, "attempt": {"type": "integer", "minimum": 1},
      "at": {"type": "integer"}, "duration_ms": {"type": "integer"},
      "outcome": {"oneOf": [
          {"type": "object", "required": ["kind", "code"], "properties": {"kind": {"const": "status"}, "code": {"type": "integer"}}},
          {"type": "object", "required": ["kind"], "properties": {"kind": {"const": "timeout"}}},
          {"type": "object", "required": ["kind", "error"], "properties": {"kind": {"const": "network"}, "error": {"type": "string"}}}]},
      "next_retry": {"type": ["integer", "null"], "description": "When the next attempt is due; null when this attempt settled the delivery"},
      "manual": {"type": "boolean", "description": "An admin's Send again"},
      "result": {"type": "string", "description": "The outcome in words"}}},
}
# A type is described once: from Rust when it is a Rust type the API shares, else above.
assert not set(FROM_RUST) & set(schemas), set(FROM_RUST) & set(schemas)
schemas.update(FROM_RUST)

doc = {"openapi": "3.1.0",
       "info": {"title": "Parlor API", "version": "0.1.0", "description": "Live chat at the edge. WebSocket protocols: docs/protocol.md. Errors are JSON {error, message}; a 429 carries Retry-After (seconds), a 405 carries Allow; a 503 {error: \"busy\"} carries Retry-After: 1 and says an object serving the request was overloaded or restarting: retry. A deployment whose SESSION_SECRET or ADMIN_TOKEN is misconfigured answers every request 500 {error: \"misconfigured\"} naming the secret (docs/security.md)."},
       "servers": [{"url": "/"}],
       "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "Operator token (op_…), workspace admin key (wsk_…) or agent session (v2.…; v1.… still accepted until the agent's sessions are revoked)"}}, "schemas": schemas},
       "paths": paths}
# 429 on sign-in carries Retry-After; the visitor socket's 403 is an Origin missing from allowed_origins.
paths["/api/workspaces/{ws}/sessions"]["post"]["summary"] = ("Agent sign-in (limited per email and per network: "
    "429 with Retry-After; an unknown email answers exactly like a wrong password)")
paths["/api/visitor/ws"]["get"]["responses"]["403"]["description"] = "The page's Origin is not in the workspace's allowed_origins (checked before the upgrade)"
# WebSocket routes answer 101 (the upgrade; the frames are docs/protocol.md's). Browsers cannot set
# Authorization on a WebSocket, so agents and admins may pass their token in the query.
TOKEN_Q = {"name": "token", "in": "query", "required": False, "schema": {"type": "string"},
           "description": "The bearer token, for clients that cannot set Authorization on a WebSocket (browsers)"}
for path in ["/api/visitor/ws", "/api/workspaces/{ws}/inbox/ws", "/api/workspaces/{ws}/admin/ws", "/api/workspaces/{ws}/conversations/{id}/ws"]:
    o = paths[path]["get"]
    o["responses"].pop("200")
    o["responses"] = {"101": {"description": "Switching Protocols: the WebSocket of docs/protocol.md (send `Upgrade: websocket`; without it 400)"}, **o["responses"]}
    if path != "/api/visitor/ws":
        o["parameters"].append(TOKEN_Q)

# Success bodies that were only "an object".
def body_of(path, method, code, schema):
    paths[path][method]["responses"][code]["content"] = {"application/json": {"schema": schema}}
STR = {"type": "string"}
# A PUT that creates answers 201, one that replaces 200 (same body).
for path, created_desc in [("/api/workspaces/{ws}/teams/{id}", "Created (the team is new)"), ("/api/workspaces/{ws}/dialogues/{id}", "Created (the dialogue is new)")]:
    r = paths[path]["put"]["responses"]
    first = r.get("200") or r.get("201")
    r["200"] = {**first, "description": "Replaced"}
    r["201"] = {**first, "description": created_desc}
    paths[path]["put"]["responses"] = {"200": r.pop("200"), "201": r.pop("201"), **r}
body_of("/api/health", "get", "200", {"type": "object", "required": ["ok"], "properties": {"ok": {"const": True}}})
IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp")
paths["/api/workspaces/{ws}/me/picture"]["put"]["requestBody"] = {"required": True, "content": {
    t: {"schema": {"type": "string", "format": "binary", "maxLength": 1048576}} for t in IMAGE_TYPES}}
paths["/api/pictures/{ws}/{agent}/{file}"]["get"]["responses"]["200"] = {"description": "The picture", "headers": {
    "X-Content-Type-Options": {"description": "`nosniff`", "schema": {"const": "nosniff"}},
    "Cache-Control": {"description": "`public, max-age=31536000, immutable`", "schema": {"type": "string"}}},
    "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in IMAGE_TYPES}}
body_of("/api/workspaces", "post", "201", {"type": "object", "required": ["id", "admin_key"], "properties": {
    "id": STR, "admin_key": {"type": "string", "description": "wsk_…: the workspace admin key, shown only here (rotate with POST …/admin-key)"}}})
body_of("/api/workspaces/{ws}/sessions", "post", "201", {"type": "object", "required": ["token", "agent", "workspace"], "properties": {
    "token": {"type": "string", "description": "The agent's session token (Authorization: Bearer, or `token` on WebSocket URLs)"}, "agent": ref("Agent"), "workspace": STR}})
for path in ["/api/workspaces/{ws}/agents/{id}", "/api/workspaces/{ws}/teams/{id}", "/api/workspaces/{ws}/dialogues/{id}", "/api/workspaces/{ws}/canned-replies/{id}"]:
    body_of(path, "delete", "200", {"type": "object", "required": ["deleted"], "properties": {"deleted": {"type": "string", "description": "The id removed"}}})
body_of("/api/workspaces/{ws}/conversations/{id}", "get", "200", {"type": "object", "required": ["conversation", "transcript"], "properties": {
    "conversation": ref("ConversationRecord"),
    "transcript": {"type": "object", "required": ["entries"], "properties": {
        "entries": {"type": "array", "items": {"type": "object", "required": ["seq", "at", "event"], "properties": {
            "seq": {"type": "integer", "minimum": 1}, "at": {"type": "integer", "description": "ms since the epoch"},
            "event": {"type": "string", "description": "card, answered, captured, live_chat_requested, agent_joined, message, note (an agent's internal note: agents and admins only, never sent to the visitor), … (docs/protocol.md, transcript entries)"}}}},
        "agent": {"type": ["string", "null"], "description": "The agent holding the chat, if any"}}}}})

# operationIds from the method and the path's fixed words: GET …/dialogues/{id} → getDialoguesById.
def operation_id(method, path):
    words = [w for w in path.split("/") if w and w not in ("api",) and not w.startswith("{")]
    words = [w for w in words if w != "workspaces"] or ["workspaces"]
    name = "".join(part.capitalize() for w in words for part in w.replace(".", "_").replace("-", "_").split("_"))
    return method + name + ("ById" if path.endswith("}") else "")
seen = set()
for path, ops in paths.items():
    for method, o in ops.items():
        oid = operation_id(method, path)
        assert oid not in seen, oid
        seen.add(oid)
        o["operationId"] = oid

out = ROOT / "docs" / "openapi.json"
text = json.dumps(doc, indent=2) + "\n"
if "--check" in sys.argv:
    # `npm test`: the committed document is what this script writes.
    if out.read_text() != text:
        sys.exit(f"{out} differs from what scripts/docs/openapi.py generates: run it and commit the result")
    print(f"{out} is up to date")
else:
    out.write_text(text)
    print(f"wrote {out}")
