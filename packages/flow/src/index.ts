// Public surface of @tributary/flow: the flow definition schema, validation, expressions, errors.
export * from './definition.js';
export * from './errors.js';
export * from './explain.js';
export * from './expressions.js';
export * from './graph.js';
export * from './json-path.js';
export * from './labels.js';
export * from './node-contract.js';
export * from './person.js';
export { copyWith, defineField } from './plain-object.js';
export { regexRefusal } from './runaway-guards.js';
export * from './validate.js';
export * from './variables.js';
export { isTimeZone, offsetAt } from './zoned-dates.js';
