// Offline learning: the lessons a learner opened stay readable without a connection, and what they
// complete meanwhile is kept on this device and sent when the connection returns, exactly once.
//
// - Kept in IndexedDB (idb-keyval), per signed-in person: a course's player data as last fetched, and
//   the queue of completions not sent yet. Signing out forgets the person's lessons (a shared office
//   computer keeps no course content of theirs) but not their unsent completions, which are ids only
//   and go out at their next sign-in here. The session token itself is never stored here.
// - Each queued completion carries the Idempotency-Key it is sent with, chosen when it was queued: a
//   send that reached the server but whose answer was lost, sent again, is answered from the first
//   one (gateway/src/gateway/idempotency.py), and completeLesson is idempotent in the service too.
// - One tab sends at a time (Web Locks): two open tabs do not send the same completion together.
// - A deterministic refusal (the enrolment was withdrawn, the course changed) is not retried: it is
//   shown to the learner with the server's reason. A transient one (offline, 5xx, rate limit) stays.
import { createStore, del, get, keys, set, update, type UseStore } from "idb-keyval";
import { useEffect, useState } from "preact/hooks";
import { ApiError, gql } from "./api";
import { getSession } from "./auth";
import { graphql } from "./gql";

export interface QueuedCompletion {
  /** Also the Idempotency-Key of the request. */
  id: string;
  sub: string;
  courseId: string;
  enrollmentId: string;
  lessonId: string;
  queuedAt: string;
}

export interface RefusedCompletion extends QueuedCompletion {
  code: string;
  message: string;
}

export interface OfflineState {
  online: boolean;
  pending: QueuedCompletion[];
  refused: RefusedCompletion[];
  sending: boolean;
}

const store: UseStore | null = typeof indexedDB === "undefined" ? null : createStore("kentbilim-offline", "kept");
const QUEUE = "queue";
const REFUSED = "refused";
// Errors that a later try can get past; anything else is the server's final word on that request
// (CONFLICT from the service: the enrolment was withdrawn or has no seat). The gateway's own CONFLICT
// for a request with this Idempotency-Key that is still running is transient: its answer will come.
const TRANSIENT = new Set(["NETWORK", "UNAVAILABLE", "RATE_LIMITED", "UNAUTHENTICATED"]);

function transient(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  return TRANSIENT.has(error.code) || (error.code === "CONFLICT" && error.message.includes("Idempotency-Key"));
}
export const SYNCED_EVENT = "kentbilim:synced";

let state: OfflineState = {
  online: typeof navigator === "undefined" ? true : navigator.onLine,
  pending: [],
  refused: [],
  sending: false,
};
const listeners = new Set<(s: OfflineState) => void>();

function publish(next: Partial<OfflineState>): void {
  state = { ...state, ...next };
  for (const listener of listeners) listener(state);
}

export function isNetworkError(error: unknown): boolean {
  return error instanceof ApiError && error.code === "NETWORK";
}

function courseKey(sub: string, courseId: string, lang: string): string {
  return `course:${sub}:${courseId}:${lang}`;
}

/** Keep a course's player data as just fetched, for reading it offline later. */
export async function keepCourse<T>(courseId: string, lang: string, data: T): Promise<void> {
  const sub = getSession()?.sub;
  if (!store || !sub) return;
  try {
    await set(courseKey(sub, courseId, lang), { data, keptAt: new Date().toISOString() }, store);
  } catch {
    // A full or refused storage only loses the offline copy, never the page.
  }
}

export async function keptCourse<T>(courseId: string, lang: string): Promise<{ data: T; keptAt: string } | null> {
  const sub = getSession()?.sub;
  if (!store || !sub) return null;
  try {
    return ((await get(courseKey(sub, courseId, lang), store)) as { data: T; keptAt: string } | undefined) ?? null;
  } catch {
    return null;
  }
}

async function readList<T>(key: string): Promise<T[]> {
  if (!store) return [];
  try {
    return ((await get(key, store)) as T[] | undefined) ?? [];
  } catch {
    return [];
  }
}

async function refresh(): Promise<void> {
  const sub = getSession()?.sub;
  const mine = <T extends { sub: string }>(items: T[]) => items.filter((c) => c.sub === sub);
  publish({ pending: mine(await readList<QueuedCompletion>(QUEUE)), refused: mine(await readList<RefusedCompletion>(REFUSED)) });
}

/** Queue a completion made without a connection (the same lesson twice is queued once). */
export async function queueCompletion(courseId: string, enrollmentId: string, lessonId: string): Promise<void> {
  const sub = getSession()?.sub;
  if (!store || !sub) throw new ApiError("", "NETWORK");
  const item: QueuedCompletion = {
    id: `offline-${crypto.randomUUID()}`,
    sub,
    courseId,
    enrollmentId,
    lessonId,
    queuedAt: new Date().toISOString(),
  };
  await update<QueuedCompletion[]>(
    QUEUE,
    (queue = []) =>
      queue.some((c) => c.sub === sub && c.enrollmentId === enrollmentId && c.lessonId === lessonId) ? queue : [...queue, item],
    store,
  );
  await refresh();
}

async function removeFromQueue(id: string): Promise<void> {
  if (!store) return;
  await update<QueuedCompletion[]>(QUEUE, (queue = []) => queue.filter((c) => c.id !== id), store);
}

export async function dismissRefused(id: string): Promise<void> {
  if (!store) return;
  await update<RefusedCompletion[]>(REFUSED, (list = []) => list.filter((c) => c.id !== id), store);
  await refresh();
}

const COMPLETE = graphql(
  `mutation CompleteQueued($e: ID!, $l: ID!) { completeLesson(enrollmentId: $e, lessonId: $l) { id } }`,
);

async function sendAll(): Promise<void> {
  const sub = getSession()?.sub;
  if (!sub) return;
  let sent = 0;
  for (const item of (await readList<QueuedCompletion>(QUEUE)).filter((c) => c.sub === sub)) {
    try {
      await gql(COMPLETE, { e: item.enrollmentId, l: item.lessonId }, { idempotencyKey: item.id });
    } catch (error) {
      if (transient(error)) break; // still offline, or the server is busy: the next try sends it
      const code = error instanceof ApiError ? error.code : "UNAVAILABLE";
      const refused: RefusedCompletion = { ...item, code, message: error instanceof Error ? error.message : "" };
      await update<RefusedCompletion[]>(REFUSED, (list = []) => [...list, refused], store!);
    }
    await removeFromQueue(item.id);
    sent += 1;
  }
  if (sent) window.dispatchEvent(new CustomEvent(SYNCED_EVENT));
}

/** Send what is queued (one tab at a time); safe to call at any moment. */
export async function sendQueued(): Promise<void> {
  if (!store || state.sending || !getSession()) return;
  publish({ sending: true });
  try {
    if (navigator.locks) await navigator.locks.request("kentbilim-offline-send", () => sendAll());
    else await sendAll();
  } finally {
    publish({ sending: false });
    await refresh();
  }
}

/** Start watching the connection: send on start, when it returns, and every half minute while any wait. */
export function startOfflineSync(): void {
  const online = () => {
    publish({ online: true });
    void sendQueued();
  };
  window.addEventListener("online", online);
  window.addEventListener("offline", () => publish({ online: false }));
  window.setInterval(() => {
    if (state.pending.length) void sendQueued();
  }, 30_000);
  void refresh().then(() => sendQueued());
}

/** Forget this person's kept lessons (on sign-out). Their queued completions stay (only ids, no
 * content) and are sent when they next sign in here: signing out offline must not lose them. */
export async function forgetPerson(sub: string): Promise<void> {
  if (!store) return;
  try {
    for (const key of await keys(store)) {
      if (typeof key === "string" && key.startsWith(`course:${sub}:`)) await del(key, store);
    }
    await update<RefusedCompletion[]>(REFUSED, (list = []) => list.filter((c) => c.sub !== sub), store);
  } catch {
    // nothing kept, or storage refused: nothing to forget
  }
  await refresh();
}

export function useOffline(): OfflineState {
  const [current, setCurrent] = useState(state);
  useEffect(() => {
    listeners.add(setCurrent);
    setCurrent(state);
    return () => void listeners.delete(setCurrent);
  }, []);
  return current;
}

/** Register the service worker (production builds: the gateway serves /sw.js at the root). */
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !("serviceWorker" in navigator)) return;
  const register = () =>
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {
      // Without it the app works as before, online only.
    });
  // After the page's own loading, so that caching the shell never competes with the first paint.
  if (document.readyState === "complete") void register();
  else window.addEventListener("load", () => void register(), { once: true });
}
