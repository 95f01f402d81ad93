// Bodies kubectl 1.32 sent (captured from `kubectl create ...` against a recording server) and the
// JSON the same command printed with --dry-run=client -o json: the oracle, kept so the decoder is
// checked, and fuzzed from real bodies, on machines without kubectl too.
export interface CapturedBody {
  command: string;
  bodyBase64: string;
  json: Record<string, unknown>;
}

export const capturedBodies: readonly CapturedBody[] = [
  {
    command: "kubectl create deployment web --image=nginx:1.27 --image=busybox --replicas=3 --port=8080",
    bodyBase64:
      "azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50EucBCh8KA3dlYhIAGgAiACoAMgA4AEIAWgoKA2FwcBIDd2ViErUBCAMSDAoKCgNhcHASA3dlYhqaAQocCgASABoAIgAqADIAOABCAFoKCgNhcHASA3dlYhJ6EjQKBW5naW54EgpuZ2lueDoxLjI3KgAyCwoAEAAYkD8iACoAQgBqAHIAgAEAiAEAkAEAogEAEiYKB2J1c3lib3gSB2J1c3lib3gqAEIAagByAIABAIgBAJABAKIBABoAMgBCAEoAUgBYAGAAaACCAQCKAQCaAQDCAQAiAgoAKAA4ABoMCAAQABgAIAAoADgAGgAiAA==",
    json: {"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","creationTimestamp":null,"labels":{"app":"web"}},"spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"creationTimestamp":null,"labels":{"app":"web"}},"spec":{"containers":[{"name":"nginx","image":"nginx:1.27","ports":[{"containerPort":8080}],"resources":{}},{"name":"busybox","image":"busybox","resources":{}}]}},"strategy":{}},"status":{}},
  },
  {
    command: "kubectl create service nodeport svc-node --tcp=80:8080 --node-port=30080",
    bodyBase64:
      "azhzAAoNCgJ2MRIHU2VydmljZRJ5CikKCHN2Yy1ub2RlEgAaACIAKgAyADgAQgBaDwoDYXBwEghzdmMtbm9kZRJICh0KBzgwLTgwODASA1RDUBhQIgcIABCQPxoAKIDrARIPCgNhcHASCHN2Yy1ub2RlGgAiCE5vZGVQb3J0OgBCAFIAWgBgAGgAGgIKABoAIgA=",
    json: {"kind":"Service","apiVersion":"v1","metadata":{"name":"svc-node","creationTimestamp":null,"labels":{"app":"svc-node"}},"spec":{"ports":[{"name":"80-8080","protocol":"TCP","port":80,"targetPort":8080,"nodePort":30080}],"selector":{"app":"svc-node"},"type":"NodePort"},"status":{"loadBalancer":{}}},
  },
  {
    command: "kubectl create secret generic s-generic --from-literal=password=s3cr3t",
    bodyBase64:
      "azhzAAoMCgJ2MRIGU2VjcmV0EjEKGQoJcy1nZW5lcmljEgAaACIAKgAyADgAQgASEgoIcGFzc3dvcmQSBnMzY3IzdBoAGgAiAA==",
    json: {"kind":"Secret","apiVersion":"v1","metadata":{"name":"s-generic","creationTimestamp":null},"data":{"password":"czNjcjN0"}},
  },
];
