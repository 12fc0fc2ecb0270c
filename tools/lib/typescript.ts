/**
 * TypeScript for the device: type-check the manifest's modules as one program, then emit each as an ES2022 module
 * with its imports rewritten to the manifest's specifiers.
 *
 * Rewriting at build time means the firmware's module table is looked up by exact name, whatever relative path or
 * package import (`#hal`) the source used, and that an import of a file the manifest does not list is a build error
 * naming both files, not a ReferenceError on the device.
 */
import { readFileSync } from "node:fs";
import { relative, resolve } from "node:path";

import ts from "typescript";

import { BuildError } from "./errors.ts";
import type { Manifest, ModuleEntry } from "./manifest.ts";
import { projectRoot } from "./paths.ts";

export interface EmittedModule {
  specifier: string;
  /** The file the JavaScript came from (for error messages from the bytecode compiler). */
  source: string;
  javascript: string;
}

const show = (file: string) => relative(process.cwd(), file) || file;

function compilerOptions(manifest: Manifest): ts.CompilerOptions {
  const configFile = resolve(projectRoot, "tsconfig.json");
  const read = ts.readConfigFile(configFile, ts.sys.readFile);
  if (read.error) throw new BuildError(show(configFile), ts.flattenDiagnosticMessageText(read.error.messageText, " "));
  const raw = read.config ?? {};
  raw.compilerOptions = { ...raw.compilerOptions, ...manifest.typescript.compilerOptions };
  const parsed = ts.parseJsonConfigFileContent(raw, ts.sys, projectRoot, undefined, configFile);
  const fatal = parsed.errors.find((d) => d.category === ts.DiagnosticCategory.Error);
  if (fatal) throw new BuildError(show(configFile), ts.flattenDiagnosticMessageText(fatal.messageText, " "));
  return {
    ...parsed.options,
    noEmit: false,
    declaration: false,
    sourceMap: false,
    inlineSourceMap: false,
    module: ts.ModuleKind.ESNext,
    // Every manifest module is an ES module, even one with no import or export (top-level await then works).
    moduleDetection: ts.ModuleDetectionKind.Force,
    target: parsed.options.target ?? ts.ScriptTarget.ES2022,
    outDir: undefined,
  };
}

function formatDiagnostic(diagnostic: ts.Diagnostic): string {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, " ");
  if (!diagnostic.file || diagnostic.start === undefined) return `error TS${diagnostic.code}: ${message}`;
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  return `${show(diagnostic.file.fileName)}:${line + 1}:${character + 1}: error TS${diagnostic.code}: ${message}`;
}

/** A transformer that replaces every module specifier with the manifest specifier of the module it resolves to. */
function specifierRewriter(options: ts.CompilerOptions, byFile: Map<string, ModuleEntry>, specifiers: Set<string>) {
  return (context: ts.TransformationContext) => (sourceFile: ts.SourceFile) => {
    const target = (literal: ts.StringLiteral): ts.StringLiteral => {
      const text = literal.text;
      if (specifiers.has(text)) return literal;
      const resolved = ts.resolveModuleName(text, sourceFile.fileName, options, ts.sys).resolvedModule;
      const entry = resolved && byFile.get(resolve(resolved.resolvedFileName));
      if (!entry) {
        const what = resolved ? `${text}" (${show(resolved.resolvedFileName)})` : `${text}"`;
        throw new BuildError(show(sourceFile.fileName), `imports "${what}, which the manifest does not list in modules`);
      }
      return context.factory.createStringLiteral(entry.specifier);
    };
    const visit = (node: ts.Node): ts.Node => {
      const f = context.factory;
      // Type-only imports and exports are erased from the output; their targets need not be modules on the device.
      if ((ts.isImportDeclaration(node) && node.importClause?.isTypeOnly) || (ts.isExportDeclaration(node) && node.isTypeOnly)) return node;
      if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier))
        return f.updateImportDeclaration(node, node.modifiers, node.importClause, target(node.moduleSpecifier), node.attributes);
      if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier))
        return f.updateExportDeclaration(node, node.modifiers, node.isTypeOnly, node.exportClause, target(node.moduleSpecifier), node.attributes);
      if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments.length === 1 && ts.isStringLiteral(node.arguments[0]))
        return f.updateCallExpression(node, node.expression, node.typeArguments, [target(node.arguments[0] as ts.StringLiteral)]);
      return ts.visitEachChild(node, visit, context);
    };
    return ts.visitNode(sourceFile, visit) as ts.SourceFile;
  };
}

/**
 * Type-checks and emits the manifest's TypeScript modules; plain .js modules pass through unchanged.
 * `generated` names modules the build itself adds (such as "mc/config"), which imports may use as they are.
 */
export function compileModules(manifest: Manifest, generated: string[]): EmittedModule[] {
  const options = compilerOptions(manifest);
  const tsModules = manifest.modules.filter((m) => m.kind === "ts");
  const rootNames = manifest.modules.filter((m) => m.kind === "ts" || m.kind === "typings").map((m) => m.file);
  const program = ts.createProgram({ rootNames, options });
  const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (diagnostics.length > 0) {
    const more = diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more)` : "";
    throw new BuildError("", formatDiagnostic(diagnostics[0]) + more);
  }
  const byFile = new Map(manifest.modules.map((m) => [resolve(m.file), m]));
  const specifiers = new Set([...manifest.modules.map((m) => m.specifier), ...generated]);
  const transformer = specifierRewriter(options, byFile, specifiers);
  const emitted: EmittedModule[] = [];
  for (const module of tsModules) {
    const sourceFile = program.getSourceFile(module.file)!;
    let javascript = "";
    const result = program.emit(sourceFile, (name, text) => {
      if (name.endsWith(".js") || name.endsWith(".mjs")) javascript = text;
    }, undefined, false, { before: [transformer] });
    if (result.emitSkipped) throw new BuildError(show(module.file), "TypeScript emitted nothing for this module");
    emitted.push({ specifier: module.specifier, source: module.file, javascript });
  }
  for (const module of manifest.modules.filter((m) => m.kind === "js"))
    emitted.push({ specifier: module.specifier, source: module.file, javascript: readFileSync(module.file, "utf8") });
  return emitted;
}
