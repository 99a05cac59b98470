/**
 * The status page's /sources: chronyc's `sources` table as text. A module of its own
 * (ntpd-web-sources), so that the table's code (the reports, the sources' statistics) is not in
 * memory with /status's; the page fetches the two one after the other.
 */
import type { Appliance } from '../appliance';
import * as reports from '../console/reports';

export function sourcesText(app: Appliance): string {
  return reports.sources(app, false, false);
}
