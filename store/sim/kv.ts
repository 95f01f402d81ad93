import type { KvInput, KvOutput } from "./linearizability.js";

/** A command in a log entry: which client operation it carries. */
export interface KvCommand {
  readonly client: number;
  readonly op: number;
  readonly input: KvInput;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeCommand(command: KvCommand): Uint8Array {
  return encoder.encode(JSON.stringify(command));
}

export function decodeCommand(data: Uint8Array): KvCommand {
  return JSON.parse(decoder.decode(data)) as KvCommand;
}

/** The simulated application: a tiny key-value map, the state machine Raft replicates. */
export class KvStateMachine {
  private readonly values = new Map<string, string>();

  apply(input: KvInput): KvOutput {
    switch (input.kind) {
      case "put":
        this.values.set(input.key, input.value);
        return { kind: "put" };
      case "get":
        return { kind: "get", value: this.values.get(input.key) ?? null };
      case "cas": {
        const current = this.values.get(input.key) ?? null;
        if (current !== input.expected) return { kind: "cas", ok: false };
        this.values.set(input.key, input.value);
        return { kind: "cas", ok: true };
      }
    }
  }

  get(key: string): string | null {
    return this.values.get(key) ?? null;
  }

  /** A canonical text of the whole state, to compare members. */
  fingerprint(): string {
    return JSON.stringify([...this.values.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  snapshot(): Uint8Array {
    return encoder.encode(this.fingerprint());
  }

  static restore(data: Uint8Array): KvStateMachine {
    const machine = new KvStateMachine();
    if (data.byteLength === 0) return machine;
    for (const [key, value] of JSON.parse(decoder.decode(data)) as [string, string][]) machine.values.set(key, value);
    return machine;
  }
}
