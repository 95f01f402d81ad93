// Legacy discovery (/api, /apis, /api/v1, /apis/<group>/<version>) and /version: what kubectl
// reads first. kubectl on these machines is gcloud's dispatcher, which picks the bundled
// kubectl matching /version's minor, so the server reports 1.32.
import { groupVersionOf, resources, servedGroupVersions, subresourceKinds } from "./resources.js";

export const serverVersion = {
  major: "1",
  minor: "32",
  gitVersion: "v1.32.0-kube-lite",
  gitCommit: "0000000000000000000000000000000000000000",
  gitTreeState: "clean",
  buildDate: "2026-11-25T00:00:00Z",
  goVersion: "go1.23.0",
  compiler: "gc",
  platform: "linux/amd64",
};

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
}

export function apiGroupList(): Record<string, unknown> {
  const groups = new Map<string, string[]>();
  for (const { group, version } of servedGroupVersions()) {
    if (group === "") continue;
    groups.set(group, [...(groups.get(group) ?? []), version]);
  }
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: [...groups.entries()].map(([name, versions]) => ({
      name,
      versions: versions.map((version) => ({ groupVersion: `${name}/${version}`, version })),
      preferredVersion: { groupVersion: `${name}/${versions[0] ?? "v1"}`, version: versions[0] ?? "v1" },
    })),
  };
}

export function apiGroup(group: string): Record<string, unknown> | undefined {
  const list = apiGroupList().groups as { name: string }[];
  const found = list.find((g) => g.name === group);
  return found === undefined ? undefined : { kind: "APIGroup", apiVersion: "v1", ...found };
}

export function apiResourceList(group: string, version: string): Record<string, unknown> | undefined {
  const served = resources.filter((r) => r.group === group && r.version === version);
  if (served.length === 0) return undefined;
  const list: Record<string, unknown>[] = [];
  for (const r of served) {
    list.push({
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: [...r.verbs],
      ...(r.shortNames.length > 0 ? { shortNames: [...r.shortNames] } : {}),
      ...(r.categories.length > 0 ? { categories: [...r.categories] } : {}),
    });
    for (const sub of r.subresources) {
      const kind = subresourceKinds[sub];
      list.push({
        name: `${r.resource}/${sub}`,
        singularName: "",
        namespaced: r.namespaced,
        ...(kind.group === "" ? {} : { group: kind.group, version: kind.version }),
        kind: kind.kind === "" ? r.kind : kind.kind,
        verbs: [...kind.verbs],
      });
    }
  }
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: groupVersionOf({ group, version }), resources: list };
}
