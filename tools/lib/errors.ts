/**
 * The one kind of error the tools report to a person: a single line naming the file (and field or line) and what is
 * wrong, then a non-zero exit. Anything else that escapes is a bug in the tool and is shown with its stack.
 */
export class BuildError extends Error {
  constructor(
    readonly where: string,
    message: string,
  ) {
    super(message);
    this.name = "BuildError";
  }

  /** The line printed for the user: `file: field: message`. */
  line(): string {
    return this.where ? `${this.where}: ${this.message}` : this.message;
  }
}

/** Runs a tool's main function: prints BuildErrors as one line and exits 1. */
export async function runTool(name: string, main: () => Promise<number | void>): Promise<void> {
  try {
    process.exitCode = (await main()) ?? 0;
  } catch (error) {
    if (error instanceof BuildError) {
      console.error(`${name}: ${error.line()}`);
      process.exitCode = 1;
    } else throw error;
  }
}
