// The ways kubectl verbs name objects on the command line: `TYPE[,TYPE] [NAME...]` or
// `TYPE/NAME [TYPE/NAME...]`. Pure: turns arguments into (typed resource, names) groups.
import { CliError } from "./cli-error.js";

const separateTypeMessage =
  "there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'";

export interface ResourceSelection {
  /** As typed: "po", "deployments.apps", "all". */
  readonly typed: string;
  /** Empty: every object of the type (subject to selectors). */
  readonly names: readonly string[];
}

export function parseResourceArguments(args: readonly string[]): ResourceSelection[] {
  const first = args[0];
  if (first === undefined || first === "") throw new CliError("You must specify the type of resource to get.");
  if (first.includes("/")) {
    const groups = new Map<string, string[]>();
    for (const arg of args) {
      const slash = arg.indexOf("/");
      if (slash <= 0 || slash === arg.length - 1) throw new CliError(separateTypeMessage);
      const typed = arg.slice(0, slash);
      groups.set(typed, [...(groups.get(typed) ?? []), arg.slice(slash + 1)]);
    }
    return [...groups.entries()].map(([typed, names]) => ({ typed, names }));
  }
  const names = args.slice(1);
  if (names.some((name) => name.includes("/"))) {
    throw new CliError(separateTypeMessage);
  }
  const types = first.split(",").filter((typed) => typed !== "");
  return types.map((typed) => ({ typed, names }));
}
