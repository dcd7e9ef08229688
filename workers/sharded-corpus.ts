// A sharded bundle (bundle format 2) as a corpus of the engine session, read lazily: keyword search fetches the
// chunks of the query's terms and the fragments of the passages it shows; a model load fetches the corpus index
// (and, for a model whose keys are not the bundle's, every passage once, to key them). Nothing else is fetched.
import { CorpusIndex } from '../src/core/corpus-index';
import { sameKeying } from '../src/core/passage-keyer';
import { SelfRetriever, type LexicalSearch } from '../src/core/self-retriever';
import type { BundleError } from '../src/core/bundle';
import type { ShardedBundle } from '../src/core/sharded-bundle';
import type { CorpusSource, EngineModel } from './engine-session';

export interface ShardedCorpus extends CorpusSource {
  readonly bundle: ShardedBundle;
}

export function shardedCorpus(bundle: ShardedBundle): ShardedCorpus {
  const passage = async (entry: number) => (await bundle.passages([entry]))[0]!;
  const empty = CorpusIndex.build([], { endToken: 0 });
  let keyed: { readonly index: CorpusIndex; readonly model: EngineModel } | undefined;
  return {
    bundle,
    async useModel(model: EngineModel | undefined) {
      keyed = undefined;
      if (!model) return;
      if (sameKeying(bundle.manifest.tokenizer, model.keyer.tokenizer)) {
        keyed = { index: await bundle.corpusIndex(), model };
        return;
      }
      // Keyed with another model's tokenizer: key every passage for this one (the whole text, fetched once).
      const all = await bundle.passages(Array.from({ length: bundle.manifest.passages }, (_, i) => i));
      keyed = {
        index: CorpusIndex.build(model.keyer.keys(all), { endToken: model.keyer.tokenizer.eosTokenId }),
        model,
      };
    },
    // A target per search, so that the chunks one search could not read are said in its response only: their terms
    // are left out and the rest of the query still ranks.
    target() {
      const problems: BundleError[] = [];
      const lexical: LexicalSearch = {
        query: async (text, limit) => {
          const { hits, errors } = await bundle.lexicalQuery(text, limit);
          problems.push(...errors);
          return hits;
        },
      };
      const retriever = keyed
        ? new SelfRetriever({ index: keyed.index, lexical, passage }, keyed.model.model)
        : new SelfRetriever({ index: empty, lexical, passage });
      return Promise.resolve({
        retriever: retriever as SelfRetriever<unknown>,
        passage,
        keyed: keyed !== undefined,
        problems: () => problems,
      });
    },
    documentText: (path) => bundle.documentText(path),
  };
}
