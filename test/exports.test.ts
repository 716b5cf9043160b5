import { describe, expect, it } from 'vitest';
import * as core from '@ballast/core';
import * as coreAdapter from '@ballast/core/adapter';
import * as express from '@ballast/express';
import * as koa from '@ballast/koa';
import * as openfeature from '@ballast/openfeature';

// The public surface of each package changes only on purpose: update the
// snapshot (`vitest -u`) in the same commit that means to change it.
describe('exported names', () => {
  it.each([
    ['@ballast/core', core],
    ['@ballast/core/adapter', coreAdapter],
    ['@ballast/express', express],
    ['@ballast/koa', koa],
    ['@ballast/openfeature', openfeature],
  ])('%s', (name, mod) => {
    expect(Object.keys(mod).sort()).toMatchSnapshot(name);
  });
});
