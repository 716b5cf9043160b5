import { describe, expect, it } from 'vitest';
import { createBallast } from '@ballast/core';

describe('flag metrics', () => {
  it('counts evaluations by result and shows each flag\'s stage and percent', async () => {
    const ballast = createBallast({ flags: { newCheckout: { stage: 'beta', percent: 10 }, dark: { stage: 'off' } } });
    ballast.flags.enabled('newCheckout', { stage: 'internal' });
    ballast.flags.enabled('newCheckout', { stage: 'internal' });
    ballast.flags.enabled('newCheckout', { stage: 'all' });
    const { body } = await ballast.metrics.text();
    expect(body).toContain('ballast_flag_evaluations_total{flag="newCheckout",result="on"} 2');
    expect(body).toContain('ballast_flag_evaluations_total{flag="newCheckout",result="off"} 1');
    expect(body).toContain('ballast_flag_stage{flag="newCheckout"} 1');
    expect(body).toContain('ballast_flag_stage{flag="dark"} -1');
    expect(body).toContain('ballast_flag_percent{flag="newCheckout"} 10');
    ballast.flags.promote('newCheckout');
    expect((await ballast.metrics.text()).body).toContain('ballast_flag_percent{flag="newCheckout"} 100');
  });
});
