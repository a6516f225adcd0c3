// The production build lands inside the gateway package, which serves it at / (SPA fallback).
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";
import { VitePWA } from "vite-plugin-pwa";

const gateway = process.env.LMS_PUBLIC_URL ?? "http://127.0.0.1:8000";
const generated = fileURLToPath(new URL("./src/gql/graphql.ts", import.meta.url));

/**
 * `graphql(\`query Name …\`)` becomes a reference to the document codegen generated for it (what the
 * client preset's Babel plugin does): the bundle then carries each operation once, not also in the
 * lookup table of src/gql/gql.ts. The types are the same either way; this changes only the bytes.
 */
function generatedDocuments(): Plugin {
  const call = /\bgraphql\(\s*`\s*(query|mutation|subscription|fragment)\s+(\w+)[^`]*`\s*\)/g;
  return {
    name: "kentbilim-generated-documents",
    enforce: "pre",
    transform(code, id) {
      if (!/\/src\/.*\.tsx?$/.test(id) || id.includes("/src/gql/") || !code.includes("graphql(`")) return null;
      const out = code.replace(call, (_, kind: string, name: string) =>
        kind === "fragment" ? "undefined" : `__documents.${name}Document`,
      );
      return { code: `import * as __documents from ${JSON.stringify(generated)};\n${out}`, map: null };
    },
  };
}

// Paths the gateway answers itself (gateway/src/gateway/app.py RESERVED_PREFIXES; tests/web checks the
// two lists agree): the service worker never answers a navigation to them with the app's shell.
export const SERVER_PATHS = [
  "graphql",
  "healthz",
  "readyz",
  "metrics",
  ".well-known",
  "status-lists",
  "credentials",
  "contexts",
  "auth",
  "exports",
  "calendar",
  "unsubscribe",
  "dev",
];

/**
 * Installable and usable offline (src/offline.ts keeps the lessons and the queued completions): the
 * service worker precaches only the shell (index.html, the entry script and stylesheet, the icons), so
 * a learner on mobile data never downloads the admin pages' charts or the other languages up front.
 * Other hashed assets are cached the first time they are used (they never change: the name is a hash).
 */
const pwa = VitePWA({
  strategies: "generateSW",
  injectRegister: false, // src/main.tsx registers it, in production builds only
  registerType: "autoUpdate",
  includeAssets: ["icons/*.png"],
  manifest: {
    name: "Kentbilim",
    short_name: "Kentbilim",
    description: "Learning for municipal officials, with UN-Habitat.",
    start_url: "/",
    scope: "/",
    display: "standalone",
    background_color: "#ffffff",
    theme_color: "#0b5cab",
    icons: [
      { src: "/icons/icon-192.png", sizes: "192x192", type: "image/png" },
      { src: "/icons/icon-512.png", sizes: "512x512", type: "image/png" },
      { src: "/icons/maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
    ],
  },
  workbox: {
    globPatterns: ["index.html", "assets/index-*.{js,css}", "icons/*.png", "manifest.webmanifest"],
    navigateFallback: "/index.html",
    navigateFallbackDenylist: SERVER_PATHS.map((p) => new RegExp(`^/${p.replace(".", "\\.")}(/|$)`)),
    cleanupOutdatedCaches: true,
    clientsClaim: true,
    skipWaiting: true,
    runtimeCaching: [
      {
        urlPattern: ({ url, sameOrigin }) => sameOrigin && url.pathname.startsWith("/assets/"),
        handler: "CacheFirst",
        options: { cacheName: "kentbilim-assets", expiration: { maxEntries: 40 } },
      },
    ],
  },
});

export default defineConfig({
  plugins: [generatedDocuments(), pwa],
  build: {
    outDir: fileURLToPath(new URL("../src/gateway/web/dist", import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    // `npm run dev` talks to a running gateway, exactly as the built client does.
    proxy: {
      "/graphql": { target: gateway, ws: true },
      "/auth": { target: gateway },
    },
  },
});
