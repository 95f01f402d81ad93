import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "dist/**"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Informers freeze what they cache (client-go's cache mutation detector), here and in every
    // process a test starts: a control loop that mutates a cached object fails its tests.
    env: { KUBE_CACHE_MUTATION_DETECTOR: "true" },
  },
});
