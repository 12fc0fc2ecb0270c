/** One of the attacker program's own modules: each process that runs the program has its own instance. */
let instances = 0;
export function helperInstances(): number {
  return ++instances;
}
