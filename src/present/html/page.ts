/**
 * The self-contained walkthrough page: one HTML string with its stylesheet, its script and its
 * data inside, nothing fetched (the Content-Security-Policy forbids it), so it works from a USB
 * stick in any current browser.
 */
import { escapeHtml, jsonForScript } from './json-script.js';
import { PAGE_SCRIPT } from './page-script.js';
import { PAGE_STYLE } from './page-style.js';
import type { ReportData } from './report-data.js';

const CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

export function renderReportPage(data: ReportData): string {
  const title = escapeHtml(data.title);
  return `<!doctype html>
<html lang="${data.lang === 'zh' ? 'zh-Hans' : 'en'}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="lvscope">
<link rel="icon" href="data:,">
<title>lvscope · ${title}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header class="bar">
  <span class="brand">lvscope</span>
  <h1>${title}</h1>
  <span id="service" class="service"></span>
  <span class="spacer"></span>
  <span class="group" role="group" aria-label="Language / 语言">
    <button type="button" data-lang="en" lang="en">English</button>
    <button type="button" data-lang="zh" lang="zh-Hans">中文</button>
  </span>
  <button type="button" id="print" data-t="print">Print handout</button>
</header>
<p id="limit" class="note" role="status" hidden></p>
<main>
  <section class="ladder-pane" aria-label="ladder">
    <div id="ladder-head" class="ladder-head"></div>
    <div id="ladder" class="ladder" tabindex="0"><div id="ladder-space"></div><svg id="ladder-svg" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="ladder diagram"></svg></div>
  </section>
  <section class="frame-pane" aria-label="frame">
    <nav class="steps">
      <button type="button" id="first" data-tl="first">${icon('M3 2v12M14 2L6 8l8 6z')}</button>
      <button type="button" id="prev" data-tl="prev">${icon('M12 2L4 8l8 6z')}</button>
      <span id="pos" class="pos"></span>
      <button type="button" id="next" data-tl="next">${icon('M4 2l8 6-8 6z')}</button>
      <button type="button" id="last" data-tl="last">${icon('M13 2v12M2 2l8 6-8 6z')}</button>
      <span class="keys" data-t="keys"></span>
    </nav>
    <div id="route" class="route"></div>
    <p id="explain" class="explain" aria-live="polite"></p>
    <div id="hop" class="hop"></div>
    <div id="flags" class="flags"></div>
    <div id="tabs" class="tabs" role="tablist"></div>
    <div id="tab-body" class="tab-body" role="tabpanel"></div>
  </section>
</main>
<section id="handout" class="handout"></section>
<script type="application/json" id="lvscope-data">${jsonForScript(data)}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

/** A 16 px step icon (a drawn shape, so it renders without any particular font). */
function icon(path: string): string {
  return `<svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true"><path d="${path}" fill="currentColor" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round"/></svg>`;
}
