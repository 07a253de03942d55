/**
 * Metrics from any training process, the way SageMaker collects them: each log line is
 * matched against the job's MetricDefinitions; the first capture group is the value.
 * The same parser serves local jobs (live) and SageMaker jobs (CloudWatch log events).
 */
import type { MetricDefinition, MetricPoint } from '../../model/types';

export interface CompiledMetric {
  name: string;
  regex: RegExp;
}

/**
 * Compiles SageMaker metric regexes (Python syntax) to JavaScript. Python's named groups
 * `(?P<name>...)` become `(?<name>...)`; anything else JavaScript cannot compile is an error
 * that names the metric.
 */
export function compileMetricDefinitions(
  definitions: readonly MetricDefinition[] | undefined,
): CompiledMetric[] {
  return (definitions ?? []).map((definition, index) => {
    const source = (definition.Regex ?? '').replace(/\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/g, '(?<$1>');
    try {
      return { name: definition.Name ?? `metric${index}`, regex: new RegExp(source) };
    } catch (err) {
      throw new Error(
        `AlgorithmSpecification.MetricDefinitions[${index}] (${definition.Name}): the regex ${JSON.stringify(definition.Regex)} ` +
          `does not compile: ${(err as Error).message}`,
      );
    }
  });
}

/** The metric values a log line carries. Values that are not numbers are ignored, as SageMaker does. */
export function matchMetrics(
  metrics: readonly CompiledMetric[],
  line: string,
  timestamp: string,
): MetricPoint[] {
  const points: MetricPoint[] = [];
  for (const metric of metrics) {
    const match = metric.regex.exec(line);
    if (!match) continue;
    const text = match[1] ?? match[0];
    const value = Number.parseFloat(text);
    if (Number.isFinite(value)) points.push({ name: metric.name, value, timestamp });
  }
  return points;
}
