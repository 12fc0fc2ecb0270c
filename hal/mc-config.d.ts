/**
 * Typings for Moddable's "mc/config" module, which the build generates from manifest.json "config" (frozen).
 * Its shape is whatever the manifest says, so it is typed loosely; read it through a typed view where it matters.
 */
declare module "mc/config" {
  const config: Readonly<Record<string, any>>;
  export default config;
}
