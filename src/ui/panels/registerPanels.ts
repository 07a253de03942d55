/** Every webview panel and the commands that open them, registered from `activate`. */
import type { Services } from '../services';
import { DashboardPanel } from './dashboardPanel';
import { registerExportCommands } from './exportCommands';
import { PanelHost } from './panelHost';

export function registerPanels(services: Services): PanelHost {
  const host = new PanelHost(services.context.extensionUri);
  services.context.subscriptions.push(host, host.log);
  DashboardPanel.register(services, host);
  registerExportCommands(services);
  return host;
}
