// How large a hall screen's text must be to be read from the back of the hall (docs/boards.md "Legibility").
// Rule: a capital letter's height at least 1/357 of the viewing distance (28 mm at 10 m: about 10 minutes of
// arc, what signage standards ask for text read at a glance); the capital of DejaVu Sans, the board's font, is
// 0.73 of its size, counted here as 0.7 to keep a margin for the fallback fonts.
export const DISTANCE_PER_CAP = 357;
export const CAP_PER_EM = 0.7;

// A 16:9 screen's height in millimetres, from its diagonal in inches.
export function screenHeightMm(inches) {
  return (inches * 25.4 * 9) / Math.hypot(16, 9);
}

// The smallest cap height, in millimetres, legible from `metres`.
export function minCapMm(metres) {
  return (metres * 1000) / DISTANCE_PER_CAP;
}

// The smallest font size in CSS pixels for a page filling a screen of `inches` whose viewport is `cssHeight`
// CSS pixels high, read from `metres`.
export function minFontPx(inches, metres, cssHeight) {
  const mmPerPx = screenHeightMm(inches) / cssHeight;
  return minCapMm(metres) / CAP_PER_EM / mmPerPx;
}
