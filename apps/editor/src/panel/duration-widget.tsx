// RJSF widget for config fields in milliseconds (names ending in `Ms`): typed and shown with units.
import type { WidgetProps } from '@rjsf/utils';
import { DurationInput } from '../ui/duration-input';

export function DurationWidget({
  id,
  value,
  onChange,
  onBlur,
  disabled,
  readonly,
  rawErrors,
  schema,
}: WidgetProps) {
  return (
    <DurationInput
      id={id}
      value={value}
      readOnly={disabled || readonly}
      invalid={(rawErrors?.length ?? 0) > 0}
      describedBy={`${id}__error ${id}__description`}
      placeholder={typeof schema.default === 'number' ? schema.default : undefined}
      // config fields take expressions (resolved at run time) as well as fixed durations
      allowExpressions
      onChange={onChange}
      onBlur={() => onBlur(id, value)}
    />
  );
}
