// Who is signed in. The bearer token lives in sessionStorage: it ends with the tab, and is never
// written to localStorage where it would outlive the session on a shared office computer.
// Tabs share the session through a BroadcastChannel (same origin only, nothing persisted): a new tab
// asks the open ones for the session before its first render, a sign-in, a silent renewal and a
// sign-out in one tab reach every other. When the last tab closes, the session is gone.
import { useEffect, useState } from "preact/hooks";
import type { UserManager } from "oidc-client-ts";

export type Role = "learner" | "trainer" | "admin" | "country_admin";

export interface Session {
  token: string;
  sub: string;
  name: string;
  roles: Role[];
  org?: string;
  municipality?: string;
  locale?: string;
  exp?: number;
}

export interface AuthConfig {
  mode: "development" | "oidc";
  issuer?: string | null;
  clientId?: string | null;
  scopes?: string;
}

const TOKEN_KEY = "kentbilim.token";
const OIDC_USER_PREFIX = "oidc.user:";
/** How long a new tab waits for an open one to hand over the session before rendering signed out. */
const HANDOFF_WAIT_MS = 250;
const listeners = new Set<() => void>();
let expiredNotice = false;

type TabMessage =
  | { type: "ask" }
  | { type: "session"; token: string; oidcUser?: [string, string] | null }
  | { type: "signout" };

const channel: BroadcastChannel | null =
  typeof BroadcastChannel === "undefined" ? null : new BroadcastChannel("kentbilim.session");

/** The OIDC library's stored user (with its refresh token), so another tab can renew silently too. */
function storedOidcUser(): [string, string] | null {
  for (let i = 0; i < sessionStorage.length; i++) {
    const key = sessionStorage.key(i);
    if (key?.startsWith(OIDC_USER_PREFIX)) return [key, sessionStorage.getItem(key) ?? ""];
  }
  return null;
}

function clearOidcUser(): void {
  for (let i = sessionStorage.length - 1; i >= 0; i--) {
    const key = sessionStorage.key(i);
    if (key?.startsWith(OIDC_USER_PREFIX)) sessionStorage.removeItem(key);
  }
}

function share(token: string): void {
  channel?.postMessage({ type: "session", token, oidcUser: storedOidcUser() } satisfies TabMessage);
}

let answerHandoff: ((session: Session | null) => void) | null = null;

/** Take a session another tab sent; false when it is unusable (expired, malformed). */
function adopt(token: string, oidcUser?: [string, string] | null): boolean {
  const session = sessionFromToken(token);
  if (!session) return false;
  if (sessionStorage.getItem(TOKEN_KEY) === token) return true;
  sessionStorage.setItem(TOKEN_KEY, token);
  if (oidcUser?.[0].startsWith(OIDC_USER_PREFIX)) sessionStorage.setItem(oidcUser[0], oidcUser[1]);
  expiredNotice = false;
  return true;
}

if (channel) {
  channel.onmessage = (event: MessageEvent<TabMessage>) => {
    const message = event.data;
    if (message?.type === "ask") {
      const session = getSession();
      if (session) share(session.token);
    } else if (message?.type === "session" && typeof message.token === "string") {
      if (adopt(message.token, message.oidcUser)) {
        if (answerHandoff) answerHandoff(getSession());
        else notify();
      }
    } else if (message?.type === "signout") {
      if (!sessionStorage.getItem(TOKEN_KEY)) return;
      sessionStorage.removeItem(TOKEN_KEY);
      clearOidcUser();
      notify();
    }
  };
}

/**
 * Who is signed in, once start-up knows: this tab's session, else the one an open tab hands over
 * (waiting at most HANDOFF_WAIT_MS), else nobody. main.tsx renders after it, in the user's language.
 */
export const sessionReady: Promise<Session | null> = new Promise((resolve) => {
  const own = getSession();
  if (own || !channel) return resolve(own);
  const timer = setTimeout(() => done(null), HANDOFF_WAIT_MS);
  function done(session: Session | null) {
    clearTimeout(timer);
    answerHandoff = null;
    resolve(session);
  }
  answerHandoff = done;
  channel.postMessage({ type: "ask" } satisfies TabMessage);
});

function decodeClaims(token: string): Record<string, unknown> | null {
  const part = token.split(".")[1];
  if (!part) return null;
  try {
    const base64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

/** Read the session from a token; the server verifies the signature, the client only displays claims. */
export function sessionFromToken(token: string): Session | null {
  const claims = decodeClaims(token);
  if (!claims || typeof claims.sub !== "string") return null;
  const exp = typeof claims.exp === "number" ? claims.exp : undefined;
  if (exp && exp * 1000 < Date.now()) return null;
  const rawRoles = Array.isArray(claims.roles) ? claims.roles : typeof claims.roles === "string" ? [claims.roles] : [];
  // Keycloak puts roles in realm_access.roles; accept both shapes.
  const realm = (claims.realm_access as { roles?: unknown[] } | undefined)?.roles ?? [];
  const roles = [...rawRoles, ...realm]
    .map((r) => String(r).toLowerCase())
    .filter((r): r is Role => r === "learner" || r === "trainer" || r === "admin" || r === "country_admin");
  const str = (v: unknown) => (typeof v === "string" && v.trim() ? v : undefined);
  return {
    token,
    sub: claims.sub,
    name: str(claims.name) ?? str(claims.preferred_username) ?? claims.sub,
    roles: [...new Set(roles)],
    org: str(claims.org),
    municipality: str(claims.municipality),
    locale: str(claims.locale),
    exp,
  };
}

export function getSession(): Session | null {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return null;
  const session = sessionFromToken(token);
  if (!session) sessionStorage.removeItem(TOKEN_KEY);
  return session;
}

export function getToken(): string | null {
  return getSession()?.token ?? null;
}

function notify() {
  listeners.forEach((fn) => fn());
}

export function signInWithToken(token: string): Session | null {
  const session = sessionFromToken(token);
  if (!session) return null;
  sessionStorage.setItem(TOKEN_KEY, token);
  expiredNotice = false;
  notify();
  share(token);
  return session;
}

/**
 * Sign out in every tab. With an identity provider that advertises an end_session_endpoint the browser
 * goes there too (RP-initiated logout, with the id_token as hint), so the provider's session ends as
 * well and the next sign-in asks again; the provider sends it back to /.
 */
export async function signOut(): Promise<void> {
  const config = await loadAuthConfig().catch(() => null);
  const m = config?.mode === "oidc" ? await oidcManager(config) : null;
  const user = m ? await m.getUser().catch(() => null) : null;
  sessionStorage.removeItem(TOKEN_KEY);
  channel?.postMessage({ type: "signout" } satisfies TabMessage);
  notify();
  if (!m) return;
  m.stopSilentRenew();
  const endSession = await m.metadataService.getEndSessionEndpoint().catch(() => undefined);
  if (endSession && user?.id_token) {
    // Removes the stored user first, then leaves for the provider.
    await m.signoutRedirect({ id_token_hint: user.id_token });
    return;
  }
  await m.removeUser();
  clearOidcUser();
}

/** Called when the server refuses the token: forget it, and tell the user why they are signed out. */
export function signOutExpired(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  clearOidcUser();
  expiredNotice = true;
  notify();
}

export function sessionExpired(): boolean {
  return expiredNotice;
}

export function useSession(): Session | null {
  const [session, setSession] = useState(getSession);
  useEffect(() => {
    const update = () => setSession(getSession());
    listeners.add(update);
    return () => void listeners.delete(update);
  }, []);
  return session;
}

export function hasRole(session: Session | null, role: Role): boolean {
  // Admins may do everything (ARCHITECTURE.md, "Identity and authorization").
  return !!session && (session.roles.includes(role) || session.roles.includes("admin"));
}

let configPromise: Promise<AuthConfig> | null = null;

export function loadAuthConfig(): Promise<AuthConfig> {
  configPromise ??= fetch("/auth/config").then(async (r) => {
    if (!r.ok) throw new Error(`sign-in configuration unavailable (${r.status})`);
    return (await r.json()) as AuthConfig;
  });
  configPromise.catch(() => (configPromise = null));
  return configPromise;
}

export interface DevIdentity {
  sub: string;
  name: string;
  roles: Role[];
  org?: string;
  municipality?: string;
  locale?: string;
}

/** Development only: the gateway mints a token for a demo user (the route is absent in production). */
export async function devSignIn(identity: DevIdentity): Promise<Session> {
  const r = await fetch("/auth/dev-token", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(identity),
  });
  if (!r.ok) {
    let message = `HTTP ${r.status}`;
    try {
      const body = await r.json();
      message = body?.error?.message ?? body?.detail?.[0]?.msg ?? message;
    } catch {
      /* keep the status line */
    }
    throw new Error(message);
  }
  const { token } = (await r.json()) as { token: string };
  const session = signInWithToken(token);
  if (!session) throw new Error("invalid token");
  return session;
}

let manager: UserManager | null = null;

async function oidcManager(config: AuthConfig): Promise<UserManager> {
  if (manager) return manager;
  // Loaded on demand: development builds never need the OIDC library's code on screen.
  const { UserManager, WebStorageStateStore } = await import("oidc-client-ts");
  manager = new UserManager({
    authority: config.issuer ?? "",
    client_id: config.clientId ?? "",
    redirect_uri: `${location.origin}/auth/callback`,
    post_logout_redirect_uri: `${location.origin}/`,
    response_type: "code", // authorization code; oidc-client-ts adds PKCE with S256
    scope: config.scopes ?? "openid profile email",
    userStore: new WebStorageStateStore({ store: sessionStorage }),
    stateStore: new WebStorageStateStore({ store: sessionStorage }),
    // Silent renewal with the refresh token, a minute before the access token expires. (No hidden
    // iframe: the CSP allows frames from nowhere; a provider without refresh tokens signs the user out
    // at expiry, with the "session expired" notice.)
    automaticSilentRenew: true,
    accessTokenExpiringNotificationTimeInSeconds: 60,
  });
  manager.events.addUserLoaded((user) => {
    if (user.access_token && sessionStorage.getItem(TOKEN_KEY) !== user.access_token) signInWithToken(user.access_token);
  });
  manager.events.addSilentRenewError(() => {
    /* the token runs out; the next refused request shows the expiry notice */
  });
  return manager;
}

/** Start silent renewal in a tab that holds an OIDC user (after a reload, or one another tab handed over). */
export async function resumeOidc(): Promise<void> {
  if (!storedOidcUser()) return;
  const config = await loadAuthConfig().catch(() => null);
  if (config?.mode !== "oidc") return;
  const m = await oidcManager(config);
  const user = await m.getUser();
  if (!user?.refresh_token) return;
  if (user.expired || (user.expires_in ?? 0) < 60) await m.signinSilent().catch(() => undefined);
  else m.startSilentRenew();
}

export async function oidcSignIn(config: AuthConfig, returnTo: string): Promise<void> {
  const m = await oidcManager(config);
  await m.signinRedirect({ state: { returnTo } });
}

/** Finish the authorization-code flow on /auth/callback; returns where the user wanted to go. */
export async function oidcCompleteSignIn(config: AuthConfig): Promise<string> {
  const m = await oidcManager(config);
  const user = await m.signinRedirectCallback();
  if (!signInWithToken(user.access_token)) throw new Error("The identity provider returned an unusable token.");
  const state = user.state as { returnTo?: string } | undefined;
  return state?.returnTo && state.returnTo.startsWith("/") ? state.returnTo : "/";
}
