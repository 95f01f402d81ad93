// `kube-lite apiserver` as a real process (the compiled bin), on a port the OS chose.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
const bin = path.join(root, "dist/cluster/main.js");

export interface ApiServerProcess {
  readonly url: string;
  readonly process: ChildProcess;
  readonly output: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startApiServerProcess(etcdServers: readonly string[], extraArgs: readonly string[] = []): Promise<ApiServerProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kube-lite-apiserver-"));
  const urlFile = path.join(dir, "url.json");
  const child = spawn(process.execPath, [bin, "apiserver", "--etcd-servers", etcdServers.join(","), "--port", "0", "--url-file", urlFile, "--log-level", "warn", ...extraArgs], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      if (fs.existsSync(urlFile)) {
        try {
          const parsed = JSON.parse(fs.readFileSync(urlFile, "utf8")) as { url: string };
          clearInterval(timer);
          resolve(parsed.url);
        } catch {
          // written but not complete yet
        }
      }
    }, 20);
    void exited.then(() => {
      clearInterval(timer);
      reject(new Error(`apiserver exited before listening: ${output}`));
    });
  });
  // Ready means the bootstrap namespaces exist.
  for (let i = 0; i < 200; i++) {
    const response = await fetch(`${url}/api/v1/namespaces/kube-node-lease`).catch(() => undefined);
    if (response?.status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return {
    url,
    process: child,
    output: () => output,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
