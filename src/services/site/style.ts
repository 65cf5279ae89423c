/**
 * The site's one stylesheet. No web fonts, no images; the page needs no script. Colours meet WCAG AA
 * (4.5:1) for text in both schemes; status is never shown by colour alone.
 */
export const STYLE_CSS = `:root {
  color-scheme: light dark;
  --bg: #ffffff;
  --fg: #1b1f24;
  --muted: #57606a;
  --card: #f6f8fa;
  --border: #d0d7de;
  --link: #0a58ca;
  --operational: #1a7f37;
  --degraded: #9a5b00;
  --partial: #bc4c00;
  --outage: #b42318;
  --maintenance: #0b5cad;
  --on-status: #ffffff;
  /* The day cells: at least 3:1 against the page (WCAG 1.4.11), "no data" a quiet grey. */
  --day-operational: var(--operational);
  --day-degraded: var(--degraded);
  --day-partial: var(--partial);
  --day-major: var(--outage);
  --day-maintenance: var(--maintenance);
  --day-none: #d0d7de;
  --tip-shadow: 0 .25rem .75rem rgba(31, 35, 40, .15);
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117;
    --fg: #e6edf3;
    --muted: #9da7b3;
    --card: #161b22;
    --border: #30363d;
    --link: #7cb7ff;
    --day-operational: #3fb950;
    --day-degraded: #d29922;
    --day-partial: #f0883e;
    --day-major: #f85149;
    --day-maintenance: #58a6ff;
    --day-none: #30363d;
    --tip-shadow: 0 .25rem .75rem rgba(0, 0, 0, .6);
  }
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0;
  background: var(--bg);
  color: var(--fg);
  font: 1rem/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  overflow-wrap: anywhere;
}
a { color: var(--link); }
a:focus-visible { outline: 3px solid var(--link); outline-offset: 2px; }
.wrap { max-width: 48rem; margin: 0 auto; padding: 0 1rem; }
.skip { position: absolute; left: -999px; top: 0; }
.skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: .5rem; z-index: 1; }
.site-header { border-bottom: 1px solid var(--border); }
.site-header .wrap { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: .25rem 1rem; padding-top: 1rem; padding-bottom: 1rem; }
.site-title { margin: 0; font-size: 1.35rem; font-weight: 700; line-height: 1.3; }
.site-title a { color: inherit; text-decoration: none; }
.site-header nav ul, .feeds { display: flex; flex-wrap: wrap; gap: .25rem 1rem; margin: 0; padding: 0; list-style: none; font-size: .95rem; }
main.wrap { padding-top: 1.5rem; padding-bottom: 2rem; }
h1, h2, h3 { line-height: 1.25; }
h2 { font-size: 1.2rem; margin: 2rem 0 .75rem; }
.overall { border-radius: .5rem; padding: 1rem 1.25rem; color: var(--on-status); background: var(--operational); }
.overall h2, .overall h1 { margin: 0; font-size: 1.4rem; color: inherit; }
.overall p { margin: .25rem 0 0; }
.overall.status-outage { background: var(--outage); }
.overall.status-degraded { background: var(--degraded); }
.overall.status-partial { background: var(--partial); }
.overall.status-maintenance { background: var(--maintenance); }
.incident { background: var(--card); border: 1px solid var(--border); border-left: .35rem solid var(--degraded); border-radius: .5rem; padding: 1rem 1.25rem; margin: 0 0 1rem; }
.incident.impact-outage { border-left-color: var(--outage); }
.incident.impact-partial { border-left-color: var(--partial); }
.incident.impact-maintenance, .incident.impact-scheduled { border-left-color: var(--maintenance); }
.incident.resolved { border-left-color: var(--operational); }
.incident h3 { margin: 0 0 .25rem; font-size: 1.15rem; }
.incident h1 { margin: 0 0 .5rem; font-size: 1.6rem; }
.incident h2 { margin: 1.25rem 0 .5rem; font-size: 1.1rem; }
.meta { color: var(--muted); font-size: .9rem; margin: 0 0 .5rem; }
.badge { display: inline-block; border-radius: 1rem; padding: 0 .6rem; font-size: .85rem; font-weight: 600; color: var(--on-status); background: var(--operational); white-space: nowrap; }
.badge.status-outage { background: var(--outage); }
.badge.status-degraded { background: var(--degraded); }
.badge.status-partial { background: var(--partial); }
.badge.status-maintenance { background: var(--maintenance); }
.updates { list-style: none; margin: 0; padding: 0; }
.update { border-top: 1px solid var(--border); padding: .75rem 0 0; margin: .75rem 0 0; }
.update:first-child { border-top: 0; margin-top: .25rem; padding-top: 0; }
.update-head { margin: 0 0 .25rem; }
.phase { font-weight: 700; margin-right: .5rem; }
.when { color: var(--muted); font-size: .9rem; }
time, .ago { white-space: nowrap; }
.update-text p { margin: .25rem 0 .5rem; }
.components { list-style: none; margin: 0; padding: 0; border: 1px solid var(--border); border-radius: .5rem; }
.component { padding: .75rem 1rem; border-top: 1px solid var(--border); }
.component:first-child { border-top: 0; }
.component-head { display: flex; flex-wrap: wrap; align-items: center; gap: .25rem .75rem; }
.component-name { margin: 0; font-size: 1rem; flex: 1 1 auto; }
.uptime { color: var(--muted); font-size: .9rem; white-space: nowrap; }
/* The bar: 90 cells sharing the width, so it fits any screen; the tooltip spans the bar. */
.bar { position: relative; display: flex; gap: 1px; list-style: none; margin: .5rem 0 0; padding: 0; height: 2rem; }
.day { flex: 1 1 0; min-width: 0; border-radius: 1px; background: var(--day-none); cursor: default; }
.day-operational { background: var(--day-operational); }
.day-degraded { background: var(--day-degraded); }
.day-partial { background: var(--day-partial); }
.day-major { background: var(--day-major); }
.day-maintenance { background: var(--day-maintenance); }
.day:hover, .day:focus { outline: 2px solid var(--fg); outline-offset: 1px; }
.day:focus:not(:focus-visible):not(:hover) { outline: none; }
.tip { display: none; position: absolute; left: 0; right: 0; top: 100%; z-index: 3; margin-top: .35rem; padding: .5rem .75rem; background: var(--card); color: var(--fg); border: 1px solid var(--border); border-radius: .4rem; box-shadow: var(--tip-shadow); font-size: .9rem; cursor: auto; }
.tip::before { content: ""; position: absolute; left: 0; right: 0; top: -.4rem; height: .4rem; }
.day:hover .tip, .day:focus .tip, .day:focus-within .tip { display: block; }
.day.tip-closed .tip { display: none; }
.tip p { margin: 0; }
.tip ul { margin: .25rem 0 0; padding-left: 1.1rem; }
.tip-impact { color: var(--muted); }
.bar-ends { display: flex; justify-content: space-between; margin: .25rem 0 0; color: var(--muted); font-size: .8rem; }
.legend { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; margin: .75rem 0 0; padding: 0; font-size: .85rem; color: var(--muted); }
.legend li { display: flex; align-items: center; gap: .35rem; }
.swatch { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; outline: 1px solid var(--muted); outline-offset: -1px; }
.swatch:not(.day-none) { outline: 0; }
.help { color: var(--muted); font-size: .85rem; margin: .5rem 0 0; }
.window { margin: 0 0 .5rem; }
.months { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; margin: 0; padding: 0; }
.months .count { color: var(--muted); font-size: .9rem; }
.pager { margin: 1.5rem 0 0; }
.history { list-style: none; margin: 0; padding: 0; }
.history li { padding: .6rem 0; border-top: 1px solid var(--border); }
.history li:first-child { border-top: 0; }
.history .meta { margin: 0; }
.empty { color: var(--muted); }
.site-footer { border-top: 1px solid var(--border); color: var(--muted); font-size: .9rem; }
.site-footer .wrap { padding-top: 1rem; padding-bottom: 2rem; }
.site-footer p { margin: .25rem 0; }
@media (max-width: 30rem) {
  .overall { padding: .85rem 1rem; }
  .incident { padding: .85rem 1rem; }
  .component { padding: .6rem .75rem; }
  .bar { gap: 0; }
}
@media print {
  .skip, .site-header nav, .tip { display: none; }
  .overall { color: #000; background: none; border: 2px solid #000; }
}
`
