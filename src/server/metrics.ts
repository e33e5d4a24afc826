import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one gateway; a registry per app so several apps can share a process (tests). */
export class Metrics {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: 'ecsgraph_graphql_requests_total',
    help: 'GraphQL operations by operation name and outcome (ok or the first error code).',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly duration = new Histogram({
    name: 'ecsgraph_graphql_request_duration_seconds',
    help: 'GraphQL operation duration by operation name and outcome.',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly upstreamCalls = new Counter({
    name: 'ecsgraph_upstream_calls_total',
    help: 'Calls to cloud APIs (each attempt) by datacenter, operation and outcome.',
    labelNames: ['datacenter', 'operation', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly upstreamShared = new Counter({
    name: 'ecsgraph_upstream_shared_reads_total',
    help: 'Reads answered by a call to a cloud API already under way for another request (no call of their own), by datacenter and operation.',
    labelNames: ['datacenter', 'operation'] as const,
    registers: [this.registry],
  });

  readonly upstreamDuration = new Histogram({
    name: 'ecsgraph_upstream_call_duration_seconds',
    help: 'Duration of calls to cloud APIs by datacenter, operation and outcome.',
    labelNames: ['datacenter', 'operation', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'ecsgraph_' });
  }

  observe(operation: string, outcome: string, seconds: number): void {
    this.requests.inc({ operation, outcome });
    this.duration.observe({ operation, outcome }, seconds);
  }
}

/** Upstream samples, in the shape the drivers' HTTP client reports them. */
export function upstreamObserver(metrics: Metrics) {
  return {
    observe({ datacenter, operation, outcome, seconds }: { datacenter: string; operation: string; outcome: string; seconds: number }) {
      metrics.upstreamCalls.inc({ datacenter, operation, outcome });
      metrics.upstreamDuration.observe({ datacenter, operation, outcome }, seconds);
    },
    shared({ datacenter, operation }: { datacenter: string; operation: string }) {
      metrics.upstreamShared.inc({ datacenter, operation });
    },
  };
}

/** Operation names come from clients: keep label values short and tame. */
export function operationLabel(name: string | null | undefined): string {
  if (!name) return 'anonymous';
  return /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name) ? name : 'invalid';
}
