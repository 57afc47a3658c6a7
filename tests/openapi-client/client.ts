// A third party's client: types generated from docs/openapi.json by openapi-typescript, used the
// way a client would. `npm test` generates them and type-checks this file (tsc --strict): a
// document a standard generator cannot turn into a usable client fails the build.
import type { paths, operations } from '../../target/openapi/parlor';

type Json<R> = R extends { content: { 'application/json': infer B } } ? B : never;

type StartBody = NonNullable<paths['/api/visitor/conversations']['post']['requestBody']>['content']['application/json'];
type Started = Json<paths['/api/visitor/conversations']['post']['responses']['201']>;
type Session = Json<operations['postSessions']['responses']['201']>;
type Settings = Json<operations['getSettings']['responses']['200']>;
type Conversations = Json<operations['getConversations']['responses']['200']>;
type Detail = Json<operations['getConversationsById']['responses']['200']>;
type Availability = Json<operations['getVisitorAvailability']['responses']['200']>;
type ApiError = Json<operations['getSettings']['responses']['404']>;
type Leads = Json<operations['getLeads']['responses']['200']>;

export async function start(base: string, body: StartBody): Promise<Started> {
  const r = await fetch(`${base}/api/visitor/conversations`, { method: 'POST', body: JSON.stringify(body) });
  if (r.status !== 201) throw new Error(((await r.json()) as ApiError).message);
  return (await r.json()) as Started;
}

export const sessionToken = (s: Session): string => s.token;
export const acceptTimeout = (s: Settings): number | undefined => s.accept_timeout_ms;
export const firstConversation = (page: Conversations): string | undefined => page[0]?.id;
export const entryCount = (d: Detail): number => d.transcript.entries.length;
export const launcherColour = (a: Availability): string => a.look.color;
export const nextLeadsCursor = (p: Leads): string | undefined => p.next_cursor ?? undefined;
