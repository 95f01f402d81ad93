import tseslint from "typescript-eslint";
import { layeringPlugin } from "./scripts/layering.mjs";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "bench/results/**", ".kube-lite/**"] },
  ...tseslint.configs.recommended,
  {
    plugins: { "kube-lite": layeringPlugin },
    rules: {
      "kube-lite/layering": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    // The pure cores: no clock, no global randomness, no timers (CONVENTIONS.md §1).
    files: ["store/raft/**/*.ts", "store/sim/**/*.ts"],
    ignores: ["store/sim/main.ts"],
    rules: {
      "no-restricted-properties": [
        "error",
        { object: "Date", property: "now", message: "Time arrives as tick(); inject a clock." },
        { object: "Math", property: "random", message: "Randomness comes from the injected seeded source." },
        { object: "performance", property: "now", message: "Time arrives as tick(); inject a clock." },
      ],
      "no-restricted-globals": [
        "error",
        { name: "setTimeout", message: "No timers in a pure core." },
        { name: "setInterval", message: "No timers in a pure core." },
        { name: "setImmediate", message: "No timers in a pure core." },
      ],
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["node:fs*", "node:net", "node:http*", "node:child_process", "fs", "net", "http"], message: "No IO in a pure core." }] },
      ],
    },
  },
);
