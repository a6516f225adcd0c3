// The header's bell: the viewer's unread notifications, live. A button (its accessible name says the
// count, the badge is decoration) that opens the notifications page.
import { useSession } from "../auth";
import { useI18n } from "../i18n";
import { followNotifications, useArrivals, useUnread, type NotificationItem } from "../notifications";
import { navigate, useLocation } from "../router";
import { useCallback, useEffect, useState } from "preact/hooks";

export function NotificationBell() {
  const { t, lang, number } = useI18n();
  const session = useSession();
  const unread = useUnread();
  const { path } = useLocation();
  const [announced, setAnnounced] = useState("");
  useEffect(() => followNotifications(session?.sub ?? null, lang), [session?.sub, lang]);
  // Screen readers hear each arrival once (the live region), sighted users see the badge change.
  useArrivals(useCallback((n: NotificationItem) => setAnnounced(t("notifications.arrived", { title: n.title })), [lang]));
  if (!session) return null;
  const count = unread ?? 0;
  const label = count > 0 ? t("notifications.bell", { count }) : t("notifications.bellNone");
  return (
    <>
      <span class="visually-hidden" role="status" aria-live="polite">
        {announced}
      </span>
      <button
        type="button"
        class="bell"
        data-unread={count}
        aria-label={label}
        title={label}
        aria-current={path === "/notifications" ? "page" : undefined}
        onClick={() => navigate("/notifications")}
      >
        <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
          <path
            d="M12 3a6 6 0 0 0-6 6v3.6L4.4 16a1 1 0 0 0 .9 1.5h13.4a1 1 0 0 0 .9-1.5L18 12.6V9a6 6 0 0 0-6-6Zm-2.6 16a2.7 2.7 0 0 0 5.2 0"
            fill="none"
            stroke="currentColor"
            stroke-width="1.8"
            stroke-linejoin="round"
          />
        </svg>
        {count > 0 ? (
          <span class="bell-count" aria-hidden="true">
            {count > 99 ? "99+" : number(count)}
          </span>
        ) : null}
      </button>
    </>
  );
}
