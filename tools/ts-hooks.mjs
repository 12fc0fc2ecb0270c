/**
 * Module hooks behind ts-loader.mjs: resolve TypeScript-style specifiers and transpile .ts on load.
 *
 * Resolution accepts what TypeScript accepts under "moduleResolution": "Bundler", so a spec written for either
 * target imports the kernel the same way: `./x.js` finds `./x.ts`, and `./x` finds `./x.ts` or `./x/index.ts`.
 */
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";

const candidates = (path) => {
  if (path.endsWith(".js")) return [path.slice(0, -3) + ".ts"];
  if (path.endsWith(".mjs")) return [path.slice(0, -4) + ".mts"];
  if (/\.[cm]?[tj]s$/.test(path)) return [];
  return [path + ".ts", path + "/index.ts", path + ".js", path + "/index.js"];
};

const isFile = (path) => existsSync(path) && statSync(path).isFile();

export async function resolve(specifier, context, nextResolve) {
  const relative = specifier.startsWith("./") || specifier.startsWith("../") || specifier.startsWith("/");
  if (relative && context.parentURL?.startsWith("file:")) {
    const path = fileURLToPath(new URL(specifier, context.parentURL));
    if (!isFile(path)) {
      const found = candidates(path).find(isFile);
      if (found) return { url: pathToFileURL(found).href, shortCircuit: true };
    }
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith("file:") || !/\.m?ts$/.test(url)) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const source = await readFile(path, "utf8");
  const output = ts.transpileModule(source, {
    fileName: path,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      verbatimModuleSyntax: false,
      rewriteRelativeImportExtensions: true,
      sourceMap: false,
      inlineSourceMap: true,
      inlineSources: true,
    },
  });
  return { format: "module", source: output.outputText, shortCircuit: true };
}
