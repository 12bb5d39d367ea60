'use client';

import { useEffect, useMemo, useRef, useState } from 'react';
import type { PodIsolation } from '../../server/flows/deciding-policies.ts';

/** How long a pod's isolating policies are trusted before they are asked again. */
const FRESH_MS = 10_000;

/**
 * The isolating policies of the given pods (`/api/isolation`), asked for the pods not known or
 * known for too long, in one request per change: what the flows table needs to say which
 * policies decided the denials it shows.
 */
export function useIsolation(pods: readonly string[]): ReadonlyMap<string, PodIsolation> {
  const known = useRef(new Map<string, { at: number; isolation: PodIsolation }>());
  const [version, setVersion] = useState(0);
  const wanted = [...new Set(pods)].sort().join('\n');
  useEffect(() => {
    const now = Date.now();
    const missing = wanted
      .split('\n')
      .filter((pod) => pod && now - (known.current.get(pod)?.at ?? 0) > FRESH_MS)
      .slice(0, 500);
    if (missing.length === 0) return;
    const controller = new AbortController();
    const params = new URLSearchParams(missing.map((pod) => ['pod', pod]));
    void fetch(`/api/isolation?${params}`, { signal: controller.signal })
      .then((response) => response.json())
      .then((body: { pods?: Record<string, PodIsolation> }) => {
        for (const pod of missing) {
          const isolation = body.pods?.[pod];
          if (isolation) known.current.set(pod, { at: Date.now(), isolation });
        }
        setVersion((count) => count + 1);
      })
      .catch(() => undefined);
    return () => controller.abort();
  }, [wanted]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new map each time answers come in
  return useMemo(
    () => new Map([...known.current].map(([pod, { isolation }]) => [pod, isolation])),
    [version],
  );
}
