/** A group's usage: each verb's synopsis (with its description lines), then notes on them all. */
export interface GroupUsage {
  readonly verbs: Readonly<Record<string, string>>;
  readonly notes?: string;
}

/** A command's usage: one synopsis, or a group of verbs. Each is written once, in its command's module. */
export type Usage = string | GroupUsage;

/** The CLI's commands by their first word. */
export type Commands = ReadonlyMap<string, Usage>;

/** The words of `argv` that name a command (`[]`, `['lab']`, `['lab', 'up']`), as far as they are known. */
export function commandPath(commands: Commands, argv: readonly string[]): string[] {
  const [group, verb] = argv;
  const usage = group === undefined ? undefined : commands.get(group);
  if (group === undefined || usage === undefined) return [];
  if (typeof usage === 'string' || verb === undefined || !Object.hasOwn(usage.verbs, verb)) return [group];
  return [group, verb];
}

/**
 * The command `--help` or `-h` in `argv` asks about, if either comes before any `--` (after it,
 * they belong to the command `lab exec` runs). An unknown word before them asks nothing: the
 * command fails as unknown instead, rather than answering about another.
 */
export function helpWanted(commands: Commands, argv: readonly string[]): string[] | undefined {
  const end = argv.indexOf('--');
  const words = end < 0 ? argv : argv.slice(0, end);
  if (!words.includes('--help') && !words.includes('-h')) return undefined;
  const path = commandPath(commands, argv);
  const next = argv[path.length];
  const whole = path.length === 2 || typeof commands.get(path[0] ?? '') === 'string';
  return whole || next === undefined || next.startsWith('-') ? path : undefined;
}

/** The usage text for `path`: every command's, one group's, or one verb's (with its group's notes). */
export function helpText(commands: Commands, path: readonly string[]): string {
  const [group, verb] = path;
  const usage = group === undefined ? undefined : commands.get(group);
  if (usage === undefined) return `usage:\n${[...commands.values()].map((each) => textOf(each)).join('\n')}`;
  return `usage:\n${textOf(usage, verb)}`;
}

function textOf(usage: Usage, verb?: string): string {
  if (typeof usage === 'string') return usage;
  const verbs = verb === undefined ? Object.values(usage.verbs) : [usage.verbs[verb]];
  return [...verbs, usage.notes].filter((text): text is string => text !== undefined).join('\n');
}
