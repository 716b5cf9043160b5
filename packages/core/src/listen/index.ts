export { PgListener, type Backoff, type ListenClient, type ListenerHandlers } from './listener.js';
