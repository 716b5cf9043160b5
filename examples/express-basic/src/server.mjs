// Starts the example and demonstrates it (see ../../shared/demo.mjs).
// Pass --once to exit after the demonstration.
import { createApp } from './app.mjs';
import { runDemo } from '../../shared/demo.mjs';

await runDemo({ name: 'express-basic', createApp });
