// Running a step's node once: resolve its config, give it its ctx, run it under its time limit and check
// what it returned. The same for a claimed step and for a pure step run inline (fusion.ts).
import type { EmptyExpression } from '@tributary/db';
import type { FlowNode } from '@tributary/flow';
import { FatalError, RetryableError } from '@tributary/flow';
import type {
  CallFlowRequest,
  NodeContext,
  NodeCredential,
  NodeOutput,
  SentRequest,
  StepLogs,
  WaitForEventRequest,
  WebhookResponse,
} from '@tributary/nodes';
import { getCredentialType, Redactor } from '@tributary/nodes';
import { openCredentialForStep } from '../credentials/index.js';
import { eventLogReader } from '../history/index.js';
import { SleepSignal, waitForEventIn } from '../waits/index.js';
import type { StepAttempt } from './attempt.js';
import { resolveConfigFor } from './scope.js';

/** Expressions that gave nothing kept per attempt at most, and characters of each expression kept. */
const MAX_EMPTY_EXPRESSIONS = 20;
const MAX_EXPRESSION_CHARS = 200;

function clip(expression: string): string {
  return expression.length > MAX_EXPRESSION_CHARS
    ? `${expression.slice(0, MAX_EXPRESSION_CHARS - 1)}…`
    : expression;
}

/** The attempt's time limit: the node's own, else the engine's default. */
export function timeLimitOf({ ctx, node }: Pick<StepAttempt, 'ctx' | 'node'>): number {
  return node.timeoutMs ?? ctx.settings.stepTimeoutMs;
}

/** What a delivery keeps of a node's run besides its output, each redacted like the output. */
export interface StepObserver {
  /** What the node's user code printed (ctx.attachLogs), whether the node then succeeds or fails. */
  onLogs?(logs: StepLogs): void;
  /** The HTTP request the node sent (ctx.attachRequest), whether it then succeeds or fails. */
  onRequest?(request: SentRequest): void;
  /** The config's expressions that gave nothing (undefined or null), with the field each fills. */
  onEmptyExpressions?(found: EmptyExpression[]): void;
  /** The node's answer to the run's webhook request (ctx.respondToWebhook), kept if the step succeeds. */
  onResponse?(response: WebhookResponse): void;
}

/**
 * Runs the node of a step once and returns its items per port; throws what the node threw. `observer` gets
 * what the node hands over besides its output (see StepObserver).
 */
export async function executeNode(attempt: StepAttempt, observer: StepObserver = {}): Promise<NodeOutput> {
  const { node, type, flow } = attempt;
  if (!type.run)
    throw new FatalError(`node "${node.name}" (${type.type}) cannot run as a step`, { code: 'not_runnable' });
  // a config without expressions was parsed once per flow version: no scope to load, nothing to await
  const empty: EmptyExpression[] = [];
  const config = flow.constantConfigs.has(node.id)
    ? flow.constantConfigs.get(node.id)
    : await resolveConfigFor(attempt, (path, expression) => {
        if (empty.length < MAX_EMPTY_EXPRESSIONS) empty.push({ path, expression: clip(expression) });
      });
  if (empty.length > 0) observer.onEmptyExpressions?.(empty);
  const timeoutMs = timeLimitOf(attempt);
  // made on first use of `signal`: most nodes never look at it
  let controller: AbortController | undefined;
  let timeoutError: RetryableError | undefined;
  const redactor = new Redactor();
  const nodeCtx = new StepContext(
    attempt,
    config,
    redactor,
    () => {
      controller ??= new AbortController();
      if (timeoutError && !controller.signal.aborted) controller.abort(timeoutError);
      return controller.signal;
    },
    observer,
  );
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timeoutError = new RetryableError(`node "${node.name}" did not finish within ${timeoutMs} ms`, {
        code: 'timeout',
      });
      controller?.abort(timeoutError);
      reject(timeoutError);
    }, timeoutMs);
  });
  try {
    const runNode = type.run;
    const output = await Promise.race([
      Promise.resolve().then(() => runNode(nodeCtx, attempt.step.input)),
      timedOut,
    ]);
    // a peer may echo a secret back (in a body, a header, an error): nothing of it is stored
    return checkOutput(node, redactor.value(output));
  } catch (err) {
    throw redactor.error(err);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The ctx a node runs with: side effects only through here. A class, so a step makes one object rather than
 * a closure per method (every pure step run while an event is accepted makes one); what is rarely used
 * (the signal, the logger, the event log) is made on first use.
 */
class StepContext implements NodeContext<unknown> {
  #logger: NodeContext<unknown>['logger'] | undefined;
  readonly #attempt: StepAttempt;
  readonly #redactor: Redactor;
  readonly #signal: () => AbortSignal;
  readonly #observer: StepObserver;

  constructor(
    attempt: StepAttempt,
    readonly config: unknown,
    redactor: Redactor,
    signal: () => AbortSignal,
    observer: StepObserver,
  ) {
    this.#attempt = attempt;
    this.#redactor = redactor;
    this.#signal = signal;
    this.#observer = observer;
  }

  get signal(): AbortSignal {
    return this.#signal();
  }

  get logger(): NodeContext<unknown>['logger'] {
    const { ctx, run, step, node } = this.#attempt;
    this.#logger ??= redactingLogger(
      ctx.logger.child({ runId: run.id, stepId: step.id, nodeId: node.id, eventId: run.eventId }),
      this.#redactor,
    );
    return this.#logger;
  }

  get runId(): string {
    return this.#attempt.run.id;
  }

  get stepId(): string {
    return this.#attempt.step.id;
  }

  get nodeId(): string {
    return this.#attempt.node.id;
  }

  get attempt(): number {
    return this.#attempt.step.attempts.length;
  }

  get correlationId(): string {
    return this.#attempt.run.eventId;
  }

  get idempotencyKey(): string {
    return this.#attempt.step.id;
  }

  get http(): NodeContext<unknown>['http'] {
    return this.#attempt.ctx.http;
  }

  get eventLog(): NodeContext<unknown>['eventLog'] {
    const { source, ctx } = this.#attempt;
    return eventLogReader(source.db ?? ctx.db);
  }

  waitForEvent(request: WaitForEventRequest) {
    const { ctx, node, type, step, parked } = this.#attempt;
    const trait = type.traits.waitsForEvent;
    if (!trait) {
      throw new FatalError(`node "${node.name}" (${type.type}) does not declare that it waits for events`, {
        code: 'not_a_wait',
      });
    }
    // the incoming side evaluates the node's own (unresolved) correlation expression per event
    return waitForEventIn(ctx, step.id, trait.correlation(node.config), request, parked);
  }

  callFlow(request: CallFlowRequest) {
    const { ctx, run, step } = this.#attempt;
    if (!ctx.callSubFlow) {
      throw new FatalError('this engine cannot call flows', { code: 'sub_flows_unavailable' });
    }
    return ctx.callSubFlow({ runId: run.id, stepId: step.id }, request);
  }

  async credential<D>(): Promise<NodeCredential<D>> {
    const { ctx, node, type } = this.#attempt;
    const id = (this.config as { credential?: unknown } | null)?.credential;
    const credential = await openCredentialForStep(ctx, node, type, id);
    for (const secret of getCredentialType(credential.type)?.secretsOf(credential.data) ?? []) {
      this.#redactor.add(secret);
    }
    return credential as NodeCredential<D>;
  }

  redact(secret: string): void {
    this.#redactor.add(secret);
  }

  resolveAddress(host: string): Promise<string> {
    return this.#attempt.ctx.resolveAddress(host);
  }

  attachRequest(request: SentRequest): void {
    this.#observer.onRequest?.(this.#redactor.value(request));
  }

  attachLogs(logs: StepLogs): void {
    this.#observer.onLogs?.(this.#redactor.value(logs));
  }

  respondToWebhook(response: WebhookResponse): void {
    const { node, type } = this.#attempt;
    if (!type.traits.respondsToWebhook || !this.#observer.onResponse) {
      throw new FatalError(`node "${node.name}" (${type.type}) cannot answer a webhook request`, {
        code: 'not_a_response',
      });
    }
    // what the node answers is built from items and steps that are stored redacted already; this step's
    // own secrets (ctx.redact) are taken out as from its output
    this.#observer.onResponse(this.#redactor.value(response));
  }

  sleep(ms: number): void {
    const { state } = this.#attempt.step;
    if (typeof state?.wakeAt === 'string') {
      if (Date.now() >= Date.parse(state.wakeAt) - 50) return;
      throw new SleepSignal(Date.parse(state.wakeAt));
    }
    throw new SleepSignal(Date.now() + ms);
  }
}

/** The node's logger with secrets scrubbed from messages and fields, once the step has any. */
function redactingLogger(
  logger: NodeContext<unknown>['logger'],
  redactor: Redactor,
): NodeContext<unknown>['logger'] {
  const wrap =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (obj: object, msg?: string): void => {
      if (!redactor.active) logger[level](obj, msg);
      else logger[level](redactor.value(obj), msg === undefined ? undefined : redactor.text(msg));
    };
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}

function checkOutput(node: FlowNode, output: unknown): NodeOutput {
  if (typeof output !== 'object' || output === null || Array.isArray(output)) {
    throw new FatalError(`node "${node.name}" returned no items per port`, { code: 'invalid_output' });
  }
  for (const [port, items] of Object.entries(output)) {
    if (!Array.isArray(items)) {
      throw new FatalError(`node "${node.name}" returned a non-list for port ${port}`, {
        code: 'invalid_output',
      });
    }
  }
  // checked just above: an object whose values are all arrays
  return output as NodeOutput;
}
