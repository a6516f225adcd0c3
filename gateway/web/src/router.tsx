// A small history-API router: the gateway answers every client route with index.html (SPA fallback).
import type { AnchorHTMLAttributes, ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";

const listeners = new Set<() => void>();
let navigated = false;

/** True once the user has moved within the app (not on the first page load). */
export function navigatedInApp(): boolean {
  return navigated;
}

export function navigate(to: string, replace = false): void {
  navigated = true;
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  listeners.forEach((fn) => fn());
  window.scrollTo(0, 0);
}

window.addEventListener("popstate", () => {
  navigated = true;
  listeners.forEach((fn) => fn());
});

export function useLocation(): { path: string; query: URLSearchParams } {
  const [, force] = useState(0);
  const rendered = location.pathname + location.search;
  useEffect(() => {
    const update = () => force((n) => n + 1);
    listeners.add(update);
    // A child's effect may have navigated before this (parent) effect subscribed: catch up.
    if (location.pathname + location.search !== rendered) update();
    return () => void listeners.delete(update);
  }, []);
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

/** Match "/courses/:id" against a path; returns the decoded parameters or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split("/").filter(Boolean);
  const s = path.split("/").filter(Boolean);
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(":")) params[p[i].slice(1)] = decodeURIComponent(s[i]);
    else if (p[i] !== s[i]) return null;
  }
  return params;
}

/** An in-app link: plain <a href> for keyboard, middle-click and screen readers, without a page load. */
export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string; children?: ComponentChildren }) {
  const { href, onClick, ...rest } = props;
  return (
    <a
      href={href}
      {...rest}
      onClick={(e) => {
        if (typeof onClick === "function") onClick(e);
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(href);
      }}
    />
  );
}
