// Who is signed in. The bearer token lives in sessionStorage: it ends with the tab, and is never
// written to localStorage where it would outlive the session on a shared office computer.
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
const listeners = new Set<() => void>();
let expiredNotice = false;

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
  return session;
}

export async function signOut(): Promise<void> {
  sessionStorage.removeItem(TOKEN_KEY);
  notify();
  const config = await loadAuthConfig().catch(() => null);
  if (config?.mode === "oidc") {
    const manager = await oidcManager(config);
    await manager.removeUser();
  }
}

/** Called when the server refuses the token: forget it, and tell the user why they are signed out. */
export function signOutExpired(): void {
  sessionStorage.removeItem(TOKEN_KEY);
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
    automaticSilentRenew: false,
  });
  return manager;
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
