import { afterEach, describe, expect, it, vi } from 'vitest';
import { logAndRethrow, logger } from '../../shared/observability.js';

describe('logAndRethrow', () => {
  afterEach(() => vi.restoreAllMocks());

  it('returns what the work returns and logs nothing', async () => {
    const error = vi.spyOn(logger, 'error');
    await expect(logAndRethrow('Work failed', async () => 42)).resolves.toBe(42);
    expect(error).not.toHaveBeenCalled();
  });

  it('logs a failure with its attributes, runs onFailure and rethrows the same error', async () => {
    const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const failed = new Error('boom');
    const onFailure = vi.fn();
    await expect(
      logAndRethrow(
        'Work failed',
        async () => {
          throw failed;
        },
        { attributes: () => ({ report: { sent: 1 } }), onFailure },
      ),
    ).rejects.toBe(failed);
    expect(error).toHaveBeenCalledWith('Work failed', { error: failed, report: { sent: 1 } });
    expect(onFailure).toHaveBeenCalledWith(failed);
  });

  it('logs an expected error at info by its message, and still rethrows it', async () => {
    const error = vi.spyOn(logger, 'error');
    const info = vi.spyOn(logger, 'info').mockImplementation(() => undefined);
    const busy = new Error('Another invocation holds the claim');
    await expect(
      logAndRethrow(
        'Work failed',
        async () => {
          throw busy;
        },
        { expected: (e) => e === busy },
      ),
    ).rejects.toBe(busy);
    expect(info).toHaveBeenCalledWith('Another invocation holds the claim');
    expect(error).not.toHaveBeenCalled();
  });
});
