import { existsSync } from 'node:fs';
import { BUILD_DIR } from '../datapath/addon.ts';
import { labDown, labProbe, labUp, requireLabHost } from './lab.ts';

/**
 * For tests that need the real lab: fails (never skips) with what to install when this machine
 * cannot run it, then builds the lab from `stateFiles`.
 */
export async function startLab(stateFiles?: readonly string[]): Promise<void> {
  requireLabHost();
  for (const artifact of ['palisade.node', 'ingress.bpf.o', 'egress.bpf.o']) {
    if (!existsSync(`${BUILD_DIR}${artifact}`)) {
      throw new Error(
        `${BUILD_DIR}${artifact} is missing: run \`npm run setup\` as root (it installs clang, libbpf-dev, libelf-dev and builds the datapath)`,
      );
    }
  }
  await labDown();
  await labUp(stateFiles);
}

export const stopLab = labDown;

/** Whether `from` reaches `host:port` with real packets. */
export async function reaches(from: string, host: string, port: string, timeoutMs = 600): Promise<boolean> {
  const [number, protocol = 'TCP'] = port.split('/');
  const [result] = await labProbe(from, [{ host, port: Number(number), protocol }], timeoutMs);
  return result?.connected === true;
}
