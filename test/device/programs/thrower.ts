/** A program that faults as soon as it starts (test/device/isolation.spec.ts). */
export default function main(): number {
  throw new RangeError("a fault inside a compartment");
}
