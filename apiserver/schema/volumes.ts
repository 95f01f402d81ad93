// core/v1 Volume with every VolumeSource of Kubernetes 1.32, in struct order. The legacy
// in-tree sources are typed with their full field lists too: they are short.
import { labelSelector, objectMeta } from "./meta.js";
import {
  atomicStruct, boolean, int32, int64, list, quantity, resourceList, string, stringList, stringMap, struct,
} from "./dsl.js";
import { objectFieldSelector, resourceFieldSelector } from "./container.js";

const coreV1 = "io.k8s.api.core.v1.";

export const localObjectReference = atomicStruct(`${coreV1}LocalObjectReference`, { name: string });
export const keyToPath = struct(`${coreV1}KeyToPath`, { key: string, path: string, mode: int32 }, ["key", "path"]);

const hostPath = struct(`${coreV1}HostPathVolumeSource`, { path: string, type: string }, ["path"]);
const emptyDir = struct(`${coreV1}EmptyDirVolumeSource`, { medium: string, sizeLimit: quantity });
const gcePersistentDisk = struct(`${coreV1}GCEPersistentDiskVolumeSource`, {
  pdName: string, fsType: string, partition: int32, readOnly: boolean,
}, ["pdName"]);
const awsElasticBlockStore = struct(`${coreV1}AWSElasticBlockStoreVolumeSource`, {
  volumeID: string, fsType: string, partition: int32, readOnly: boolean,
}, ["volumeID"]);
const gitRepo = struct(`${coreV1}GitRepoVolumeSource`, { repository: string, revision: string, directory: string }, ["repository"]);
const secret = struct(`${coreV1}SecretVolumeSource`, {
  secretName: string, items: list(keyToPath), defaultMode: int32, optional: boolean,
});
const nfs = struct(`${coreV1}NFSVolumeSource`, { server: string, path: string, readOnly: boolean }, ["server", "path"]);
const iscsi = struct(`${coreV1}ISCSIVolumeSource`, {
  targetPortal: string, iqn: string, lun: int32, iscsiInterface: string, fsType: string, readOnly: boolean,
  portals: stringList, chapAuthDiscovery: boolean, chapAuthSession: boolean, secretRef: localObjectReference,
  initiatorName: string,
}, ["targetPortal", "iqn", "lun"]);
const glusterfs = struct(`${coreV1}GlusterfsVolumeSource`, { endpoints: string, path: string, readOnly: boolean }, ["endpoints", "path"]);
const persistentVolumeClaim = struct(`${coreV1}PersistentVolumeClaimVolumeSource`, { claimName: string, readOnly: boolean }, ["claimName"]);
const rbd = struct(`${coreV1}RBDVolumeSource`, {
  monitors: stringList, image: string, fsType: string, pool: string, user: string, keyring: string,
  secretRef: localObjectReference, readOnly: boolean,
}, ["monitors", "image"]);
const flexVolume = struct(`${coreV1}FlexVolumeSource`, {
  driver: string, fsType: string, secretRef: localObjectReference, readOnly: boolean, options: stringMap,
}, ["driver"]);
const cinder = struct(`${coreV1}CinderVolumeSource`, {
  volumeID: string, fsType: string, readOnly: boolean, secretRef: localObjectReference,
}, ["volumeID"]);
const cephfs = struct(`${coreV1}CephFSVolumeSource`, {
  monitors: stringList, path: string, user: string, secretFile: string, secretRef: localObjectReference, readOnly: boolean,
}, ["monitors"]);
const flocker = struct(`${coreV1}FlockerVolumeSource`, { datasetName: string, datasetUUID: string });
const downwardAPIVolumeFile = struct(`${coreV1}DownwardAPIVolumeFile`, {
  path: string, fieldRef: objectFieldSelector, resourceFieldRef: resourceFieldSelector, mode: int32,
}, ["path"]);
const downwardAPI = struct(`${coreV1}DownwardAPIVolumeSource`, { items: list(downwardAPIVolumeFile), defaultMode: int32 });
const fc = struct(`${coreV1}FCVolumeSource`, {
  targetWWNs: stringList, lun: int32, fsType: string, readOnly: boolean, wwids: stringList,
});
const azureFile = struct(`${coreV1}AzureFileVolumeSource`, { secretName: string, shareName: string, readOnly: boolean }, ["secretName", "shareName"]);
const configMap = struct(`${coreV1}ConfigMapVolumeSource`, {
  name: string, items: list(keyToPath), defaultMode: int32, optional: boolean,
});
const vsphereVolume = struct(`${coreV1}VsphereVirtualDiskVolumeSource`, {
  volumePath: string, fsType: string, storagePolicyName: string, storagePolicyID: string,
}, ["volumePath"]);
const quobyte = struct(`${coreV1}QuobyteVolumeSource`, {
  registry: string, volume: string, readOnly: boolean, user: string, group: string, tenant: string,
}, ["registry", "volume"]);
const azureDisk = struct(`${coreV1}AzureDiskVolumeSource`, {
  diskName: string, diskURI: string, cachingMode: string, fsType: string, readOnly: boolean, kind: string,
}, ["diskName", "diskURI"]);
const photonPersistentDisk = struct(`${coreV1}PhotonPersistentDiskVolumeSource`, { pdID: string, fsType: string }, ["pdID"]);

const volumeProjection = struct(`${coreV1}VolumeProjection`, {
  secret: struct(`${coreV1}SecretProjection`, { name: string, items: list(keyToPath), optional: boolean }),
  downwardAPI: struct(`${coreV1}DownwardAPIProjection`, { items: list(downwardAPIVolumeFile) }),
  configMap: struct(`${coreV1}ConfigMapProjection`, { name: string, items: list(keyToPath), optional: boolean }),
  serviceAccountToken: struct(`${coreV1}ServiceAccountTokenProjection`, {
    audience: string, expirationSeconds: int64, path: string,
  }, ["path"]),
  clusterTrustBundle: struct(`${coreV1}ClusterTrustBundleProjection`, {
    name: string, signerName: string, labelSelector, optional: boolean, path: string,
  }, ["path"]),
});
const projected = struct(`${coreV1}ProjectedVolumeSource`, { sources: list(volumeProjection), defaultMode: int32 });
const portworxVolume = struct(`${coreV1}PortworxVolumeSource`, { volumeID: string, fsType: string, readOnly: boolean }, ["volumeID"]);
const scaleIO = struct(`${coreV1}ScaleIOVolumeSource`, {
  gateway: string, system: string, secretRef: localObjectReference, sslEnabled: boolean, protectionDomain: string,
  storagePool: string, storageMode: string, volumeName: string, fsType: string, readOnly: boolean,
}, ["gateway", "system", "secretRef"]);
const storageos = struct(`${coreV1}StorageOSVolumeSource`, {
  volumeName: string, volumeNamespace: string, fsType: string, readOnly: boolean, secretRef: localObjectReference,
});
const csi = struct(`${coreV1}CSIVolumeSource`, {
  driver: string, readOnly: boolean, fsType: string, volumeAttributes: stringMap, nodePublishSecretRef: localObjectReference,
}, ["driver"]);

const typedLocalObjectReference = atomicStruct(`${coreV1}TypedLocalObjectReference`, { apiGroup: string, kind: string, name: string }, ["kind", "name"]);
const typedObjectReference = struct(`${coreV1}TypedObjectReference`, {
  apiGroup: string, kind: string, name: string, namespace: string,
}, ["kind", "name"]);
export const persistentVolumeClaimSpec = struct(`${coreV1}PersistentVolumeClaimSpec`, {
  accessModes: list(string), selector: labelSelector,
  resources: struct(`${coreV1}VolumeResourceRequirements`, { limits: resourceList, requests: resourceList }),
  volumeName: string, storageClassName: string, volumeMode: string, dataSource: typedLocalObjectReference,
  dataSourceRef: typedObjectReference, volumeAttributesClassName: string,
});
const ephemeral = struct(`${coreV1}EphemeralVolumeSource`, {
  volumeClaimTemplate: struct(`${coreV1}PersistentVolumeClaimTemplate`, { metadata: objectMeta, spec: persistentVolumeClaimSpec }, ["spec"]),
});
const image = struct(`${coreV1}ImageVolumeSource`, { reference: string, pullPolicy: string });

export const volume = struct(`${coreV1}Volume`, {
  name: string, hostPath, emptyDir, gcePersistentDisk, awsElasticBlockStore, gitRepo, secret, nfs, iscsi, glusterfs,
  persistentVolumeClaim, rbd, flexVolume, cinder, cephfs, flocker, downwardAPI, fc, azureFile, configMap,
  vsphereVolume, quobyte, azureDisk, photonPersistentDisk, projected, portworxVolume, scaleIO, storageos, csi,
  ephemeral, image,
}, ["name"]);
