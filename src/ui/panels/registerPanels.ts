/** Every webview panel and the commands that open them, registered from `activate`. */
import type { Services } from '../services';
import { registerBenchFloor } from './benchFloor';
import { DashboardPanel } from './dashboardPanel';
import { TuningEditorPanel } from './editorPanel';
import { registerExportCommands } from './exportCommands';
import { PanelHost } from './panelHost';
import { TrainingRunPanel } from './trainingRunPanel';
import { draftFromRequest } from './viewModels/editor';
import { WarmStartPanel } from './warmStartPanel';

export function registerPanels(services: Services): PanelHost {
  const host = new PanelHost(services.context.extensionUri);
  services.context.subscriptions.push(host, host.log);
  DashboardPanel.register(services, host);
  TuningEditorPanel.register(services, host);
  WarmStartPanel.register(services, host, (request) =>
    TuningEditorPanel.show(services, host, {
      draft: draftFromRequest(request).draft,
      base: request,
    }),
  );
  TrainingRunPanel.register(services, host);
  registerExportCommands(services);
  const benchFloor = registerBenchFloor();
  if (benchFloor) services.context.subscriptions.push(benchFloor);
  return host;
}
