export { migrate } from './migrate.js';
export { migrations, type Migration } from './migrations.js';
export { insertMessage, keyHasPending, type InsertMessage, type InsertResult } from './enqueue.js';
export { claimMessages, lastClaimedKey, type ClaimedRow } from './claim.js';
export { completeMessage, completeMessages, rescheduleMessage, buryMessage, releaseMessage, releaseMessages, releaseOrphans, type LeaseRef, type AckRef, type AckResult, type AdvancedRow } from './settle.js';
export { readStats, type StatsRow } from './stats.js';
export { listDead, redriveDead } from './dead.js';
export { setPaused, sendHint } from './destinations.js';
export { pruneKeyLeases } from './keys.js';
