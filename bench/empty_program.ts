/** The empty program process_spawn starts (bench/process_cases.ts): a module whose main returns at once. */
export default function main(): number {
  return 0;
}
