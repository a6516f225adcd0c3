// The production build lands inside the gateway package, which serves it at / (SPA fallback).
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const gateway = process.env.LMS_PUBLIC_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
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
