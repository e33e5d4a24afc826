import type { Logger } from '../logger';
import { CloudStackDriver } from './cloudstack';
import type { CloudDriver, DatacenterEndpoint } from './driver';
import { OpenStackDriver } from './openstack';
import { Upstream, type UpstreamObserver, type UpstreamOptions } from './upstream';

/**
 * One driver per datacenter for the life of the process: drivers keep tokens and sessions, and
 * every call to a datacenter shares that datacenter's circuit breaker. A datacenter whose row
 * changed (new URL or credentials) gets a fresh driver.
 */
export class CloudRegistry {
  private readonly drivers = new Map<string, { version: string; driver: CloudDriver }>();

  constructor(
    private readonly deps: { log: Logger; observer: UpstreamObserver | null; upstream?: UpstreamOptions },
  ) {}

  /** `version` changes whenever the endpoint does (the row's updated time). */
  driver(endpoint: DatacenterEndpoint, version: string): CloudDriver {
    const cached = this.drivers.get(endpoint.id);
    if (cached && cached.version === version) return cached.driver;
    const upstream = new Upstream(endpoint.name, this.deps.log, this.deps.observer, this.deps.upstream);
    const deps = { log: this.deps.log, upstream };
    const driver = endpoint.kind === 'OPENSTACK' ? new OpenStackDriver(endpoint, deps) : new CloudStackDriver(endpoint, deps);
    this.drivers.set(endpoint.id, { version, driver });
    return driver;
  }
}
