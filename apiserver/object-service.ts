// The REST verbs on stored objects, independent of HTTP: create, update, patch, delete,
// deletecollection, with Kubernetes' metadata, defaulting, validation, admission, managed
// fields, optimistic concurrency and dry runs. Every write is one store transaction guarded by
// the revision it was computed from; a lost race is retried from a fresh read when the client
// did not pin a resourceVersion, and answered 409 Conflict when it did.
import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { prefixRangeEnd, bytesToText } from "../store/client/index.js";
import { addDefaultTolerations, clusterIpKey, requestedClusterIp, setClusterIp, type ServiceIpRange, type TolerationDefaults } from "./admission.js";
import { isPlainObject, type PatchType } from "./body.js";
import { alreadyExists, ApiError, badRequest, conflict, invalid, notFound } from "./errors.js";
import { decodeAs, defaultsFor, patchSchemaFor, prepareCreate, prepareUpdate, validate } from "./kinds.js";
import { jsonCopy } from "./schema/index.js";
import { generateName, nameOf, orderMetadata, orderTopLevel, rfc3339, stampCreate, stampUpdate, stringArray } from "./metadata.js";
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, PatchError, type JsonValue } from "./patch/index.js";
import { serverSideApply, updateManagedFields } from "./apply/index.js";
import { deletionFinalizers, type PropagationOptions } from "./deletion-finalizers.js";
import type { EventLeases } from "./event-leases.js";
import { formatLabelSelector } from "./selectors/index.js";
import { findResource, groupVersionOf, namespacesResource, registryKey, registryPrefix, type ResourceInfo } from "./resources.js";
import type { RequestTarget } from "./request-info.js";
import type { RegistryStorage} from "./storage.js";
import { metadataOf, type ExtraWrite, type KubeObject, type StoredObject } from "./storage.js";

export type FieldValidation = "Ignore" | "Warn" | "Strict";

export interface WriteOptions {
  readonly dryRun: boolean;
  readonly fieldManager: string;
  readonly fieldValidation: FieldValidation;
  /** Server-side apply only. */
  readonly force?: boolean;
  /** The client named the manager (apply requires it). */
  readonly fieldManagerGiven?: boolean;
}

export interface WriteResult {
  readonly code: number;
  readonly body: KubeObject;
  readonly warnings: string[];
}

export interface DeleteOptions extends PropagationOptions {
  readonly dryRun: boolean;
  readonly gracePeriodSeconds?: number;
  readonly preconditions?: { uid?: string; resourceVersion?: string };
}

export interface ObjectServiceDeps {
  readonly storage: RegistryStorage;
  readonly nowMs: () => number;
  readonly random: () => number;
  readonly newUid?: () => string;
  readonly serviceIpRange: ServiceIpRange;
  readonly tolerations: TolerationDefaults;
  /** Leases events are stored with (they expire after --event-ttl). */
  readonly eventLeases?: EventLeases;
  /**
   * The object at `key` as this apiserver's watch cache holds it (shared with the cache: copy it
   * before changing it), if the cache has caught up to `atLeastRevision`; undefined when it has no
   * such object or cannot say (see WatchCache.peek). NamespaceLifecycle admits from it, and an
   * update's first attempt starts from it, as Kubernetes' GuaranteedUpdate starts from the cached
   * object (the write's revision guard catches a stale one).
   */
  readonly cachedObject?: (info: ResourceInfo, key: string, atLeastRevision: number) => StoredObject | undefined;
}

const protectedNamespaces = new Set(["default", "kube-system", "kube-public"]);

/** How often a write computed from a read is retried after losing a race (GuaranteedUpdate). */
const conflictRetriesMax = 16;
/** generateName collisions retried before answering AlreadyExists. */
const generateNameRetriesMax = 8;

export class ObjectService {
  private readonly storage: RegistryStorage;
  private readonly newUid: () => string;

  constructor(private readonly deps: ObjectServiceDeps) {
    this.storage = deps.storage;
    this.newUid = deps.newUid ?? randomUUID;
  }

  /** The address kept for the `kubernetes` service. */
  get firstServiceIp(): string {
    return this.deps.serviceIpRange.first;
  }

  // ---------- reads ----------

  async get(target: RequestTarget): Promise<KubeObject> {
    const stored = await this.read(target);
    return target.subresource === "scale" ? scaleOf(stored.object) : stored.object;
  }

  async read(target: RequestTarget): Promise<StoredObject> {
    const name = requireName(target);
    const stored = await this.storage.get(registryKey(target.info, target.namespace, name));
    if (stored === undefined) throw notFound(target.info.resource, target.info.group, name);
    return stored;
  }

  // ---------- create ----------

  async create(target: RequestTarget, body: unknown, options: WriteOptions): Promise<WriteResult> {
    const { info } = target;
    if (target.subresource === "binding" || info.resource === "bindings") return this.bind(target, body, options);
    if (target.name !== undefined) throw new ApiError(405, "MethodNotAllowed", `the server does not allow this method on the requested resource`);
    const warnings: string[] = [];
    const decoded = this.decodeBody(info, body, options.fieldValidation, warnings);
    const metadata = metadataOf(decoded);
    this.checkNamespace(target, decoded);
    if (metadata.resourceVersion !== undefined && metadata.resourceVersion !== "") {
      throw badRequest("resourceVersion should not be set on objects to be created");
    }
    await this.checkNamespaceExists(target, typeof metadata.name === "string" ? metadata.name : "");
    const generated = (metadata.name === undefined || metadata.name === "") && typeof metadata.generateName === "string" && metadata.generateName !== "";
    for (let attempt = 0; attempt < conflictRetriesMax; attempt++) {
      // Only the metadata is changed here; prepareNew's defaulting deep-copies the rest.
      const candidate: KubeObject = { ...decoded, metadata: { ...metadataOf(decoded) } };
      const candidateMetadata = metadataOf(candidate);
      if (generated) candidateMetadata.name = generateName(String(metadata.generateName), this.deps.random);
      if (typeof candidateMetadata.name !== "string" || candidateMetadata.name === "") {
        throw invalid(info.kind, info.group, "", [{ reason: "FieldValueRequired", field: "metadata.name", message: "name or generateName is required" }]);
      }
      const object = this.prepareNew(target, candidate, options);
      if (options.dryRun) return { code: 201, body: object, warnings };
      const extra = await this.admitCreate(info, object);
      const key = registryKey(info, target.namespace, nameOf(object));
      const lease = await this.leaseFor(info);
      const outcome = await this.storage.create(key, object, extra, lease).catch((error: unknown) => this.leaseLost(error, lease));
      if (outcome === undefined) continue;
      if (outcome.ok) return { code: 201, body: outcome.object, warnings };
      if (outcome.current === undefined && outcome.extraConflict) continue; // a cluster IP taken meanwhile: pick again
      if (generated && attempt < generateNameRetriesMax) continue;
      throw alreadyExists(info.resource, info.group, nameOf(object));
    }
    throw new ApiError(409, "Conflict", `${info.resource}: too many concurrent writers, try again`);
  }

  /** Defaults, server metadata, admission and validation of an object about to be created. */
  private prepareNew(target: RequestTarget, candidate: KubeObject, options: WriteOptions): KubeObject {
    const { info } = target;
    let object = defaultsFor(info, candidate);
    object = prepareCreate(info, object);
    if (target.namespace !== undefined) metadataOf(object).namespace = target.namespace;
    stampCreate(info, object, { uid: this.newUid(), nowMs: this.deps.nowMs() });
    if (info.resource === "pods") addDefaultTolerations(object, this.deps.tolerations);
    const causes = validate(info, object, { operation: "create" });
    const generateNamePrefix = metadataOf(object).generateName;
    if (typeof generateNamePrefix === "string" && generateNamePrefix !== "") {
      // generateName is validated itself, as a name with a trailing dash allowed (ValidateObjectMeta).
      const prefixOnly: KubeObject = { ...object, metadata: { ...metadataOf(object), name: generateNamePrefix.replace(/-$/, "a") } };
      for (const cause of validate(info, prefixOnly, { operation: "create" })) {
        if (cause.field === "metadata.name") causes.push({ ...cause, field: "metadata.generateName", message: cause.message.replace(`"${String(metadataOf(prefixOnly).name)}"`, `"${generateNamePrefix}"`) });
      }
    }
    if (causes.length > 0) throw invalid(info.kind, info.group, nameOf(object), causes);
    object = withManagedFields(() => updateManagedFields({ old: undefined, updated: object, manager: options.fieldManager, schema: patchSchemaFor(info), apiVersion: groupVersionOf(info), now: rfc3339(this.deps.nowMs()) }), object);
    return orderTopLevel(object);
  }

  /** Reservations written with the object: a service's cluster IP. */
  private async admitCreate(info: ResourceInfo, object: KubeObject): Promise<ExtraWrite[]> {
    if (info.resource !== "services") return [];
    const spec = (object.spec ?? {}) as Record<string, unknown>;
    if (spec.type === "ExternalName") return [];
    const range = this.deps.serviceIpRange;
    const asked = requestedClusterIp(object, range);
    if (asked === "None") {
      spec.clusterIPs = ["None"];
      return [];
    }
    const ip = asked ?? range.pick(this.deps.random);
    if (asked !== undefined) {
      const taken = await this.storage.store.range({ key: clusterIpKey(ip), countOnly: true });
      if (taken.count > 0) {
        throw invalid("Service", "", nameOf(object), [{ reason: "FieldValueInvalid", field: "spec.clusterIPs", message: `Invalid value: ["${ip}"]: failed to allocate IP ${ip}: provided IP is already allocated` }]);
      }
    }
    setClusterIp(object, ip);
    const metadata = metadataOf(object);
    return [{ key: clusterIpKey(ip), value: JSON.stringify({ namespace: metadata.namespace, name: metadata.name }), mustNotExist: true }];
  }

  // ---------- update (PUT) ----------

  async update(target: RequestTarget, body: unknown, options: WriteOptions): Promise<WriteResult> {
    const { info } = target;
    const name = requireName(target);
    const warnings: string[] = [];
    if (target.subresource === "scale") return this.updateScale(target, body, options);
    const decoded = this.decodeBody(info, body, options.fieldValidation, warnings);
    this.checkNamespace(target, decoded);
    const bodyName = metadataOf(decoded).name;
    if (bodyName !== name) throw badRequest(`the name of the object (${String(bodyName ?? "")}) does not match the name on the URL (${name})`);
    const pinned = pinnedVersion(decoded);
    if (info.createOnUpdate && pinned === undefined && target.subresource === undefined) {
      const existing = await this.storage.get(registryKey(info, target.namespace, name));
      if (existing === undefined) {
        // PUT of a missing object creates it (AllowCreateOnUpdate).
        const created = await this.create({ info, ...(target.namespace === undefined ? {} : { namespace: target.namespace }) }, decoded, options);
        return { ...created, warnings: [...warnings, ...created.warnings] };
      }
    }
    return this.guardedUpdate(target, options, warnings, pinned, async () => jsonCopy(decoded));
  }

  // ---------- patch ----------

  async patch(target: RequestTarget, patchType: PatchType, patch: unknown, options: WriteOptions): Promise<WriteResult> {
    const { info } = target;
    requireName(target);
    if (target.subresource === "scale") return this.patchScale(target, patchType, patch, options);
    if (patchType === "apply") return this.apply(target, patch, options);
    const warnings: string[] = [];
    let pinned: number | undefined;
    return this.guardedUpdate(target, options, warnings, undefined, async (current) => {
      const patched = applyPatch(info, patchType, current.object, patch);
      const decoded = this.decodeBody(info, patched, options.fieldValidation, warnings);
      // A patch that names a resourceVersion is a precondition, as in Kubernetes.
      pinned = pinnedVersion(decoded);
      if (pinned !== undefined && pinned !== current.modRevision) throw conflict(info.resource, info.group, nameOf(current.object));
      return decoded;
    });
  }

  /** Server-side apply: creates or updates from the applied configuration. */
  private async apply(target: RequestTarget, body: unknown, options: WriteOptions): Promise<WriteResult> {
    const { info } = target;
    const name = requireName(target);
    if (!isPlainObject(body)) throw badRequest("the apply configuration must be an object");
    const warnings: string[] = [];
    if (options.fieldManagerGiven === false || options.fieldManager === "") {
      throw new ApiError(422, "Invalid", 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch', {
        group: "meta.k8s.io",
        kind: "PatchOptions",
        causes: [{ reason: "FieldValueRequired", message: "Required value: is required for apply patch", field: "fieldManager" }],
      });
    }
    if (isPlainObject(body.metadata) && body.metadata.managedFields !== undefined && body.metadata.managedFields !== null) throw badRequest("metadata.managedFields must be nil");
    const applied = this.decodeBody(info, body, options.fieldValidation, warnings);
    this.checkNamespace(target, applied);
    const appliedName = metadataOf(applied).name;
    if (appliedName !== undefined && appliedName !== name) throw badRequest(`the name of the object (${String(appliedName)}) does not match the name on the URL (${name})`);
    metadataOf(applied).name = name;
    for (let attempt = 0; attempt < conflictRetriesMax; attempt++) {
      const key = registryKey(info, target.namespace, name);
      const current = await this.storage.get(key);
      const now = rfc3339(this.deps.nowMs());
      const merged = typedPatchError(() => serverSideApply({ live: current?.object, applied, manager: options.fieldManager, force: options.force === true, schema: patchSchemaFor(info), apiVersion: groupVersionOf(info), now, ignoredFields: resetFields(target.subresource), ...(target.subresource === undefined ? {} : { subresource: target.subresource }) }));
      if (!merged.ok) {
        throw new ApiError(409, "Conflict", merged.message, { causes: merged.conflicts.map((c) => ({ reason: "FieldManagerConflict", message: c.message, field: c.field })) });
      }
      if (current === undefined) {
        await this.checkNamespaceExists(target, name);
        const object = this.prepareApplied(target, merged.object);
        if (options.dryRun) return { code: 201, body: object, warnings };
        const extra = await this.admitCreate(info, object);
        const outcome = await this.storage.create(key, object, extra);
        if (outcome.ok) return { code: 201, body: outcome.object, warnings };
        continue;
      }
      const result = await this.finishUpdate(target, current, merged.object, options, warnings, false);
      if (result !== undefined) return result;
    }
    throw conflict(info.resource, info.group, name, "too many concurrent writers, try again");
  }

  private prepareApplied(target: RequestTarget, object: KubeObject): KubeObject {
    const { info } = target;
    const managedFields = metadataOf(object).managedFields;
    let prepared = prepareCreate(info, defaultsFor(info, object));
    if (target.namespace !== undefined) metadataOf(prepared).namespace = target.namespace;
    stampCreate(info, prepared, { uid: this.newUid(), nowMs: this.deps.nowMs() });
    if (info.resource === "pods") addDefaultTolerations(prepared, this.deps.tolerations);
    metadataOf(prepared).managedFields = managedFields;
    const causes = validate(info, prepared, { operation: "create" });
    if (causes.length > 0) throw invalid(info.kind, info.group, nameOf(prepared), causes);
    prepared = orderTopLevel(prepared);
    return prepared;
  }

  // ---------- the shared update path ----------

  /**
   * Reads the object, computes the new one with `compute`, and writes it guarded by the
   * revision it read. `pinned` is the client's resourceVersion precondition.
   */
  private async guardedUpdate(
    target: RequestTarget,
    options: WriteOptions,
    warnings: string[],
    pinned: number | undefined,
    compute: (current: StoredObject) => Promise<KubeObject>,
  ): Promise<WriteResult> {
    const { info } = target;
    const name = requireName(target);
    for (let attempt = 0; attempt < conflictRetriesMax; attempt++) {
      // The first attempt starts from the watch cache's copy; whatever goes wrong with it (a
      // stale copy fails the revision guard, a precondition or a check) is decided again on the
      // store's current object, as Kubernetes' GuaranteedUpdate does with a cached object.
      const shared = attempt === 0 ? this.cachedCurrent(target) : undefined;
      // compute() and finishUpdate() may change the object they are given: not the cache's.
      const cached = shared === undefined ? undefined : { ...shared, object: jsonCopy(shared.object) };
      const current = cached ?? (await this.read(target));
      try {
        if (pinned !== undefined && pinned !== current.modRevision) throw conflict(info.resource, info.group, name);
        const next = await compute(current);
        const result = await this.finishUpdate(target, current, next, options, warnings, true, cached !== undefined);
        if (result !== undefined) return result;
        if (pinned !== undefined && cached === undefined) throw conflict(info.resource, info.group, name);
      } catch (error) {
        // A decision taken on the cached copy (409, 422, ...) is taken again on the store's;
        // a store failure (unavailable, outcome unknown) is the caller's, as without the cache.
        if (cached === undefined || !(error instanceof ApiError) || error.code >= 500) throw error;
      }
    }
    throw conflict(info.resource, info.group, name, "too many concurrent writers, try again");
  }

  /** The watch cache's copy of the target object, if it has one (shared with the cache). */
  private cachedCurrent(target: RequestTarget): StoredObject | undefined {
    if (target.name === undefined) return undefined;
    return this.deps.cachedObject?.(target.info, registryKey(target.info, target.namespace, target.name), 0);
  }

  /**
   * Turns a computed object into the stored one and writes it. Undefined when another writer
   * got there first (the caller re-reads and tries again).
   */
  private async finishUpdate(target: RequestTarget, current: StoredObject, next: KubeObject, options: WriteOptions, warnings: string[], recordManager: boolean, fromCache = false): Promise<WriteResult | undefined> {
    const { info } = target;
    const name = nameOf(current.object);
    const old = current.object;
    const subresource = target.subresource === "status" ? "status" : undefined;
    // The finalize subresource is recorded as such, and checked and reset as the object itself.
    const updatedPart = target.subresource === "finalize" ? "finalize" : subresource;
    let object = prepareUpdate(info, defaultsFor(info, next), old, updatedPart);
    if (target.namespace !== undefined) metadataOf(object).namespace = target.namespace;
    metadataOf(object).name = name;
    const oldUid = metadataOf(old).uid;
    const newUid = metadataOf(object).uid;
    if (newUid !== undefined && newUid !== "" && newUid !== oldUid) {
      throw new ApiError(409, "Conflict", `Precondition failed: UID in precondition: ${String(newUid)}, UID in object meta: ${String(oldUid)}`);
    }
    stampUpdate(info, object, old);
    if (info.resource === "services") keepClusterIp(object, old);
    const causes = validate(info, object, { operation: "update", old, ...(subresource === undefined ? {} : { subresource }) });
    if (causes.length > 0) throw invalid(info.kind, info.group, name, causes);
    if (recordManager) {
      const updated = object;
      object = withManagedFields(() => updateManagedFields({ old, updated, manager: options.fieldManager, schema: patchSchemaFor(info), apiVersion: groupVersionOf(info), now: rfc3339(this.deps.nowMs()), ignoredFields: resetFields(subresource), ...(updatedPart === undefined ? {} : { subresource: updatedPart }) }), object);
    }
    object = orderTopLevel(object);
    const comparableOld = withoutVersion(old);
    if (isDeepStrictEqual(withoutVersion(object), comparableOld)) {
      // Nothing changed: Kubernetes skips the write and answers the stored object — once it
      // compared with the store's current object, not a cached copy that may be behind it.
      return fromCache ? undefined : { code: 200, body: old, warnings };
    }
    if (options.dryRun) return { code: 200, body: object, warnings };
    const metadata = metadataOf(object);
    const key = registryKey(info, target.namespace, name);
    if (metadata.deletionTimestamp !== undefined && stringArray(metadata.finalizers).length === 0 && !(info.resource === "pods" && isGraceful(metadata)) && !(info.resource === "namespaces" && namespaceFinalizers(object).length > 0)) {
      // The last finalizer is gone from an object being deleted: it goes now (a namespace once
      // its spec.finalizers are empty too: Kubernetes' ShouldDeleteNamespaceDuringUpdate).
      const outcome = await this.storage.delete(key, object, current.modRevision, releaseWrites(info, old));
      return outcome.ok ? { code: 200, body: outcome.object, warnings } : undefined;
    }
    const lease = await this.leaseFor(info);
    const outcome = await this.storage.update(key, object, current.modRevision, [], lease).catch((error: unknown) => this.leaseLost(error, lease));
    return outcome?.ok === true ? { code: 200, body: outcome.object, warnings } : undefined;
  }

  private async leaseFor(info: ResourceInfo): Promise<string | undefined> {
    return info.resource === "events" ? this.deps.eventLeases?.lease() : undefined;
  }

  /** A put naming a lease that expired meanwhile fails; forget it and let the caller retry. */
  private leaseLost(error: unknown, lease: string | undefined): undefined {
    if (lease !== undefined && error instanceof Error && /requested lease not found/.test(error.message)) {
      this.deps.eventLeases?.forget(lease);
      return undefined;
    }
    throw error;
  }

  // ---------- scale subresource ----------

  private async updateScale(target: RequestTarget, body: unknown, options: WriteOptions): Promise<WriteResult> {
    if (!isPlainObject(body)) throw badRequest("the body must be an autoscaling/v1 Scale object");
    return this.writeScale(target, options, () => body, false);
  }

  private async patchScale(target: RequestTarget, patchType: PatchType, patch: unknown, options: WriteOptions): Promise<WriteResult> {
    if (patchType === "apply") throw new ApiError(415, "UnsupportedMediaType", "server-side apply of the scale subresource is not supported");
    return this.writeScale(target, options, (scale) => applyPatch(undefined, patchType, scale, patch), true);
  }

  /**
   * `isPatch`: the Scale being patched carries the current resourceVersion, so the result pins a
   * version only if the patch itself changed it (as upstream: a patch without a resourceVersion is
   * retried on a lost race, never answered 409 — `kubectl scale` relies on that).
   */
  private async writeScale(target: RequestTarget, options: WriteOptions, compute: (scale: KubeObject) => unknown, isPatch: boolean): Promise<WriteResult> {
    const { info } = target;
    const name = requireName(target);
    for (let attempt = 0; attempt < conflictRetriesMax; attempt++) {
      const current = await this.read(target);
      const scale = scaleOf(current.object);
      const next = compute(jsonCopy(scale));
      if (!isPlainObject(next)) throw badRequest("the body must be an autoscaling/v1 Scale object");
      const spec = next.spec;
      const replicas = isPlainObject(spec) ? spec.replicas : undefined;
      if (replicas !== undefined && (typeof replicas !== "number" || !Number.isInteger(replicas))) {
        throw badRequest(`Scale in version "v1" cannot be handled as a Scale: spec.replicas must be an integer`);
      }
      if (typeof replicas === "number" && replicas < 0) {
        throw invalid("Scale", "autoscaling", name, [{ reason: "FieldValueInvalid", field: "spec.replicas", message: `Invalid value: ${replicas}: must be greater than or equal to 0` }]);
      }
      const asked = pinnedVersion(next);
      const pinned = isPatch && asked === current.modRevision ? undefined : asked;
      if (pinned !== undefined && pinned !== current.modRevision) throw conflict(info.resource, info.group, name);
      const object = jsonCopy(current.object);
      const objectSpec = (isPlainObject(object.spec) ? object.spec : {}) as Record<string, unknown>;
      objectSpec.replicas = typeof replicas === "number" ? replicas : 0;
      object.spec = objectSpec;
      const result = await this.finishUpdate({ info, ...(target.namespace === undefined ? {} : { namespace: target.namespace }), name }, current, object, options, [], true);
      if (result !== undefined) return { ...result, body: scaleOf(result.body) };
      if (pinned !== undefined) throw conflict(info.resource, info.group, name);
    }
    throw conflict(info.resource, info.group, name, "too many concurrent writers, try again");
  }

  // ---------- binding ----------

  /** POST pods/NAME/binding (or namespaces/NS/bindings): assigns a pod to a node, once. */
  private async bind(target: RequestTarget, body: unknown, options: WriteOptions): Promise<WriteResult> {
    if (!isPlainObject(body)) throw badRequest("the body must be a v1 Binding object");
    const bindingName = metadataOf(body).name;
    const podName = target.name ?? (typeof bindingName === "string" ? bindingName : "");
    if (podName === "") throw badRequest("a binding needs metadata.name (the pod's name)");
    const targetRef = body.target;
    const nodeName = isPlainObject(targetRef) ? targetRef.name : undefined;
    if (typeof nodeName !== "string" || nodeName === "") {
      throw invalid("Binding", "", podName, [{ reason: "FieldValueRequired", field: "target.name", message: "Required value" }]);
    }
    const podInfo = findResource("", "v1", "pods");
    if (podInfo === undefined) throw new Error("the pods resource is missing");
    const pods: RequestTarget = { info: podInfo, ...(target.namespace === undefined ? {} : { namespace: target.namespace }), name: podName };
    for (let attempt = 0; attempt < conflictRetriesMax; attempt++) {
      // As an update: the first attempt from the watch cache's copy (copied just below before it
      // is changed), any doubt settled on the store's.
      const cached = attempt === 0 ? this.cachedCurrent(pods) : undefined;
      const current = cached ?? (await this.read(pods));
      const pod = jsonCopy(current.object);
      const spec = (isPlainObject(pod.spec) ? pod.spec : {}) as Record<string, unknown>;
      if (typeof spec.nodeName === "string" && spec.nodeName !== "") {
        if (cached !== undefined) continue;
        throw conflict("pods", "", podName, `pod ${podName} is already assigned to node "${spec.nodeName}"`);
      }
      if (metadataOf(pod).deletionTimestamp !== undefined) {
        if (cached !== undefined) continue;
        throw conflict("pods", "", podName, `pod ${podName} is being deleted, cannot be assigned to a host`);
      }
      spec.nodeName = nodeName;
      pod.spec = spec;
      const status = (isPlainObject(pod.status) ? pod.status : {}) as Record<string, unknown>;
      const conditions = Array.isArray(status.conditions) ? (status.conditions as unknown[]).filter((c) => !(isPlainObject(c) && c.type === "PodScheduled")) : [];
      conditions.push({ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: rfc3339(this.deps.nowMs()) });
      status.conditions = conditions;
      pod.status = status;
      if (options.dryRun) return { code: 201, body: successStatus(), warnings: [] };
      const key = registryKey(pods.info, pods.namespace, podName);
      const managed = updateManagedFields({ old: current.object, updated: pod, manager: options.fieldManager, schema: patchSchemaFor(pods.info), apiVersion: "v1", now: rfc3339(this.deps.nowMs()) });
      const outcome = await this.storage.update(key, managed, current.modRevision);
      if (outcome.ok) return { code: 201, body: successStatus(), warnings: [] };
    }
    throw conflict("pods", "", podName, "too many concurrent writers, try again");
  }

  // ---------- delete ----------

  async delete(target: RequestTarget, options: DeleteOptions): Promise<WriteResult> {
    const { info } = target;
    const name = requireName(target);
    if (info.resource === "namespaces") return this.deleteNamespace(target, name, options);
    for (let attempt = 0; attempt < conflictRetriesMax; attempt++) {
      const current = await this.read(target);
      const result = await this.deleteOne(info, current, options);
      if (result !== undefined) return result;
    }
    throw conflict(info.resource, info.group, name, "too many concurrent writers, try again");
  }

  /**
   * Kubernetes' namespace DELETE (pkg/registry/core/namespace/storage): the preconditions are
   * checked first, as for any object. The first DELETE marks the namespace Terminating
   * (deletionTimestamp, status.phase) and sets the garbage collector's finalizers as the
   * propagation policy asks (deletionFinalizers, the namespace rules), and answers the namespace (200, or 202 after orphanDependents=false: notDeleted); the
   * namespace controller then deletes its content and removes `kubernetes` from spec.finalizers
   * through the finalize subresource, which deletes the namespace once metadata.finalizers are
   * empty too (the garbage collector removes `orphan` and `foregroundDeletion`). A later DELETE
   * while spec.finalizers is not empty changes nothing and answers the namespace (Kubernetes 1.17+);
   * once it is empty, a DELETE is that of any object.
   */
  private async deleteNamespace(target: RequestTarget, name: string, options: DeleteOptions): Promise<WriteResult> {
    if (protectedNamespaces.has(name)) throw new ApiError(403, "Forbidden", `namespaces "${name}" is forbidden: this namespace may not be deleted`, { name, kind: "namespaces" });
    for (let attempt = 0; attempt < conflictRetriesMax; attempt++) {
      const current = await this.read(target);
      const mismatch = preconditionMismatch(current, options.preconditions);
      // The namespace storage's own check and wording, before anything else.
      if (mismatch !== undefined) throw conflict("namespaces", "", name, `Precondition failed: ${mismatch.what} in precondition: ${mismatch.precondition}, ${mismatch.what} in object meta: ${mismatch.record}`);
      const metadata = metadataOf(current.object);
      if (metadata.deletionTimestamp === undefined) {
        const marked = jsonCopy(current.object);
        const markedMetadata = metadataOf(marked);
        markedMetadata.deletionTimestamp = rfc3339(this.deps.nowMs());
        setFinalizers(markedMetadata, deletionFinalizers(stringArray(metadata.finalizers), options, "namespace").finalizers);
        marked.status = { ...(isPlainObject(marked.status) ? marked.status : {}), phase: "Terminating" };
        const ordered = orderTopLevel(marked);
        orderMetadata(ordered);
        if (options.dryRun) return notDeleted(ordered, options);
        const outcome = await this.storage.update(current.key, ordered, current.modRevision);
        if (outcome.ok) return notDeleted(outcome.object, options);
        continue;
      }
      if (namespaceFinalizers(current.object).length > 0) return notDeleted(current.object, options);
      const result = await this.deleteOne(target.info, current, options);
      if (result !== undefined) return result;
    }
    throw conflict("namespaces", "", name, "too many concurrent writers, try again");
  }

  /** One attempt; undefined when another writer changed the object meanwhile. */
  private async deleteOne(info: ResourceInfo, current: StoredObject, options: DeleteOptions): Promise<WriteResult | undefined> {
    const old = current.object;
    const metadata = metadataOf(old);
    const name = nameOf(old);
    const mismatch = preconditionMismatch(current, options.preconditions);
    if (mismatch !== undefined) throw preconditionConflict(info, name, mismatch);
    const { changed: finalizersChanged, finalizers: wanted } = deletionFinalizers(stringArray(metadata.finalizers), options, "object");
    const grace = info.resource === "pods" ? podGraceSeconds(old, options.gracePeriodSeconds) : 0;
    const key = current.key;
    const now = this.deps.nowMs();
    if (wanted.length > 0 || grace > 0) {
      // Graceful deletion or finalizers: mark the object; the kubelet or the finalizers' owners finish it.
      const marked = jsonCopy(old);
      const markedMetadata = metadataOf(marked);
      const alreadyDeleting = markedMetadata.deletionTimestamp !== undefined;
      const currentGrace = typeof markedMetadata.deletionGracePeriodSeconds === "number" ? markedMetadata.deletionGracePeriodSeconds : undefined;
      // Nothing to change; or a graceful deletion under way that this one does not shorten, whose
      // finalizers a DELETE no longer changes (BeforeDelete's gracefulPending).
      const notShortened = currentGrace === undefined || grace >= currentGrace;
      if (alreadyDeleting && notShortened && (!finalizersChanged || (currentGrace ?? 0) > 0)) return notDeleted(old, options);
      if (!alreadyDeleting || (currentGrace !== undefined && grace < currentGrace)) {
        markedMetadata.deletionTimestamp = rfc3339(now + grace * 1000);
        markedMetadata.deletionGracePeriodSeconds = grace;
      }
      setFinalizers(markedMetadata, wanted);
      if (grace === 0 && wanted.length === 0) return this.removeNow(info, key, current, options);
      const ordered = orderTopLevel(marked);
      if (options.dryRun) return notDeleted(ordered, options);
      const outcome = await this.storage.update(key, ordered, current.modRevision);
      if (!outcome.ok) return undefined;
      return notDeleted(outcome.object, options);
    }
    return this.removeNow(info, key, current, options);
  }

  private async removeNow(info: ResourceInfo, key: string, current: StoredObject, options: DeleteOptions): Promise<WriteResult | undefined> {
    const old = current.object;
    if (options.dryRun) return { code: 200, body: deletedAnswer(info, old), warnings: [] };
    const outcome = await this.storage.delete(key, old, current.modRevision, releaseWrites(info, old));
    if (!outcome.ok) return undefined;
    return { code: 200, body: deletedAnswer(info, outcome.object), warnings: [] };
  }

  /** Deletes every object of a list (as DELETE on the collection). */
  async deleteEach(info: ResourceInfo, objects: readonly StoredObject[], options: DeleteOptions): Promise<KubeObject[]> {
    const deleted: KubeObject[] = [];
    for (const stored of objects) {
      let current: StoredObject | undefined = stored;
      for (let attempt = 0; attempt < conflictRetriesMax && current !== undefined; attempt++) {
        const result = await this.deleteOne(info, current, options);
        if (result !== undefined) {
          deleted.push(result.body.kind === "Status" ? current.object : result.body);
          break;
        }
        current = await this.storage.get(stored.key);
      }
    }
    return deleted;
  }

  // ---------- helpers ----------

  private decodeBody(info: ResourceInfo, body: unknown, fieldValidation: FieldValidation, warnings: string[]): KubeObject {
    if (!isPlainObject(body)) throw badRequest(`${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: the body must be a JSON object`);
    const apiVersion = body.apiVersion;
    const kind = body.kind;
    const expectedVersion = groupVersionOf(info);
    if (apiVersion !== undefined && apiVersion !== expectedVersion) {
      throw badRequest(`the API version in the data (${String(apiVersion)}) does not match the expected API version (${expectedVersion})`);
    }
    if (kind !== undefined && kind !== info.kind) {
      throw badRequest(`the kind in the data (${String(kind)}) does not match the expected kind (${info.kind})`);
    }
    const decoded = decodeAs(info, { ...body, apiVersion: expectedVersion, kind: info.kind });
    if (!decoded.ok) throw badRequest(decoded.message, decoded.causes.map((c) => ({ reason: c.reason, message: c.message, field: c.field })));
    if (decoded.unknownFields.length > 0) {
      if (fieldValidation === "Strict") {
        const listed = decoded.unknownFields.map((f) => `unknown field "${f}"`);
        throw badRequest(`strict decoding error: ${listed.join(", ")}`);
      }
      if (fieldValidation === "Warn") for (const field of decoded.unknownFields) warnings.push(`unknown field "${field}"`);
    }
    return decoded.object;
  }

  private checkNamespace(target: RequestTarget, object: KubeObject): void {
    const metadata = metadataOf(object);
    if (!target.info.namespaced) {
      delete metadata.namespace;
      return;
    }
    const namespace = metadata.namespace;
    if (namespace !== undefined && namespace !== "" && namespace !== target.namespace) {
      throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
    }
    if (target.namespace === undefined) throw badRequest("a namespaced object must be created in a namespace (use /namespaces/NS/...)");
    metadata.namespace = target.namespace;
  }

  /** NamespaceLifecycle admission: no new objects in a missing or terminating namespace. */
  private async checkNamespaceExists(target: RequestTarget, name = ""): Promise<void> {
    if (!target.info.namespaced || target.namespace === undefined) return;
    // As Kubernetes' NamespaceLifecycle plugin: an active namespace in the (informer) cache is
    // enough; a namespace the cache lacks or shows terminating is looked up live. The cache must
    // be at least as new as this apiserver's own last namespace write (read-your-writes); another
    // apiserver's write may take a moment to arrive, as in Kubernetes.
    const key = registryKey(namespacesResource, undefined, target.namespace);
    const cached = this.deps.cachedObject?.(namespacesResource, key, this.storage.lastNamespaceWrite);
    if (cached !== undefined && metadataOf(cached.object).deletionTimestamp === undefined) return;
    const stored = await this.storage.get(key);
    if (stored === undefined) throw new ApiError(404, "NotFound", `namespaces "${target.namespace}" not found`, { name: target.namespace, kind: "namespaces" });
    if (metadataOf(stored.object).deletionTimestamp !== undefined) {
      throw new ApiError(403, "Forbidden", `${target.info.resource} "${name}" is forbidden: unable to create new content in namespace ${target.namespace} because it is being terminated`);
    }
  }
}

/**
 * managedFields bookkeeping never fails a write (Kubernetes' FieldManager.UpdateNoErrors): an
 * object the typed field sets cannot describe (a list item without its key, in a part validation
 * does not check) is stored with its managedFields as they were.
 */
function withManagedFields(update: () => KubeObject, fallback: KubeObject): KubeObject {
  try {
    return update();
  } catch (error) {
    if (error instanceof PatchError || (error instanceof Error && /associative list|key field|duplicate/i.test(error.message))) return fallback;
    throw error;
  }
}

/** A server-side apply the typed field sets cannot describe is the client's mistake (400), not a 500. */
function typedPatchError<T>(apply: () => T): T {
  try {
    return apply();
  } catch (error) {
    if (error instanceof PatchError) throw error.status === 409 ? new ApiError(409, "Conflict", error.message) : badRequest(error.message);
    if (error instanceof Error && /associative list|key field|duplicate|must be nil/i.test(error.message)) throw badRequest(`failed to create typed patch object: ${error.message}`);
    throw error;
  }
}

/** Fields a write through this endpoint cannot set (the strategy resets them): never owned by its manager. */
function resetFields(subresource: string | undefined): string[][] {
  return subresource === "status" ? [["spec"]] : [["status"]];
}

function requireName(target: RequestTarget): string {
  if (target.name === undefined) throw new ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
  return target.name;
}

/** A client's resourceVersion precondition in a body, as a revision. */
function pinnedVersion(object: KubeObject): number | undefined {
  const version = metadataOf(object).resourceVersion;
  if (version === undefined || version === "") return undefined;
  if (typeof version !== "string" || !/^\d+$/.test(version)) throw badRequest(`metadata.resourceVersion: Invalid value: "${String(version)}": must be a string of digits`);
  return Number(version);
}

function withoutVersion(object: KubeObject): KubeObject {
  const { resourceVersion: _ignored, ...metadata } = metadataOf(object);
  return { ...object, metadata };
}

function applyPatch(info: ResourceInfo | undefined, patchType: PatchType, current: KubeObject, patch: unknown): KubeObject {
  try {
    let result: JsonValue;
    if (patchType === "merge") {
      if (!isPlainObject(patch)) throw badRequest("a merge patch must be a JSON object");
      result = applyMergePatch(current as JsonValue, patch as JsonValue);
    } else if (patchType === "json") {
      result = applyJsonPatch(current as JsonValue, patch);
    } else {
      if (!isPlainObject(patch)) throw badRequest("a strategic merge patch must be a JSON object");
      result = info === undefined ? applyMergePatch(current as JsonValue, patch as JsonValue) : applyStrategicMergePatch(current as JsonValue, patch as JsonValue, patchSchemaFor(info));
    }
    if (!isPlainObject(result)) throw badRequest("the patch did not produce an object");
    return result;
  } catch (error) {
    if (error instanceof PatchError && patchType === "json" && error.status === 422) {
      // As kube-apiserver words a JSON patch that does not apply (kubectl prints the cause).
      throw new ApiError(422, "Invalid", "the server rejected our request due to an error in our request", { causes: [{ reason: "UnexpectedServerResponse", message: error.message }] });
    }
    if (error instanceof PatchError) {
      throw error.status === 409 ? new ApiError(409, "Conflict", error.message) : error.status === 422 ? new ApiError(422, "Invalid", error.message) : badRequest(error.message);
    }
    throw error;
  }
}

/** autoscaling/v1 Scale of a Deployment or ReplicaSet. */
export function scaleOf(object: KubeObject): KubeObject {
  const metadata = metadataOf(object);
  const spec = (isPlainObject(object.spec) ? object.spec : {}) as Record<string, unknown>;
  const status = (isPlainObject(object.status) ? object.status : {}) as Record<string, unknown>;
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: {
      name: metadata.name,
      namespace: metadata.namespace,
      uid: metadata.uid,
      resourceVersion: metadata.resourceVersion,
      creationTimestamp: metadata.creationTimestamp,
    },
    spec: { replicas: typeof spec.replicas === "number" ? spec.replicas : 0 },
    status: { replicas: typeof status.replicas === "number" ? status.replicas : 0, selector: selectorText(spec.selector) },
  };
}

/**
 * metav1.LabelSelector as the string Scale.status.selector carries (the selectors module's
 * upstream formatting; Scale has "" where kubectl's printers write <none>).
 */
function selectorText(selector: unknown): string {
  const text = formatLabelSelector(selector);
  return text === "<none>" || text === "<error>" ? "" : text;
}

function keepClusterIp(object: KubeObject, old: KubeObject): void {
  const spec = (isPlainObject(object.spec) ? object.spec : {}) as Record<string, unknown>;
  const oldSpec = (isPlainObject(old.spec) ? old.spec : {}) as Record<string, unknown>;
  if ((spec.clusterIP === undefined || spec.clusterIP === "") && oldSpec.clusterIP !== undefined) {
    spec.clusterIP = oldSpec.clusterIP;
    if (oldSpec.clusterIPs !== undefined) spec.clusterIPs = oldSpec.clusterIPs;
    object.spec = spec;
  }
}

/** Store writes that free what an object held (a service's cluster IP). */
function releaseWrites(info: ResourceInfo, old: KubeObject): ExtraWrite[] {
  if (info.resource !== "services") return [];
  const spec = isPlainObject(old.spec) ? old.spec : {};
  const ip = spec.clusterIP;
  return typeof ip === "string" && ip !== "" && ip !== "None" ? [{ key: clusterIpKey(ip) }] : [];
}

function isGraceful(metadata: Record<string, unknown>): boolean {
  return typeof metadata.deletionGracePeriodSeconds === "number" && metadata.deletionGracePeriodSeconds > 0;
}

/** metadata.finalizers as given, or no field at all when there are none. */
function setFinalizers(metadata: Record<string, unknown>, finalizers: string[]): void {
  if (finalizers.length > 0) metadata.finalizers = finalizers;
  else delete metadata.finalizers;
}

/** A DELETE precondition (uid, resourceVersion) the stored object does not meet. */
interface PreconditionMismatch {
  readonly what: "UID" | "ResourceVersion";
  readonly precondition: string;
  readonly record: string;
}

function preconditionMismatch(current: StoredObject, preconditions: DeleteOptions["preconditions"]): PreconditionMismatch | undefined {
  const uid = String(metadataOf(current.object).uid ?? "");
  if (preconditions?.uid !== undefined && preconditions.uid !== uid) return { what: "UID", precondition: preconditions.uid, record: uid };
  const resourceVersion = String(current.modRevision);
  if (preconditions?.resourceVersion !== undefined && preconditions.resourceVersion !== resourceVersion) return { what: "ResourceVersion", precondition: preconditions.resourceVersion, record: resourceVersion };
  return undefined;
}

/** rest.BeforeDelete's 409: NewConflict on the kind ("Deployment.apps"), its details naming the kind and group. */
function preconditionConflict(info: ResourceInfo, name: string, mismatch: PreconditionMismatch): ApiError {
  const why = mismatch.what === "UID" ? "The object might have been deleted and then recreated" : "The object might have been modified";
  return conflict(info.kind, info.group, name, `the ${mismatch.what} in the precondition (${mismatch.precondition}) does not match the ${mismatch.what} in record (${mismatch.record}). ${why}`);
}

/**
 * The answer to a DELETE that left the object in place (finalizers, a grace period, a namespace
 * being emptied): 202 Accepted only when orphanDependents=false asked for cascading deletion,
 * else 200, as Kubernetes' DeleteResource handler (kept so for existing clients).
 */
function notDeleted(object: KubeObject, options: DeleteOptions): WriteResult {
  return { code: options.orphanDependents === false ? 202 : 200, body: object, warnings: [] };
}

/** A namespace's spec.finalizers ("kubernetes" until the namespace controller has emptied it). */
function namespaceFinalizers(namespace: KubeObject): string[] {
  return stringArray((isPlainObject(namespace.spec) ? namespace.spec : {}).finalizers);
}

/** Kubernetes' pod grace period: the request's, else the pod's; 0 for pods no kubelet runs. */
function podGraceSeconds(pod: KubeObject, requested: number | undefined): number {
  const spec = (isPlainObject(pod.spec) ? pod.spec : {}) as Record<string, unknown>;
  const status = (isPlainObject(pod.status) ? pod.status : {}) as Record<string, unknown>;
  if (typeof spec.nodeName !== "string" || spec.nodeName === "") return 0;
  if (status.phase === "Succeeded" || status.phase === "Failed") return 0;
  if (requested !== undefined) return Math.max(0, requested);
  return typeof spec.terminationGracePeriodSeconds === "number" ? spec.terminationGracePeriodSeconds : 30;
}

/** Pods answer with the deleted object; other resources with a Success Status (as Kubernetes 1.32). */
function deletedAnswer(info: ResourceInfo, object: KubeObject): KubeObject {
  if (info.resource === "pods") return object;
  const metadata = metadataOf(object);
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details: { name: metadata.name, ...(info.group === "" ? {} : { group: info.group }), kind: info.resource, uid: metadata.uid } };
}

function successStatus(): KubeObject {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 };
}

export function listPrefix(info: ResourceInfo, namespace: string | undefined): { key: string; rangeEnd: string } {
  const key = registryPrefix(info, namespace);
  return { key, rangeEnd: bytesToText(prefixRangeEnd(key)) };
}
