// Any `kube-lite <role>` as a real process (the compiled bin): scheduler, controller-manager,
// kubelet-sim. Roles that serve health (--port 0 --url-file) report their URL back.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
const bin = path.join(root, "dist/cluster/main.js");

export interface ComponentProcess {
  readonly role: string;
  readonly process: ChildProcess;
  /** The health/status URL, for roles started with `serveStatus`. */
  readonly url: string | undefined;
  readonly output: () => string;
  /** GET /status (for roles that serve it). */
  status(): Promise<Record<string, unknown>>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startComponent(role: string, args: readonly string[], options: { serveStatus?: boolean } = {}): Promise<ComponentProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `kube-lite-${role}-`));
  const urlFile = path.join(dir, "url.json");
  const statusArgs = options.serveStatus === true ? ["--port", "0", "--url-file", urlFile] : [];
  const child = spawn(process.execPath, [bin, role, ...args, ...statusArgs], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-200_000)));
  child.stderr?.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-200_000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let url: string | undefined;
  if (options.serveStatus === true) {
    const deadline = Date.now() + 20_000;
    while (url === undefined) {
      if (child.exitCode !== null) throw new Error(`${role} exited before serving: ${output}`);
      if (Date.now() > deadline) throw new Error(`${role} did not write ${urlFile}: ${output}`);
      try {
        url = (JSON.parse(fs.readFileSync(urlFile, "utf8")) as { url: string }).url;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }
  return {
    role,
    process: child,
    url,
    output: () => output,
    status: async () => {
      if (url === undefined) throw new Error(`${role} was started without serveStatus`);
      const response = await fetch(`${url}/status`, { signal: AbortSignal.timeout(5_000) });
      return (await response.json()) as Record<string, unknown>;
    },
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
