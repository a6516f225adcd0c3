// The production build lands inside the gateway package, which serves it at / (SPA fallback).
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";

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

export default defineConfig({
  plugins: [generatedDocuments()],
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
