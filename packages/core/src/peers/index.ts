export { MissingPeerError, isMissingPeerError, loadPeer } from './load.js';
export { loadBottleneck, loadIoredis, loadOtelApi, loadPg, loadPglite, loadPromClient, type PgModule, type PgliteModule } from './loaders.js';
