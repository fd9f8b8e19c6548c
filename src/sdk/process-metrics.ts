/**
 * Process and system metrics read at collection time (never on the request path): CPU time, resident and
 * virtual memory, open file descriptors, uptime, the used share of the data filesystem, and `app.info`.
 * Event-loop and heap metrics come from @opentelemetry/instrumentation-runtime-node.
 */
import { readdirSync, readFileSync, statfsSync } from "node:fs";
import type { Meter } from "@opentelemetry/api";
import {
  APP_INFO,
  FILESYSTEM_UTILIZATION,
  PROCESS_CPU_TIME,
  PROCESS_FILE_DESCRIPTORS,
  PROCESS_MEMORY_USAGE,
  PROCESS_MEMORY_VIRTUAL,
  PROCESS_UPTIME,
} from "../catalogue/instruments";
import {
  ATTR_CPU_MODE,
  ATTR_DEPLOYMENT_ENVIRONMENT_NAME,
  ATTR_PROCESS_RUNTIME_NAME,
  ATTR_PROCESS_RUNTIME_VERSION,
  ATTR_SERVICE_VERSION,
  ATTR_SYSTEM_FILESYSTEM_MOUNTPOINT,
} from "../semconv";

export interface ProcessMetricsOptions {
  readonly serviceVersion: string;
  readonly environment: string;
  /** The filesystem whose utilization is reported (the service's data directory). */
  readonly filesystemPath: string;
}

function virtualMemoryBytes(): number | undefined {
  try {
    // /proc/self/statm: size resident shared ... in pages.
    const pages = Number(readFileSync("/proc/self/statm", "utf8").split(" ")[0]);
    return Number.isFinite(pages) ? pages * 4096 : undefined;
  } catch {
    return undefined;
  }
}

function openFileDescriptors(): number | undefined {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return undefined;
  }
}

function filesystemUtilization(path: string): number | undefined {
  try {
    const s = statfsSync(path);
    const total = s.blocks * s.bsize;
    if (total <= 0) return undefined;
    return (total - s.bavail * s.bsize) / total;
  } catch {
    return undefined;
  }
}

export function registerProcessMetrics(meter: Meter, opts: ProcessMetricsOptions): void {
  meter
    .createObservableCounter(PROCESS_CPU_TIME.name, {
      unit: PROCESS_CPU_TIME.unit,
      description: PROCESS_CPU_TIME.description,
    })
    .addCallback((r) => {
      const u = process.cpuUsage();
      r.observe(u.user / 1e6, { [ATTR_CPU_MODE]: "user" });
      r.observe(u.system / 1e6, { [ATTR_CPU_MODE]: "system" });
    });
  meter
    .createObservableUpDownCounter(PROCESS_MEMORY_USAGE.name, {
      unit: PROCESS_MEMORY_USAGE.unit,
      description: PROCESS_MEMORY_USAGE.description,
    })
    .addCallback((r) => r.observe(process.memoryUsage.rss()));
  meter
    .createObservableUpDownCounter(PROCESS_MEMORY_VIRTUAL.name, {
      unit: PROCESS_MEMORY_VIRTUAL.unit,
      description: PROCESS_MEMORY_VIRTUAL.description,
    })
    .addCallback((r) => {
      const v = virtualMemoryBytes();
      if (v !== undefined) r.observe(v);
    });
  meter
    .createObservableUpDownCounter(PROCESS_FILE_DESCRIPTORS.name, {
      unit: PROCESS_FILE_DESCRIPTORS.unit,
      description: PROCESS_FILE_DESCRIPTORS.description,
    })
    .addCallback((r) => {
      const n = openFileDescriptors();
      if (n !== undefined) r.observe(n);
    });
  meter
    .createObservableGauge(PROCESS_UPTIME.name, {
      unit: PROCESS_UPTIME.unit,
      description: PROCESS_UPTIME.description,
    })
    .addCallback((r) => r.observe(process.uptime()));
  meter
    .createObservableGauge(FILESYSTEM_UTILIZATION.name, {
      unit: FILESYSTEM_UTILIZATION.unit,
      description: FILESYSTEM_UTILIZATION.description,
    })
    .addCallback((r) => {
      const u = filesystemUtilization(opts.filesystemPath);
      if (u !== undefined) r.observe(u, { [ATTR_SYSTEM_FILESYSTEM_MOUNTPOINT]: opts.filesystemPath });
    });
  const info = {
    [ATTR_SERVICE_VERSION]: opts.serviceVersion,
    [ATTR_DEPLOYMENT_ENVIRONMENT_NAME]: opts.environment,
    [ATTR_PROCESS_RUNTIME_NAME]: "nodejs",
    [ATTR_PROCESS_RUNTIME_VERSION]: process.versions.node,
  };
  meter
    .createObservableGauge(APP_INFO.name, { unit: APP_INFO.unit, description: APP_INFO.description })
    .addCallback((r) => r.observe(1, info));
}
