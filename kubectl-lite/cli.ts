// The command line: kubectl's verbs and flags (commander), each verb a function of a Session.
// Errors are printed as kubectl prints them and become its exit codes (1 for any failure).
import { Command, CommanderError, Option } from "commander";
import { runApply } from "./apply.js";
import { errorMessage } from "./error-message.js";
import { runGet } from "./get.js";
import { createSession, defaultServers, serverList, type Io, type Session } from "./session.js";

export const kubectlLiteUsage = `kubectl-lite controls a kube-lite cluster, with kubectl's verbs and flags.

Server: --server URL[,URL], else $KUBE_LITE_SERVER, else ${defaultServers}`;

/** Values of a repeatable flag (-f a -f b). */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Go's strconv.ParseBool spellings, for --wait=false and the like. */
export function goBoolean(value: string): boolean {
  if (["1", "t", "T", "true", "TRUE", "True"].includes(value)) return true;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(value)) return false;
  throw new CommanderError(1, "kubectl-lite.invalidBoolean", `invalid argument "${value}": strconv.ParseBool: parsing "${value}": invalid syntax`);
}

export interface VerbContext {
  readonly program: Command;
  readonly io: Io;
  /** The session of the global flags, made when a verb first needs it. */
  session(): Session;
  /** Records a verb's exit code. */
  done(exitCode: number): void;
}

function defineApply(context: VerbContext): void {
  context.program
    .command("apply")
    .description("Apply a configuration to a resource by file name or stdin (server-side apply, manager kubectl-lite)")
    .requiredOption("-f, --filename <file>", "a file, a directory, or - for stdin (repeatable)", collect)
    .option("-R, --recursive", "process the directories of -f recursively")
    .option("--server-side", "accepted for kubectl compatibility: kubectl-lite always applies server-side")
    .action(async (options: { filename: string[]; recursive?: boolean }) => {
      context.done(await runApply(context.session(), options));
    });
}

function defineGet(context: VerbContext): void {
  context.program
    .command("get")
    .description("Display one or many resources")
    .argument("<type>", "TYPE[,TYPE...] or TYPE/NAME")
    .argument("[names...]")
    .option("-o, --output <format>", "json|yaml|name|wide")
    .option("-A, --all-namespaces", "list across all namespaces")
    .option("-l, --selector <selector>", "label selector (e.g. app=web,tier!=db)")
    .option("--field-selector <selector>", "field selector (e.g. spec.nodeName=node-1)")
    .option("-w, --watch", "after listing, watch for changes")
    .option("--watch-only", "watch for changes without listing first")
    .option("--show-labels", "a LABELS column last")
    .option("--no-headers", "leave the header row out")
    .action(async (type: string, names: string[], options: { output?: string; allNamespaces?: boolean; selector?: string; fieldSelector?: string; watch?: boolean; watchOnly?: boolean; showLabels?: boolean; headers?: boolean }) => {
      context.done(await runGet(context.session(), [type, ...names], { ...options, noHeaders: options.headers === false }));
    });
}

export const verbDefinitions: readonly ((context: VerbContext) => void)[] = [defineApply, defineGet];

/** Runs the CLI; resolves with the process exit code. */
export async function runKubectlLite(argv: readonly string[], io: Io, environment: NodeJS.ProcessEnv = process.env): Promise<number> {
  const program = new Command("kubectl-lite");
  program
    .description(kubectlLiteUsage)
    .addOption(new Option("-s, --server <urls>", "apiserver URL(s), comma-separated"))
    .addOption(new Option("-n, --namespace <namespace>", "the namespace of this request"))
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.out(text.trimEnd()), writeErr: (text) => io.err(text.trimEnd()) })
    .showSuggestionAfterError(true);
  let exitCode = 0;
  let session: Session | undefined;
  const context: VerbContext = {
    program,
    io,
    session: () => (session ??= createSession(program.opts<{ server?: string; namespace?: string }>(), environment, io)),
    done: (code) => {
      exitCode = code;
    },
  };
  for (const define of verbDefinitions) define(context);
  if (argv.length === 0) {
    io.out(program.helpInformation().trimEnd());
    return 0;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const servers = session?.client.servers ?? safeServers(program, environment);
    io.err(errorMessage(error, servers));
    return 1;
  }
}

function safeServers(program: Command, environment: NodeJS.ProcessEnv): string[] {
  try {
    return serverList(program.opts<{ server?: string }>().server, environment.KUBE_LITE_SERVER);
  } catch {
    return [];
  }
}
