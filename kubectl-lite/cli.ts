// The command line: kubectl's verbs and flags (commander), each verb a function of a Session.
// Errors are printed as kubectl prints them and become its exit codes (1 for any failure).
import { Command, CommanderError, Option } from "commander";
import { runApply } from "./apply.js";
import { errorMessage } from "./error-message.js";
import { runApiResources, runCreateFromFiles, runCreateNamespace } from "./create.js";
import { runDelete, type DeleteFlags } from "./delete.js";
import { runDescribe, type DescribeFlags } from "./describe.js";
import { runEvents, type EventsFlags } from "./events.js";
import { runGet } from "./get.js";
import { runMetadataEdit, type MetadataField } from "./metadata-edit.js";
import { runCordon, runDrain, type DrainFlags } from "./node-maintenance.js";
import { runRolloutHistory, runRolloutPause, runRolloutRestart, runRolloutStatus, runRolloutUndo, type RolloutStatusFlags } from "./rollout.js";
import { runScale, type ScaleFlags } from "./scale.js";
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

function defineDelete(context: VerbContext): void {
  context.program
    .command("delete")
    .description("Delete resources by file names, stdin, resources and names, or by resources and label selector")
    .argument("[resources...]", "TYPE NAME... or TYPE/NAME...")
    .option("-f, --filename <file>", "a file, a directory, or - for stdin (repeatable)", collect)
    .option("-R, --recursive", "process the directories of -f recursively")
    .option("-l, --selector <selector>", "delete the objects of TYPE matching this label selector")
    .option("--all", "delete every object of TYPE in the namespace")
    .option("--cascade <policy>", "background, foreground or orphan", "background")
    .option("--grace-period <seconds>", "seconds the object has to terminate (-1: its own default)")
    .option("--now", "grace period of 1 second")
    .option("--force", "with --grace-period=0, delete at once without waiting for the kubelet")
    .option("--wait [bool]", "wait until the objects are gone (default false)", goBoolean)
    .option("--timeout <duration>", "how long --wait waits (0: for ever)")
    .option("--ignore-not-found", "treat objects that are not there as deleted")
    .action(async (resources: string[], options: DeleteFlags) => {
      context.done(await runDelete(context.session(), resources, options));
    });
}

function defineScale(context: VerbContext): void {
  context.program
    .command("scale")
    .description("Set a new size for a deployment or replica set")
    .argument("[resources...]", "TYPE NAME or TYPE/NAME")
    .requiredOption("--replicas <count>", "the new number of replicas")
    .option("-f, --filename <file>", "the objects of a file", collect)
    .action(async (resources: string[], options: ScaleFlags) => {
      context.done(await runScale(context.session(), resources, options));
    });
}

function defineMetadataEdit(context: VerbContext, verb: string, field: MetadataField): void {
  context.program
    .command(verb)
    .description(`Update the ${field} on a resource: KEY=VALUE sets, KEY- removes`)
    .argument("<arguments...>", "TYPE NAME KEY=VALUE... KEY-...")
    .option("--overwrite", "replace existing values")
    .action(async (args: string[], options: { overwrite?: boolean }) => {
      context.done(await runMetadataEdit(context.session(), field, args, options.overwrite === true));
    });
}

function defineNodeMaintenance(context: VerbContext): void {
  for (const [verb, unschedulable] of [["cordon", true], ["uncordon", false]] as const) {
    context.program
      .command(verb)
      .description(unschedulable ? "Mark node as unschedulable" : "Mark node as schedulable")
      .argument("<nodes...>")
      .action(async (nodes: string[]) => {
        context.done(await runCordon(context.session(), nodes, unschedulable));
      });
  }
  context.program
    .command("drain")
    .description("Cordon a node and delete its pods (DaemonSet and mirror pods stay)")
    .argument("<node>")
    .option("--ignore-daemonsets", "leave DaemonSet-managed pods in place")
    .option("--delete-emptydir-data", "delete pods with emptyDir volumes (their data is lost)")
    .option("--force", "delete pods that declare no controller too")
    .option("--grace-period <seconds>", "seconds each pod has to terminate (-1: its own)")
    .option("--timeout <duration>", "how long to wait for the pods to go (0: for ever)")
    .action(async (node: string, options: DrainFlags) => {
      context.done(await runDrain(context.session(), node, options));
    });
}

function defineCreate(context: VerbContext): void {
  const create = context.program
    .command("create")
    .description("Create a resource from a file or stdin (-f), or a namespace")
    .option("-f, --filename <file>", "a file, a directory, or - for stdin (repeatable)", collect)
    .option("-R, --recursive", "process the directories of -f recursively")
    .action(async (options: { filename?: string[]; recursive?: boolean }) => {
      context.done(await runCreateFromFiles(context.session(), options.filename ?? [], options.recursive === true));
    });
  create
    .command("namespace")
    .alias("ns")
    .description("Create a namespace with the specified name")
    .argument("<name>")
    .action(async (name: string) => {
      context.done(await runCreateNamespace(context.session(), name));
    });
}

function defineDescribe(context: VerbContext): void {
  context.program
    .command("describe")
    .description("Show details of a specific resource or group of resources")
    .argument("<type>", "TYPE or TYPE/NAME")
    .argument("[names...]", "names or name prefixes")
    .option("-l, --selector <selector>", "label selector")
    .option("-A, --all-namespaces", "across every namespace")
    .action(async (type: string, names: string[], options: DescribeFlags) => {
      context.done(await runDescribe(context.session(), [type, ...names], options));
    });
}

function defineApiResources(context: VerbContext): void {
  context.program
    .command("api-resources")
    .description("Print the supported API resources on the server")
    .action(async () => {
      context.done(await runApiResources(context.session()));
    });
}

function defineEvents(context: VerbContext): void {
  context.program
    .command("events")
    .description("List events, oldest first")
    .option("-A, --all-namespaces", "events of every namespace")
    .option("--for <object>", "only the events of TYPE/NAME")
    .option("--types <types>", "only these types (Normal,Warning)")
    .action(async (options: EventsFlags) => {
      context.done(await runEvents(context.session(), options));
    });
}

function revisionNumber(value: string): number {
  const revision = Number(value);
  if (!Number.isInteger(revision) || revision < 0) throw new CommanderError(1, "kubectl-lite.invalidRevision", `error: invalid revision "${value}"`);
  return revision;
}

function defineRollout(context: VerbContext): void {
  const rollout = context.program.command("rollout").description("Manage the rollout of a deployment");
  const subcommand = (verb: string, description: string): Command => rollout.command(verb).description(description).argument("<resources...>", "deployment/NAME");
  subcommand("status", "Wait until the rollout is over, saying how far it got")
    .option("-w, --watch [bool]", "wait until the rollout is over (default true)", goBoolean)
    .option("--timeout <duration>", "give up after this long (0: never)")
    .action(async (resources: string[], options: RolloutStatusFlags) => context.done(await runRolloutStatus(context.session(), resources, options)));
  subcommand("history", "List the revisions")
    .option("--revision <number>", "the pod template of one revision", revisionNumber, 0)
    .action(async (resources: string[], options: { revision: number }) => context.done(await runRolloutHistory(context.session(), resources, options.revision)));
  subcommand("undo", "Go back to an earlier revision's pod template")
    .option("--to-revision <number>", "the revision to go back to (0: the previous one)", revisionNumber, 0)
    .action(async (resources: string[], options: { toRevision: number }) => context.done(await runRolloutUndo(context.session(), resources, options.toRevision)));
  subcommand("restart", "Restart every pod (a new restartedAt annotation on the template)").action(async (resources: string[]) =>
    context.done(await runRolloutRestart(context.session(), resources)),
  );
  subcommand("pause", "Stop rolling out template changes").action(async (resources: string[]) => context.done(await runRolloutPause(context.session(), resources, true)));
  subcommand("resume", "Roll out template changes again").action(async (resources: string[]) => context.done(await runRolloutPause(context.session(), resources, false)));
}

export const verbDefinitions: readonly ((context: VerbContext) => void)[] = [
  defineApply,
  defineGet,
  defineDelete,
  defineScale,
  (context) => defineMetadataEdit(context, "label", "labels"),
  (context) => defineMetadataEdit(context, "annotate", "annotations"),
  defineNodeMaintenance,
  defineCreate,
  defineEvents,
  defineApiResources,
  defineDescribe,
  defineRollout,
];

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
