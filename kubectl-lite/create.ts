// kubectl create namespace NAME.
import { resourceTypes } from "../client/index.js";
import type { Session } from "./session.js";

export async function runCreateNamespace(session: Session, name: string): Promise<number> {
  await session.client.create(resourceTypes.namespaces, { metadata: { name } });
  session.io.out(`namespace/${name} created`);
  return 0;
}
