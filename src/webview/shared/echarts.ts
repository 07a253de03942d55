/**
 * ECharts, tree-shaken: the core, the three chart types the panels draw (line, scatter,
 * parallel), the components they use, and the canvas renderer.
 */
import * as echarts from 'echarts/core';
import { LineChart, ParallelChart, ScatterChart } from 'echarts/charts';
import {
  AriaComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  ParallelComponent,
  TooltipComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([
  LineChart,
  ScatterChart,
  ParallelChart,
  AriaComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  ParallelComponent,
  TooltipComponent,
  CanvasRenderer,
]);

export { echarts };

/** A chart in a container that follows the container's size. */
export function createChart(container: HTMLElement): echarts.ECharts {
  const chart = echarts.init(container, undefined, { renderer: 'canvas' });
  new ResizeObserver(() => chart.resize()).observe(container);
  return chart;
}
