import {expect} from 'vitest'
import {CandorError} from '../../src/domain/errors.js'

/** The CandorError `fn` throws; the test fails when it throws something else, or nothing. */
export function catchCandorError(fn: () => unknown): CandorError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(CandorError)
    return error as CandorError
  }
  throw new Error('expected an error')
}
