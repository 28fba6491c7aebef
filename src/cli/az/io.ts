// Process surroundings the az front-end reads and writes, injectable so tests can run
// commands in-process with captured output and a scratch HOME.

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
  home: string;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** Reads one line from the terminal (confirmation prompts); undefined when there is no TTY. */
  readLine?: () => Promise<string>;
}

export async function processIo(): Promise<Io> {
  const os = await import("node:os");
  const stdinTTY = Boolean(process.stdin.isTTY);
  // `aksnet az … | head`: a closed pipe ends the output quietly, as az does on EPIPE.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
  });
  return {
    stdout: (s) => {
      process.stdout.write(s);
    },
    stderr: (s) => {
      process.stderr.write(s);
    },
    env: process.env,
    cwd: process.cwd(),
    home: process.env.HOME || os.homedir(),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    readLine: stdinTTY
      ? async () => {
          const rl = await import("node:readline");
          const iface = rl.createInterface({ input: process.stdin });
          return new Promise<string>((resolve) => {
            iface.once("line", (line) => {
              iface.close();
              resolve(line);
            });
          });
        }
      : undefined,
  };
}

/** A CLI error raised by client-side validation: `ERROR: <message>`, exit 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
