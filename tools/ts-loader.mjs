/**
 * Lets Node run this project's TypeScript directly: `node --import ./tools/ts-loader.mjs file.ts`.
 *
 * Node 20 cannot strip types, and the project already depends on TypeScript, so the hooks in ts-hooks.mjs
 * transpile each .ts module with the same compiler (and the same options) the device build uses. Type checking
 * is not done here: `npm run typecheck` and the build do it once for the whole program.
 */
import { register } from "node:module";

register("./ts-hooks.mjs", import.meta.url);
