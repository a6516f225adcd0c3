// In-app notifications (issue 16): the operations, and the one live channel the bell and the page share.
// While someone is signed in, one `notificationReceived` subscription (over the same graphql-ws client as
// bulkIssueProgress) tells the header's bell and the notifications page about each new notification; the
// unread count is the server's (`myNotifications.unread`), re-read after every arrival and every minute
// while the tab is visible, so a lost WebSocket never leaves the bell wrong for long.
import { useEffect, useState } from "preact/hooks";
import { gql, subscribe } from "./api";
import { graphql } from "./gql";
import type { NotificationKind, NotificationsPageQuery } from "./gql/graphql";

export type NotificationItem = NotificationsPageQuery["myNotifications"]["nodes"][number];
export type Kind = NotificationKind;

export const KINDS: Kind[] = [
  "CERTIFICATE_ISSUED",
  "CERTIFICATE_REVOKED",
  "ENROLLED",
  "REGISTRATION_APPROVED",
  "REGISTRATION_REJECTED",
  "WAITLIST_PROMOTED",
  "COURSE_UPDATED",
  "SESSION_REMINDER",
  "INACTIVITY_REMINDER",
  "BULK_JOB_FINISHED",
];

export const NOTIFICATIONS_PAGE = graphql(`query NotificationsPage($first: Int, $after: String, $lang: String) {
  myNotifications(first: $first, after: $after, lang: $lang) {
    totalCount unread
    pageInfo { hasNextPage endCursor }
    nodes { id kind title body url createdAt readAt }
  }
}`);

const UNREAD_COUNT = graphql(`query UnreadNotifications { myNotifications(unreadOnly: true, first: 1) { unread } }`);

const RECEIVED = graphql(`subscription NotificationReceived($lang: String) {
  notificationReceived(lang: $lang) { id kind title body url createdAt readAt }
}`);

export const MARK_READ = graphql(`mutation MarkNotificationsRead($ids: [ID!]) { markNotificationsRead(ids: $ids) }`);

export const PREFERENCES = graphql(`query NotificationPreferences { myNotificationPreferences { email mutedEmailKinds digest locale } }`);

export const UPDATE_PREFERENCES = graphql(`mutation UpdateNotificationPreferences($input: NotificationPreferencesInput!) {
  updateNotificationPreferences(input: $input) { email mutedEmailKinds digest locale }
}`);

const POLL_MS = 60_000;

let unread: number | null = null;
const countListeners = new Set<() => void>();
const arrivalListeners = new Set<(n: NotificationItem) => void>();
let stopLive: (() => void) | null = null;
let poll: ReturnType<typeof setInterval> | null = null;
let liveKey = "";
let reading: Promise<void> | null = null;

function setUnread(n: number | null): void {
  if (n === unread) return;
  unread = n;
  countListeners.forEach((fn) => fn());
}

/** Ask the server for the unread count (one request at a time; a failure leaves the count as it was). */
export function refreshUnread(): Promise<void> {
  reading ??= gql(UNREAD_COUNT, {})
    .then(
      (d) => setUnread(d.myNotifications.unread),
      () => {},
    )
    .finally(() => {
      reading = null;
    });
  return reading;
}

/** The page marked some read (or all): show the new count at once, then the server's. */
export function adjustUnread(delta: number | "all"): void {
  if (unread !== null) setUnread(delta === "all" ? 0 : Math.max(0, unread + delta));
  void refreshUnread();
}

/**
 * Start (or restart, for another viewer or language) the live channel; `null` stops it (signed out).
 * Called by the bell, which is in the header of every page.
 */
export function followNotifications(viewer: string | null, lang: string): void {
  const key = viewer ? `${viewer}|${lang}` : "";
  if (key === liveKey) return;
  liveKey = key;
  stopLive?.();
  stopLive = null;
  if (poll) clearInterval(poll);
  poll = null;
  if (!viewer) {
    setUnread(null);
    return;
  }
  void refreshUnread();
  stopLive = subscribe(
    RECEIVED,
    { lang },
    (d) => {
      if (unread !== null && !d.notificationReceived.readAt) setUnread(unread + 1);
      arrivalListeners.forEach((fn) => fn(d.notificationReceived));
      void refreshUnread();
    },
    () => {}, // the minute's poll below keeps the count right while the WebSocket is away
  );
  poll = setInterval(() => {
    if (document.visibilityState === "visible") void refreshUnread();
  }, POLL_MS);
}

/** The viewer's unread count (null until known, or when signed out). */
export function useUnread(): number | null {
  const [, force] = useState(0);
  useEffect(() => {
    const update = () => force((n) => n + 1);
    countListeners.add(update);
    return () => void countListeners.delete(update);
  }, []);
  return unread;
}

/** Call `fn` with each notification that arrives while the component is mounted. */
export function useArrivals(fn: (n: NotificationItem) => void): void {
  useEffect(() => {
    arrivalListeners.add(fn);
    return () => void arrivalListeners.delete(fn);
  }, [fn]);
}
