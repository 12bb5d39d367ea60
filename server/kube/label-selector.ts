import { list, object, optionalObject, quoted, string, stringMap } from './decode.ts';
import { FieldError } from './field-error.ts';
import { labelKeyProblem, labelValueProblem } from './names.ts';

/** Labels of a pod or namespace. */
export type Labels = Readonly<Record<string, string>>;

/**
 * The value of label `key`, if the labels have it: their own keys only, since `constructor` or
 * `toString` are label keys too and must not find what every object inherits.
 */
export function labelValue(labels: Labels, key: string): string | undefined {
  return Object.hasOwn(labels, key) ? labels[key] : undefined;
}

/** The operators of a set-based requirement. */
export const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
export type SelectorOperator = (typeof SELECTOR_OPERATORS)[number];

/** One set-based requirement of a label selector. */
export interface LabelSelectorRequirement {
  /** The label key the requirement applies to. */
  readonly key: string;
  /** How the key's value relates to `values`. */
  readonly operator: SelectorOperator;
  /** Non-empty for In and NotIn, empty for Exists and DoesNotExist. */
  readonly values: readonly string[];
}

/** A metav1.LabelSelector: all of `matchLabels` and all of `matchExpressions` must hold; empty selects all. */
export interface LabelSelector {
  /** Each key must have exactly this value. */
  readonly matchLabels: Labels;
  /** Each requirement must hold. */
  readonly matchExpressions: readonly LabelSelectorRequirement[];
}

/** Reads and validates a label selector at `path`, as the API server does. */
export function decodeLabelSelector(value: unknown, path: string): LabelSelector {
  const raw = object(value, path);
  const matchLabels = stringMap(raw.matchLabels, `${path}.matchLabels`);
  for (const [key, labelValue] of Object.entries(matchLabels)) {
    const keyProblem = labelKeyProblem(key);
    if (keyProblem)
      throw new FieldError(`${path}.matchLabels`, `invalid label key ${quoted(key)}: ${keyProblem}`);
    const valueProblem = labelValueProblem(labelValue);
    if (valueProblem) {
      throw new FieldError(
        `${path}.matchLabels.${key}`,
        `invalid label value ${quoted(labelValue)}: ${valueProblem}`,
      );
    }
  }
  const matchExpressions = list(raw.matchExpressions, `${path}.matchExpressions`).map((item, i) =>
    decodeRequirement(item, `${path}.matchExpressions[${i}]`),
  );
  return { matchLabels, matchExpressions };
}

/** Reads a selector that may be absent (null means "not given", which differs from `{}`). */
export function decodeOptionalLabelSelector(value: unknown, path: string): LabelSelector | undefined {
  return optionalObject(value, path) === undefined ? undefined : decodeLabelSelector(value, path);
}

function decodeRequirement(value: unknown, path: string): LabelSelectorRequirement {
  const raw = object(value, path);
  const key = string(raw.key, `${path}.key`);
  const keyProblem = labelKeyProblem(key);
  if (keyProblem) throw new FieldError(`${path}.key`, `invalid label key ${quoted(key)}: ${keyProblem}`);
  const operator = string(raw.operator, `${path}.operator`);
  if (!(SELECTOR_OPERATORS as readonly string[]).includes(operator)) {
    throw new FieldError(
      `${path}.operator`,
      `unsupported operator ${quoted(operator)}: must be one of ${SELECTOR_OPERATORS.join(', ')}`,
    );
  }
  const values = list(raw.values, `${path}.values`).map((item, i) => string(item, `${path}.values[${i}]`));
  const needsValues = operator === 'In' || operator === 'NotIn';
  if (needsValues && values.length === 0) {
    throw new FieldError(`${path}.values`, `must be specified when operator is ${operator}`);
  }
  if (!needsValues && values.length > 0) {
    throw new FieldError(`${path}.values`, `may not be specified when operator is ${operator}`);
  }
  values.forEach((item, i) => {
    const problem = labelValueProblem(item);
    if (problem)
      throw new FieldError(`${path}.values[${i}]`, `invalid label value ${quoted(item)}: ${problem}`);
  });
  return { key, operator: operator as SelectorOperator, values };
}
