import 'server-only';
import { FLOW_FRAME_TYPE } from '../flows/flow-frame.ts';
import { MAX_BATCH_BYTES, parseIngestBody, parseIngestFrame } from '../flows/ingest.ts';
import { type EditablePolicy, MAX_POLICY_BODY_BYTES, readPolicyBody } from '../policy/policy-body.ts';
import { JSON_TYPES, YAML_OR_JSON_TYPES } from './content-type.ts';
import type { BodySchema } from './route.ts';

/** NetworkPolicies and ClusterNetworkPolicies as YAML, or JSON `{"yaml": "…"}` (apply, preview, validate). */
export const POLICY_BODY: BodySchema<EditablePolicy[]> = {
  types: YAML_OR_JSON_TYPES,
  maxBytes: MAX_POLICY_BODY_BYTES,
  parse: (text, type) => readPolicyBody(type, text),
};

/** An agent's flow batch: a flow frame (what agents send), or JSON. */
export const INGEST_BODY: BodySchema<ReturnType<typeof parseIngestBody>> = {
  types: [FLOW_FRAME_TYPE, ...JSON_TYPES],
  maxBytes: MAX_BATCH_BYTES,
  parse: (text) => parseIngestBody(text),
  byteTypes: [FLOW_FRAME_TYPE],
  parseBytes: (bytes) => parseIngestFrame(bytes),
};
