// The CLI's argv parser: accepted shapes, and a UsageError for each kind of mistake.
import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError, type ArgSpec } from '../src/cli/args';

const spec: ArgSpec = {
  flags: { k: 'number', engine: 'string', json: 'boolean' },
  positionals: ['corpus', 'queries'],
  minPositionals: 1,
};

describe('parseArgs', () => {
  it('reads --name value, --name=value and boolean flags among positionals', () => {
    expect(parseArgs(['cran', '--k', '10', '--engine=bm25', '--json', 'q.tsv'], spec)).toEqual({
      positionals: ['cran', 'q.tsv'],
      flags: { k: 10, engine: 'bm25', json: true },
    });
  });

  it('leaves absent flags undefined, and absent booleans false', () => {
    expect(parseArgs(['cran'], spec)).toEqual({
      positionals: ['cran'],
      flags: { k: undefined, engine: undefined, json: false },
    });
  });

  it('accepts negative and fractional numbers, values with "=", and positionals after --', () => {
    const parsed = parseArgs(['--k', '-2.5', '--engine=a=b', '--', '--json'], spec);
    expect(parsed.flags).toMatchObject({ k: -2.5, engine: 'a=b', json: false });
    expect(parsed.positionals).toEqual(['--json']);
    expect(parseArgs(['-'], spec).positionals).toEqual(['-']);
  });

  it.each([
    ['an unknown flag', ['cran', '--nope'], /unknown option --nope \(known: --k, --engine, --json\)/],
    ['an unknown short flag', ['cran', '-k', '3'], /unknown option -k/],
    ['a missing value at the end', ['cran', '--k'], /--k needs a number value/],
    ['a missing value before a flag', ['cran', '--engine', '--json'], /--engine needs a string value/],
    ['an empty value', ['cran', '--engine='], /--engine needs a non-empty value/],
    ['a non-numeric number', ['cran', '--k', 'ten'], /--k needs a number, got "ten"/],
    ['an empty number', ['cran', '--k='], /--k needs a number, got ""/],
    ['Infinity', ['cran', '--k=Infinity'], /needs a number/],
    ['a value for a boolean', ['cran', '--json=yes'], /--json takes no value/],
    ['a repeated flag', ['cran', '--k', '1', '--k', '2'], /--k given more than once/],
    ['too many positionals', ['a', 'b', 'c'], /too many arguments \(expected at most 2\): c/],
    ['too few positionals', ['--json'], /missing argument\(s\): corpus/],
  ])('rejects %s', (_case, argv, message) => {
    expect(() => parseArgs(argv, spec)).toThrow(UsageError);
    expect(() => parseArgs(argv, spec)).toThrow(message);
  });

  it('requires all positionals by default and names the missing ones', () => {
    const strict: ArgSpec = { flags: {}, positionals: ['a', 'b', 'c'] };
    expect(() => parseArgs(['x'], strict)).toThrow('missing argument(s): b, c');
    expect(() => parseArgs(['x', '--v'], strict)).toThrow('(this command takes no options)');
    expect(() => parseArgs(['x'], { flags: {}, positionals: [] })).toThrow('unexpected argument(s): x');
  });

  it('does not treat inherited object keys as flags', () => {
    expect(() => parseArgs(['cran', '--toString'], spec)).toThrow(UsageError);
  });

  it('names its error UsageError', () => {
    const error = new UsageError('x');
    expect(error.name).toBe('UsageError');
    expect(error).toBeInstanceOf(Error);
  });
});
