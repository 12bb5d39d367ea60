import { FieldError } from '../../server/kube/field-error.ts';
import { StateFileError } from '../../server/kube/state-file.ts';
import { LabInputError } from '../../server/lab/lab-writes.ts';
import { CONTROLLER_USAGE, controllerCommand } from './controller-command.ts';
import { EBPF_USAGE, ebpfCommand } from './ebpf-command.ts';
import { LAB_USAGE, labCommand } from './lab-command.ts';
import { POLICY_USAGE, policyCommand } from './policy-command.ts';
import { type Commands, commandPath, helpText, helpWanted, type Usage } from './usage.ts';
import { UsageError } from './usage-error.ts';

const COMMANDS: Commands = new Map<string, Usage>([
  ['policy', POLICY_USAGE],
  ['lab', LAB_USAGE],
  ['ebpf', EBPF_USAGE],
  ['controller', CONTROLLER_USAGE],
]);

/** The palisade CLI: exit 0 on success, 2 on bad input (one line naming file, object and field), 1 otherwise. */
async function main(argv: string[]): Promise<number> {
  const [group, ...rest] = argv;
  const help = group === 'help' ? commandPath(COMMANDS, rest) : helpWanted(COMMANDS, argv);
  if (help) {
    process.stdout.write(`${helpText(COMMANDS, help)}\n`);
    return 0;
  }
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
        process.stderr.write(`${helpText(COMMANDS, [])}\n`);
        return 2;
      default:
        throw new UsageError(`unknown command "${group}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      const see = ['palisade', ...commandPath(COMMANDS, argv), '--help'].join(' ');
      process.stderr.write(`palisade: ${error.message}; see ${see}\n`);
      return 2;
    }
    if (error instanceof StateFileError || error instanceof FieldError || error instanceof LabInputError) {
      process.stderr.write(`palisade: ${error.message}\n`);
      return 2;
    }
    const detail = process.env.PALISADE_DEBUG ? (error as Error).stack : (error as Error).message;
    process.stderr.write(`palisade: ${detail}\n`);
    return 1;
  }
}

// A reader that goes away (`palisade … | head`) leaves nothing to write to: stop, quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  process.stderr.write(`palisade: stdout: ${error.message}\n`);
  process.exit(1);
});

process.exitCode = await main(process.argv.slice(2));
