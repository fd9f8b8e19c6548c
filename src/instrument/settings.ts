/** Process-wide switches the preload sets from configuration (content capture is off unless enabled). */
const KEY = Symbol.for("procode.observability.settings");
interface Settings {
  captureContent: boolean;
}
type G = typeof globalThis & { [KEY]?: Settings };

function settings(): Settings {
  const g = globalThis as G;
  g[KEY] ??= { captureContent: false };
  return g[KEY];
}

export function setCaptureContent(on: boolean): void {
  settings().captureContent = on;
}

export function captureContentEnabled(): boolean {
  return settings().captureContent;
}
