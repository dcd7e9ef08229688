// A one-file library bundle (format 1) as a corpus of the engine session: a site's index in the widget. BM25 answers
// from the moment it is read; a loaded model searches the bundle's own corpus index when the bundle's keys are the
// model's (`sameKeying`), else the passages are keyed for it once, when it loads.
import { CorpusIndex } from '../src/core/corpus-index';
import { libraryCorpus, type LoadedLibrary } from '../src/core/library-bundle';
import { sameKeying } from '../src/core/passage-keyer';
import { SelfRetriever } from '../src/core/self-retriever';
import type { CorpusSource, EngineModel, SearchTarget } from './engine-session';

export interface BundleCorpus extends CorpusSource {
  readonly library: LoadedLibrary;
}

export function bundleCorpus(library: LoadedLibrary): BundleCorpus {
  const corpus = libraryCorpus(library);
  const passage = (entry: number) => {
    const p = library.passages[entry];
    if (!p) throw new RangeError(`no passage ${entry} in the library`);
    return p;
  };
  const lexical: SearchTarget = {
    retriever: new SelfRetriever(corpus) as SelfRetriever<unknown>,
    passage,
    keyed: false,
  };
  let keyed: SearchTarget | undefined;
  const sources = new Map((library.sources ?? []).map((s) => [s.path, s]));
  return {
    library,
    useModel(model: EngineModel | undefined) {
      keyed = undefined;
      if (!model) return;
      let index = library.index;
      if (!sameKeying(library.manifest.tokenizer, model.keyer.tokenizer)) {
        // Keys are made with one model's tokenizer and templates: key the passages for this one rather than refuse.
        index = CorpusIndex.build(model.keyer.keys(library.passages), { endToken: model.keyer.tokenizer.eosTokenId });
      }
      const retriever = new SelfRetriever(libraryCorpus({ ...library, index }), model.model);
      keyed = { retriever: retriever as SelfRetriever<unknown>, passage, keyed: true };
    },
    target: () => Promise.resolve(keyed ?? lexical),
    documentText: (path) => Promise.resolve(sources.get(path) ?? null),
  };
}
