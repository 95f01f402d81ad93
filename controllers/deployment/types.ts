// apps/v1 Deployment: the types live in client/types.ts, shared with kubectl-lite.
export type { Deployment, DeploymentCondition, DeploymentSpec, DeploymentStatus, DeploymentStrategy, IntOrPercent, RollingUpdateDeployment } from "../../client/index.js";
