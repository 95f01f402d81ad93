// The layering rule of CONVENTIONS.md §5, as a local ESLint plugin.
//
// Each folder below is a module with one public surface, its index.ts. An import that leaves
// its own module must (1) go through the other module's index and (2) be an edge this table
// allows. Files outside every module (test/, bench/, scripts/) may use any module, through
// its index only.
import path from "node:path";

/** module folder → modules it may import. */
export const allowedImports = {
  "store/raft": [],
  "store/sim": ["store/raft"],
  "store/mvcc": [],
  "store/server": ["store/raft", "store/mvcc"],
  http1: [],
  "store/client": ["http1"],
  apiserver: ["store/client"],
  client: ["http1"],
  controllers: ["client"],
  scheduler: ["client"],
  "kubelet-sim": ["client"],
  "kubectl-lite": ["client"],
  cluster: ["store/server", "store/client", "apiserver", "client", "controllers", "scheduler", "kubelet-sim", "kubectl-lite"],
};

const modules = Object.keys(allowedImports).sort((a, b) => b.length - a.length);

/** The module a repository-relative path belongs to, or undefined. */
export function moduleOf(relativePath) {
  const normalized = relativePath.split(path.sep).join("/");
  return modules.find((m) => normalized === m || normalized.startsWith(`${m}/`));
}

/** Why an import from `fromFile` to `specifier` breaks the layering, or undefined if it does not. */
export function layeringViolation(root, fromFile, specifier) {
  if (!specifier.startsWith(".")) return undefined; // packages and node: builtins
  const fromRelative = path.relative(root, fromFile);
  const targetAbsolute = path.resolve(path.dirname(fromFile), specifier);
  const targetRelative = path.relative(root, targetAbsolute).split(path.sep).join("/");
  const fromModule = moduleOf(fromRelative);
  const toModule = moduleOf(targetRelative);
  if (toModule === undefined || toModule === fromModule) return undefined;
  const indexPaths = [toModule, `${toModule}/index.js`, `${toModule}/index.ts`];
  if (!indexPaths.includes(targetRelative)) {
    return `import ${toModule} through its index (${toModule}/index.js), not ${targetRelative}`;
  }
  if (fromModule !== undefined && !allowedImports[fromModule].includes(toModule)) {
    return `${fromModule} may not import ${toModule} (allowed: ${allowedImports[fromModule].join(", ") || "nothing"})`;
  }
  return undefined;
}

const layeringRule = {
  meta: {
    type: "problem",
    docs: { description: "Modules import each other only through index.ts and only along allowed edges." },
    schema: [],
  },
  create(context) {
    const root = context.cwd;
    const check = (node) => {
      if (node.source === null || node.source === undefined) return;
      const specifier = node.source.value;
      if (typeof specifier !== "string") return;
      const why = layeringViolation(root, context.filename, specifier);
      if (why !== undefined) context.report({ node: node.source, message: `layering: ${why}` });
    };
    return {
      ImportDeclaration: check,
      ExportAllDeclaration: check,
      ExportNamedDeclaration: check,
      ImportExpression: check,
    };
  },
};

export const layeringPlugin = { rules: { layering: layeringRule } };
