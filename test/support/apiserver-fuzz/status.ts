// What a refusal must look like: a Kubernetes `Status` whose code is the HTTP status, and whose
// message (or causes) names the field at fault.

export interface KubeStatus {
  readonly kind: "Status";
  readonly apiVersion: string;
  readonly status: "Failure";
  readonly message: string;
  readonly reason: string;
  readonly code: number;
  readonly details?: { readonly causes?: readonly { readonly field?: string; readonly message?: string }[] };
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A Kubernetes failure Status answered with HTTP `httpStatus`. */
export function isKubeStatus(body: unknown, httpStatus: number): body is KubeStatus {
  if (typeof body !== "object" || body === null) return false;
  const b = body as Record<string, unknown>;
  return b.kind === "Status" && b.apiVersion === "v1" && b.status === "Failure" && typeof b.message === "string" && typeof b.reason === "string" && b.code === httpStatus;
}

/** Lower case, letters and digits only: "limits[ephemeral-storage]" and "ephemeral-storage" meet. */
function squeeze(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** Whether the Status names one of `names` in its message or in a cause's field or message. */
export function namesField(status: KubeStatus, names: readonly string[]): boolean {
  const texts = [status.message, ...(status.details?.causes ?? []).flatMap((c) => [c.field ?? "", c.message ?? ""])].map(squeeze);
  return names.some((name) => squeeze(name) !== "" && texts.some((text) => text.includes(squeeze(name))));
}
