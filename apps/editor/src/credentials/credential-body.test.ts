import { describe, expect, test } from 'vitest';
import type { Credential } from '../api/types';
import { createBody, filledData, hostsText, splitHosts, updateBody } from './credential-body';

const stored: Credential = {
  id: '0190c2a4-7b7e-7c3e-8a51-2f6f0d1e9b11',
  name: 'CRM token',
  type: 'http.bearer',
  allowedHosts: ['api.example.com'],
  fields: ['token'],
  usedBy: [],
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
};

describe('credential bodies', () => {
  test('splits allowed hosts on commas, spaces and new lines', () => {
    expect(splitHosts(' api.example.com,*.example.org\n  hooks.example.net ,, ')).toEqual([
      'api.example.com',
      '*.example.org',
      'hooks.example.net',
    ]);
    expect(splitHosts('   ')).toEqual([]);
    expect(hostsText(['a.example.com', 'b.example.com'])).toBe('a.example.com, b.example.com');
  });

  test('leaves emptied data fields out but keeps false and 0', () => {
    expect(
      filledData({ token: '', scope: undefined, secure: false, port: 0, host: 'smtp.example.com' }),
    ).toEqual({
      secure: false,
      port: 0,
      host: 'smtp.example.com',
    });
  });

  test('a new credential sends its trimmed name, filled data and hosts', () => {
    expect(
      createBody('http.bearer', {
        name: '  CRM token ',
        hostsText: 'api.example.com',
        data: { token: 's3cret' },
      }),
    ).toEqual({
      name: 'CRM token',
      type: 'http.bearer',
      data: { token: 's3cret' },
      allowedHosts: ['api.example.com'],
    });
  });

  test('a renamed credential sends only its name, so the stored token is kept', () => {
    const body = updateBody(stored, { name: 'CRM token (prod)', hostsText: 'api.example.com', data: {} });
    expect(body).toEqual({ name: 'CRM token (prod)' });
    expect('data' in body).toBe(false);
  });

  test('sends only the data fields typed into, and hosts only when they changed', () => {
    expect(
      updateBody(stored, {
        name: 'CRM token',
        hostsText: 'api.example.com, *.example.org',
        data: { token: 'n3w', scope: '' },
      }),
    ).toEqual({ allowedHosts: ['api.example.com', '*.example.org'], data: { token: 'n3w' } });
    expect(updateBody(stored, { name: 'CRM token', hostsText: '', data: {} })).toEqual({ allowedHosts: [] });
    expect(
      updateBody(stored, { name: 'CRM token', hostsText: ' api.example.com ', data: { token: '' } }),
    ).toEqual({});
  });
});
