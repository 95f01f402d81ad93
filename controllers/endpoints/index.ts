// endpoints — keeps an Endpoints object per Service with a selector: the IPs and ports of the
// pods it selects, ready ones under addresses, the others under notReadyAddresses.
export { newEndpointsController } from "./endpoints-controller.js";
export type { Endpoints, EndpointSubset, EndpointAddress, EndpointPort, Service, ServicePort } from "./endpoints.js";
