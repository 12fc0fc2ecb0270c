/**
 * `node --import ./tools/ts-loader.mjs qemu/run.ts [options] <fw.elf>`: boots an image in QEMU, streams its console
 * and exits with the guest's exit status. `--gdb` waits for a debugger instead of running (README "Debugging").
 */
import { parseArgs } from "node:util";

import { defaultBoard, loadBoard } from "../tools/lib/board.ts";
import { BuildError, runTool } from "../tools/lib/errors.ts";
import { describeStatus, runQemu } from "./qemu.ts";

await runTool("qemu", async () => {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        board: { type: "string", default: defaultBoard },
        timeout: { type: "string", default: "60" },
        "real-time": { type: "boolean", default: false },
        gdb: { type: "boolean", default: false },
        "uart-socket": { type: "string" },
        qtest: { type: "string" },
      },
    });
  } catch (error) {
    throw new BuildError("qemu", (error as Error).message);
  }
  const [elf] = parsed.positionals;
  if (!elf) throw new BuildError("qemu", "usage: qemu/run.ts [--board <name>] [--timeout <s>] [--gdb] <fw.elf>");
  const seconds = Number(parsed.values.timeout);
  if (!(seconds > 0)) throw new BuildError("--timeout", `expected a number of seconds, got "${parsed.values.timeout}"`);
  const board = loadBoard(parsed.values.board);
  if (parsed.values.gdb)
    console.error(`qemu: waiting for gdb: gdb-multiarch ${elf} -ex 'target remote :1234' -ex 'break main' -ex continue`);
  const result = await runQemu({
    board,
    elf,
    timeoutMs: seconds * 1000,
    icount: !parsed.values["real-time"],
    gdb: parsed.values.gdb,
    uartSocket: parsed.values["uart-socket"],
    qtestSocket: parsed.values.qtest,
    onOutput: (text) => process.stdout.write(text),
  });
  if (result.status === undefined) throw new BuildError(elf, result.problem ?? "QEMU ended without a guest exit status");
  if (result.status !== 0) console.error(`qemu: guest exited with status ${result.status}: ${describeStatus(result.status)}`);
  return result.status;
});
