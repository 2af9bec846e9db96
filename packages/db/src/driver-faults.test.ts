import { describe, expect, test } from 'vitest';
import { isArrayTypesReadFailure, isClosedConnectionWrite } from './driver-faults.js';

/** A TypeError as postgres.js throws it from its scheduled write, with the stack it carries. */
function driverError(message: string, frame: string): TypeError {
  const err = new TypeError(message);
  err.stack = `TypeError: ${message}\n    at Immediate.nextWrite (${frame}:255:22)\n    at process.processImmediate (node:internal/timers:483:21)`;
  return err;
}

describe('known driver faults', () => {
  test('a write to a closed connection from the driver is recognised', () => {
    expect(
      isClosedConnectionWrite(
        driverError(
          "Cannot read properties of null (reading 'write')",
          'file:///app/node_modules/postgres/src/connection.js',
        ),
      ),
    ).toBe(true);
  });

  test('the same message from anywhere else, or any other error, is not', () => {
    expect(
      isClosedConnectionWrite(
        driverError("Cannot read properties of null (reading 'write')", 'file:///app/src/mine.js'),
      ),
    ).toBe(false);
    expect(
      isClosedConnectionWrite(
        driverError(
          "Cannot read properties of null (reading 'end')",
          'file:///app/node_modules/postgres/src/connection.js',
        ),
      ),
    ).toBe(false);
    expect(isClosedConnectionWrite(new Error("Cannot read properties of null (reading 'write')"))).toBe(
      false,
    );
    expect(isClosedConnectionWrite('boom')).toBe(false);
  });

  test("the driver's read of array types failing as a connection starts is recognised by its SQL, nothing else", () => {
    // as postgres.js 3.4.9 sends it, and attaches it (non-enumerable) to the error it rejects with
    const read = `
      select b.oid, b.typarray
      from pg_catalog.pg_type a
      left join pg_catalog.pg_type b on b.oid = a.typelem
      where a.typcategory = 'A'
      group by b.oid, b.typarray
      order by b.oid
    `;
    const withQuery = (err: Error, query: string) =>
      Object.defineProperty(err, 'query', { value: query, enumerable: false });
    expect(
      isArrayTypesReadFailure(withQuery(new Error('write CONNECTION_CLOSED 127.0.0.1:5432'), read)),
    ).toBe(true);
    expect(isArrayTypesReadFailure(withQuery(new Error('connect ECONNREFUSED 127.0.0.1:5432'), read))).toBe(
      true,
    );
    expect(
      isArrayTypesReadFailure(
        withQuery(new Error('write CONNECTION_CLOSED'), 'select typarray from pg_type'),
      ),
    ).toBe(false);
    expect(isArrayTypesReadFailure(new Error('write CONNECTION_CLOSED 127.0.0.1:5432'))).toBe(false);
    expect(isArrayTypesReadFailure({ query: read })).toBe(false);
  });
});
