// An in-memory HubSpot CRM v3 on loopback: contacts, deals and notes with their associations, HubSpot's error
// bodies, its rate-limit headers and 429s. Only what the CRM node uses is served; anything else answers 404.
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { type RecordedRequest, startHttpPeer } from './http-peer.js';

/** The object types this HubSpot keeps. */
export type HubSpotObjectType = 'contacts' | 'deals' | 'notes';

/** One CRM record; HubSpot keeps every property value as a string. */
export interface HubSpotRecord {
  id: string;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

/** One association made on creation, as the creating request named it. */
export interface HubSpotAssociation {
  fromType: HubSpotObjectType;
  fromId: string;
  toType: HubSpotObjectType;
  toId: string;
  associationCategory: string;
  associationTypeId: number;
}

/** An answer the peer gives to the next request instead of serving it (a gateway error, an odd body). */
export interface InjectedAnswer {
  status: number;
  /** Objects are sent as JSON, strings as text. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface HubSpotPeerOptions {
  /** The private app token the peer accepts; default `pat-na1-test`. */
  token?: string;
  /** A rolling window limit like HubSpot's ten-secondly one: at most `max` requests per `intervalMs`. */
  rateLimit?: { max: number; intervalMs: number };
  /** Requests allowed per day; past it every request answers 429 with HubSpot's DAILY policy. */
  dailyLimit?: number;
  /** Custom properties with "require unique values" set, per object type (they exist besides the defaults). */
  uniqueProperties?: Partial<Record<HubSpotObjectType, readonly string[]>>;
}

/** A running in-memory HubSpot. */
export interface HubSpotPeer {
  readonly url: string;
  readonly token: string;
  /** Every request received, in arrival order, rate-limited and refused ones included. */
  readonly requests: RecordedRequest[];
  readonly records: Record<HubSpotObjectType, Map<string, HubSpotRecord>>;
  readonly associations: HubSpotAssociation[];
  /** Answers the next request (after those already queued) with `answer` instead of serving it. */
  failNext(answer: InjectedAnswer): void;
  close(): Promise<void>;
}

const KNOWN_PROPERTIES: Record<HubSpotObjectType, readonly string[]> = {
  contacts: [
    'email',
    'firstname',
    'lastname',
    'phone',
    'company',
    'website',
    'jobtitle',
    'lifecyclestage',
    'city',
  ],
  deals: [
    'dealname',
    'amount',
    'dealstage',
    'pipeline',
    'closedate',
    'dealtype',
    'description',
    'hubspot_owner_id',
  ],
  notes: ['hs_note_body', 'hs_timestamp', 'hubspot_owner_id'],
};

// what a GET answers with when no `properties` are asked for
const DEFAULT_READ: Record<HubSpotObjectType, readonly string[]> = {
  contacts: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
  deals: ['amount', 'closedate', 'createdate', 'dealname', 'dealstage', 'hs_object_id', 'pipeline'],
  notes: ['hs_createdate', 'hs_object_id', 'hs_timestamp'],
};

// HUBSPOT_DEFINED association type ids: which way each one points
const ASSOCIATION_TYPES: ReadonlyMap<
  number,
  { typeId: number; from: HubSpotObjectType; to: HubSpotObjectType }
> = new Map(
  (
    [
      [3, 'deals', 'contacts'],
      [4, 'contacts', 'deals'],
      [201, 'contacts', 'notes'],
      [202, 'notes', 'contacts'],
      [213, 'deals', 'notes'],
      [214, 'notes', 'deals'],
    ] as const
  ).map(([typeId, from, to]) => [typeId, { typeId, from, to }]),
);

const OBJECT_PATH = /^\/crm\/v3\/objects\/(contacts|deals|notes)(?:\/([^/]+))?$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A checked part of a request: its value, or the answer that refuses it. */
type Checked<T> = { value: T; refused?: undefined } | { refused: Reply };

interface PropertyProblem {
  isValid: false;
  message: string;
  error: string;
  name: string;
}

function errorReply(status: number, message: string, category?: string, extra: object = {}): Reply {
  return {
    status,
    body: {
      status: 'error',
      message,
      correlationId: randomUUID(),
      ...(category ? { category } : {}),
      ...extra,
    },
  };
}

function notFound(): Reply {
  return errorReply(404, 'resource not found', 'OBJECT_NOT_FOUND');
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Starts an in-memory HubSpot on 127.0.0.1. */
export async function startHubSpotPeer(options: HubSpotPeerOptions = {}): Promise<HubSpotPeer> {
  const token = options.token ?? 'pat-na1-test';
  const records: Record<HubSpotObjectType, Map<string, HubSpotRecord>> = {
    contacts: new Map(),
    deals: new Map(),
    notes: new Map(),
  };
  const associations: HubSpotAssociation[] = [];
  const injected: InjectedAnswer[] = [];
  const windowStarts: number[] = [];
  let usedToday = 0;
  let nextId = 1001;

  const unique = (type: HubSpotObjectType) => options.uniqueProperties?.[type] ?? [];
  const known = (type: HubSpotObjectType) => [...KNOWN_PROPERTIES[type], ...unique(type)];

  function rateLimitHeaders(): Record<string, string> {
    const headers: Record<string, string> = {};
    if (options.rateLimit) {
      headers['X-HubSpot-RateLimit-Interval-Milliseconds'] = String(options.rateLimit.intervalMs);
      headers['X-HubSpot-RateLimit-Max'] = String(options.rateLimit.max);
      headers['X-HubSpot-RateLimit-Remaining'] = String(
        Math.max(0, options.rateLimit.max - windowStarts.length),
      );
    }
    if (options.dailyLimit !== undefined) {
      headers['X-HubSpot-RateLimit-Daily'] = String(options.dailyLimit);
      headers['X-HubSpot-RateLimit-Daily-Remaining'] = String(Math.max(0, options.dailyLimit - usedToday));
    }
    return headers;
  }

  function rateLimited(): Reply | undefined {
    const now = Date.now();
    if (options.dailyLimit !== undefined && usedToday >= options.dailyLimit) {
      return errorReply(429, 'You have reached your daily limit.', undefined, {
        errorType: 'RATE_LIMIT',
        policyName: 'DAILY',
      });
    }
    if (options.rateLimit) {
      while (windowStarts.length > 0 && (windowStarts[0] ?? 0) <= now - options.rateLimit.intervalMs) {
        windowStarts.shift();
      }
      if (windowStarts.length >= options.rateLimit.max) {
        return errorReply(429, 'You have reached your ten_secondly_rolling limit.', undefined, {
          errorType: 'RATE_LIMIT',
          policyName: 'TEN_SECONDLY_ROLLING',
        });
      }
      windowStarts.push(now);
    }
    usedToday += 1;
    return undefined;
  }

  function validationError(problems: PropertyProblem[]): Reply {
    return errorReply(
      400,
      `Property values were not valid: ${JSON.stringify(problems)}`,
      'VALIDATION_ERROR',
      {
        errors: problems.map((p) => ({
          message: p.message,
          code: p.error,
          context: { propertyName: [p.name] },
        })),
      },
    );
  }

  /** Checks written properties as HubSpot does and returns them as strings, or the 400 answer. */
  function checkProperties(type: HubSpotObjectType, input: unknown): Checked<Record<string, string>> {
    const props = asObject(input);
    if (!props) {
      return {
        refused: errorReply(400, 'Invalid input JSON: "properties" must be an object', 'VALIDATION_ERROR'),
      };
    }
    const problems: PropertyProblem[] = [];
    const out: Record<string, string> = {};
    const problem = (name: string, error: string, message: string) =>
      problems.push({ isValid: false, message, error, name });
    for (const [name, value] of Object.entries(props)) {
      if (!known(type).includes(name)) {
        problem(name, 'PROPERTY_DOESNT_EXIST', `Property "${name}" does not exist`);
      } else if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        problem(name, 'INVALID_TYPE', `${JSON.stringify(value)} is not a valid value for ${name}`);
      } else if (name === 'email' && !EMAIL.test(String(value))) {
        problem(name, 'INVALID_EMAIL', `Email address ${String(value)} is invalid`);
      } else if (name === 'amount' && String(value) !== '' && Number.isNaN(Number(value))) {
        problem(name, 'INVALID_DOUBLE', `${String(value)} was not a valid number.`);
      } else {
        out[name] = name === 'email' ? String(value).toLowerCase() : String(value);
      }
    }
    return problems.length > 0 ? { refused: validationError(problems) } : { value: out };
  }

  function findBy(type: HubSpotObjectType, id: string, idProperty: string | null): HubSpotRecord | undefined {
    if (idProperty === null || idProperty === 'hs_object_id') return records[type].get(id);
    const wanted = idProperty === 'email' ? id.toLowerCase() : id;
    for (const record of records[type].values()) if (record.properties[idProperty] === wanted) return record;
    return undefined;
  }

  /** A duplicate of a value that must be unique, or undefined. */
  function duplicate(
    type: HubSpotObjectType,
    props: Record<string, string>,
    self?: string,
  ): Reply | undefined {
    const checked = type === 'contacts' ? ['email', ...unique(type)] : unique(type);
    for (const name of checked) {
      const value = props[name];
      if (value === undefined) continue;
      const other = findBy(type, value, name);
      if (other && other.id !== self) {
        // contacts name the holder in the message, as HubSpot does; other objects' wording is our own
        return type === 'contacts' && name === 'email'
          ? errorReply(409, `Contact already exists. Existing ID: ${other.id}`, 'CONFLICT')
          : errorReply(409, `A record with ${name} "${value}" already exists`, 'CONFLICT');
      }
    }
    return undefined;
  }

  function view(record: HubSpotRecord, only?: readonly string[]): Reply['body'] {
    const names = only ?? Object.keys(record.properties);
    const properties: Record<string, string | null> = {};
    for (const name of names) properties[name] = record.properties[name] ?? null;
    return {
      id: record.id,
      properties,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
      archived: false,
    };
  }

  /** Reads `associations` of a create request; returns the ones to record, or the 400 answer. */
  function checkAssociations(
    type: HubSpotObjectType,
    input: unknown,
  ): Checked<Omit<HubSpotAssociation, 'fromId'>[]> {
    if (input === undefined) return { value: [] };
    if (!Array.isArray(input)) {
      return {
        refused: errorReply(400, 'Invalid input JSON: "associations" must be an array', 'VALIDATION_ERROR'),
      };
    }
    const found: Omit<HubSpotAssociation, 'fromId'>[] = [];
    for (const entry of input) {
      const toId = asObject(asObject(entry)?.to)?.id;
      const types = asObject(entry)?.types;
      if (typeof toId !== 'string' || !Array.isArray(types) || types.length === 0) {
        return {
          refused: errorReply(
            400,
            'Invalid input JSON: each association needs "to.id" and "types"',
            'VALIDATION_ERROR',
          ),
        };
      }
      for (const t of types) {
        const category = asObject(t)?.associationCategory;
        const typeId = asObject(t)?.associationTypeId;
        const direction = typeof typeId === 'number' ? ASSOCIATION_TYPES.get(typeId) : undefined;
        if (category !== 'HUBSPOT_DEFINED' || !direction || direction.from !== type) {
          const message = `${String(category)} association type ${String(typeId)} does not go from ${type}`;
          return { refused: errorReply(400, message, 'VALIDATION_ERROR') };
        }
        if (!records[direction.to].has(toId)) {
          const message = `No ${direction.to} record with id ${toId} to associate`;
          return { refused: errorReply(400, message, 'VALIDATION_ERROR') };
        }
        found.push({
          fromType: type,
          toType: direction.to,
          toId,
          associationCategory: category,
          associationTypeId: direction.typeId,
        });
      }
    }
    return { value: found };
  }

  function create(type: HubSpotObjectType, body: Record<string, unknown>): Reply {
    const props = checkProperties(type, body.properties ?? {});
    if (props.refused) return props.refused;
    const values = props.value;
    if (type === 'notes' && values.hs_timestamp === undefined) {
      return validationError([
        {
          isValid: false,
          message: 'hs_timestamp is required',
          error: 'REQUIRED_FIELD',
          name: 'hs_timestamp',
        },
      ]);
    }
    const conflict = duplicate(type, values);
    if (conflict) return conflict;
    const links = checkAssociations(type, body.associations);
    if (links.refused) return links.refused;
    const id = String(nextId++);
    const now = new Date().toISOString();
    const created = type === 'notes' ? 'hs_createdate' : 'createdate';
    const modified = type === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate';
    const record: HubSpotRecord = {
      id,
      properties: { ...values, hs_object_id: id, [created]: now, [modified]: now },
      createdAt: now,
      updatedAt: now,
    };
    records[type].set(id, record);
    for (const link of links.value) associations.push({ ...link, fromId: id });
    return { status: 201, body: view(record) };
  }

  function update(type: HubSpotObjectType, record: HubSpotRecord, body: Record<string, unknown>): Reply {
    const props = checkProperties(type, body.properties);
    if (props.refused) return props.refused;
    const values = props.value;
    const conflict = duplicate(type, values, record.id);
    if (conflict) return conflict;
    const now = new Date().toISOString();
    record.properties = {
      ...record.properties,
      ...values,
      [type === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate']: now,
    };
    record.updatedAt = now;
    return { status: 200, body: view(record) };
  }

  function serve(req: RecordedRequest): Reply {
    if (req.headers.authorization !== `Bearer ${token}`) {
      return errorReply(
        401,
        'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
        'INVALID_AUTHENTICATION',
      );
    }
    const limited = rateLimited();
    if (limited) return limited;
    const url = new URL(req.url, 'http://hubspot.local');
    const match = OBJECT_PATH.exec(url.pathname);
    if (!match) return errorReply(404, `No route for ${req.method} ${url.pathname}`);
    // the pattern only matches these three names
    const type = match[1] as HubSpotObjectType;
    const id = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
    let body: Record<string, unknown> = {};
    if (req.method === 'POST' || req.method === 'PATCH') {
      try {
        body = asObject(JSON.parse(req.body.toString('utf8'))) ?? {};
      } catch {
        return errorReply(400, 'Invalid input JSON on line 1', 'VALIDATION_ERROR');
      }
    }
    if (id === undefined && req.method === 'GET') {
      // a page of the objects, as the list endpoint answers (the credential check reads one contact)
      const limit = Math.min(Number(url.searchParams.get('limit') ?? 10) || 10, 100);
      const page = [...records[type].values()].slice(0, limit);
      return { status: 200, body: { results: page.map((record) => view(record, DEFAULT_READ[type])) } };
    }
    if (id === undefined) {
      return req.method === 'POST'
        ? create(type, body)
        : errorReply(405, `${req.method} is not allowed here`);
    }
    const idProperty = url.searchParams.get('idProperty');
    if (idProperty !== null && idProperty !== 'email' && !unique(type).includes(idProperty)) {
      return errorReply(400, `${idProperty} is not a unique property of ${type}`, 'VALIDATION_ERROR');
    }
    const record = findBy(type, id, idProperty);
    if (!record) return notFound();
    if (req.method === 'PATCH') return update(type, record, body);
    if (req.method === 'GET') {
      const asked = url.searchParams.get('properties');
      return { status: 200, body: view(record, asked ? asked.split(',') : DEFAULT_READ[type]) };
    }
    return errorReply(405, `${req.method} is not allowed here`);
  }

  function send(res: ServerResponse, reply: Reply): void {
    const headers: Record<string, string> = { ...rateLimitHeaders(), ...reply.headers };
    const isText = typeof reply.body === 'string';
    if (reply.body !== undefined) {
      headers['Content-Type'] = isText ? 'text/html; charset=utf-8' : 'application/json;charset=utf-8';
    }
    res.writeHead(reply.status, headers);
    res.end(reply.body === undefined ? undefined : isText ? reply.body : JSON.stringify(reply.body));
  }

  const peer = await startHttpPeer({
    handler: (req, res) => send(res, injected.shift() ?? serve(req)),
  });
  return {
    url: peer.url,
    token,
    requests: peer.requests,
    records,
    associations,
    failNext(answer) {
      injected.push(answer);
    },
    close: () => peer.close(),
  };
}
