import { FieldError } from '../kube/field-error.ts';
import { labelValue } from '../kube/label-selector.ts';

/**
 * What a view of the graph shows; every field is also a URL parameter of the graph page and of
 * `GET /api/graph?view=…`, so a view can be shared.
 */
export interface ViewRequest {
  /** The namespace × namespace matrix, the graph, or (auto) the matrix past a few hundred pods unless narrowed. */
  readonly view?: 'matrix' | 'graph';
  /** The finest level of nodes: the server goes as fine as the edge budget allows, never finer. */
  readonly level?: 'pod' | 'workload' | 'namespace';
  /** Only these namespaces' pods (comma-separated in the URL), their edges and their peers. */
  readonly namespace?: string;
  /** A cell of the matrix: the edges from this namespace's pods to those of `to` (the same one for its own traffic). */
  readonly from?: string;
  readonly to?: string;
  /** Only pods whose name contains this text, and their peers. */
  readonly search?: string;
  /** Only pods whose labels match this selector (`app=web,tier!=db,team,!legacy`), and their peers. */
  readonly labels?: string;
  /** One pod (`ns/name`) and its peers. */
  readonly focus?: string;
  /** The pods a policy (`ns/name`) selects and their peers, with the edges it decides marked. */
  readonly policy?: string;
  /** Only this port (`80/TCP`). */
  readonly port?: string;
  readonly deniedOnly?: boolean;
  readonly isolatedOnly?: boolean;
}

const TEXTS = [
  'view',
  'level',
  'namespace',
  'from',
  'to',
  'search',
  'labels',
  'focus',
  'policy',
  'port',
] as const;
const FLAGS = ['deniedOnly', 'isolatedOnly'] as const;
const CHOICES: Partial<Record<(typeof TEXTS)[number], readonly string[]>> = {
  view: ['matrix', 'graph'],
  level: ['pod', 'workload', 'namespace'],
};

/** The request a URL query asks for; `strict` (the server) refuses values out of range, the page drops them. */
export function viewFromQuery(query: string | URLSearchParams, strict = false): ViewRequest {
  const params = typeof query === 'string' ? new URLSearchParams(query) : query;
  const request: Record<string, string | boolean> = {};
  for (const key of TEXTS) {
    const value = params.get(key);
    if (!value || value === 'auto') continue;
    const allowed = CHOICES[key];
    if (allowed && !allowed.includes(value)) {
      if (strict) throw new FieldError(key, `must be one of auto, ${allowed.join(', ')}`);
      continue;
    }
    const problem =
      key === 'port' ? portProblem(value) : key === 'labels' ? selectorProblem(value) : undefined;
    if (problem) {
      if (strict) throw new FieldError(key, problem);
      continue;
    }
    request[key] = value;
  }
  for (const key of FLAGS) {
    const value = params.get(key);
    if (value === '1' || value === 'true') request[key] = true;
    else if (strict && value !== null && !['', '0', 'false'].includes(value))
      throw new FieldError(key, 'must be 1 (or true) or 0 (or false)');
  }
  return request as ViewRequest;
}

/** The URL query of a request (empty when it asks for nothing), fields in a fixed order. */
export function viewToQuery(request: ViewRequest): string {
  const params = new URLSearchParams();
  for (const key of TEXTS) if (request[key]) params.set(key, request[key] ?? '');
  for (const key of FLAGS) if (request[key]) params.set(key, '1');
  const query = params.toString();
  return query ? `?${query}` : '';
}

/** Whether the request narrows the view to some pods (so the matrix is no longer the whole story). */
export function isNarrowed(request: ViewRequest): boolean {
  return Boolean(
    request.namespace ||
      request.from ||
      request.to ||
      request.search ||
      request.labels ||
      request.focus ||
      request.policy ||
      request.isolatedOnly,
  );
}

function portProblem(value: string): string | undefined {
  const [, port] = /^(\d{1,5})\/(TCP|UDP|SCTP)$/.exec(value) ?? [];
  return port && Number(port) >= 1 && Number(port) <= 65535
    ? undefined
    : 'must be a port from 1 to 65535 and a protocol, such as 80/TCP';
}

/** What is wrong with a selector {@link labelsMatch} cannot read, if anything. */
function selectorProblem(selector: string): string | undefined {
  const bad = selector
    .split(',')
    .map((term) => term.trim())
    .find((term) => term !== '' && !/^(!\s*[\w./-]+|[\w./-]+(\s*(==|!=|=)\s*[\w.-]*)?)$/.test(term));
  return bad === undefined
    ? undefined
    : `${JSON.stringify(bad)} is not a term of key=value, key!=value, key or !key (comma-separated)`;
}

/**
 * Whether labels match a selector written as kubectl's `-l` takes it: comma-separated
 * `key=value` (or `==`), `key!=value`, `key` (exists) and `!key` (does not exist).
 */
export function labelsMatch(selector: string, labels: Readonly<Record<string, string>>): boolean {
  return selector
    .split(',')
    .map((term) => term.trim())
    .filter(Boolean)
    .every((term) => {
      const [, key = '', operator, value = ''] = /^([^!=\s]+)\s*(!=|==|=)?\s*(.*)$/.exec(term) ?? [];
      if (term.startsWith('!')) return labelValue(labels, term.slice(1).trim()) === undefined;
      if (!operator) return labelValue(labels, key) !== undefined;
      return operator === '!=' ? labelValue(labels, key) !== value : labelValue(labels, key) === value;
    });
}
