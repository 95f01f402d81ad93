import { describe, expect, it } from "vitest";
import { formatGoDuration } from "./durations.js";
import { imageId, normalizeImage, pullPolicy } from "./images.js";

describe("images", () => {
  it("normalizes references as containerd reports them", () => {
    expect(normalizeImage("nginx")).toBe("docker.io/library/nginx:latest");
    expect(normalizeImage("bitnami/redis:7")).toBe("docker.io/bitnami/redis:7");
    expect(normalizeImage("registry.k8s.io/pause:3.10")).toBe("registry.k8s.io/pause:3.10");
    expect(normalizeImage("localhost:5000/app")).toBe("localhost:5000/app:latest");
    expect(imageId("nginx:1.27")).toMatch(/^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
    expect(imageId("nginx:1.27")).not.toBe(imageId("nginx:1.26"));
  });

  it("defaults the pull policy as the API does", () => {
    expect(pullPolicy({ name: "a", image: "nginx" })).toBe("Always");
    expect(pullPolicy({ name: "a", image: "nginx:latest" })).toBe("Always");
    expect(pullPolicy({ name: "a", image: "nginx:1.27" })).toBe("IfNotPresent");
    expect(pullPolicy({ name: "a", image: "localhost:5000/app" })).toBe("Always");
    expect(pullPolicy({ name: "a", image: "nginx:1.27", imagePullPolicy: "Always" })).toBe("Always");
  });
});

describe("formatGoDuration", () => {
  it("prints as Go's Duration.String does", () => {
    expect(formatGoDuration(0)).toBe("0s");
    expect(formatGoDuration(313)).toBe("313ms");
    expect(formatGoDuration(1393)).toBe("1.393s");
    expect(formatGoDuration(1500)).toBe("1.5s");
    expect(formatGoDuration(2000)).toBe("2s");
    expect(formatGoDuration(62_500)).toBe("1m2.5s");
    expect(formatGoDuration(3_600_000)).toBe("1h0m0s");
  });
});
