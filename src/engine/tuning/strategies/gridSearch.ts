import type { Configuration, SearchSpace } from '../searchSpace';
import { configurationKey } from '../searchSpace';
import type { Strategy } from '../strategy';

/**
 * Grid search, as SageMaker defines it: only Categorical parameters, every combination once,
 * in a fixed order; done when all have been tried (MaxNumberOfTrainingJobs is then the grid
 * size).
 */
export const gridSearch: Strategy = {
  name: 'Grid',
  suggest(history, { space }) {
    const tried = new Set(history.map((t) => configurationKey(space, t.configuration)));
    for (const config of gridPoints(space))
      if (!tried.has(configurationKey(space, config))) return config;
    return undefined;
  },
};

export function* gridPoints(space: SearchSpace): Generator<Configuration> {
  const params = space.parameters;
  for (const p of params) {
    if (p.kind !== 'Categorical')
      throw new Error(`Grid search takes only categorical ranges; ${p.name} is ${p.kind}`);
  }
  const sizes = params.map((p) => (p.kind === 'Categorical' ? p.values.length : 0));
  const total = sizes.reduce((a, b) => a * b, 1);
  for (let index = 0; index < total; index++) {
    const config: Configuration = {};
    let rest = index;
    for (let i = params.length - 1; i >= 0; i--) {
      const p = params[i];
      if (p.kind !== 'Categorical') continue;
      config[p.name] = p.values[rest % sizes[i]];
      rest = Math.floor(rest / sizes[i]);
    }
    yield config;
  }
}
