// Entry point: layout, navigation by role, language switcher and the routes.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { hasRole, resumeOidc, sessionReady, signOut, useSession, type Role } from "./auth";
import { LANGUAGES, adoptProfileLocale, setLang, settleLanguage, useI18n, type Lang, type MessageKey } from "./i18n";
import { Link, match, navigate, useLocation } from "./router";
import { ApprovalsPage, BulkIssuePage, CobrandingPage, LearnersPage, ReportsPage, RevokePage } from "./pages/admin";
import { CataloguePage, CoursePage, LessonPlayer, MyCertificatesPage, MyLearningPage } from "./pages/learner";
import { OidcCallbackPage, SignInPage, VerifyPage } from "./pages/public";
import { CourseEditorPage, NewCoursePage, TeachPage } from "./pages/trainer";
import { NotificationsPage } from "./pages/notifications";
import { CheckInPage, SurveyPage } from "./pages/learner/checkin";
import { AttendancePage, ProjectorPage } from "./pages/trainer/checkin";
import { SurveyResultsPage } from "./pages/trainer/surveys";
import { ParkedEmailsPage } from "./pages/admin/emails";
import { NotificationBell } from "./components/bell";
import { dismissRefused, forgetPerson, registerServiceWorker, sendQueued, startOfflineSync, useOffline } from "./offline";
import "./styles.css";

function RequireRole({ role, children }: { role: Role | Role[]; children: preact.ComponentChildren }) {
  const session = useSession();
  const { t } = useI18n();
  useEffect(() => {
    if (!session) navigate(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`, true);
  }, [session]);
  if (!session) return null;
  if (!(Array.isArray(role) ? role : [role]).some((r) => hasRole(session, r))) {
    return (
      <div class="alert alert-warn" role="alert">
        {t("error.FORBIDDEN")}
      </div>
    );
  }
  return <>{children}</>;
}

function Routes() {
  const { path, query } = useLocation();
  let m: Record<string, string> | null;
  if (path === "/") return <CataloguePage />;
  if (path === "/signin") return <SignInPage next={query.get("next")} />;
  if (path === "/auth/callback") return <OidcCallbackPage />;
  if (path === "/verify") return <VerifyPage />;
  if ((m = match("/verify/:code", path))) return <VerifyPage code={m.code} />;
  if ((m = match("/courses/:id", path))) return <CoursePage id={m.id} />;
  if ((m = match("/courses/:id/lessons/:lesson", path)))
    return (
      <RequireRole role="learner">
        <LessonPlayer courseId={m.id} lessonId={m.lesson} />
      </RequireRole>
    );
  if (path === "/learning")
    return (
      <RequireRole role="learner">
        <MyLearningPage />
      </RequireRole>
    );
  if (path === "/certificates")
    return (
      <RequireRole role="learner">
        <MyCertificatesPage />
      </RequireRole>
    );
  if (path === "/notifications")
    return (
      <RequireRole role={["learner", "trainer", "admin", "country_admin"]}>
        <NotificationsPage />
      </RequireRole>
    );
  if (path === "/teach")
    return (
      <RequireRole role="trainer">
        <TeachPage />
      </RequireRole>
    );
  if (path === "/teach/new")
    return (
      <RequireRole role="trainer">
        <NewCoursePage />
      </RequireRole>
    );
  if ((m = match("/teach/courses/:id", path)))
    return (
      <RequireRole role="trainer">
        <CourseEditorPage id={m.id} />
      </RequireRole>
    );
  if (path === "/admin/bulk")
    return (
      <RequireRole role={["admin", "country_admin"]}>
        <BulkIssuePage />
      </RequireRole>
    );
  if (path === "/admin/certificates")
    return (
      <RequireRole role={["admin", "country_admin"]}>
        <RevokePage />
      </RequireRole>
    );
  if (path === "/admin/reports")
    return (
      <RequireRole role={["admin", "country_admin"]}>
        <ReportsPage />
      </RequireRole>
    );
  if (path === "/admin/cobranding")
    return (
      <RequireRole role="admin">
        <CobrandingPage />
      </RequireRole>
    );
  if (path === "/admin/emails")
    return (
      <RequireRole role="admin">
        <ParkedEmailsPage />
      </RequireRole>
    );
  if (path === "/admin/learners")
    return (
      <RequireRole role={["admin", "country_admin", "trainer"]}>
        <LearnersPage />
      </RequireRole>
    );
  if (path === "/admin/approvals")
    return (
      <RequireRole role={["admin", "country_admin", "trainer"]}>
        <ApprovalsPage />
      </RequireRole>
    );
  // Live sessions (issue 15): the QR code's check-in route, the survey form, the projector and the list.
  if ((m = match("/check-in/:course/:lesson", path)))
    return (
      <RequireRole role={["learner", "trainer", "admin", "country_admin"]}>
        <CheckInPage courseId={m.course} lessonId={m.lesson} code={query.get("code")} />
      </RequireRole>
    );
  if ((m = match("/courses/:id/survey/:lesson", path)))
    return (
      <RequireRole role={["learner", "trainer", "admin", "country_admin"]}>
        <SurveyPage courseId={m.id} lessonId={m.lesson} />
      </RequireRole>
    );
  if ((m = match("/teach/courses/:id/sessions/:lesson/projector", path)))
    return (
      <RequireRole role="trainer">
        <ProjectorPage courseId={m.id} lessonId={m.lesson} />
      </RequireRole>
    );
  if ((m = match("/teach/courses/:id/surveys/:lesson", path)))
    return (
      <RequireRole role={["trainer", "admin", "country_admin"]}>
        <SurveyResultsPage courseId={m.id} lessonId={m.lesson} />
      </RequireRole>
    );
  if ((m = match("/teach/courses/:id/sessions/:lesson/attendance", path)))
    return (
      <RequireRole role={["trainer", "admin", "country_admin"]}>
        <AttendancePage courseId={m.id} lessonId={m.lesson} />
      </RequireRole>
    );
  return <NotFound />;
}

function NotFound() {
  const { t } = useI18n();
  return (
    <section>
      <h1>{t("notFound.title")}</h1>
      <p>
        <Link href="/">{t("nav.catalogue")}</Link>
      </p>
    </section>
  );
}

function NavLink({ href, children }: { href: string; children: preact.ComponentChildren }) {
  const { path } = useLocation();
  const current = href === "/" ? path === "/" || path.startsWith("/courses") : path.startsWith(href);
  return (
    <Link href={href} class="nav-link" aria-current={current ? "page" : undefined}>
      {children}
    </Link>
  );
}

function Header() {
  const { t, lang } = useI18n();
  const session = useSession();
  const [open, setOpen] = useState(false);
  const { path } = useLocation();
  useEffect(() => setOpen(false), [path]);
  useEffect(() => adoptProfileLocale(session?.locale), [session?.sub]);
  // Completions kept offline by this person go out as soon as they are signed in (again).
  useEffect(() => void sendQueued(), [session?.sub]);
  return (
    <header class="site-header">
      <div class="header-inner">
        <Link href="/" class="brand">
          <span class="brand-mark" aria-hidden="true">
            K
          </span>
          <span class="brand-text">
            Kentbilim
            <small>{t("brand.tagline")}</small>
          </span>
        </Link>
        <label class="lang-switch">
          <svg class="globe" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
            <circle cx="12" cy="12" r="9.5" fill="none" stroke="currentColor" stroke-width="1.6" />
            <path d="M2.5 12h19M12 2.5c3 3.2 3 15.8 0 19M12 2.5c-3 3.2-3 15.8 0 19" fill="none" stroke="currentColor" stroke-width="1.6" />
          </svg>
          <select value={lang} onChange={(e) => setLang(e.currentTarget.value as Lang)} aria-label={t("nav.language")}>
            {LANGUAGES.map((l) => (
              <option key={l.code} value={l.code} lang={l.code}>
                {l.name}
              </option>
            ))}
          </select>
        </label>
        <NotificationBell />
        <button type="button" class="menu-button" aria-expanded={open} aria-controls="site-nav" onClick={() => setOpen(!open)}>
          <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
            <path d="M3 6h18M3 12h18M3 18h18" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
          </svg>
          <span class="visually-hidden">{t("nav.menu")}</span>
        </button>
        <div class={`header-tools ${open ? "open" : ""}`} id="site-nav">
          <nav aria-label={t("nav.main")}>
            <ul class="nav-list">
              <li>
                <NavLink href="/">{t("nav.catalogue")}</NavLink>
              </li>
              {hasRole(session, "learner") ? (
                <>
                  <li>
                    <NavLink href="/learning">{t("nav.learning")}</NavLink>
                  </li>
                  <li>
                    <NavLink href="/certificates">{t("nav.certificates")}</NavLink>
                  </li>
                </>
              ) : null}
              {hasRole(session, "trainer") ? (
                <li>
                  <NavLink href="/teach">{t("nav.teach")}</NavLink>
                </li>
              ) : null}
              {hasRole(session, "admin") || hasRole(session, "country_admin") ? (
                <>
                  <li>
                    <NavLink href="/admin/bulk">{t("nav.bulk")}</NavLink>
                  </li>
                  <li>
                    <NavLink href="/admin/certificates">{t("nav.revoke")}</NavLink>
                  </li>
                </>
              ) : null}
              {hasRole(session, "admin") || hasRole(session, "country_admin") ? (
                <li>
                  <NavLink href="/admin/reports">{t("nav.reports")}</NavLink>
                </li>
              ) : null}
              {hasRole(session, "admin") || hasRole(session, "country_admin") || hasRole(session, "trainer") ? (
                <li>
                  <NavLink href="/admin/learners">{t("nav.learners")}</NavLink>
                </li>
              ) : null}
              {hasRole(session, "admin") || hasRole(session, "country_admin") || hasRole(session, "trainer") ? (
                <li>
                  <NavLink href="/admin/approvals">{t("nav.approvals")}</NavLink>
                </li>
              ) : null}
              {hasRole(session, "admin") ? (
                <li>
                  <NavLink href="/admin/cobranding">{t("nav.cobranding")}</NavLink>
                </li>
              ) : null}
              {hasRole(session, "admin") ? (
                <li>
                  <NavLink href="/admin/emails">{t("nav.emails")}</NavLink>
                </li>
              ) : null}
              <li>
                <NavLink href="/verify">{t("nav.verify")}</NavLink>
              </li>
            </ul>
          </nav>
          <div class="header-user">
            {session ? (
              <>
                <span class="user-name" title={session.roles.map((r) => t(`role.${r}`)).join(", ")}>
                  {session.name}
                </span>
                <button
                  type="button"
                  class="button button-secondary button-small"
                  onClick={() => {
                    const sub = session.sub;
                    void signOut()
                      .then(() => forgetPerson(sub))
                      .then(() => navigate("/"));
                  }}
                >
                  {t("nav.signOut")}
                </button>
              </>
            ) : (
              <Link href="/signin" class="button button-small">
                {t("nav.signIn")}
              </Link>
            )}
          </div>
        </div>
      </div>
    </header>
  );
}

/** The connection, and completions kept on this device (src/offline.ts), said under the header. */
function OfflineStatus() {
  const { t } = useI18n();
  const session = useSession();
  const { online, pending, refused, sending } = useOffline();
  if (online && !pending.length && !refused.length) return null;
  return (
    <div class="offline-status container" role="status" aria-live="polite">
      {!online ? <p class="alert alert-warn offline-banner">{t("offline.banner")}</p> : null}
      {pending.length ? (
        <p class="alert alert-info offline-pending">
          {t(session ? "offline.pending" : "offline.pendingSignIn", { count: pending.length })}
          {online && sending ? ` ${t("offline.sending")}` : ""}
        </p>
      ) : null}
      {refused.map((c) => (
        <p class="alert alert-error offline-refused" key={c.id}>
          {t("offline.refused", { reason: c.message || t(`error.${c.code}` as MessageKey) })}{" "}
          <button type="button" class="button button-secondary button-small" onClick={() => void dismissRefused(c.id)}>
            {t("offline.dismiss")}
          </button>
        </p>
      ))}
    </div>
  );
}

function App() {
  const { t } = useI18n();
  return (
    <>
      <a class="skip-link" href="#main">
        {t("nav.skip")}
      </a>
      <Header />
      <OfflineStatus />
      <main id="main" class="container">
        <Routes />
      </main>
      <footer class="site-footer">
        <div class="container">
          <p>{t("footer.text")}</p>
        </div>
      </footer>
    </>
  );
}

// Start-up settles who is signed in (this tab's session, or one an open tab hands over) and then the
// language (chosen here, else the profile's, else the browser's) before the first render of any page.
void sessionReady
  .then((session) => settleLanguage(session?.locale))
  .then(() => {
    document.getElementById("shell")?.remove();
    render(<App />, document.getElementById("app")!);
    void resumeOidc();
    startOfflineSync();
    registerServiceWorker();
  });
