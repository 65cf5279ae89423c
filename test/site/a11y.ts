/**
 * A small accessibility check run inside the page in Chromium (as an expression for
 * `Runtime.evaluate`), on what the browser computed rather than on the markup:
 * - contrast (WCAG 2.x relative luminance): every visible text against the background
 *   behind it, at least 4.5:1; every coloured day cell against the page, at least 3:1
 *   (non-text contrast, WCAG 1.4.11; "no data" cells carry no colour meaning and are left out);
 * - landmarks: exactly one `header`, `main` and `footer` at the top level of `body`;
 * - each day cell's name is checked separately with Chromium's accessibility tree
 *   (`Page.accessibleNames`), which is what a screen reader is given.
 */
export interface A11yReport {
  landmarks: {header: number; main: number; footer: number}
  /** Texts below 4.5:1, worst first (at most 10). */
  lowContrastText: Array<{text: string; ratio: number; color: string; background: string}>
  minTextContrast: number
  checkedTexts: number
  /** Coloured cells below 3:1 against the page. */
  lowContrastCells: Array<{date: string; status: string; ratio: number}>
  pageBackground: string
}

export const A11Y_CHECK = String.raw`(() => {
  const parse = (s) => { const m = s.match(/rgba?\(([^)]+)\)/); if (!m) return [0, 0, 0, 0]; const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const over = (top, under) => { const a = top[3]; return [0, 1, 2].map((i) => top[i] * a + under[i] * (1 - a)).concat(1); };
  // The colour behind an element: its own background and its ancestors', blended, over the canvas.
  const backgroundOf = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; } }
    let bg = parse(getComputedStyle(document.documentElement).backgroundColor);
    if (bg[3] < 1) bg = matchMedia('(prefers-color-scheme: dark)').matches ? [18, 18, 18, 1] : [255, 255, 255, 1];
    for (const c of layers.reverse()) bg = over(c, bg);
    return bg;
  };
  const css = (c) => 'rgb(' + c.slice(0, 3).map(Math.round).join(', ') + ')';
  const visible = (el) => { if (el.getClientRects().length === 0) return false; const s = getComputedStyle(el); return s.visibility === 'visible' && s.display !== 'none' && Number(s.opacity) > 0; };
  const low = [];
  let min = 99, checked = 0;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || !el || !visible(el)) continue;
    const skip = el.closest('.skip'); if (skip && document.activeElement !== skip) continue;
    const fg = parse(getComputedStyle(el).color), bg = backgroundOf(el);
    const r = ratio(over(fg, bg), bg);
    checked++;
    min = Math.min(min, r);
    if (r < 4.5) low.push({text: n.textContent.trim().slice(0, 60), ratio: Math.round(r * 100) / 100, color: css(fg), background: css(bg)});
  }
  const page = backgroundOf(document.body);
  const cells = [];
  for (const cell of document.querySelectorAll('[data-status]')) {
    if (cell.dataset.status === 'none') continue;
    const r = ratio(backgroundOf(cell), page);
    if (r < 3) cells.push({date: cell.dataset.date, status: cell.dataset.status, ratio: Math.round(r * 100) / 100});
  }
  const top = (tag) => [...document.body.children].filter((e) => e.localName === tag).length;
  return {
    landmarks: {header: top('header'), main: top('main'), footer: top('footer')},
    lowContrastText: low.sort((a, b) => a.ratio - b.ratio).slice(0, 10),
    minTextContrast: Math.round(min * 100) / 100,
    checkedTexts: checked,
    lowContrastCells: cells.slice(0, 10),
    pageBackground: css(page),
  };
})()`
