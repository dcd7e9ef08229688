// Fusion of the two signals the model gives a candidate (the Self-Retrieval paper's formula):
//   S(p) = softmax over titles(log P(t|q) / τ) · softmax over the passages of that title(assessment(p) / δ).
// The title distribution is tempered in log space (P(t|q)^(1/τ), renormalised over the titles found); the
// assessment is a probability in [0, 1]. Without an assessment the passages of a title share its mass equally.
// A corpus with one passage per title (Cranfield) ranks by title alone: the within-title factor is 1 for every
// candidate — which is what the paper's formula says, and why its "without self-assessment" ablation only differs
// where titles hold several passages.

export interface FusionInput {
  /** Identifies the candidate's title (candidates of one title share it). */
  readonly title: string;
  /** log P(t | q) as the decode scored it. */
  readonly titleLogScore: number;
  /** Self-assessment in [0, 1], or null when not assessed. */
  readonly assessment: number | null;
}

export interface FusionOptions {
  readonly tau: number;
  readonly delta: number;
}

export interface Fused {
  /** The candidate's title share: softmax over titles. */
  readonly title: number;
  /** The candidate's share within its title: softmax over its title's passages. */
  readonly withinTitle: number;
  /** title × withinTitle. Sums to 1 over all candidates. */
  readonly fused: number;
}

function softmax(values: readonly number[], temperature: number): number[] {
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp((v - max) / temperature));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

export function fuse(inputs: readonly FusionInput[], options: FusionOptions): Fused[] {
  if (!(options.tau > 0) || !(options.delta > 0)) throw new RangeError('τ and δ must be positive');
  const groups = new Map<string, number[]>();
  inputs.forEach((c, i) => groups.set(c.title, [...(groups.get(c.title) ?? []), i]));
  const titles = [...groups.keys()];
  // A title's score is its best candidate's (candidates of one title share its decode path, so they agree).
  const titleShare = softmax(
    titles.map((t) => Math.max(...groups.get(t)!.map((i) => inputs[i]!.titleLogScore))),
    options.tau,
  );
  const out = new Array<Fused>(inputs.length);
  titles.forEach((t, g) => {
    const members = groups.get(t)!;
    const within = members.every((i) => inputs[i]!.assessment !== null)
      ? softmax(
          members.map((i) => inputs[i]!.assessment!),
          options.delta,
        )
      : members.map(() => 1 / members.length);
    members.forEach((i, m) => {
      out[i] = { title: titleShare[g]!, withinTitle: within[m]!, fused: titleShare[g]! * within[m]! };
    });
  });
  return out;
}
