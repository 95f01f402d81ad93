// What a Kubernetes API path asks for: /api/v1/namespaces/NS/pods/NAME/status and friends,
// parsed the way kube-apiserver's RequestInfoFactory does.
import { badRequest, noSuchPath } from "./errors.js";
import { findResource, type ResourceInfo, type Subresource } from "./resources.js";

export interface RequestTarget {
  readonly info: ResourceInfo;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: Subresource;
}

const subresourceNames = new Set<string>(["status", "scale", "binding", "finalize"]);

/**
 * Parses the segments after the group-version ("namespaces/default/pods/web").
 * `/namespaces/NAME[/status]` is the namespace itself; `/namespaces/NS/RESOURCE...` is scoped.
 */
export function parseResourcePath(group: string, version: string, segments: readonly string[]): RequestTarget {
  const [first, second, third, fourth, fifth, ...rest] = segments.map(decodeSegment);
  if (first === undefined || first === "") throw noSuchPath();
  let namespace: string | undefined;
  let parts: (string | undefined)[];
  if (first === "namespaces" && third !== undefined && third !== "status" && third !== "finalize") {
    namespace = second;
    parts = [third, fourth, fifth, ...rest];
  } else {
    parts = [first, second, third, fourth, fifth, ...rest];
  }
  const [plural, name, subresource, extra] = parts;
  const info = plural === undefined ? undefined : findResource(group, version, plural);
  if (info === undefined) throw noSuchPath();
  if (extra !== undefined) throw noSuchPath();
  if (namespace !== undefined && !info.namespaced) throw noSuchPath();
  if (namespace === "") throw badRequest("namespace must not be empty");
  if (name === "") throw noSuchPath();
  if (subresource !== undefined && (!subresourceNames.has(subresource) || !info.subresources.includes(subresource as Subresource))) {
    throw noSuchPath();
  }
  return {
    info,
    ...(namespace === undefined ? {} : { namespace }),
    ...(name === undefined ? {} : { name }),
    ...(subresource === undefined ? {} : { subresource: subresource as Subresource }),
  };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`malformed path segment "${segment}"`);
  }
}
