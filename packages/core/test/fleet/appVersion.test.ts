import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findAppVersion } from '../../src/fleet/appVersion.js';

describe('the default appVersion', () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'ballast-appversion-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('is the version of the nearest package.json at or above the working directory', () => {
    const app = tempDir();
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'shop', version: '3.1.4' }));
    const nested = join(app, 'dist', 'server');
    mkdirSync(nested, { recursive: true });
    expect(findAppVersion(nested)).toBe('3.1.4');
    expect(findAppVersion(app)).toBe('3.1.4');
  });

  it('is null, without throwing, when the nearest package.json has no version or is not JSON', () => {
    const noVersion = tempDir();
    writeFileSync(join(noVersion, 'package.json'), JSON.stringify({ private: true }));
    expect(findAppVersion(noVersion)).toBeNull();
    const broken = tempDir();
    writeFileSync(join(broken, 'package.json'), '{ not json');
    expect(findAppVersion(broken)).toBeNull();
  });
});
