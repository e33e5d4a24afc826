import { syncImagesRunner } from '../graph/catalog/catalog.runners';
import { cleanupUserResourcesRunner } from '../graph/cleanup/cleanup.service';
import { cloudOperationRunner } from '../graph/tenancy/cloud-operation';
import { initializeAllUsersRunner, initializeUserRunner } from '../graph/tenancy/initialize';
import { registerAllUsersRunner, registerTenancyRunner, unregisterAllUsersRunner, unregisterTenancyRunner } from '../graph/tenancy/tenancy.runners';
import { workOrderReportRunner, workOrderRunner } from '../graph/work-order/work-order.runners';
import type { Runner } from './runner';

/** Every kind of work a worker can run, by the name its jobs keep. */
export const RUNNERS: ReadonlyMap<string, Runner> = new Map([cloudOperationRunner, syncImagesRunner, cleanupUserResourcesRunner, registerTenancyRunner, unregisterTenancyRunner, registerAllUsersRunner, unregisterAllUsersRunner, initializeUserRunner, initializeAllUsersRunner, workOrderRunner, workOrderReportRunner].map((r) => [r.name, r as Runner]));
