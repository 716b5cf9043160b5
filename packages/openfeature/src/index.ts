export { BallastProvider, type BallastForProvider } from './provider.js';
