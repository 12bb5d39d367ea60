import { labDown, labProbe, labUp } from './lab.ts';

/**
 * For tests that need the real lab: builds it from `stateFiles` and fails (never skips) with
 * what is missing when this machine cannot run the eBPF datapath.
 */
export async function startLab(stateFiles?: readonly string[]): Promise<void> {
  await labDown();
  const lab = await labUp(stateFiles);
  if (lab.datapath !== 'ebpf') {
    await labDown();
    throw new Error(`this test needs the eBPF lab, and here it would be simulated: ${lab.simulatedBecause}`);
  }
}

export const stopLab = labDown;

/** Whether `from` reaches `host:port` with real packets. */
export async function reaches(from: string, host: string, port: string, timeoutMs = 600): Promise<boolean> {
  const [number, protocol = 'TCP'] = port.split('/');
  const [result] = await labProbe(from, [{ host, port: Number(number), protocol }], timeoutMs);
  return result?.connected === true;
}
