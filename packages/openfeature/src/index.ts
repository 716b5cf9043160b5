export { BallastProvider, type BallastForProvider } from './provider.js';
export { OPENFEATURE_REASONS } from './reasons.js';
