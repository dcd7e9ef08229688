// A small typed argv parser for the subcommand CLIs: each subcommand declares its flags and positionals, and every
// mistake (unknown flag, missing or non-numeric value, wrong number of positionals) becomes a UsageError whose
// message the CLI prints above its usage text. Hand-written rather than node:util's parseArgs because that one
// knows no number type and its messages name its own option shapes rather than what the user typed.

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type FlagType = 'string' | 'number' | 'boolean';

export interface ArgSpec {
  /** Flag names without the leading `--`, and the type of value each takes. */
  readonly flags: Readonly<Record<string, FlagType>>;
  /** Names of the positionals, in order (used in messages); also their maximum count. */
  readonly positionals: readonly string[];
  /** Fewest positionals accepted; defaults to all of them. */
  readonly minPositionals?: number;
}

export interface ParsedArgs {
  positionals: string[];
  /** Every declared flag: booleans are false when absent, other flags undefined when absent. */
  flags: Record<string, string | number | boolean | undefined>;
}

/**
 * Parses `argv` (without the node binary, script and subcommand) against `spec`. Accepts `--name value`,
 * `--name=value` and bare boolean flags; `--` ends the flags, so a positional may start with a dash after it.
 * A flag given twice is an error rather than last-one-wins, since that is usually a mistake in a script.
 */
export function parseArgs(argv: readonly string[], spec: ArgSpec): ParsedArgs {
  const flags: ParsedArgs['flags'] = {};
  for (const [name, type] of Object.entries(spec.flags)) flags[name] = type === 'boolean' ? false : undefined;
  const given = new Set<string>();
  const positionals: string[] = [];
  let flagsEnded = false;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (flagsEnded || arg === '-' || !arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }
    if (arg === '--') {
      flagsEnded = true;
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`unknown option ${arg}${knownFlags(spec)}`);
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const type = Object.hasOwn(spec.flags, name) ? spec.flags[name] : undefined;
    if (type === undefined) throw new UsageError(`unknown option --${name}${knownFlags(spec)}`);
    if (given.has(name)) throw new UsageError(`option --${name} given more than once`);
    given.add(name);

    if (type === 'boolean') {
      if (eq >= 0) throw new UsageError(`option --${name} takes no value`);
      flags[name] = true;
      continue;
    }
    let value: string;
    if (eq >= 0) {
      value = arg.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      // A following `--flag` means the value was forgotten, not that the user wants the literal "--flag".
      if (next === undefined || next.startsWith('--')) throw new UsageError(`option --${name} needs a ${type} value`);
      value = next;
      i += 1;
    }
    if (type === 'number') {
      const number = value.trim() === '' ? NaN : Number(value);
      if (!Number.isFinite(number)) throw new UsageError(`option --${name} needs a number, got "${value}"`);
      flags[name] = number;
    } else {
      if (value === '') throw new UsageError(`option --${name} needs a non-empty value`);
      flags[name] = value;
    }
  }

  const max = spec.positionals.length;
  const min = spec.minPositionals ?? max;
  if (positionals.length > max) {
    const extra = positionals.slice(max).join(' ');
    throw new UsageError(
      max === 0 ? `unexpected argument(s): ${extra}` : `too many arguments (expected at most ${max}): ${extra}`,
    );
  }
  if (positionals.length < min) {
    throw new UsageError(`missing argument(s): ${spec.positionals.slice(positionals.length, min).join(', ')}`);
  }
  return { positionals, flags };
}

function knownFlags(spec: ArgSpec): string {
  const names = Object.keys(spec.flags);
  return names.length === 0 ? ' (this command takes no options)' : ` (known: ${names.map((n) => `--${n}`).join(', ')})`;
}
