// The broker triggers' configs: what publish accepts and refuses (a refused config is a 4xx at publish),
// and their JSON Schemas, the contract with the editor.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { amqpTrigger } from '../amqp/amqp-trigger.js';
import type { NodeType } from '../define-node.js';
import { mqttTrigger } from '../mqtt/mqtt-trigger.js';
import { natsTrigger } from '../nats/nats-trigger.js';

const credential = '0190f1c2-7d3a-7e9b-8c1d-2a3b4c5d6e7f';

/** The fields a config is refused for. */
function refused(node: NodeType, config: Record<string, unknown>): string[] {
  const result = node.config.safeParse({ credential, ...config });
  return (result.error?.issues ?? []).map((issue) => issue.path.join('.'));
}

describe('AMQP trigger config', () => {
  it('declares the queue durable and prefetches 20 unless told otherwise', () => {
    expect(amqpTrigger.config.parse({ credential, queue: 'orders' })).toEqual({
      credential,
      queue: 'orders',
      assertQueue: true,
      prefetch: 20,
    });
  });

  it.each([
    ['an empty queue name', { queue: '' }, 'queue'],
    ['an expression', { queue: '{{ name }}' }, 'queue'],
    ['a reserved name', { queue: 'amq.gen-1' }, 'queue'],
    ['a prefetch of 0', { queue: 'q', prefetch: 0 }, 'prefetch'],
    ['an unknown field', { queue: 'q', exclusive: true }, ''],
  ])('refuses %s', (_, config, field) => {
    expect(refused(amqpTrigger, config)).toContain(field);
  });

  it('is a broker trigger with a consumer for amqp credentials', () => {
    expect(amqpTrigger.traits.trigger).toBe('broker');
    expect(amqpTrigger.traits.consumer?.credentialType).toBe('amqp');
    expect(amqpTrigger.credentialTypes).toEqual(['amqp']);
  });
});

describe('MQTT trigger config', () => {
  it('takes wildcards as whole levels, at QoS 1 unless told otherwise', () => {
    expect(mqttTrigger.config.parse({ credential, topic: 'sensors/+/t' })).toMatchObject({ qos: 1 });
    expect(refused(mqttTrigger, { topic: 'orders/#', qos: 0 })).toEqual([]);
    expect(refused(mqttTrigger, { topic: '+' })).toEqual([]);
  });

  it.each([
    ['"#" before the last level', { topic: 'a/#/b' }, 'topic'],
    ['"+" inside a level', { topic: 'a/b+/c' }, 'topic'],
    ['a $ topic (the broker’s own)', { topic: '$SYS/broker' }, 'topic'],
    ['QoS 2, which the trigger does not speak', { topic: 't', qos: 2 }, 'qos'],
    ['an expression', { topic: 'a/{{ x }}' }, 'topic'],
  ])('refuses %s', (_, config, field) => {
    expect(refused(mqttTrigger, config)).toContain(field);
  });
});

describe('NATS trigger config', () => {
  it('takes a stream, a subject with wildcards and a durable name', () => {
    expect(
      refused(natsTrigger, { stream: 'ORDERS', subject: 'orders.*.created', durable: 'tributary' }),
    ).toEqual([]);
    expect(refused(natsTrigger, { stream: 'ORDERS', subject: 'orders.>', durable: 'd' })).toEqual([]);
  });

  it.each([
    ['">" before the last token', { stream: 'S', subject: 'a.>.b', durable: 'd' }, 'subject'],
    ['an empty token', { stream: 'S', subject: 'a..b', durable: 'd' }, 'subject'],
    ['a space in a subject', { stream: 'S', subject: 'a b', durable: 'd' }, 'subject'],
    ['a dot in a stream name', { stream: 'S.1', subject: 'a', durable: 'd' }, 'stream'],
    ['a missing durable name', { stream: 'S', subject: 'a' }, 'durable'],
  ])('refuses %s', (_, config, field) => {
    expect(refused(natsTrigger, config)).toContain(field);
  });
});

describe('broker trigger schemas', () => {
  it.each([
    ['amqp', amqpTrigger],
    ['mqtt', mqttTrigger],
    ['nats', natsTrigger],
  ])('%s config schema is stable', (_, node) => {
    expect(z.toJSONSchema(node.config, { io: 'input' })).toMatchSnapshot();
  });
});
