import { configurationKey, sampleConfiguration, cardinality } from '../searchSpace';
import type { Strategy } from '../strategy';

/** Random search: uniform in each parameter's scaled range; skips repeats where the space is finite. */
export const randomSearch: Strategy = {
  name: 'Random',
  suggest(history, { space, random }) {
    const finite = cardinality(space);
    const seen = new Set(history.map((t) => configurationKey(space, t.configuration)));
    if (seen.size >= finite) return sampleConfiguration(space, () => random.next());
    for (let attempt = 0; attempt < 100; attempt++) {
      const config = sampleConfiguration(space, () => random.next());
      if (!seen.has(configurationKey(space, config))) return config;
    }
    return sampleConfiguration(space, () => random.next());
  },
};
