import { AppError } from '../../src/errors';

/** The AppError thrown by `run`, failing the test when nothing (or something else) is thrown. */
export function thrownAppError(run: () => unknown): AppError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected an AppError, nothing was thrown');
}
