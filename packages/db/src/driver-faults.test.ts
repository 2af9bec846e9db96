import { describe, expect, test } from 'vitest';
import { isClosedConnectionWrite } from './driver-faults.js';

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
});
