import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll, YAMLException } from 'js-yaml';
import { Cluster, type ClusterObject } from '../policy/cluster.ts';
import { isObject, type Json, quoted } from './decode.ts';
import { FieldError } from './field-error.ts';
import { checkKnownFields, isOtherGroup } from './known-fields.ts';
import { keyOf } from './object-meta.ts';
import { decodeObject, isClusterKind, mistypedKind, nameOfRaw, READ_KINDS } from './objects.ts';
import { isPolicyPod, podIPsOf } from './pod.ts';

/** A state file that cannot be read: names the file, and the object and field when known. */
export class StateFileError extends Error {
  readonly file: string;
  readonly field: string | undefined;
  /** Where in the file: the 1-based document, or the line of a YAML syntax error. */
  readonly at: { readonly document?: number; readonly line?: number };

  constructor(file: string, detail: string, field?: string, at: StateFileError['at'] = {}) {
    super(`${file}: ${detail}`);
    this.name = 'StateFileError';
    this.file = file;
    this.field = field;
    this.at = at;
  }
}

/**
 * How strictly to read. A policy's fields are always checked (see checkKnownFields): a typo must
 * not widen what a policy allows. A state file dumped from a cluster (`kubectl get -o yaml`) may
 * hold kinds Palisade does not read, other products' kinds of the same name as its own (Calico's
 * NetworkPolicy), and these are passed over; objects someone wrote for Palisade to apply
 * (`strict`) may not, as kubectl's strict validation refuses them.
 */
export interface ReadOptions {
  readonly strict?: boolean;
}

/**
 * Parses a state file: a multi-document YAML (or JSON) stream of Kubernetes objects, where any
 * document may be a `List` (as `kubectl get … -o yaml` prints). Kinds Palisade does not read are
 * passed over (unless `strict`); the ones it reads are validated.
 */
export function parseState(text: string, file: string, options: ReadOptions = {}): ClusterObject[] {
  let documents: unknown[];
  try {
    // No aliases: a few of them nested can stand for billions of nodes (and kubectl never writes any).
    documents = loadAll(text, { maxAliases: 0 });
  } catch (error) {
    if (error instanceof YAMLException) {
      const line = (error.mark?.line ?? 0) + 1;
      const reason = /maxAliases/.test(error.reason) ? 'aliases (*name) are not taken' : error.reason;
      throw new StateFileError(file, `line ${line}: invalid YAML: ${reason}`, undefined, { line });
    }
    throw error;
  }
  const objects: ClusterObject[] = [];
  const seen = new Map<string, string>();
  const take = (raw: unknown, where: string, document: number) => {
    if (raw === null || raw === undefined) return;
    if (!isObject(raw))
      throw new StateFileError(file, `${where}: expected a Kubernetes object`, undefined, { document });
    if (Array.isArray(raw.items) && (raw.kind === 'List' || String(raw.kind).endsWith('List'))) {
      raw.items.forEach((item, i) => {
        take(isObject(item) ? withListKind(item, raw) : item, `${where}, item ${i + 1}`, document);
      });
      return;
    }
    const meant = mistypedKind(raw);
    let object: ClusterObject;
    try {
      requireKind(raw, options.strict === true);
      if (!options.strict && !meant && (!isClusterKind(raw.kind) || isOtherGroup(raw))) return;
      if (meant) throw new FieldError('kind', `unknown kind ${quoted(raw.kind)} (did you mean ${meant}?)`);
      checkKnownFields(raw);
      object = decodeObject(raw);
    } catch (error) {
      if (error instanceof FieldError) {
        const { message, field } = error.inObject(nameOfRaw(raw));
        throw new StateFileError(file, `${where}: ${message}`, field, { document });
      }
      throw error;
    }
    const id = `${object.kind} ${keyOf(object.metadata)}`;
    const earlier = seen.get(id);
    if (earlier)
      throw new StateFileError(file, `${where}: duplicate ${id} (already in ${earlier})`, undefined, {
        document,
      });
    seen.set(id, where);
    objects.push(object);
  };
  documents.forEach((document, i) => {
    take(document, `document ${i + 1}`, i + 1);
  });
  return objects;
}

/**
 * A `kind` key spelt in another case (`Kind:`) is an error in any file, since passing the object
 * over would silently drop its policy; an object with no kind at all is one only where it is to be
 * applied (`strict`), as kubectl requires: a folder of manifests may hold other files
 * (kustomization.yaml), passed over.
 */
function requireKind(raw: Json, strict: boolean): void {
  if (typeof raw.kind === 'string' && raw.kind !== '') return;
  const miscased = Object.keys(raw).find((key) => key !== 'kind' && key.toLowerCase() === 'kind');
  if (!miscased && !strict) return;
  throw new FieldError(
    'kind',
    miscased
      ? `is required (did you mean kind for ${miscased}?)`
      : 'is required: every Kubernetes object says it',
  );
}

/** Items of a typed list (`PodList`) may leave out their kind. */
function withListKind(item: Json, list: Json): Json {
  if (item.kind !== undefined || typeof list.kind !== 'string' || list.kind === 'List') return item;
  return { ...item, kind: list.kind.slice(0, -'List'.length) };
}

/**
 * Reads state files into one cluster: each path is a file, or a folder whose .yaml, .yml and
 * .json files are read in name order. An object in a later file replaces one of the same kind and name.
 */
export function loadState(paths: readonly string[]): Cluster {
  const objects = readStateObjects(paths);
  // An empty read is a mistake (a dump that failed, the wrong file), not a cluster with nothing in it.
  if (objects.length === 0)
    throw new StateFileError(paths.join(', '), `holds no object Palisade reads (${READ_KINDS.join(', ')})`);
  const cluster = Cluster.of(objects);
  // Two running pods on one address would leave which of them a flow to it reaches to chance.
  for (const pod of cluster.allPods().filter(isPolicyPod))
    for (const ip of podIPsOf(pod)) {
      const other = cluster.podByIp(ip);
      if (other && other !== pod)
        throw new StateFileError(
          paths.join(', '),
          `Pod ${keyOf(pod.metadata)}: status.podIP: ${ip} is also the address of Pod ${keyOf(other.metadata)}`,
          'status.podIP',
        );
    }
  return cluster;
}

/** The objects of state files, in order (see {@link loadState} and {@link ReadOptions}). */
export function readStateObjects(paths: readonly string[], options: ReadOptions = {}): ClusterObject[] {
  const files = paths.flatMap((path) => {
    let isFolder: boolean;
    try {
      isFolder = statSync(path).isDirectory();
    } catch {
      throw new StateFileError(path, 'cannot read: no such file or folder');
    }
    if (!isFolder) return [path];
    return readdirSync(path)
      .filter((name) => /\.(ya?ml|json)$/.test(name))
      .sort()
      .map((name) => join(path, name));
  });
  return files.flatMap((file) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new StateFileError(file, `cannot read: ${(error as Error).message}`);
    }
    return parseState(text, file, options);
  });
}
