// The notifications page (issue 16): the viewer's notifications, newest first, 20 a page with "Load more"
// (cursor paging; focus moves to the first new one), "Mark all as read", and new ones arriving live at the
// top. Opening one marks it read and follows its link. Below, the preferences: email on or off, kinds not
// wanted by email, one email each or a digest, and the language of emails.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { gql } from "../../api";
import { ErrorMessage, Loading, PageTitle } from "../../components/ui";
import { LANGUAGES, useI18n, type MessageKey } from "../../i18n";
import {
  KINDS,
  MARK_READ,
  NOTIFICATIONS_PAGE,
  PREFERENCES,
  UPDATE_PREFERENCES,
  adjustUnread,
  useArrivals,
  useUnread,
  type Kind,
  type NotificationItem,
} from "../../notifications";
import { navigate } from "../../router";

const PAGE_SIZE = 20;

/** In-app links are followed without a page load; anything else (a verify page elsewhere) opens normally. */
function follow(url: string): void {
  if (url.startsWith("/") && !url.startsWith("//")) navigate(url);
  else if (/^https?:\/\//i.test(url)) location.assign(url);
}

function NotificationRow({
  item,
  focus,
  onOpen,
}: {
  item: NotificationItem;
  focus: boolean;
  onOpen: (item: NotificationItem) => void;
}) {
  const { t, dateTime } = useI18n();
  const ref = useRef<HTMLAnchorElement & HTMLButtonElement>(null);
  useEffect(() => {
    if (focus) ref.current?.focus();
  }, [focus]);
  const unread = !item.readAt;
  const kind = KINDS.includes(item.kind) ? t(`notifications.kind.${item.kind}` as MessageKey) : item.kind;
  const content = (
    <>
      <span class="notification-head">
        <strong class="notification-title">{item.title}</strong>
        {unread ? <span class="notification-dot">{t("notifications.unread")}</span> : null}
      </span>
      <span class="notification-body">{item.body}</span>
      <span class="notification-meta">
        {kind} · <time dateTime={item.createdAt}>{dateTime(item.createdAt)}</time>
      </span>
    </>
  );
  return (
    <li class={`notification ${unread ? "notification-unread" : ""}`} data-notification-id={item.id} data-kind={item.kind}>
      {item.url ? (
        <a
          ref={ref}
          class="notification-link"
          href={item.url}
          onClick={(e) => {
            if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
            e.preventDefault();
            onOpen(item);
          }}
        >
          {content}
        </a>
      ) : (
        <button ref={ref} type="button" class="notification-link" onClick={() => onOpen(item)}>
          {content}
        </button>
      )}
    </li>
  );
}

function NotificationList() {
  const { t, lang, number } = useI18n();
  const unread = useUnread();
  const [items, setItems] = useState<NotificationItem[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [more, setMore] = useState(false);
  const [total, setTotal] = useState(0);
  const [loading, setLoading] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [focusId, setFocusId] = useState<string | null>(null);

  async function load(after: string | null) {
    setError(null);
    try {
      const { myNotifications: page } = await gql(NOTIFICATIONS_PAGE, { first: PAGE_SIZE, after, lang });
      setItems((old) => {
        if (!after) return page.nodes;
        const known = new Set(old.map((n) => n.id));
        return [...old, ...page.nodes.filter((n) => !known.has(n.id))];
      });
      setFocusId(after ? (page.nodes[0]?.id ?? null) : null);
      setCursor(page.pageInfo.endCursor);
      setMore(page.pageInfo.hasNextPage);
      setTotal(page.totalCount);
    } catch (e) {
      setError(e);
    }
  }

  useEffect(() => {
    setLoading(true);
    void load(null).finally(() => setLoading(false));
  }, [lang]);

  useArrivals(
    useCallback((n: NotificationItem) => {
      setItems((old) => (old.some((o) => o.id === n.id) ? old : [n, ...old]));
      setTotal((c) => c + 1);
    }, []),
  );

  async function loadMore() {
    setBusy(true);
    await load(cursor);
    setBusy(false);
  }

  async function markAll() {
    setBusy(true);
    setError(null);
    try {
      await gql(MARK_READ, { ids: null });
      const now = new Date().toISOString();
      setItems((old) => old.map((n) => (n.readAt ? n : { ...n, readAt: now })));
      adjustUnread("all");
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  async function open(item: NotificationItem) {
    if (!item.readAt) {
      try {
        const marked = await gql(MARK_READ, { ids: [item.id] });
        const now = new Date().toISOString();
        setItems((old) => old.map((n) => (n.id === item.id ? { ...n, readAt: now } : n)));
        adjustUnread(-marked.markNotificationsRead);
      } catch (e) {
        // Following the link matters more than the read mark; say why it stayed unread if we stay here.
        if (!item.url) setError(e);
      }
    }
    if (item.url) follow(item.url);
  }

  if (loading) return <Loading />;
  const count = unread ?? items.filter((n) => !n.readAt).length;
  return (
    <>
      <div class="page-head notifications-toolbar">
        <p class="muted" role="status" aria-live="polite" data-unread-count={count}>
          {count > 0 ? t("notifications.unreadCount", { count }) : t("notifications.allRead")}
        </p>
        <button type="button" class="button button-secondary" disabled={busy || count === 0} onClick={() => void markAll()}>
          {t("notifications.markAllRead")}
        </button>
      </div>
      <ErrorMessage error={error} />
      {items.length === 0 ? (
        <p class="empty">{t("notifications.empty")}</p>
      ) : (
        <>
          <ul class="notification-list" aria-label={t("notifications.title")}>
            {items.map((n) => (
              <NotificationRow key={n.id} item={n} focus={n.id === focusId} onOpen={(i) => void open(i)} />
            ))}
          </ul>
          <p class="muted">{t("notifications.shown", { shown: number(items.length), total: number(Math.max(total, items.length)) })}</p>
        </>
      )}
      {more ? (
        <p>
          <button type="button" class="button button-secondary" disabled={busy} onClick={() => void loadMore()}>
            {busy ? t("common.loading") : t("notifications.loadMore")}
          </button>
        </p>
      ) : null}
    </>
  );
}

interface Prefs {
  email: boolean;
  mutedEmailKinds: Kind[];
  digest: "NONE" | "DAILY" | "WEEKLY";
  locale: string | null;
}

function Preferences() {
  const { t } = useI18n();
  const [prefs, setPrefs] = useState<Prefs | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    gql(PREFERENCES, {}).then(
      (d) => setPrefs(d.myNotificationPreferences),
      (e) => setError(e),
    );
  }, []);

  function change(update: Partial<Prefs>) {
    setSaved(false);
    setPrefs((p) => (p ? { ...p, ...update } : p));
  }

  async function save(e: Event) {
    e.preventDefault();
    if (!prefs) return;
    setSaving(true);
    setError(null);
    try {
      const { updateNotificationPreferences: stored } = await gql(UPDATE_PREFERENCES, {
        input: { email: prefs.email, mutedEmailKinds: prefs.mutedEmailKinds, digest: prefs.digest, locale: prefs.locale },
      });
      setPrefs(stored);
      setSaved(true);
    } catch (err) {
      setError(err);
    } finally {
      setSaving(false);
    }
  }

  return (
    <section class="panel notification-preferences" aria-labelledby="notification-prefs-title">
      <h2 id="notification-prefs-title">{t("notifications.prefs.title")}</h2>
      {!prefs && !error ? <Loading /> : null}
      {prefs ? (
        <form onSubmit={(e) => void save(e)}>
          <label class="option">
            <input type="checkbox" name="email" checked={prefs.email} onChange={(e) => change({ email: e.currentTarget.checked })} />
            <span>
              {t("notifications.prefs.email")}
              <br />
              <span class="help">{t("notifications.prefs.emailHelp")}</span>
            </span>
          </label>
          <fieldset class="field" disabled={!prefs.email}>
            <legend>{t("notifications.prefs.muted")}</legend>
            <div class="kind-options">
              {KINDS.map((k) => (
                <label class="option" key={k}>
                  <input
                    type="checkbox"
                    name="muted"
                    value={k}
                    checked={prefs.mutedEmailKinds.includes(k)}
                    onChange={(e) =>
                      change({
                        mutedEmailKinds: e.currentTarget.checked
                          ? [...prefs.mutedEmailKinds.filter((m) => m !== k), k]
                          : prefs.mutedEmailKinds.filter((m) => m !== k),
                      })
                    }
                  />
                  <span>{t(`notifications.kind.${k}` as MessageKey)}</span>
                </label>
              ))}
            </div>
          </fieldset>
          <div class="form-grid">
            <div class="field">
              <label for="notification-digest">{t("notifications.prefs.digest")}</label>
              <select
                id="notification-digest"
                value={prefs.digest}
                disabled={!prefs.email}
                onChange={(e) => change({ digest: e.currentTarget.value as Prefs["digest"] })}
              >
                {(["NONE", "DAILY", "WEEKLY"] as const).map((d) => (
                  <option key={d} value={d}>
                    {t(`notifications.prefs.digest.${d}` as MessageKey)}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label for="notification-locale">{t("notifications.prefs.language")}</label>
              <select
                id="notification-locale"
                value={prefs.locale ?? ""}
                onChange={(e) => change({ locale: e.currentTarget.value || null })}
              >
                <option value="">{t("notifications.prefs.languageDefault")}</option>
                {LANGUAGES.map((l) => (
                  <option key={l.code} value={l.code} lang={l.code}>
                    {l.name}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <div class="form-actions">
            <button type="submit" class="button" disabled={saving}>
              {saving ? t("common.working") : t("notifications.prefs.save")}
            </button>
            <span role="status" aria-live="polite" class="muted">
              {saved ? t("notifications.prefs.saved") : ""}
            </span>
          </div>
        </form>
      ) : null}
      <ErrorMessage error={error} />
    </section>
  );
}

export function NotificationsPage() {
  const { t } = useI18n();
  return (
    <section>
      <PageTitle>{t("notifications.title")}</PageTitle>
      <NotificationList />
      <Preferences />
    </section>
  );
}
