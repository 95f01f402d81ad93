// kubectl scale: a merge patch of spec.replicas through the scale subresource, as kubectl does.
import { CliError } from "./cli-error.js";
import { errorMessage } from "./error-message.js";
import { referenceName, referencesFromArguments, referencesFromFiles } from "./object-references.js";
import type { Session } from "./session.js";

export interface ScaleFlags {
  readonly replicas: string;
  readonly filename?: string[];
}

export function parseReplicas(value: string): number {
  const replicas = Number(value);
  if (!Number.isInteger(replicas) || replicas < 0 || value.trim() === "") throw new CliError("The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0");
  return replicas;
}

export async function runScale(session: Session, args: readonly string[], flags: ScaleFlags): Promise<number> {
  const replicas = parseReplicas(flags.replicas);
  const references = (flags.filename?.length ?? 0) > 0 ? await referencesFromFiles(session, flags.filename ?? [], false, "scale") : await referencesFromArguments(session, args, "scale");
  let exitCode = 0;
  for (const reference of references) {
    try {
      await session.client.patch(reference.type, reference.name, { spec: { replicas } }, { namespace: reference.namespace, patchType: "merge", subresource: "scale" });
      session.io.out(`${referenceName(reference)} scaled`);
    } catch (error) {
      session.io.err(errorMessage(error, session.client.servers));
      exitCode = 1;
    }
  }
  return exitCode;
}
