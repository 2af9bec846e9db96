// RJSF widget for string fields: the expression-aware input; numbers keep RJSF's own input.
import { getTemplate, type WidgetProps } from '@rjsf/utils';
import { ExpressionInput } from './expression-input';
import { completionsOf } from './form-context';

export function ExpressionTextWidget(props: WidgetProps) {
  const { id, value, onChange, onBlur, schema, registry, disabled, readonly, rawErrors, placeholder, label } =
    props;
  if (schema.type !== 'string' && schema.type !== undefined) {
    const BaseInput = getTemplate('BaseInputTemplate', registry, props.options);
    return <BaseInput {...props} />;
  }
  const text = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
  return (
    <ExpressionInput
      id={id}
      value={text}
      label={label}
      placeholder={placeholder}
      disabled={disabled || readonly}
      invalid={(rawErrors?.length ?? 0) > 0}
      describedBy={`${id}__error ${id}__description`}
      completions={completionsOf(registry.formContext)}
      onChange={(next) => onChange(next === '' ? undefined : next)}
      onBlur={() => onBlur(id, text)}
      multiline={typeof schema.maxLength === 'number' ? schema.maxLength > 500 : true}
    />
  );
}
