// The database schema: the one source of truth for tables; migrations are generated from it.
import { sql } from 'drizzle-orm';
import {
  bigint,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { BackfillStatus, DeadLetterStatus, RunStatus, StepStatus } from './statuses.js';

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Role of an API key or user. */
export type Role = 'owner' | 'editor' | 'viewer';

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    /** First characters of the key, shown to people to tell keys apart. */
    prefix: text('prefix').notNull(),
    /** SHA-256 of the whole key (keys are 256-bit random, so a fast hash is enough). */
    hash: text('hash').notNull(),
    /** The role of whoever made the key: its scopes never reach beyond it. */
    role: text('role').$type<Role>().notNull(),
    /** What the key may do; null on keys made before scopes existed, which get their role's scopes. */
    scopes: jsonb('scopes').$type<string[]>(),
    /** The user who made the key (null: the system or the instance key); a disabled user's keys stop working. */
    createdBy: uuid('created_by'),
    expiresAt: ts('expires_at'),
    createdAt: createdAt(),
    lastUsedAt: ts('last_used_at'),
    revokedAt: ts('revoked_at'),
  },
  (t) => [uniqueIndex('api_keys_hash_key').on(t.hash)],
);

/** People who sign in to the editor with an e-mail and a password. */
export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey(),
    /** Lower-cased, so the same address cannot be two users. */
    email: text('email').notNull(),
    /** scrypt hash in PHC-like form; null until an invited user accepts and sets a password. */
    passwordHash: text('password_hash'),
    role: text('role').$type<Role>().notNull(),
    disabledAt: ts('disabled_at'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('users_email_key').on(t.email)],
);

/** Signed-in browser sessions: only the SHA-256 of the cookie's token is kept. */
export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey(),
    hash: text('hash').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: ts('expires_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('sessions_hash_key').on(t.hash), index('sessions_user_idx').on(t.userId)],
);

/** Invitations owners send: a one-time token (kept only as its SHA-256) that lets the invitee set a password. */
export const invitations = pgTable(
  'invitations',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    hash: text('hash').notNull(),
    expiresAt: ts('expires_at').notNull(),
    acceptedAt: ts('accepted_at'),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('invitations_hash_key').on(t.hash)],
);

/**
 * Failed sign-ins per e-mail address, whether or not a user has it (so a lockout tells nothing about which
 * addresses exist), and per client IP address under the key `ip:<address>` (IPv6: its /64) in the same
 * `email` column — no e-mail address lacks an `@`, so the two never meet: counted in a window, locked for a
 * while after too many.
 */
export const loginFailures = pgTable('login_failures', {
  email: text('email').primaryKey(),
  count: integer('count').notNull(),
  windowStartedAt: ts('window_started_at').notNull(),
  lockedUntil: ts('locked_until'),
});

/**
 * Instance variables: plain values (never secrets: answers and run history show them) that expressions read
 * as `$vars.NAME`, so the same flow file runs on several instances with their own endpoints or thresholds.
 */
export const variables = pgTable('variables', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  description: text('description').notNull().default(''),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
  /** The actor of the last change, as the audit log names it. */
  updatedBy: text('updated_by').notNull(),
});

/**
 * Frequency caps of the instance: at most `limit` sends per person on `channel` within any `periodMs`, counted
 * across every flow (the channel tag of sending nodes). Several caps of one channel (a day's and a week's) all
 * hold.
 */
export const frequencyCaps = pgTable(
  'frequency_caps',
  {
    id: uuid('id').primaryKey(),
    channel: text('channel').notNull(),
    limit: integer('limit').notNull(),
    periodMs: bigint('period_ms', { mode: 'number' }).notNull(),
    createdAt: createdAt(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    /** The actor of the last change, as the audit log names it. */
    updatedBy: text('updated_by').notNull(),
  },
  (t) => [uniqueIndex('frequency_caps_channel_period_key').on(t.channel, t.periodMs)],
);

/**
 * The sends frequency caps count: one row per sending step with a channel tag and a person, taken (under a
 * lock per person and channel) before the node sends, so retries of the step count once; given back when the
 * step fails for good.
 */
export const frequencyCapSends = pgTable(
  'frequency_cap_sends',
  {
    stepId: uuid('step_id').primaryKey(),
    runId: uuid('run_id').notNull(),
    flowId: uuid('flow_id').notNull(),
    /** `userId:<id>`, else `anonymousId:<id>` of the run's event. */
    person: text('person').notNull(),
    channel: text('channel').notNull(),
    sentAt: ts('sent_at').notNull(),
  },
  (t) => [index('frequency_cap_sends_person_idx').on(t.person, t.channel, t.sentAt)],
);

/**
 * Which process consumes an exclusive broker trigger (MQTT): a lease the holder renews at every sync of its
 * consumers and that another process may take once it has expired (the holder died or lost the database).
 */
export const consumerLeases = pgTable('consumer_leases', {
  /** The trigger: its flow id. */
  flowId: uuid('flow_id').primaryKey(),
  /** The consuming process (its instance name and a random part). */
  holder: text('holder').notNull(),
  expiresAt: ts('expires_at').notNull(),
});

/**
 * Secrets nodes use (tokens, passwords, keys): the data is AES-256-GCM ciphertext under the key named by
 * `keyId`, bound to the row's id and type; `fields` names the data fields that are set, never their values.
 */
export const credentials = pgTable(
  'credentials',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    type: text('type').notNull(),
    /** Which encryption key sealed `data` (a fingerprint of the key, not the key). */
    keyId: text('key_id').notNull(),
    /** base64 of nonce ‖ ciphertext ‖ tag. */
    data: text('data').notNull(),
    fields: jsonb('fields').$type<string[]>().notNull(),
    /** Hosts the credential may be sent to; empty: any the address policy allows. */
    allowedHosts: jsonb('allowed_hosts').$type<string[]>().notNull().default([]),
    createdAt: createdAt(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('credentials_name_key').on(t.name), index('credentials_key_id_idx').on(t.keyId)],
);

/** Lifecycle of a flow: never published, live on a version, or switched off. */
export type FlowStatus = 'draft' | 'published' | 'inactive';

export const flows = pgTable(
  'flows',
  {
    id: uuid('id').primaryKey(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    /** The editable draft: a whole flow definition document. */
    draft: jsonb('draft').notNull(),
    status: text('status').$type<FlowStatus>().notNull().default('draft'),
    /** The published version runs start on; null while never published or inactive. */
    activeVersion: integer('active_version'),
    /** Highest version number handed out so far. */
    latestVersion: integer('latest_version').notNull().default(0),
    /** Test snapshots of the draft are stored as versions -1, -2, …; this counts them. */
    testSnapshots: integer('test_snapshots').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    deletedAt: ts('deleted_at'),
  },
  (t) => [uniqueIndex('flows_slug_key').on(t.slug).where(sql`${t.deletedAt} is null`)],
);

export const flowVersions = pgTable(
  'flow_versions',
  {
    id: uuid('id').primaryKey(),
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flows.id),
    version: integer('version').notNull(),
    /** The immutable flow definition of this version. */
    definition: jsonb('definition').notNull(),
    createdBy: text('created_by'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('flow_versions_flow_version_key').on(t.flowId, t.version)],
);

/** The routing index: which published flow version starts on what. */
export const triggers = pgTable(
  'triggers',
  {
    id: uuid('id').primaryKey(),
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flows.id),
    version: integer('version').notNull(),
    nodeId: text('node_id').notNull(),
    /** `webhook`, `manual`, … */
    kind: text('kind').notNull(),
    /** Routing key: the webhook path for `webhook`. */
    key: text('key'),
    /** HTTP method for webhooks (`POST`, `GET`, or `ANY`). */
    method: text('method'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('triggers_kind_key').on(t.kind, t.key), index('triggers_flow_idx').on(t.flowId)],
);

/** The append-only event log: everything that entered the system. */
export const events = pgTable(
  'events',
  {
    id: uuid('id').primaryKey(),
    /** Where it came from: `webhook:<path>`, `manual`, `replay`, … */
    source: text('source').notNull(),
    type: text('type').notNull(),
    idempotencyKey: text('idempotency_key'),
    payload: jsonb('payload').notNull(),
    receivedAt: ts('received_at').notNull().defaultNow(),
    /** Tracking events: the event name of a `track` (or the page/screen name). */
    name: text('name'),
    /** Tracking events: who it is about. */
    userId: text('user_id'),
    anonymousId: text('anonymous_id'),
    /** Tracking events: when it happened, corrected for client clock skew. */
    occurredAt: ts('occurred_at'),
    /**
     * Tracking events of a source whose plan mode is `flag`: how the event breaks the source's tracking plan
     * (null when it keeps to it, or no plan applies).
     */
    planViolations: jsonb('plan_violations').$type<PlanViolation[]>(),
  },
  (t) => [
    uniqueIndex('events_source_idempotency_key').on(t.source, t.idempotencyKey),
    index('events_received_at_idx').on(t.receivedAt),
    // tracking events' columns, null on every webhook event: only the rows that have one are indexed (every
    // query on them compares them with a value, which implies it), three index entries fewer per webhook
    index('events_user_idx').on(t.userId, t.receivedAt).where(sql`${t.userId} is not null`),
    index('events_anonymous_idx').on(t.anonymousId, t.receivedAt).where(sql`${t.anonymousId} is not null`),
    index('events_name_idx').on(t.name, t.receivedAt).where(sql`${t.name} is not null`),
  ],
);

export type SourceStatus = 'active' | 'disabled';

/** What a source does with a tracking call that breaks its tracking plan: nothing, store it flagged, refuse it. */
export type PlanMode = 'off' | 'flag' | 'reject';

/** Whether a track event whose name has no schema in the plan is fine (`allow`) or a violation. */
export type UnplannedEvents = 'allow' | 'violation';

/** One way an event breaks its source's tracking plan. */
export interface PlanViolation {
  /** JSON pointer into the event's properties ('' for the event as a whole). */
  path: string;
  message: string;
  /** The version of the event's schema it was checked against; null for an event not in the plan. */
  schemaVersion: number | null;
}

/** Tracking sources: each has a write key that Segment-style SDKs send. */
export const sources = pgTable(
  'sources',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    /** SHA-256 of the write key; the key itself is shown once, on create and rotate. */
    writeKeyHash: text('write_key_hash').notNull(),
    writeKeyPrefix: text('write_key_prefix').notNull(),
    status: text('status').$type<SourceStatus>().notNull().default('active'),
    createdAt: createdAt(),
    rotatedAt: ts('rotated_at'),
    /** When an event last came in through it (kept up to date within a few seconds). */
    lastEventAt: ts('last_event_at'),
    planMode: text('plan_mode').$type<PlanMode>().notNull().default('off'),
    unplannedEvents: text('unplanned_events').$type<UnplannedEvents>().notNull().default('allow'),
    /** Raised by every change of the source's event schemas: what tells a process its compiled plan is old. */
    planRevision: integer('plan_revision').notNull().default(0),
  },
  (t) => [uniqueIndex('sources_write_key_hash_key').on(t.writeKeyHash)],
);

/**
 * A source's tracking plan: a JSON Schema per track event name, versioned. The newest version of a name is
 * the one in force; a version whose schema is null took the name out of the plan (older ones stay).
 */
export const eventSchemas = pgTable(
  'event_schemas',
  {
    id: uuid('id').primaryKey(),
    sourceId: uuid('source_id')
      .notNull()
      .references(() => sources.id, { onDelete: 'cascade' }),
    event: text('event').notNull(),
    version: integer('version').notNull(),
    schema: jsonb('schema').$type<Record<string, unknown>>(),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('event_schemas_source_event_version').on(t.sourceId, t.event, t.version)],
);

/** What is known about a person: traits merged from identify calls. */
export const profiles = pgTable('profiles', {
  id: uuid('id').primaryKey(),
  traits: jsonb('traits').$type<Record<string, unknown>>().notNull().default({}),
  createdAt: createdAt(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** The ids a profile is known by (userId, anonymousId), each pointing at one profile. */
export const profileIdentities = pgTable(
  'profile_identities',
  {
    kind: text('kind').$type<'userId' | 'anonymousId'>().notNull(),
    value: text('value').notNull(),
    profileId: uuid('profile_id')
      .notNull()
      .references(() => profiles.id),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.kind, t.value] }),
    index('profile_identities_profile_idx').on(t.profileId),
  ],
);

export type WaitStatus = 'waiting' | 'received' | 'timeout' | 'canceled';

/** A step parked until a matching event arrives or its time runs out (wait-for-event). */
export const waits = pgTable(
  'waits',
  {
    id: uuid('id').primaryKey(),
    runId: uuid('run_id')
      .notNull()
      .references(() => runs.id),
    stepId: uuid('step_id')
      .notNull()
      .references(() => steps.id),
    flowId: uuid('flow_id').notNull(),
    /** Event names that end the wait. */
    eventNames: jsonb('event_names').$type<string[]>().notNull(),
    /** The correlation value an event must carry (e.g. the userId). */
    correlation: text('correlation').notNull(),
    /** The expression that computes an incoming event's correlation value (the node's raw config). */
    matchExpression: text('match_expression').notNull(),
    /** How far before the wait began an event still counts. */
    lookbackMs: integer('lookback_ms').notNull().default(0),
    status: text('status').$type<WaitStatus>().notNull().default('waiting'),
    expiresAt: ts('expires_at').notNull(),
    matchedEventId: uuid('matched_event_id'),
    createdAt: createdAt(),
    resolvedAt: ts('resolved_at'),
  },
  (t) => [
    index('waits_correlation_idx').on(t.correlation).where(sql`${t.status} = 'waiting'`),
    // a wait's kind (its names and match expression; the names' JSON text ends where the expression
    // begins, so different kinds read differently): the waits lookup after each tracking commit reads one
    // entry per kind of waiting wait (a loose index scan) instead of every waiting wait
    index('waits_kind_idx')
      .on(sql`md5((${t.eventNames})::text || ${t.matchExpression})`)
      .where(sql`${t.status} = 'waiting'`),
    uniqueIndex('waits_step_key').on(t.stepId),
  ],
);

/** A run span's W3C trace context (hex ids, trace flags) and the span it is a child of, if any. */
export interface RunTrace {
  traceId: string;
  spanId: string;
  flags: number;
  parentSpanId?: string;
}

export const runs = pgTable(
  'runs',
  {
    id: uuid('id').primaryKey(),
    /**
     * No foreign key (every run would lock its flow's row for key share, and Postgres check it row by row):
     * flows are never deleted, only marked deleted, and a run is only ever written for a flow that exists.
     */
    flowId: uuid('flow_id').notNull(),
    version: integer('version').notNull(),
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id),
    status: text('status').$type<RunStatus>().notNull(),
    /** Per-edge delivery state used for joins and skip propagation: `{ [edgeId]: 'delivered' | 'skipped' }`. */
    edgeState: jsonb('edge_state').$type<Record<string, 'delivered' | 'skipped'>>().notNull().default({}),
    error: jsonb('error'),
    /** The run this one replays, if any. */
    replayOf: uuid('replay_of'),
    /** The flow's exit-goal correlation value for this run (e.g. its userId), when the flow has exit goals. */
    exitKey: text('exit_key'),
    /**
     * The partition key the run runs under (settings.partitionKey), worked out when it was accepted; '' when
     * the key expression failed or gave nothing (see keyError); null when the flow has no key.
     */
    partitionKey: text('partition_key'),
    /** The throttle key whose budget of starts the run counts against (settings.throttle); null: no throttle. */
    throttleKey: text('throttle_key'),
    /** The debounce key (settings.debounce): a later event of the key supersedes the run until it starts. */
    debounceKey: text('debounce_key'),
    /** Why a key of the run (partition, throttle, debounce) is the fallback '' instead of its own. */
    keyError: text('key_error'),
    /**
     * Its turn under the flow's concurrency limit, partition key, throttle or debounce: `waiting` (accepted,
     * first steps held) or `admitted` (holds a slot until it ends); null for flows with none of them.
     */
    admission: text('admission').$type<'waiting' | 'admitted'>(),
    /** The run whose sub-flow step started this one (logic.sub-flow), and that step; null for other runs. */
    parentRunId: uuid('parent_run_id'),
    parentStepId: uuid('parent_step_id'),
    /** How many sub-flow calls deep the run is: 0 for a run its event started. */
    depth: integer('depth').notNull().default(0),
    /** The backfill that started this run from its stored event; null for other runs. */
    backfillId: uuid('backfill_id').references(() => backfills.id),
    /**
     * Where the run's OpenTelemetry spans hang (engine core/tracing.ts): the run span's ids, chosen when the run
     * started, so a worker of any process parents its step spans on it and whichever ends the run emits it;
     * null when tracing was off (or the trace not sampled) as the run started.
     */
    trace: jsonb('trace').$type<RunTrace>(),
    createdAt: createdAt(),
    startedAt: ts('started_at'),
    finishedAt: ts('finished_at'),
  },
  (t) => [
    index('runs_flow_idx').on(t.flowId, t.id),
    // a step's child run (one per step), and a run's children
    uniqueIndex('runs_parent_step_idx').on(t.parentStepId).where(sql`${t.parentStepId} is not null`),
    index('runs_parent_run_idx').on(t.parentRunId).where(sql`${t.parentRunId} is not null`),
    // runs by status, but for the succeeded ones, most runs: the engine looks runs up by open statuses, and the
    // runs list filtered to succeeded reads the id order, where most runs are (a webhook's run is written
    // succeeded at once when its steps run while it is accepted: one index entry fewer)
    index('runs_status_idx').on(t.status).where(sql`${t.status} <> 'succeeded'`),
    index('runs_event_idx').on(t.eventId),
    index('runs_exit_idx').on(t.flowId, t.exitKey).where(sql`${t.exitKey} is not null`),
    // the runs that wait for or hold a turn, per flow and key: what admission counts and picks from
    index('runs_admission_idx')
      .on(t.flowId, t.admission, t.partitionKey, t.id)
      .where(sql`${t.admission} is not null and ${t.status} in ('queued', 'running', 'waiting')`),
    index('runs_partition_key_idx').on(t.partitionKey, t.id).where(sql`${t.partitionKey} is not null`),
    index('runs_throttle_idx')
      .on(t.flowId, t.throttleKey, t.startedAt)
      .where(sql`${t.throttleKey} is not null`),
    index('runs_debounce_idx')
      .on(t.flowId, t.debounceKey, t.id)
      .where(sql`${t.debounceKey} is not null and ${t.status} = 'queued'`),
    // one run per event of a backfill, however often a batch is tried again; and what its progress counts
    uniqueIndex('runs_backfill_event_idx')
      .on(t.backfillId, t.eventId)
      .where(sql`${t.backfillId} is not null`),
  ],
);

/**
 * A backfill: the stored events of a time range replayed into a published flow version as new runs, a batch at
 * a time from its cursor (the last event looked at, in `received_at`, id order) by whichever process commits
 * the batch first (engine backfill/).
 */
export const backfills = pgTable(
  'backfills',
  {
    id: uuid('id').primaryKey(),
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flows.id),
    version: integer('version').notNull(),
    /** The range of the events' `received_at`: from inclusive, to exclusive. */
    rangeFrom: ts('range_from').notNull(),
    rangeTo: ts('range_to').notNull(),
    /** `{ names?, condition? }` (engine backfill/filter.ts); null: every event the trigger accepts. */
    filter: jsonb('filter'),
    status: text('status').$type<BackfillStatus>().notNull(),
    /** At most this many of its runs open at once. */
    maxInFlight: integer('max_in_flight').notNull(),
    /** The events of the range from the trigger's sources, counted when it started (set to `scanned` at the end). */
    total: integer('total').notNull(),
    /** Events looked at so far. */
    scanned: integer('scanned').notNull().default(0),
    /** Runs started. */
    started: integer('started').notNull().default(0),
    /** Events looked at that the trigger's own condition or the filter let pass by. */
    skipped: integer('skipped').notNull().default(0),
    /** Of those, events whose filter condition failed to evaluate (an error, a time limit). */
    filterErrors: integer('filter_errors').notNull().default(0),
    /** Where the scan is: the `received_at` and id of the last event looked at (events go in that order). */
    cursorAt: ts('cursor_at'),
    cursor: uuid('cursor'),
    /** When every event of the range had been looked at; null while some are left. */
    scanEndedAt: ts('scan_ended_at'),
    /** Why it failed. */
    error: text('error'),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    finishedAt: ts('finished_at'),
  },
  (t) => [
    index('backfills_flow_idx').on(t.flowId, t.id),
    index('backfills_running_idx').on(t.id).where(sql`${t.status} = 'running'`),
  ],
);

/**
 * Re-entry per person (a flow's settings.reentry): the last run each person entered the flow with, and when.
 * Written only for flows with a rule other than "always", in the transaction that starts the run; its key is
 * what decides two events of one person racing (in one commit or in two processes). Kept as long as the flow:
 * "once" means ever.
 */
export const journeyEntries = pgTable(
  'journey_entries',
  {
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flows.id),
    /** The person: `userId:<id>`, else `anonymousId:<id>`, of the event that entered. */
    person: text('person').notNull(),
    /** The run the person last entered with (no foreign key: retention deletes finished runs). */
    runId: uuid('run_id').notNull(),
    /** When the person last entered: the entering event's receivedAt. */
    enteredAt: ts('entered_at').notNull(),
    /** How many times the person has entered while a rule was set. */
    entries: integer('entries').notNull().default(1),
  },
  (t) => [primaryKey({ columns: [t.flowId, t.person] })],
);

/** An event that matched a flow's trigger but whose person the flow's re-entry rule kept out. */
export const entryRefusals = pgTable(
  'entry_refusals',
  {
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flows.id),
    person: text('person').notNull(),
    /** The rule that refused: `once`, `one-at-a-time` or `min-interval`. */
    rule: text('rule').$type<'once' | 'one-at-a-time' | 'min-interval'>().notNull(),
    /** The run that held the person (their entry, or the run still in progress); null when none is known. */
    heldBy: uuid('held_by'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.flowId] }), index('entry_refusals_flow_idx').on(t.flowId)],
);

/**
 * Where a step's stored input or output holds a part of its event's payload instead of a copy: [the path in
 * the value, where a null stands; the path in the event's payload]. With `'fields'` the value at the path is
 * an object stored with only its own fields: every field of the payload's object at `from` belongs to it as
 * well. See the engine's core/payload-refs.ts.
 */
export type PayloadRef =
  | [at: Array<string | number>, from: Array<string | number>]
  | [at: Array<string | number>, from: Array<string | number>, kind: 'fields'];

/** One attempt at running a step. */
export interface AttemptRecord {
  n: number;
  startedAt: string;
  finishedAt: string | null;
  error: { code: string; message: string; retryable: boolean } | null;
  /** What the node's user code printed during the attempt (the code node's console), capped; absent: nothing. */
  logs?: { lines: { level: string; text: string }[]; dropped: number };
  /** The HTTP request the attempt sent, as sent (secrets masked, the body capped); absent: none. */
  request?: SentRequest;
  /** The config's `{{ }}` expressions that gave nothing (the field got null, or '' in text); absent: none. */
  emptyExpressions?: EmptyExpression[];
}

/** A config expression that resolved to nothing: the field it fills and its text (not its value). */
export interface EmptyExpression {
  /** The field, e.g. `config.body.total`. */
  path: string;
  /** The expression inside `{{ }}`, cut at 200 characters. */
  expression: string;
}

/** An outbound HTTP request as run history keeps it. */
export interface SentRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** The body as text, cut at a limit (`truncated`); absent for a request without one. */
  body?: string;
  bodyBytes: number;
  truncated?: boolean;
}

export const steps = pgTable(
  'steps',
  {
    id: uuid('id').primaryKey(),
    /**
     * No foreign key: Postgres checks one row by one, a query per step, the largest share of what accepting
     * an event costs it after the rows themselves. A run's first steps are written with it in one statement;
     * later ones by the worker that holds the open run's row lock; retention deletes a finished run's steps
     * in the transaction that deletes it. So no step outlives its run, nor names one that never existed.
     */
    runId: uuid('run_id').notNull(),
    nodeId: text('node_id').notNull(),
    name: text('name').notNull(),
    type: text('type').notNull(),
    status: text('status').$type<StepStatus>().notNull(),
    /** The input item (`$json`); for a join while pending, `{ arrivals }`. */
    input: jsonb('input'),
    /** Items per output port. */
    output: jsonb('output'),
    /** The parts of the event's payload `input` holds by reference (null: none). */
    inputRefs: jsonb('input_refs').$type<PayloadRef[]>(),
    /** The parts of the event's payload `output` holds by reference (null: none). */
    outputRefs: jsonb('output_refs').$type<PayloadRef[]>(),
    error: jsonb('error'),
    attempts: jsonb('attempts').$type<AttemptRecord[]>().notNull().default([]),
    /** Node-private durable state, e.g. a delay's wake-up time. */
    state: jsonb('state').$type<Record<string, unknown>>(),
    /** When a queued step may next run (retry backoff, delay). */
    dueAt: ts('due_at'),
    /** Who holds the step while running; completion is a compare-and-set on it. */
    leaseToken: text('lease_token'),
    leaseUntil: ts('lease_until'),
    /** The step this one was created from (dead-letter redrive, retry). */
    retryOf: uuid('retry_of'),
    createdAt: createdAt(),
    startedAt: ts('started_at'),
    finishedAt: ts('finished_at'),
    durationMs: integer('duration_ms'),
  },
  (t) => [
    index('steps_run_idx').on(t.runId),
    index('steps_runnable_idx')
      .on(t.status, t.dueAt)
      .where(sql`${t.status} in ('queued', 'running', 'waiting')`),
  ],
);

export const deadLetters = pgTable(
  'dead_letters',
  {
    id: uuid('id').primaryKey(),
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flows.id),
    runId: uuid('run_id')
      .notNull()
      .references(() => runs.id),
    stepId: uuid('step_id')
      .notNull()
      .references(() => steps.id),
    nodeId: text('node_id').notNull(),
    version: integer('version').notNull(),
    status: text('status').$type<DeadLetterStatus>().notNull().default('pending'),
    input: jsonb('input'),
    error: jsonb('error').notNull(),
    attempts: jsonb('attempts').$type<AttemptRecord[]>().notNull(),
    /** The step the redrive created. */
    redriveStepId: uuid('redrive_step_id'),
    createdAt: createdAt(),
    redrivenAt: ts('redriven_at'),
  },
  (t) => [
    index('dead_letters_flow_idx').on(t.flowId, t.status),
    index('dead_letters_status_idx').on(t.status),
  ],
);

export const auditLog = pgTable(
  'audit_log',
  {
    id: uuid('id').primaryKey(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id'),
    details: jsonb('details'),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [index('audit_log_target_idx').on(t.targetType, t.targetId)],
);

/** Key/value settings the system keeps for itself (e.g. whether the first API key was made). */
export const systemSettings = pgTable('system_settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
