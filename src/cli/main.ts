// `aksnet` entry point. The first word picks the command; each command's module is
// imported only when used, so `aksnet az …` starts without loading the server.
const [, , command, ...rest] = process.argv;

async function run(): Promise<number> {
  switch (command) {
    case "az": {
      const { main } = await import("./az/index.js");
      return main(rest);
    }
    case "hci": {
      const { main } = await import("./hci/index.js");
      return main(rest);
    }
    case "start":
    case "reset":
    case "status": {
      const { runServerCommand } = await import("./server.js");
      return runServerCommand(command, rest);
    }
    case "setup": {
      const { runSetupCommand } = await import("./setup-az.js");
      return runSetupCommand(rest);
    }
    case "trace": {
      const { runTraceCommand } = await import("./trace.js");
      return runTraceCommand(rest);
    }
    case undefined:
    case "-h":
    case "--help":
    case "help":
      process.stdout.write(USAGE);
      return 0;
    case "--version":
    case "-v":
      process.stdout.write("aksnet 0.1.0\n");
      return 0;
    default:
      process.stderr.write(`aksnet: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

const USAGE = `Usage: aksnet <command> [options]

Commands:
  start     Start the emulator (ARM + sign-in over HTTPS) on its embedded store
  status    Show whether an emulator is running for the data dir and what it holds
  reset     Remove all emulator state from the data dir (stop the emulator first, or it is reset live)
  az        Azure CLI-compatible front-end: aksnet az <group> <command> [flags]
  hci       AksHci PowerShell front-end: aksnet hci <command line> | -f script.ps1 | (prompt)
  trace     Explain whether a node port is reachable and which NSG rule decides
  setup az  Register the running emulator as a cloud in the real Azure CLI and sign in

Run 'aksnet <command> --help' for a command's options.
`;

run().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`aksnet: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
