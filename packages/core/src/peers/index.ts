export { MissingPeerError, isMissingPeerError, loadPeer } from './load.js';
export { loadAmqplib, loadBottleneck, loadIoredis, loadNats, loadOtelApi, loadPg, loadPglite, loadPromClient, type PgModule, type PgliteModule } from './loaders.js';
