// Resource names as a person types them (po, deploy, deployments.apps, Deployment, all) and
// kinds as a manifest names them (apps/v1 Deployment), resolved through the apiserver's
// discovery documents (/api/v1, /apis, /apis/<group>/<version>) as kubectl's RESTMapper does.
import type { KubeClient, ResourceType } from "../client/index.js";
import { CliError } from "./cli-error.js";

export interface ApiResource {
  /** "" for the core group. */
  readonly group: string;
  readonly version: string;
  /** The plural: "deployments". */
  readonly resource: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly verbs: readonly string[];
}

interface ResourceListDocument {
  groupVersion?: string;
  resources?: {
    name: string;
    singularName?: string;
    namespaced?: boolean;
    kind?: string;
    verbs?: string[];
    shortNames?: string[];
    categories?: string[];
  }[];
}

interface GroupListDocument {
  groups?: { name: string; preferredVersion?: { groupVersion: string }; versions?: { groupVersion: string }[] }[];
}

/** Top-level resources of one discovery document (subresources such as pods/status left out). */
export function resourcesOfDocument(document: ResourceListDocument): ApiResource[] {
  const groupVersion = document.groupVersion ?? "v1";
  const slash = groupVersion.indexOf("/");
  const group = slash < 0 ? "" : groupVersion.slice(0, slash);
  const version = slash < 0 ? groupVersion : groupVersion.slice(slash + 1);
  return (document.resources ?? [])
    .filter((entry) => !entry.name.includes("/"))
    .map((entry) => ({
      group,
      version,
      resource: entry.name,
      singular: entry.singularName !== undefined && entry.singularName !== "" ? entry.singularName : (entry.kind ?? entry.name).toLowerCase(),
      kind: entry.kind ?? entry.name,
      namespaced: entry.namespaced ?? true,
      shortNames: entry.shortNames ?? [],
      categories: entry.categories ?? [],
      verbs: entry.verbs ?? [],
    }));
}

/** The resource a typed name means: `po`, `pods`, `pod`, `Pod`, `deployments.apps`, `deployments.v1.apps`. */
export function matchResource(resources: readonly ApiResource[], typed: string): ApiResource | undefined {
  const lower = typed.toLowerCase();
  const dot = lower.indexOf(".");
  const name = dot < 0 ? lower : lower.slice(0, dot);
  const qualifier = dot < 0 ? undefined : lower.slice(dot + 1);
  const inGroup = (entry: ApiResource): boolean =>
    qualifier === undefined || qualifier === entry.group || qualifier === `${entry.version}.${entry.group}` || (entry.group === "" && qualifier === entry.version);
  return resources.find(
    (entry) => inGroup(entry) && (entry.resource === name || entry.singular === name || entry.kind.toLowerCase() === name || entry.shortNames.includes(name)),
  );
}

/** A resource name, else the resources of a category (`all`); empty when nothing matches. */
export function matchResources(resources: readonly ApiResource[], typed: string): ApiResource[] {
  const named = matchResource(resources, typed);
  if (named !== undefined) return [named];
  return resources.filter((entry) => entry.categories.includes(typed.toLowerCase()));
}

/** The resource of a manifest's apiVersion and kind. */
export function matchKind(resources: readonly ApiResource[], apiVersion: string, kind: string): ApiResource | undefined {
  return resources.find((entry) => groupVersion(entry) === apiVersion && entry.kind === kind);
}

export function groupVersion(entry: ApiResource): string {
  return entry.group === "" ? entry.version : `${entry.group}/${entry.version}`;
}

/** What kubectl prints before an object's name: "deployment.apps", "pod". */
export function kindPrefix(entry: ApiResource): string {
  const kind = entry.kind.toLowerCase();
  return entry.group === "" ? kind : `${kind}.${entry.group}`;
}

/** The resource with its group, as error messages name it: "deployments.apps", "pods". */
export function qualifiedResource(entry: ApiResource): string {
  return entry.group === "" ? entry.resource : `${entry.resource}.${entry.group}`;
}

export function resourceTypeOf(entry: ApiResource): ResourceType {
  const apiVersion = groupVersion(entry);
  return { apiPath: entry.group === "" ? `/api/${entry.version}` : `/apis/${apiVersion}`, apiVersion, resource: entry.resource, kind: entry.kind, namespaced: entry.namespaced };
}

export class Discovery {
  private loaded: Promise<ApiResource[]> | undefined;

  constructor(private readonly client: KubeClient) {}

  /** Every served resource, core first; fetched once per command. */
  all(): Promise<ApiResource[]> {
    this.loaded ??= this.load();
    return this.loaded;
  }

  /** One typed name (never a category); throws kubectl's message when unknown. */
  async resolve(typed: string): Promise<ApiResource> {
    const found = matchResource(await this.all(), typed);
    if (found === undefined) throw new CliError(`the server doesn't have a resource type "${typed}"`);
    return found;
  }

  /** A typed name or category (get all). */
  async resolveMany(typed: string): Promise<ApiResource[]> {
    const found = matchResources(await this.all(), typed);
    if (found.length === 0) throw new CliError(`the server doesn't have a resource type "${typed}"`);
    return found;
  }

  async forKind(apiVersion: string, kind: string): Promise<ApiResource> {
    const found = matchKind(await this.all(), apiVersion, kind);
    if (found === undefined) throw new CliError(`resource mapping not found for kind "${kind}" in version "${apiVersion}": ensure CRDs are installed first`);
    return found;
  }

  private async load(): Promise<ApiResource[]> {
    const core = (await this.client.request({ method: "GET", path: "/api/v1" })) as ResourceListDocument;
    const groups = (await this.client.request({ method: "GET", path: "/apis" })) as GroupListDocument;
    const preferred = (groups.groups ?? []).map((g) => g.preferredVersion?.groupVersion ?? g.versions?.[0]?.groupVersion).filter((gv): gv is string => gv !== undefined);
    const documents = await Promise.all(preferred.map((gv) => this.client.request({ method: "GET", path: `/apis/${gv}` }) as Promise<ResourceListDocument>));
    return [core, ...documents].flatMap(resourcesOfDocument);
  }
}
