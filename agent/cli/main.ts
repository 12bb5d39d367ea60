import { FieldError } from '../../server/kube/field-error.ts';
import { StateFileError } from '../../server/kube/state-file.ts';
import { LabInputError } from '../../server/lab/lab-writes.ts';
import { CONTROLLER_USAGE, controllerCommand } from './controller-command.ts';
import { EBPF_USAGE, ebpfCommand } from './ebpf-command.ts';
import { LAB_USAGE, labCommand } from './lab-command.ts';
import { POLICY_USAGE, policyCommand } from './policy-command.ts';
import { UsageError } from './usage-error.ts';

const USAGE = `usage:
${POLICY_USAGE}
${LAB_USAGE}
${EBPF_USAGE}
${CONTROLLER_USAGE}`;

/** The palisade CLI: exit 0 on success, 2 on bad input (one line naming file, object and field), 1 otherwise. */
async function main(argv: string[]): Promise<number> {
  const [group, ...rest] = argv;
  try {
    switch (group) {
      case 'policy':
        await policyCommand(rest, process.stdout);
        return 0;
      case 'lab':
        return await labCommand(rest, process.stdout);
      case 'ebpf':
        return await ebpfCommand(rest, process.stdout);
      case 'controller':
        return await controllerCommand(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        return group === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${group}"; run palisade --help`);
    }
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof StateFileError ||
      error instanceof FieldError ||
      error instanceof LabInputError
    ) {
      process.stderr.write(`palisade: ${error.message}\n`);
      return 2;
    }
    const detail = process.env.PALISADE_DEBUG ? (error as Error).stack : (error as Error).message;
    process.stderr.write(`palisade: ${detail}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
