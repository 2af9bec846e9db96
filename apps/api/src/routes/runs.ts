// /api/v1/runs and /api/v1/events: run history, cancel, replay, the event log.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { RUN_STATUSES, STEP_STATUSES } from '@tributary/db';
import { cancelRun, getEvent, getRun, listEvents, listRuns, replayRun } from '@tributary/engine';
import type { AppDeps, AppEnv } from '../app-env.js';
import { bearerSecurity, conflictResponse, errorResponses, json, uuidParam } from '../app-env.js';
import { actorOf } from '../auth.js';
import { pageOf, pageQuery } from '../paging.js';
import { streamRun } from './run-stream.js';

const runStatus = z.enum(RUN_STATUSES);

/** One attempt at running a step (kept on steps and dead letters). */
export const attemptSchema = z
  .object({
    n: z.number().int(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    error: z.object({ code: z.string(), message: z.string(), retryable: z.boolean() }).nullable(),
    logs: z
      .object({
        lines: z.array(z.object({ level: z.string(), text: z.string() })),
        dropped: z.number().int().openapi({ description: 'Lines printed past the cap and not kept' }),
      })
      .optional()
      .openapi({
        description:
          "What the node's user code printed during the attempt (the code node's console), capped; absent " +
          'when it printed nothing.',
      }),
    request: z
      .object({
        method: z.string(),
        url: z.string(),
        headers: z.record(z.string(), z.string()),
        body: z.string().optional().openapi({ description: 'As text, cut at 8 KB (then `truncated`)' }),
        bodyBytes: z.number().int(),
        truncated: z.boolean().optional(),
      })
      .optional()
      .openapi({
        description:
          'The HTTP request the attempt sent (an HTTP node), secrets masked; absent when it sent none.',
      }),
    emptyExpressions: z
      .array(z.object({ path: z.string(), expression: z.string() }))
      .optional()
      .openapi({
        description:
          "The node config's `{{ }}` expressions that gave nothing on this attempt (the field got null, or '' " +
          'inside text): the field, e.g. `config.body.total`, and the expression (at most 20); absent when none did.',
      }),
  })
  .openapi('Attempt');

const runSummarySchema = z
  .object({
    id: z.string().uuid(),
    flowId: z.string().uuid(),
    version: z.number().int(),
    status: runStatus,
    eventId: z.string().uuid(),
    replayOf: z.string().uuid().nullable(),
    backfillId: z.string().uuid().nullable().openapi({
      description: 'The backfill that started this run from its stored event (eventId); null for other runs',
    }),
    parentRunId: z.string().uuid().nullable().openapi({
      description: 'The run whose sub-flow step started this one; null for runs an event started',
    }),
    parentStepId: z.string().uuid().nullable().openapi({ description: 'That sub-flow step' }),
    parentFlowId: z.string().uuid().nullable().openapi({ description: 'The flow of the parent run' }),
    partitionKey: z
      .string()
      .nullable()
      .openapi({
        description:
          "The key the run ran under (the flow's settings.partitionKey); '' when its key expression failed or " +
          'gave nothing (see keyError); null when the flow has no partition key',
      }),
    keyError: z
      .string()
      .nullable()
      .openapi({
        description:
          "Why a key of the run (partition, throttle or debounce key) is the fallback '' instead of its own, " +
          'e.g. "the partition key expression gave no value"; null when every key was its own',
      }),
    admission: z
      .enum(['waiting', 'admitted'])
      .nullable()
      .openapi({
        description:
          "The run's turn under its flow's concurrency limit, partition key, throttle or debounce: `waiting` " +
          '(accepted, not started: the flow is at its limit or a run of its key is in progress), `admitted` ' +
          '(started — or, under a throttle or debounce, due to start at `startedAt`); null for flows with none ' +
          'of these settings. A run a later event replaced under a debounce is `canceled` with error code ' +
          '`superseded` and `supersededBy`',
      }),
    test: z.boolean().openapi({ description: 'A test run of a draft snapshot (negative version).' }),
    error: z.unknown(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    person: z.string().nullable().openapi({
      description: "Whose run it is: its event's userId, else its anonymousId (tracking events)",
    }),
    endedAt: z
      .object({
        nodeId: z.string(),
        name: z.string(),
        port: z.string().nullable().openapi({ description: 'The port its items took, unless plain `main`' }),
      })
      .nullable()
      .openapi({
        description: 'The last step that succeeded: where the run got to (e.g. "Bought" or "Remind")',
      }),
  })
  .openapi('RunSummary');
/** The API's `RunSummary` body (exported for tests). */
export type RunSummary = z.infer<typeof runSummarySchema>;

const webhookAnswerSchema = z
  .union([
    z.object({
      sent: z.literal(true),
      status: z.number().int(),
      headers: z.record(z.string(), z.string()),
      bodyBytes: z.number().int().openapi({ description: 'Size of the body sent, in bytes' }),
    }),
    z.object({
      sent: z.literal(false),
      answeredBy: z.string().uuid().openapi({ description: 'The step of the run that had answered first' }),
    }),
  ])
  .openapi('WebhookAnswer', {
    description:
      'Only on Respond to webhook steps: what the step answered the webhook request that started the run, or, when another step of the run had answered first, which one.',
  });

const heldSchema = z
  .object({
    rule: z.enum(['quietHours', 'frequencyCap']),
    outcome: z.enum(['delayed', 'capped']).openapi({
      description:
        '`delayed`: the step waited until `until`; `capped`: it took the capped port without sending',
    }),
    channel: z.string(),
    until: z.string().openapi({ description: 'When the quiet hours end, or a slot of the cap frees up' }),
    start: z.string().optional().openapi({ description: 'Quiet hours: their start (HH:MM)' }),
    end: z.string().optional().openapi({ description: 'Quiet hours: their end (HH:MM)' }),
    zone: z.string().optional().openapi({ description: 'Quiet hours: the time zone they were read in' }),
    limit: z.number().int().optional().openapi({ description: 'Frequency cap: its limit' }),
    periodMs: z.number().int().optional().openapi({ description: 'Frequency cap: its period' }),
  })
  .openapi('StepHeld', {
    description:
      'Only on steps with a channel tag that a sending rule held back: quiet hours delayed it, or a frequency cap delayed it or made it take the capped port.',
  });

const stepSchema = z
  .object({
    id: z.string().uuid(),
    nodeId: z.string(),
    name: z.string(),
    type: z.string(),
    status: z.enum(STEP_STATUSES),
    attempts: z.array(attemptSchema),
    input: z.unknown(),
    // stored as JSON: described as what it holds, typed as it is read
    output: z
      .unknown()
      .nonoptional()
      .openapi({
        type: ['object', 'null'],
        additionalProperties: { type: 'array', items: {} },
        description: 'Items per output port, e.g. { "main": [item] }; null until the step has run.',
      }),
    error: z.unknown(),
    retryOf: z.string().uuid().nullable(),
    dueAt: z.string().nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    durationMs: z.number().int().nullable(),
    response: webhookAnswerSchema.optional(),
    held: heldSchema.optional(),
  })
  .openapi('Step');
/** The API's `Step` body (exported for tests). */
export type Step = z.infer<typeof stepSchema>;

const childRunSchema = z
  .object({
    id: z.string().uuid(),
    flowId: z.string().uuid(),
    flowName: z.string(),
    status: runStatus,
    parentStepId: z.string().uuid().nullable().openapi({ description: 'The sub-flow step that started it' }),
  })
  .openapi('ChildRun');

const runSchema = runSummarySchema
  .extend({
    steps: z.array(stepSchema),
    children: z.array(childRunSchema).openapi({ description: 'The runs its sub-flow steps started' }),
  })
  .openapi('Run');
/** The API's `Run` body (exported for tests). */
export type Run = z.infer<typeof runSchema>;

const eventSchema = z
  .object({
    id: z.string().uuid(),
    source: z.string(),
    type: z.string(),
    idempotencyKey: z.string().nullable(),
    payload: z.unknown(),
    receivedAt: z.string(),
    name: z
      .string()
      .nullable()
      .openapi({ description: "Tracking: a track's event, a page's or screen's name" }),
    userId: z.string().nullable(),
    anonymousId: z.string().nullable(),
    occurredAt: z
      .string()
      .nullable()
      .openapi({ description: 'Tracking: when it happened (clock-skew corrected)' }),
    planViolations: z
      .array(
        z.object({
          path: z
            .string()
            .openapi({ description: "JSON pointer into the event's properties ('' for the whole event)" }),
          message: z.string(),
          schemaVersion: z.number().int().nullable().openapi({
            description: 'The schema version checked against; null for an event not in the plan',
          }),
        }),
      )
      .nullable()
      .openapi({
        description:
          "Tracking: how the event breaks its source's tracking plan (sources in flag mode); null when it keeps to it",
      }),
    runs: z.array(z.object({ id: z.string(), flowId: z.string(), status: runStatus })),
    refusals: z
      .array(
        z
          .object({
            flowId: z.string(),
            flowName: z.string(),
            rule: z.enum(['once', 'one-at-a-time', 'min-interval']).openapi({
              description: "The flow's re-entry rule (settings.reentry) that kept the person out",
            }),
            heldBy: z.string().nullable().openapi({
              description:
                'The run that held the person: their earlier entry, or their run still in progress; null when unknown',
            }),
            at: z.string(),
          })
          .openapi('EntryRefusal'),
      )
      .openapi({
        description:
          "Flows whose trigger matched but whose re-entry rule kept the event's person out: no run was started",
      }),
  })
  .openapi('Event');
/** The API's `Event` body (exported for tests). */
export type Event = z.infer<typeof eventSchema>;

const idParams = z.object({ id: uuidParam });
const tags = ['runs'];

/** The runs and events routes. */
export function runRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/runs',
      tags,
      security: bearerSecurity,
      summary: 'List runs, newest first',
      request: {
        query: z.object({
          flowId: z.string().uuid().optional(),
          eventId: z.string().uuid().optional(),
          status: runStatus.optional(),
          person: z
            .string()
            .min(1)
            .max(500)
            .optional()
            .openapi({ description: "A person's runs: a userId or anonymousId of the run's event" }),
          key: z
            .string()
            .max(512)
            .optional()
            .openapi({
              description:
                "The runs of one partition key (the flow's settings.partitionKey, e.g. a customer id); an " +
                "empty value finds the runs whose key expression failed (they ran under the fallback key '')",
            }),
          backfill: z.string().uuid().optional().openapi({ description: 'The runs a backfill started' }),
          ...pageQuery.shape,
        }),
      },
      responses: {
        200: json(pageOf(runSummarySchema), 'Runs'),
        ...errorResponses,
      },
    }),
    async (c) => c.json(await listRuns(deps.engine.ctx.db, c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/runs/{id}',
      tags,
      security: bearerSecurity,
      summary: 'Get a run with every step, attempt, input and output',
      request: { params: idParams },
      responses: { 200: json(runSchema, 'The run'), ...errorResponses },
    }),
    async (c) => c.json(await getRun(deps.engine.ctx.db, c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/runs/{id}/cancel',
      tags,
      security: bearerSecurity,
      summary: 'Cancel a run',
      request: { params: idParams },
      responses: { 200: json(runSchema, 'Canceled'), ...errorResponses, ...conflictResponse },
    }),
    async (c) =>
      c.json(await cancelRun(deps.engine.ctx, c.req.valid('param').id, actorOf(c.get('principal'))), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/runs/{id}/replay',
      tags,
      security: bearerSecurity,
      summary: 'Start a new run from the same event',
      request: {
        params: idParams,
        body: {
          required: false,
          content: {
            'application/json': {
              schema: z.object({ useCurrentVersion: z.boolean().optional() }).strict(),
            },
          },
        },
      },
      responses: {
        202: json(
          z.object({
            id: z.string().uuid(),
            flowId: z.string().uuid(),
            version: z.number().int(),
            replayOf: z.string(),
          }),
          'Replay started',
        ),
        ...errorResponses,
        ...conflictResponse,
      },
    }),
    async (c) => {
      const options = c.req.header('content-type') ? c.req.valid('json') : {};
      return c.json(
        await replayRun(deps.engine.ctx, c.req.valid('param').id, options, actorOf(c.get('principal'))),
        202,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/events/{id}',
      tags: ['events'],
      security: bearerSecurity,
      summary: 'Get an event and the runs it started',
      request: { params: idParams },
      responses: {
        200: json(eventSchema, 'The event'),
        ...errorResponses,
      },
    }),
    async (c) => c.json(await getEvent(deps.engine.ctx.db, c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/events',
      tags: ['events'],
      security: bearerSecurity,
      summary: 'List events, newest first',
      request: {
        query: z.object({
          flowId: z.string().uuid().optional().openapi({
            description: 'Only events that started a run of this flow, or that its re-entry rule refused',
          }),
          source: z.string().max(300).optional(),
          type: z.string().max(300).optional(),
          userId: z
            .string()
            .max(255)
            .optional()
            .openapi({ description: 'Only tracking events about this userId' }),
          person: z
            .string()
            .max(255)
            .optional()
            .openapi({ description: 'Only tracking events about this person: their userId or anonymousId' }),
          name: z
            .string()
            .max(200)
            .optional()
            .openapi({ description: "Only tracking events of this name (a track's event, a page's name)" }),
          since: z.iso
            .datetime({ offset: true })
            .optional()
            .openapi({ description: 'Only events received at or after' }),
          violations: z.enum(['only']).optional().openapi({
            description: "`only`: just the events flagged for breaking their source's tracking plan",
          }),
          ...pageQuery.shape,
        }),
      },
      responses: {
        200: json(pageOf(eventSchema.omit({ runs: true })), 'Events'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { since, violations, ...query } = c.req.valid('query');
      return c.json(
        await listEvents(deps.engine.ctx.db, {
          ...query,
          since: since ? new Date(since) : undefined,
          violationsOnly: violations === 'only',
        }),
        200,
      );
    },
  );

  app.get('/runs/:id/stream', (c) => streamRun(c, deps.engine.ctx.db, c.req.param('id')));

  return app;
}
