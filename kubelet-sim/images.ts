// Image names and ids as a containerd-backed kubelet reports them, and the pull policy that
// decides which image events it records. Ids are hashes of names, so a status is reproducible.
import { createHash } from "node:crypto";
import type { Container } from "../client/index.js";

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The fully qualified reference containerd reports: "nginx" → "docker.io/library/nginx:latest". */
export function normalizeImage(image: string): string {
  const firstSlash = image.indexOf("/");
  const first = firstSlash < 0 ? "" : image.slice(0, firstSlash);
  const hasRegistry = first.includes(".") || first.includes(":") || first === "localhost";
  let reference = hasRegistry ? image : `docker.io/${firstSlash < 0 ? "library/" : ""}${image}`;
  const lastSegment = reference.slice(reference.lastIndexOf("/") + 1);
  if (!lastSegment.includes(":") && !lastSegment.includes("@")) reference += ":latest";
  return reference;
}

/** The image's digest reference ("docker.io/library/nginx@sha256:…"). */
export function imageId(image: string): string {
  const normalized = normalizeImage(image);
  const repository = normalized.replace(/@.*$/, "").replace(/:[^:/]*$/, "");
  return `${repository}@sha256:${sha256Hex(`image:${normalized}`)}`;
}

/** A plausible, stable image size for the Pulled event ("Image size: N bytes"). */
export function imageSizeBytes(image: string): number {
  return 1_000_000 + (Number.parseInt(sha256Hex(`size:${normalizeImage(image)}`).slice(0, 8), 16) % 200_000_000);
}

/** The API's default (SetDefaults_Container): Always for :latest or an untagged image, else IfNotPresent. */
export function pullPolicy(container: Container): string {
  if (container.imagePullPolicy !== undefined && container.imagePullPolicy !== "") return container.imagePullPolicy;
  const image = container.image ?? "";
  if (image.includes("@")) return "IfNotPresent";
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const tag = lastSegment.includes(":") ? lastSegment.slice(lastSegment.indexOf(":") + 1) : "latest";
  return tag === "latest" ? "Always" : "IfNotPresent";
}
