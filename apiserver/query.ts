// Query parameters of Kubernetes requests, parsed with zod at the edge: a bad value is a 400
// naming the parameter.
import { z } from "zod";
import type { PropagationPolicy } from "./deletion-finalizers.js";
import { ApiError, badRequest, type StatusCause } from "./errors.js";
import type { DeleteOptions, FieldValidation } from "./object-service.js";
import type { ListOptions } from "./list.js";

const boolText = z.enum(["true", "false", "1", "0", ""]).transform((v) => v === "true" || v === "1");
/** int64 as Kubernetes parses it (ParseInt); values past what a JS number holds exactly are clamped. */
const intText = (name: string) =>
  z
    .string()
    .regex(/^-?\d+$/, `${name} must be an integer`)
    .refine((text) => {
      // zod runs refinements after a failed regex too: only digits reach BigInt.
      if (!/^-?\d+$/.test(text)) return true;
      const value = BigInt(text);
      return value >= -(2n ** 63n) && value < 2n ** 63n;
    }, `${name} must be a 64-bit integer`)
    .transform((text) => Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, Number(text))));

const querySchema = z.object({
  dryRun: z.union([z.literal("All"), z.array(z.literal("All"))]).optional(),
  fieldManager: z
    .string()
    .max(128, "fieldManager: Too long: may not be more than 128 bytes")
    .refine((text) => /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]*$/u.test(text), "fieldManager: Invalid value: must only contain printable characters")
    .optional(),
  fieldValidation: z.enum(["Ignore", "Warn", "Strict"], { message: 'fieldValidation: Unsupported value: supported values: "Ignore", "Warn", "Strict"' }).optional(),
  force: boolText.optional(),
  labelSelector: z.string().optional(),
  fieldSelector: z.string().optional(),
  limit: intText("limit").optional(),
  continue: z.string().optional(),
  resourceVersion: z.string().optional(),
  resourceVersionMatch: z.string().optional(),
  watch: boolText.optional(),
  allowWatchBookmarks: boolText.optional(),
  sendInitialEvents: boolText.optional(),
  timeoutSeconds: intText("timeoutSeconds").optional(),
  gracePeriodSeconds: intText("gracePeriodSeconds").optional(),
  // Checked with the rest of DeleteOptions (deleteOptionsOf), not here.
  propagationPolicy: z.string().optional(),
  orphanDependents: boolText.optional(),
  includeObject: z.enum(["None", "Metadata", "Object"]).optional(),
  pretty: z.string().optional(),
});

export type RequestQuery = z.infer<typeof querySchema>;

export function parseQuery(raw: unknown): RequestQuery {
  // Repeated parameters arrive as arrays: Kubernetes takes the first (dryRun may repeat).
  const flattened: Record<string, unknown> = {};
  if (typeof raw === "object" && raw !== null) {
    for (const [name, value] of Object.entries(raw)) flattened[name] = Array.isArray(value) && name !== "dryRun" ? value[0] : value;
  }
  const result = querySchema.safeParse(flattened);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = issue?.path.join(".") ?? "query";
    throw badRequest(`invalid query parameter ${name}: ${issue?.message ?? "invalid"}`);
  }
  if (result.data.limit !== undefined && result.data.limit < 0) throw badRequest("limit must not be negative");
  return result.data;
}

export function writeOptionsOf(query: RequestQuery, userAgent: string | undefined): { dryRun: boolean; fieldManager: string; fieldManagerGiven: boolean; fieldValidation: FieldValidation; force: boolean } {
  return {
    fieldManagerGiven: query.fieldManager !== undefined && query.fieldManager !== "",
    dryRun: query.dryRun !== undefined,
    fieldManager: query.fieldManager ?? defaultFieldManager(userAgent),
    // Kubernetes' default since 1.27: unknown fields are dropped with a warning.
    fieldValidation: query.fieldValidation ?? "Warn",
    force: query.force ?? false,
  };
}

/** Kubernetes names the manager after the client's User-Agent program ("kubectl", "curl"). */
function defaultFieldManager(userAgent: string | undefined): string {
  const program = (userAgent ?? "").split("/")[0]?.trim() ?? "";
  return program === "" ? "unknown" : program.slice(0, 128);
}

export function listOptionsOf(query: RequestQuery): ListOptions {
  return {
    ...(query.labelSelector === undefined ? {} : { labelSelector: query.labelSelector }),
    ...(query.fieldSelector === undefined ? {} : { fieldSelector: query.fieldSelector }),
    ...(query.limit === undefined ? {} : { limit: query.limit }),
    ...(query.continue === undefined ? {} : { continueToken: query.continue }),
    ...(query.resourceVersion === undefined ? {} : { resourceVersion: query.resourceVersion }),
    ...(query.resourceVersionMatch === undefined ? {} : { resourceVersionMatch: query.resourceVersionMatch }),
  };
}

const deleteBodySchema = z
  .object({
    kind: z.literal("DeleteOptions").optional(),
    apiVersion: z.string().optional(),
    gracePeriodSeconds: z.number().int().nullable().optional(),
    propagationPolicy: z.string().nullable().optional(),
    orphanDependents: z.boolean().nullable().optional(),
    dryRun: z.array(z.literal("All")).nullable().optional(),
    preconditions: z
      .object({ uid: z.string().nullable().optional(), resourceVersion: z.string().nullable().optional() })
      .nullable()
      .optional(),
  })
  .passthrough();

/** DeleteOptions from the body (if any) and the query, the body winning as in Kubernetes. */
export function deleteOptionsOf(query: RequestQuery, body: unknown): DeleteOptions {
  let fromBody: z.infer<typeof deleteBodySchema> = {};
  if (body !== undefined) {
    const parsed = deleteBodySchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw badRequest(`DeleteOptions: ${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`);
    }
    fromBody = parsed.data;
  }
  const grace = fromBody.gracePeriodSeconds ?? query.gracePeriodSeconds;
  // Both kept: the deprecated orphanDependents decides the finalizers in its own way per registry
  // (deletion-finalizers.ts) and, when false, the 202 of a deletion left pending.
  const orphan = fromBody.orphanDependents ?? query.orphanDependents ?? undefined;
  const policy = validPropagationPolicy(fromBody.propagationPolicy ?? query.propagationPolicy ?? undefined, orphan);
  const preconditions = fromBody.preconditions ?? undefined;
  return {
    dryRun: query.dryRun !== undefined || (fromBody.dryRun?.length ?? 0) > 0,
    ...(grace === undefined || grace === null ? {} : { gracePeriodSeconds: grace }),
    ...(orphan === undefined ? {} : { orphanDependents: orphan }),
    ...(policy === undefined ? {} : { propagationPolicy: policy }),
    ...(preconditions === undefined || preconditions === null
      ? {}
      : {
          preconditions: {
            ...(preconditions.uid === undefined || preconditions.uid === null ? {} : { uid: preconditions.uid }),
            ...(preconditions.resourceVersion === undefined || preconditions.resourceVersion === null ? {} : { resourceVersion: preconditions.resourceVersion }),
          },
        }),
  };
}

const propagationPolicies: readonly PropagationPolicy[] = ["Foreground", "Background", "Orphan"];

/** ValidateDeleteOptions: the policy is one of the three, and not given with orphanDependents (422 on DeleteOptions). */
function validPropagationPolicy(policy: string | undefined, orphanDependents: boolean | undefined): PropagationPolicy | undefined {
  if (policy === undefined) return undefined;
  const causes: StatusCause[] = [];
  if (orphanDependents !== undefined) causes.push({ reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(policy)}: orphanDependents and deletionPropagation cannot be both set`, field: "propagationPolicy" });
  const known = propagationPolicies.find((p) => p === policy);
  if (known === undefined) {
    causes.push({ reason: "FieldValueNotSupported", message: `Unsupported value: ${JSON.stringify(policy)}: supported values: ${[...propagationPolicies, "nil"].map((p) => JSON.stringify(p)).join(", ")}`, field: "propagationPolicy" });
  }
  if (known !== undefined && causes.length === 0) return known;
  const summary = causes.map((c) => `${c.field ?? ""}: ${c.message}`).join(", ");
  throw new ApiError(422, "Invalid", `DeleteOptions.meta.k8s.io "" is invalid: ${causes.length > 1 ? `[${summary}]` : summary}`, { group: "meta.k8s.io", kind: "DeleteOptions", causes });
}

/** A watch on one object is a watch on its collection selected by metadata.name. */
export function joinFieldSelector(selector: string | undefined, name: string | undefined): string | undefined {
  if (name === undefined) return selector;
  const byName = `metadata.name=${name}`;
  return selector === undefined || selector === "" ? byName : `${selector},${byName}`;
}

/** Kubernetes: "" and "0" start from the current state; N resumes after revision N. */
export function watchStartRevision(resourceVersion: string | undefined): number | undefined {
  if (resourceVersion === undefined || resourceVersion === "" || resourceVersion === "0") return undefined;
  if (!/^\d+$/.test(resourceVersion)) throw badRequest(`resourceVersion: Invalid value: "${resourceVersion}": must be a non-negative integer`);
  return Number(resourceVersion);
}

/** Node's timers hold at most 2^31 - 1 ms; a longer watch is as good as endless. */
const timerMsMax = 2 ** 31 - 1;

export function watchTimeoutMs(timeoutSeconds: number | undefined, defaultMs: number): number {
  return timeoutSeconds !== undefined && timeoutSeconds > 0 ? Math.min(timeoutSeconds * 1000, timerMsMax) : defaultMs;
}

/** Kubernetes refuses resourceVersionMatch on a watch unless it streams initial events. */
export function checkWatchQuery(query: RequestQuery): void {
  if (query.resourceVersionMatch !== undefined && query.resourceVersionMatch !== "" && query.sendInitialEvents !== true) {
    throw new ApiError(422, "Invalid", "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided", {
      group: "meta.k8s.io",
      kind: "ListOptions",
      causes: [{ reason: "FieldValueForbidden", message: "Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided", field: "resourceVersionMatch" }],
    });
  }
}
