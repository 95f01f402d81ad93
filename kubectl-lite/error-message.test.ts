import { describe, expect, it } from "vitest";
import { KubeApiError, KubeUnavailableError } from "../client/index.js";
import { CliError } from "./cli-error.js";
import { errorMessage } from "./error-message.js";

describe("error messages", () => {
  it("prints an invalid object's causes on one line, or as a list when there are several", () => {
    const cause = (field: string, message: string): { field: string; message: string; type: string } => ({ field, message, type: "FieldValueInvalid" });
    const one = new KubeApiError({ kind: "Status", reason: "Invalid", code: 422, details: { kind: "Deployment", name: "web", causes: [cause("spec.replicas", "Invalid value: -1: must be greater than or equal to 0")] } }, 422);
    expect(errorMessage(one, [])).toBe('The Deployment "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
    const two = new KubeApiError({ kind: "Status", reason: "Invalid", code: 422, details: { kind: "Pod", name: "p", causes: [cause("a", "x"), cause("b", "y")] } }, 422);
    expect(errorMessage(two, [])).toBe('The Pod "p" is invalid: \n* a: x\n* b: y');
  });

  it("prints other API errors with their reason, CLI errors with error:, and unreachable servers by address", () => {
    const notFound = new KubeApiError({ kind: "Status", reason: "NotFound", code: 404, message: 'pods "x" not found' }, 404);
    expect(errorMessage(notFound, [])).toBe('Error from server (NotFound): pods "x" not found');
    expect(errorMessage(new CliError("boom"), [])).toBe("error: boom");
    const refused = new KubeUnavailableError("no apiserver answered GET /api/v1 (last: http://127.0.0.1:8081: connect ECONNREFUSED 127.0.0.1:8081)", false);
    expect(errorMessage(refused, ["http://127.0.0.1:8080", "http://127.0.0.1:8081"])).toBe("The connection to the servers 127.0.0.1:8080, 127.0.0.1:8081 was refused - did you specify the right host or port?");
    expect(errorMessage(new KubeUnavailableError("timed out", false), ["http://10.0.0.1:8080"])).toBe("Unable to connect to the server 10.0.0.1:8080: timed out");
  });
});
