// Shapes of the API's answers, all taken from its OpenAPI document: openapi.gen.ts is generated from the server's
// zod schemas at build time (`npm run generate`), so a change on the server fails the editor's type check.
import type { FlowDefinition, Problem, RetryPolicyInput } from '@tributary/flow';
import type { components, paths } from './openapi.gen';

export type { FlowDefinition, Problem, RetryPolicyInput };

type Schemas = components['schemas'];

/** The JSON answer of `method path` with `status` (200 unless said otherwise), as the document declares it. */
type Answer<P extends keyof paths, M extends keyof paths[P], S extends number = 200> =
  NonNullable<paths[P][M]> extends { responses: { [K in S]: { content: { 'application/json': infer T } } } }
    ? T
    : never;

/**
 * The API's document has a flow definition as an object with a description (drafts may fail validation, so the
 * server checks them itself); what it holds is packages/flow's definition, which the editor reads it as.
 */
type WithDefinition<T, K extends keyof T> = Omit<T, K> & { [P in K]: FlowDefinition };

/** A flow node as stored in a definition. */
export type FlowNodeDef = FlowDefinition['nodes'][number];
/** A flow edge as stored in a definition. */
export type FlowEdgeDef = FlowDefinition['edges'][number];

/** A flow with its draft and the problems that stand between the draft and publishing. */
export type FlowView = WithDefinition<Schemas['Flow'], 'draft'>;
export type FlowStatus = FlowView['status'];
/** A flow of the list, with its run counts over the last day. */
export type FlowListItem = WithDefinition<Answer<'/flows', 'get'>['items'][number], 'draft'>;
export type FlowVersion = WithDefinition<Schemas['FlowVersion'], 'definition'>;
export type Published = Answer<'/flows/{id}/publish', 'post'>;
export type LiveVersion = Answer<'/flows/{id}/versions/{version}/publish', 'post'>;
export type TestRunStarted = Answer<'/flows/{id}/test-runs', 'post', 202>;

export type RunSummary = Schemas['RunSummary'];
export type Run = Schemas['Run'];
/** A run as its stream (and the poll standing in for it) sends it: everything but the steps, which come one by one. */
export type StreamedRun = Omit<Run, 'steps'>;
export type RunStatus = RunSummary['status'];
export type RunPage = Answer<'/runs', 'get'>;
export type ReplayStarted = Answer<'/runs/{id}/replay', 'post', 202>;
export type Backfill = Schemas['Backfill'];
export type BackfillPage = Answer<'/flows/{id}/backfills', 'get'>;
export type Step = Schemas['Step'];
export type StepStatus = Step['status'];
export type Attempt = Schemas['Attempt'];

/** An event with the runs it started. */
export type EventRecord = Schemas['Event'];
export type EventPage = Answer<'/events', 'get'>;

export type DeadLetter = Schemas['DeadLetter'];
export type DeadLetterStatus = DeadLetter['status'];
export type DeadLetterPage = Answer<'/dead-letters', 'get'>;
export type DeadLetterGroup = Schemas['DeadLetterGroup'];
export type DeadLetterGroupList = Answer<'/dead-letters/groups', 'get'>;
export type RedriveResult = Schemas['RedriveResult'];
export type RedriveManyAnswer = Answer<'/dead-letters/redrive', 'post'>;
export type DiscardResult = Schemas['DiscardResult'];
export type DiscardManyAnswer = Answer<'/dead-letters/discard', 'post'>;
export type RedriveStarted = Answer<'/dead-letters/{id}/redrive', 'post', 202>;

/** A node type of the catalogue: ports, traits, retry defaults and config JSON Schema. */
export type NodeTypeInfo = Schemas['NodeType'];
export type NodeTypeList = Answer<'/node-types', 'get'>;
export type NodeCategory = NodeTypeInfo['category'];
export type NodeTraits = Schemas['NodeTraits'];
export type NodeSample = Answer<'/node-types/{type}/sample', 'post'>;

/** A stored credential: which data fields are set (never their values) and the flows using it. */
export type Credential = Schemas['Credential'];
/** A kind of credential, with the JSON Schema of its data (secret fields marked writeOnly). */
export type CredentialType = Schemas['CredentialType'];
export type CredentialTestResult = Schemas['CredentialTestResult'];
export type CredentialCreate = Schemas['CredentialCreate'];
export type CredentialUpdate = Schemas['CredentialUpdate'];
export type Source = Schemas['Source'];
export type Variable = Schemas['Variable'];
export type FrequencyCap = Schemas['FrequencyCap'];
export type FrequencyCapInput = Schemas['FrequencyCapInput'];
export type SourceWithWriteKey = Schemas['SourceWithWriteKey'];
export type PlanMode = Source['planMode'];
export type UnplannedEvents = Source['unplannedEvents'];
export type EventSchema = Schemas['EventSchema'];
export type EventSchemaVersion = Schemas['EventSchemaVersion'];
export type PlanViolation = NonNullable<EventRecord['planViolations']>[number];
export type AuditPage = Answer<'/audit', 'get'>;
export type ProfileSummary = Schemas['ProfileSummary'];
export type Profile = Schemas['Profile'];
/** Who is calling: a signed-in user or a key, with its role, scopes and (for a session) its CSRF token. */
export type Caller = Schemas['Caller'];
export type User = Schemas['User'];
export type Role = User['role'];
export type Invitation = Schemas['Invitation'];
/** An API key as lists show it (never the key). */
export type ApiKey = Schemas['ApiKey'];
/** A key just made: the only answer that holds the key. */
export type NewApiKey = Schemas['NewApiKey'];
export type Scope = ApiKey['scopes'][number];
