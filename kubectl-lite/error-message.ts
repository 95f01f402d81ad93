// How kubectl words a failure (k8s.io/kubectl/pkg/cmd/util.CheckErr): API errors as
// "Error from server (Reason): ...", invalid objects as one line per field cause, an
// unreachable server by its address.
import { KubeApiError, KubeUnavailableError, type Status } from "../client/index.js";
import { CliError } from "./cli-error.js";

type Cause = NonNullable<NonNullable<Status["details"]>["causes"]>[number];

function causeText(cause: Cause): string {
  return cause.field !== undefined && cause.field !== "" ? `${cause.field}: ${cause.message ?? ""}` : (cause.message ?? "");
}

/** "The Deployment "web" is invalid: spec.replicas: Invalid value: -1: ..." (one cause) or a "* " list. */
export function invalidMessage(status: Status): string {
  const details = status.details;
  const causes = details?.causes ?? [];
  const subject = details?.kind !== undefined || details?.name !== undefined ? `The ${details.kind ?? ""} "${details.name ?? ""}" is invalid` : "The request is invalid";
  if (causes.length === 0) return `${subject}: ${status.message ?? ""}`;
  if (causes.length === 1) return `${subject}: ${causeText(causes[0] as Cause)}`;
  return [`${subject}: `, ...causes.map((cause) => `* ${causeText(cause)}`)].join("\n");
}

/** Host and port of each URL, as kubectl names "the server 127.0.0.1:8080". */
function addresses(servers: readonly string[]): string {
  return servers.map((server) => {
    try {
      return new URL(server).host;
    } catch {
      return server;
    }
  }).join(", ");
}

/** The lines kubectl prints on stderr for an error. `servers` names the addresses that were tried. */
export function errorMessage(error: unknown, servers: readonly string[]): string {
  if (error instanceof CliError) return `error: ${error.message}`;
  if (error instanceof KubeApiError) {
    if (error.code === 422 && (error.status.details?.causes?.length ?? 0) > 0) return invalidMessage(error.status);
    const message = error.status.message ?? error.message;
    return error.reason === "" ? `Error from server: ${message}` : `Error from server (${error.reason}): ${message}`;
  }
  if (error instanceof KubeUnavailableError) {
    const plural = servers.length > 1 ? "servers" : "server";
    if (/ECONNREFUSED/.test(error.message)) return `The connection to the ${plural} ${addresses(servers)} was refused - did you specify the right host or port?`;
    return `Unable to connect to the ${plural} ${addresses(servers)}: ${error.message}`;
  }
  return `error: ${error instanceof Error ? error.message : String(error)}`;
}
