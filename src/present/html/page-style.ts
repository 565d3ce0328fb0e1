/**
 * The page's stylesheet: light, large type for a classroom projector; role colours from the
 * Okabe–Ito palette (distinct under the common colour-vision deficiencies), always paired with a
 * word so colour is never the only cue; a print sheet that turns the walkthrough into a handout.
 */
export const PAGE_STYLE = String.raw`
:root {
  --ink: #1a1a1a; --muted: #555; --line: #d0d0d0; --paper: #fff; --panel: #f6f6f4;
  --client: #0072B2; --gateway: #009E73; --director: #D55E00; --rs: #CC79A7; --other: #6b6b6b;
  --mark: #E69F00; --select: #fff1b8; --focus: #0072B2;
  --sans: system-ui, "Noto Sans", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "Segoe UI", sans-serif;
  --mono: "DejaVu Sans Mono", "Noto Sans Mono", Menlo, Consolas, "Noto Sans Mono CJK SC", monospace;
}
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body { font: 16px/1.45 var(--sans); color: var(--ink); background: var(--paper); display: flex; flex-direction: column; }
button svg { display: block; margin: 3px 0; }
button { font: inherit; color: inherit; background: #fff; border: 1px solid #999; border-radius: 6px; padding: 4px 12px; cursor: pointer; }
button:hover { background: #eef4fa; }
button:focus-visible, .ladder:focus-visible { outline: 3px solid var(--focus); outline-offset: 1px; }
button[aria-pressed="true"], button[aria-selected="true"] { background: var(--ink); color: #fff; border-color: var(--ink); }
.bar { display: flex; align-items: center; gap: 14px; padding: 8px 16px; border-bottom: 2px solid var(--ink); flex-wrap: wrap; }
.brand { font-weight: 800; letter-spacing: .02em; }
.bar h1 { font-size: 20px; margin: 0; font-weight: 600; }
.service { font-family: var(--mono); font-size: 15px; color: var(--muted); }
.spacer { flex: 1; }
.group { display: flex; gap: 4px; }
.note { margin: 0; padding: 6px 16px; background: #fdf2d6; border-bottom: 1px solid #e0c27a; font-size: 15px; }
main { flex: 1; min-height: 0; display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
.ladder-pane { display: flex; flex-direction: column; min-height: 0; border-right: 1px solid var(--line); }
.ladder-head { position: relative; height: 62px; border-bottom: 1px solid var(--line); background: var(--panel); flex: none; }
.col { position: absolute; top: 6px; transform: translateX(-50%); text-align: center; white-space: nowrap; max-width: 160px; }
.col b { display: block; font-size: 17px; overflow: hidden; text-overflow: ellipsis; }
.col small { display: block; font-family: var(--mono); font-size: 12px; color: var(--muted); overflow: hidden; text-overflow: ellipsis; }
.col::before { content: ""; display: block; height: 5px; border-radius: 3px; background: currentColor; margin: 0 auto 3px; width: 60%; }
.r-client { color: var(--client); } .r-gateway { color: var(--gateway); } .r-director { color: var(--director); }
.r-real-server { color: var(--rs); } .r-other, .r-mixed { color: var(--other); }
.col b, .col small { color: var(--ink); }
.ladder { position: relative; overflow-y: auto; flex: 1; min-height: 0; }
.ladder svg { position: absolute; left: 0; display: block; }
.ladder .n { font: 600 14px var(--mono); fill: var(--muted); }
.ladder .row-sel { fill: var(--select); }
.ladder .row-hit { fill: transparent; cursor: pointer; }
.ladder .row-hit:hover { fill: rgba(0, 114, 178, .06); }
.ladder .life { stroke: #b8b8b8; stroke-width: 1.5; }
.ladder .lbl { font: 14px var(--mono); fill: var(--ink); paint-order: stroke; stroke: #fff; stroke-width: 4px; stroke-linejoin: round; }
.ladder .mark-bg { fill: var(--mark); }
.ladder .mark { font: 700 13px var(--sans); fill: #000; }
.ladder .warn { font: 700 15px var(--sans); fill: var(--director); }
.frame-pane { display: flex; flex-direction: column; min-height: 0; padding: 12px 18px 0; gap: 10px; }
.steps { display: flex; align-items: center; gap: 6px; flex-wrap: wrap; }
.steps .pos { font-weight: 700; font-size: 18px; margin: 0 8px; }
.steps .keys { color: var(--muted); font-size: 13px; margin-left: auto; }
.route { font-size: 18px; }
.route .who { font-weight: 700; }
.route code { font-family: var(--mono); font-size: 15px; color: var(--muted); display: block; }
.explain { font-size: clamp(22px, 1.9vw, 32px); line-height: 1.35; margin: 0; font-weight: 500; }
.hop { font-size: 17px; border-left: 6px solid var(--mark); padding: 4px 10px; background: #fff7e6; }
.hop:empty { display: none; }
.hop::first-letter { text-transform: uppercase; }
.flags { font-size: 15px; color: var(--director); font-weight: 600; }
.flags:empty { display: none; }
.tabs { display: flex; gap: 4px; border-bottom: 1px solid var(--line); padding-bottom: 6px; flex-wrap: wrap; }
.tab-body { flex: 1; min-height: 0; overflow: auto; padding-bottom: 16px; }
.layer { margin: 6px 0; }
.layer h3 { font-size: 15px; margin: 6px 0 2px; }
.fields { display: grid; grid-template-columns: max-content 1fr; column-gap: 12px; font: 14px var(--mono); }
.fields span { padding: 0 3px; border-radius: 3px; }
.fields .k { color: var(--muted); }
.fields .hi, .hex .hi { background: #cde6f7; }
.hex { font: 14px/1.5 var(--mono); white-space: pre; margin-top: 10px; }
.hex .off { color: var(--muted); }
table { border-collapse: collapse; font-size: 14px; }
.tab-body table { width: 100%; }
th, td { text-align: left; padding: 3px 7px 3px 0; border-bottom: 1px solid #e6e6e6; vertical-align: top; }
td.mono, th.mono { font-family: var(--mono); font-size: 13px; white-space: nowrap; }
tr.cur td { background: var(--select); }
pre { font: 13px/1.4 var(--mono); background: var(--panel); padding: 8px; overflow: auto; }
.finding { display: grid; grid-template-columns: max-content 1fr; gap: 4px 10px; margin: 8px 0; padding: 8px; border: 1px solid var(--line); border-radius: 6px; }
.sev { font-weight: 700; font-size: 13px; padding: 1px 8px; border-radius: 10px; border: 2px solid; height: fit-content; }
.sev-error { color: #fff; background: var(--director); border-color: var(--director); }
.sev-warning { color: #000; background: var(--mark); border-color: var(--mark); }
.sev-info { color: var(--client); border-color: var(--client); }
.finding .jumps { grid-column: 2; display: flex; flex-wrap: wrap; gap: 4px; }
.finding .jumps button { padding: 0 8px; font-size: 13px; }
.empty { color: var(--muted); }
.handout { display: none; }
@media (prefers-reduced-motion: reduce) { * { scroll-behavior: auto !important; transition: none !important; } }
@media print {
  @page { margin: 14mm; }
  body { display: block; height: auto; font-size: 11pt; }
  .bar, .note, main { display: none !important; }
  .handout { display: block; }
  .handout h1 { font-size: 16pt; margin: 0 0 4pt; }
  .handout pre { background: none; border: 1px solid #999; font-size: 8.5pt; white-space: pre-wrap; }
  .handout table { width: 100%; font-size: 10pt; }
  .handout th { border-bottom: 2px solid #000; }
  .handout tr { break-inside: avoid; }
  .handout td.ex { font-size: 11pt; }
  .handout .mark { font-weight: 700; }
}
`;
