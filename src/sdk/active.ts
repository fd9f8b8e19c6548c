/** The SDK the preload started, shared through a global symbol (one per process). */
import type { Sdk } from "./create-sdk";

const KEY = Symbol.for("procode.observability.sdk");
type G = typeof globalThis & { [KEY]?: Sdk };

export function setActiveSdk(sdk: Sdk | undefined): void {
  (globalThis as G)[KEY] = sdk;
}

export function getActiveSdk(): Sdk | undefined {
  return (globalThis as G)[KEY];
}
