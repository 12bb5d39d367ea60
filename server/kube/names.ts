/** Kubernetes name and label syntax, as the API server validates it. */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** Returns why `name` is not a DNS-1123 label (namespace names), or undefined when it is one. */
export function dnsLabelProblem(name: string): string | undefined {
  if (name.length > 63) return 'must be no more than 63 characters';
  if (!DNS_LABEL.test(name)) return 'must consist of lower case alphanumeric characters or "-"';
  return undefined;
}

/** Returns why `name` is not a DNS-1123 subdomain (object names), or undefined when it is one. */
export function dnsSubdomainProblem(name: string): string | undefined {
  if (name.length > 253) return 'must be no more than 253 characters';
  if (!DNS_SUBDOMAIN.test(name)) return 'must consist of lower case alphanumeric characters, "-" or "."';
  return undefined;
}

/**
 * Returns why `key` is not a namespaced object's key (`ns/name`) nor, with `clusterScoped`, a
 * cluster-scoped object's name; undefined when it is one.
 */
export function objectKeyProblem(key: string, clusterScoped = false): string | undefined {
  const parts = key.split('/');
  if (parts.length === 1 && clusterScoped) {
    const problem = dnsSubdomainProblem(key);
    return problem && `name ${problem}`;
  }
  const [namespace, name] = parts;
  if (parts.length !== 2 || namespace === undefined || name === undefined)
    return clusterScoped ? 'must be ns/name or name' : 'must be ns/name';
  const problem = dnsLabelProblem(namespace);
  if (problem) return `namespace ${problem}`;
  const nameProblem = dnsSubdomainProblem(name);
  return nameProblem && `name ${nameProblem}`;
}

/** Label keys: an optional DNS subdomain prefix and a name of at most 63 characters. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined) {
    if (prefix.length === 0) return 'prefix part must be non-empty';
    const problem = dnsSubdomainProblem(prefix);
    if (problem) return `prefix part ${problem}`;
  }
  if (name.length === 0 || name.length > 63) return 'name part must be 1 to 63 characters';
  if (!QUALIFIED_NAME_PART.test(name)) {
    return 'name part must consist of alphanumeric characters, "-", "_" or ".", starting and ending with an alphanumeric';
  }
  return undefined;
}

/** Label values: empty, or at most 63 characters of the qualified-name alphabet. */
export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63) return 'must be no more than 63 characters';
  if (!QUALIFIED_NAME_PART.test(value)) {
    return 'must consist of alphanumeric characters, "-", "_" or ".", starting and ending with an alphanumeric';
  }
  return undefined;
}

/** Container port names (IANA service names): at most 15 characters with at least one letter. */
export function portNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > 15) return 'must be 1 to 15 characters';
  if (name.startsWith('-') || name.endsWith('-')) return 'must not begin or end with a hyphen';
  if (!IANA_SVC_NAME.test(name)) return 'must consist of lower case alphanumeric characters or "-"';
  if (name.includes('--')) return 'must not contain consecutive hyphens';
  if (!/[a-z]/.test(name)) return 'must contain at least one letter';
  return undefined;
}
