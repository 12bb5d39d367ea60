import { type LabelSelector, type Labels, labelValue } from '../kube/label-selector.ts';

/** Whether `labels` satisfy `selector`; the empty selector matches everything. */
export function selectorMatches(selector: LabelSelector, labels: Labels): boolean {
  for (const key in selector.matchLabels) {
    if (labelValue(labels, key) !== selector.matchLabels[key]) return false;
  }
  for (const requirement of selector.matchExpressions) {
    const value = labelValue(labels, requirement.key);
    const present = value !== undefined;
    switch (requirement.operator) {
      case 'In':
        if (!present || !requirement.values.includes(value)) return false;
        break;
      case 'NotIn':
        // Absent keys satisfy NotIn, as in Kubernetes.
        if (present && requirement.values.includes(value)) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
    }
  }
  return true;
}

/** The selector in kubectl's notation (`app=web,tier in (a,b),!legacy`); `<all>` when empty. */
export function formatSelector(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels).map(([key, value]) => `${key}=${value}`);
  for (const { key, operator, values } of selector.matchExpressions) {
    if (operator === 'Exists') parts.push(key);
    else if (operator === 'DoesNotExist') parts.push(`!${key}`);
    else parts.push(`${key} ${operator === 'In' ? 'in' : 'notin'} (${values.join(',')})`);
  }
  return parts.length > 0 ? parts.join(',') : '<all>';
}
