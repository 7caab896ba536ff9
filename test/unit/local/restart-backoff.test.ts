import { describe, expect, it } from '@jest/globals';
import { restartBackoff } from '../../../local/aws/event-source-mapping';

describe("the local mapping's consumer restart backoff", () => {
  it('doubles from 1 s while restarts keep failing, capped at 10 s', () => {
    const backoff = restartBackoff();
    expect(Array.from({ length: 7 }, () => backoff.next())).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000, 10_000,
    ]);
  });

  it('starts again at 1 s once a consumer has joined its group', () => {
    const backoff = restartBackoff();
    backoff.next();
    backoff.next();
    backoff.next();
    backoff.reset();
    expect([backoff.next(), backoff.next()]).toEqual([1000, 2000]);
  });
});
