/** The HTML walkthrough: data from the model's pass, then one self-contained page. */
export { buildReportData, type ReportData, type ReportFrame, type ReportOptions } from './report-data.js';
export { renderReportPage } from './page.js';
export { escapeHtml, jsonForScript } from './json-script.js';
