// kubectl create namespace NAME, kubectl create -f, and kubectl api-resources (discovery as a table).
import { KubeApiError, resourceTypes } from "../client/index.js";
import { targetNamespace } from "./apply.js";
import { groupVersion, kindPrefix, resourceTypeOf } from "./discovery.js";
import { errorMessage } from "./error-message.js";
import { readManifests } from "./manifest-files.js";
import type { Session } from "./session.js";
import { alignRows } from "./table-printer.js";

export async function runCreateNamespace(session: Session, name: string): Promise<number> {
  await session.client.create(resourceTypes.namespaces, { metadata: { name } });
  session.io.out(`namespace/${name} created`);
  return 0;
}

/** kubectl create -f: POST each object; AlreadyExists and other failures name the file, the rest go on. */
export async function runCreateFromFiles(session: Session, files: readonly string[], recursive: boolean): Promise<number> {
  let exitCode = 0;
  for (const sourced of await readManifests(files, recursive, () => session.io.readStdin(), "create")) {
    try {
      const entry = await session.discovery.forKind(String(sourced.object.apiVersion), String(sourced.object.kind));
      const namespace = targetNamespace(entry, sourced.object, session);
      const created = await session.client.create(resourceTypeOf(entry), sourced.object, namespace === undefined ? {} : { namespace });
      session.io.out(`${kindPrefix(entry)}/${created.metadata.name ?? ""} created`);
    } catch (error) {
      const message = errorMessage(error, session.client.servers);
      session.io.err(error instanceof KubeApiError ? message.replace(/^(Error from server(?: \([A-Za-z]+\))?: )/, `$1error when creating "${sourced.source}": `) : message);
      exitCode = 1;
    }
  }
  return exitCode;
}

/** kubectl api-resources: every resource discovery lists, core first, by group then name. */
export async function runApiResources(session: Session): Promise<number> {
  const entries = [...(await session.discovery.all())].sort((a, b) => a.group.localeCompare(b.group) || a.resource.localeCompare(b.resource));
  const rows = entries.map((entry) => [entry.resource, entry.shortNames.join(","), groupVersion(entry), String(entry.namespaced), entry.kind]);
  session.io.out(alignRows([["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"], ...rows]).join("\n"));
  return 0;
}
