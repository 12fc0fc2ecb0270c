/** A program whose rejection is handled before its turn ends: no fault (test/device/isolation.spec.ts). */
export default async function main(): Promise<number> {
  const rejected = Promise.reject(new Error("handled later"));
  await null;
  return rejected.then(
    () => 1,
    () => 5,
  );
}
