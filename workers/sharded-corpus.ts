// A sharded bundle (bundle format 2) as a corpus of the engine session, read lazily: keyword search fetches the
// chunks of the query's terms and the fragments of the passages it shows; a model load fetches the corpus index
// (and, for a model of another tokenizer, every passage once, to key them). Nothing else is fetched.
import { CorpusIndex } from '../src/core/corpus-index';
import { SelfRetriever, type LexicalSearch } from '../src/core/self-retriever';
import type { ShardedBundle } from '../src/core/sharded-bundle';
import type { CorpusSource, EngineModel, SearchTarget } from './engine-session';

export interface ShardedCorpus extends CorpusSource {
  readonly bundle: ShardedBundle;
}

export function shardedCorpus(bundle: ShardedBundle): ShardedCorpus {
  const passage = async (entry: number) => (await bundle.passages([entry]))[0]!;
  // A chunk that cannot be had leaves its terms out; the rest of the query still ranks.
  const lexical: LexicalSearch = { query: async (text, limit) => (await bundle.lexicalQuery(text, limit)).hits };
  const empty = CorpusIndex.build([], { endToken: 0 });
  const keywords: SearchTarget = {
    retriever: new SelfRetriever({ index: empty, lexical, passage }) as SelfRetriever<unknown>,
    passage,
    keyed: false,
  };
  let keyed: SearchTarget | undefined;
  return {
    bundle,
    async useModel(model: EngineModel | undefined) {
      keyed = undefined;
      if (!model) return;
      let index: CorpusIndex;
      if (bundle.manifest.tokenizer.id === model.modelId) {
        index = await bundle.corpusIndex();
      } else {
        // Keyed with another model's tokenizer: key every passage for this one (the whole text, fetched once).
        const all = await bundle.passages(Array.from({ length: bundle.manifest.passages }, (_, i) => i));
        index = CorpusIndex.build(model.keyer.keys(all), { endToken: model.keyer.tokenizer.eosTokenId });
      }
      const retriever = new SelfRetriever({ index, lexical, passage }, model.model);
      keyed = { retriever: retriever as SelfRetriever<unknown>, passage, keyed: true };
    },
    target: () => Promise.resolve(keyed ?? keywords),
    documentText: (path) => bundle.documentText(path),
  };
}
