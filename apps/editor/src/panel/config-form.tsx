// The node's config form: RJSF over the node type's JSON Schema, with API problems shown on the fields.
import Form, { type IChangeEvent } from '@rjsf/core';
import type { ErrorSchema, RegistryFieldsType, RegistryWidgetsType } from '@rjsf/utils';
import validator from '@rjsf/validator-ajv8';
import { useMemo } from 'react';
import type { NodeTypeInfo } from '../api/types';
import { AnyValueField } from './any-value-field';
import type { Completion } from './completions';
import { CredentialWidget } from './credential-widget';
import { DurationWidget } from './duration-widget';
import { EventNamesField } from './event-names-field';
import { ExpressionTextWidget } from './expression-widget';
import { FlowSlugWidget } from './flow-slug-widget';
import { formButtons } from './form-buttons';
import type { ConfigFormContext } from './form-context';
import { formSchema } from './form-schema';
import { SourcesField } from './sources-field';

// string formats (uri, email) would get RJSF's typed inputs, which refuse an expression such as https://x/{{ id }}
const widgets: RegistryWidgetsType = {
  TextWidget: ExpressionTextWidget,
  URLWidget: ExpressionTextWidget,
  EmailWidget: ExpressionTextWidget,
  CredentialWidget,
  DurationWidget,
  FlowSlugWidget,
};
const fields: RegistryFieldsType = { AnyValueField, EventNamesField, SourcesField };
const templates = { ButtonTemplates: formButtons };

interface ConfigFormProps {
  nodeId: string;
  info: NodeTypeInfo;
  config: Record<string, unknown>;
  errors: ErrorSchema;
  completions: readonly Completion[];
  readOnly: boolean;
  onChange: (config: Record<string, unknown>) => void;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function ConfigForm({
  nodeId,
  info,
  config,
  errors,
  completions,
  readOnly,
  onChange,
}: ConfigFormProps) {
  const { schema, uiSchema } = useMemo(() => formSchema(info.configSchema), [info]);
  const formContext = useMemo<ConfigFormContext>(() => ({ completions }), [completions]);
  const handle = (event: IChangeEvent<Record<string, unknown>>, fieldId?: string) => {
    // RJSF also reports the defaults it derives on its own (no field id); only edits change the config
    if (fieldId === undefined) return;
    const next = event.formData ?? {};
    if (!sameJson(next, config)) onChange(next);
  };
  return (
    <Form<Record<string, unknown>>
      key={nodeId}
      className="config-form"
      schema={schema}
      uiSchema={uiSchema}
      validator={validator}
      formData={config}
      formContext={formContext}
      widgets={widgets}
      fields={fields}
      templates={templates}
      extraErrors={errors}
      idPrefix={`config-${nodeId}`}
      showErrorList={false}
      noHtml5Validate
      readonly={readOnly}
      onChange={handle}
      onSubmit={() => undefined}
    />
  );
}
