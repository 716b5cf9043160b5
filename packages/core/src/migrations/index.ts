export { runMigrations, type Migration, type MigrationClient, type MigrationSet } from './runner.js';
