// The node catalogue: every node type the engine can run, looked up by type id.
import type { NodeCatalogue } from '@tributary/flow';
import { discord } from './actions/discord.js';
import { email } from './actions/email.js';
import { httpRequest } from './actions/http-request.js';
import { pagerdutyEvent } from './actions/pagerduty.js';
import { slack } from './actions/slack.js';
import { teams } from './actions/teams.js';
import { webhookOut } from './actions/webhook-out.js';
import { amqpPublish } from './amqp/amqp-publish.js';
import { amqpTrigger } from './amqp/amqp-trigger.js';
import { crm } from './crm/crm.js';
import type { NodeType } from './define-node.js';
import { abSplit } from './logic/ab-split.js';
import { code } from './logic/code.js';
import { delay } from './logic/delay.js';
import { eventSummary } from './logic/event-summary.js';
import { filter } from './logic/filter.js';
import { ifNode } from './logic/if.js';
import { merge } from './logic/merge.js';
import { respondToWebhook } from './logic/respond-to-webhook.js';
import { set } from './logic/set.js';
import { split } from './logic/split.js';
import { stopAndError } from './logic/stop-and-error.js';
import { subFlow } from './logic/sub-flow.js';
import { switchNode } from './logic/switch.js';
import { waitForEvent } from './logic/wait-for-event.js';
import { waitUntil } from './logic/wait-until.js';
import { mqttPublish } from './mqtt/mqtt-publish.js';
import { mqttTrigger } from './mqtt/mqtt-trigger.js';
import { natsPublish } from './nats/nats-publish.js';
import { natsTrigger } from './nats/nats-trigger.js';
import { trackingForward } from './tracking/tracking-forward.js';
import { manualTrigger } from './triggers/manual.js';
import { scheduleTrigger } from './triggers/schedule.js';
import { subFlowTrigger } from './triggers/sub-flow.js';
import { trackingTrigger } from './triggers/tracking.js';
import { webhookTrigger } from './triggers/webhook.js';

/** All node types, in palette order. */
export const nodeTypes: readonly NodeType[] = [
  webhookTrigger,
  trackingTrigger,
  scheduleTrigger,
  manualTrigger,
  subFlowTrigger,
  amqpTrigger,
  mqttTrigger,
  natsTrigger,
  set,
  ifNode,
  switchNode,
  abSplit,
  filter,
  split,
  merge,
  delay,
  waitUntil,
  waitForEvent,
  eventSummary,
  subFlow,
  code,
  stopAndError,
  respondToWebhook,
  httpRequest,
  email,
  crm,
  pagerdutyEvent,
  webhookOut,
  slack,
  discord,
  teams,
  amqpPublish,
  mqttPublish,
  natsPublish,
  trackingForward,
] as readonly NodeType[];

const byType = new Map(nodeTypes.map((n) => [n.type, n]));

/** Looks a node type up by its type id. */
export function getNodeType(type: string): NodeType | undefined {
  return byType.get(type);
}

/** The catalogue as graph validation sees it. */
export const catalogue: NodeCatalogue = getNodeType;
