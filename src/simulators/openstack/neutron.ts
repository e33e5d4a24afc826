import type { SimResponse } from '../common';
import { isoNow, json, neutronError, noContent, objectBody, route, str, wrapped, type Route } from './http';
import { contains, defaultPool, overlaps, parseCidr, parseIp, poolSize } from './ip';
import {
  NETWORK_BASE,
  createPort,
  deletePort,
  floatingIpView,
  isRouterInterface,
  listResponse,
  networkView,
  networkVisible,
  notFound,
  overQuota,
  owns,
  policyDenied,
  portView,
  routerView,
  subnetView,
  subnetVisible,
  usedIps,
  allocateIp,
} from './neutron-core';
import { DURATIONS, uuid, type FloatingIp, type Network, type OpenStackState, type Port, type RequestContext, type Router, type Subnet } from './state';

/*
 * Neutron networks, subnets, ports, routers, floating IPs, IP availability and quotas. The
 * in-use rules are the real ones: a network with ports other than DHCP cannot go, a subnet with
 * allocations cannot go, a router with interfaces cannot go, router ports cannot be deleted
 * through the port API.
 */

export function neutronRoutes(state: OpenStackState): Route[] {
  const r = (method: string, path: string, op: string, handle: Route['handle'], auth = true) =>
    route('neutron', method, `${NETWORK_BASE}${path}`, op, handle, { auth });
  const usage = (projectId: string) => ({
    network: [...state.networks.values()].filter((n) => n.projectId === projectId).length,
    subnet: [...state.subnets.values()].filter((s) => s.projectId === projectId).length,
    port: [...state.ports.values()].filter((p) => p.projectId === projectId).length,
    router: [...state.routers.values()].filter((x) => x.projectId === projectId).length,
    floatingip: [...state.floatingIps.values()].filter((f) => f.projectId === projectId).length,
    security_group: [...state.securityGroups.values()].filter((g) => g.projectId === projectId).length,
    security_group_rule: [...state.securityGroupRules.values()].filter((x) => x.projectId === projectId).length,
  });
  const limits = (projectId: string) => {
    const q = state.quotas(projectId);
    return {
      network: q.networks,
      subnet: q.subnets,
      port: q.ports,
      router: q.routers,
      floatingip: q.floatingIps,
      security_group: q.securityGroups,
      security_group_rule: q.securityGroupRules,
    };
  };
  const targetProject = (ctx: RequestContext, body: Record<string, unknown>) =>
    (ctx.isAdmin && (str(body.project_id) ?? str(body.tenant_id))) || ctx.projectId;

  const visibleNetwork = (ctx: RequestContext, id: string) => {
    const n = state.networks.get(id);
    return n && networkVisible(ctx, n) ? n : undefined;
  };
  const ownedPort = (ctx: RequestContext, id: string) => {
    const p = state.ports.get(id);
    return p && owns(ctx, p.projectId) ? p : undefined;
  };
  const ownedRouter = (ctx: RequestContext, id: string) => {
    const x = state.routers.get(id);
    return x && owns(ctx, x.projectId) ? x : undefined;
  };

  return [
    r('GET', '', 'neutron.versions', () => json(200, { resources: [] })),
    r('GET', '/extensions', 'neutron.extensions.list', () =>
      json(200, {
        extensions: [
          'router',
          'external-net',
          'security-group',
          'fip-port-details',
          'filter-validation',
          'empty-string-filtering',
          'quota_details',
          'network-ip-availability',
          'standard-attr-description',
          'standard-attr-tag',
          'pagination',
          'sorting',
        ].map((alias) => ({ alias, name: alias, description: '', links: [], updated: '2019-01-01T00:00:00-00:00' })),
      }),
    ),

    // Networks
    r('GET', '/networks', 'neutron.networks.list', (req, ctx) =>
      listResponse(state, req, 'networks', [...state.networks.values()].filter((n) => networkVisible(ctx, n)).map((n) => networkView(state, n))),
    ),
    r('GET', '/networks/:id', 'neutron.networks.show', (_req, ctx, { id }) => {
      const n = visibleNetwork(ctx, id);
      return n ? json(200, { network: networkView(state, n) }) : notFound('Network', id);
    }),
    r('POST', '/networks', 'neutron.networks.create', (req, ctx) => {
      const body = wrapped(req, 'network');
      if (!body) return neutronError(400, 'HTTPBadRequest', 'Resource body required');
      if ((body.shared === true || body['router:external'] === true) && !ctx.isAdmin) return policyDenied('create_network:shared');
      const projectId = targetProject(ctx, body);
      if (usage(projectId).network >= limits(projectId).network) return overQuota('network');
      const now = isoNow();
      const n: Network = {
        id: uuid(),
        name: str(body.name) ?? '',
        projectId,
        description: str(body.description) ?? '',
        adminStateUp: body.admin_state_up !== false,
        shared: body.shared === true,
        external: body['router:external'] === true,
        mtu: typeof body.mtu === 'number' ? body.mtu : 1450,
        status: 'ACTIVE',
        azHints: Array.isArray(body.availability_zone_hints) ? body.availability_zone_hints.map(String) : [],
        // Networks take no tags on create (allow_post is false): only the tags API sets them.
        tags: [],
        revision: 1,
        createdAt: now,
        updatedAt: now,
      };
      state.networks.set(n.id, n);
      return json(201, { network: networkView(state, n) });
    }),
    r('PUT', '/networks/:id', 'neutron.networks.update', (req, ctx, { id }) => {
      const n = visibleNetwork(ctx, id);
      if (!n) return notFound('Network', id);
      if (!owns(ctx, n.projectId)) return policyDenied('update_network');
      const body = wrapped(req, 'network');
      if (!body) return neutronError(400, 'HTTPBadRequest', 'Resource body required');
      if (typeof body.name === 'string') n.name = body.name;
      if ('description' in body) n.description = str(body.description) ?? '';
      if (typeof body.admin_state_up === 'boolean') n.adminStateUp = body.admin_state_up;
      if (typeof body.mtu === 'number') n.mtu = body.mtu;
      n.revision++;
      n.updatedAt = isoNow();
      return json(200, { network: networkView(state, n) });
    }),
    r('DELETE', '/networks/:id', 'neutron.networks.delete', (_req, ctx, { id }) => {
      const n = visibleNetwork(ctx, id);
      if (!n) return notFound('Network', id);
      if (!owns(ctx, n.projectId)) return policyDenied('delete_network');
      const ports = [...state.ports.values()].filter((p) => p.networkId === id);
      if (ports.some((p) => p.deviceOwner !== 'network:dhcp')) {
        return neutronError(409, 'NetworkInUse', `Unable to complete operation on network ${id}. There are one or more ports still in use on the network.`);
      }
      for (const p of ports) state.ports.delete(p.id);
      for (const s of [...state.subnets.values()]) if (s.networkId === id) state.subnets.delete(s.id);
      state.networks.delete(id);
      return noContent();
    }),

    // Network tags (standard-attr-tag): reads follow the network's visibility, writes its owner.
    r('GET', '/networks/:id/tags', 'neutron.networks.tags.list', (_req, ctx, { id }) => {
      const n = visibleNetwork(ctx, id);
      return n ? json(200, { tags: [...n.tags] }) : tagResourceNotFound(id);
    }),
    r('PUT', '/networks/:id/tags', 'neutron.networks.tags.replace', (req, ctx, { id }) => {
      const n = visibleNetwork(ctx, id);
      if (!n) return tagResourceNotFound(id);
      if (!owns(ctx, n.projectId)) return policyDenied('update_networks_tags');
      const body = objectBody(req);
      const problem = tagsProblem(body);
      if (problem) return invalidInput(problem);
      n.tags = [...(body!.tags as string[])];
      touch(n);
      return json(200, { tags: [...n.tags] });
    }),
    r('DELETE', '/networks/:id/tags', 'neutron.networks.tags.clear', (_req, ctx, { id }) => {
      const n = visibleNetwork(ctx, id);
      if (!n) return tagResourceNotFound(id);
      if (!owns(ctx, n.projectId)) return policyDenied('delete_networks_tags');
      n.tags = [];
      touch(n);
      return noContent();
    }),
    r('GET', '/networks/:id/tags/:tag', 'neutron.networks.tags.show', (_req, ctx, { id, tag }) => {
      const problem = tagProblem(tag);
      if (problem) return invalidInput(problem);
      const n = visibleNetwork(ctx, id);
      if (!n) return tagResourceNotFound(id);
      return n.tags.includes(tag) ? noContent() : tagNotFound(tag);
    }),
    r('PUT', '/networks/:id/tags/:tag', 'neutron.networks.tags.add', (_req, ctx, { id, tag }) => {
      const problem = tagProblem(tag);
      if (problem) return invalidInput(problem);
      const n = visibleNetwork(ctx, id);
      if (!n) return tagResourceNotFound(id);
      if (!owns(ctx, n.projectId)) return policyDenied('update_networks_tags');
      if (!n.tags.includes(tag)) {
        n.tags.push(tag);
        touch(n);
      }
      return json(201);
    }),
    r('DELETE', '/networks/:id/tags/:tag', 'neutron.networks.tags.delete', (_req, ctx, { id, tag }) => {
      const problem = tagProblem(tag);
      if (problem) return invalidInput(problem);
      const n = visibleNetwork(ctx, id);
      if (!n) return tagResourceNotFound(id);
      if (!owns(ctx, n.projectId)) return policyDenied('delete_networks_tags');
      if (!n.tags.includes(tag)) return tagNotFound(tag);
      n.tags = n.tags.filter((t) => t !== tag);
      touch(n);
      return noContent();
    }),

    // Subnets
    r('GET', '/subnets', 'neutron.subnets.list', (req, ctx) =>
      listResponse(state, req, 'subnets', [...state.subnets.values()].filter((s) => subnetVisible(state, ctx, s)).map(subnetView)),
    ),
    r('GET', '/subnets/:id', 'neutron.subnets.show', (_req, ctx, { id }) => {
      const s = state.subnets.get(id);
      return s && subnetVisible(state, ctx, s) ? json(200, { subnet: subnetView(s) }) : notFound('Subnet', id);
    }),
    r('POST', '/subnets', 'neutron.subnets.create', (req, ctx) => createSubnet(state, ctx, wrapped(req, 'subnet'), usage, limits)),
    r('PUT', '/subnets/:id', 'neutron.subnets.update', (req, ctx, { id }) => {
      const s = state.subnets.get(id);
      if (!s || !subnetVisible(state, ctx, s)) return notFound('Subnet', id);
      if (!owns(ctx, s.projectId)) return policyDenied('update_subnet');
      const body = wrapped(req, 'subnet');
      if (!body) return neutronError(400, 'HTTPBadRequest', 'Resource body required');
      if ('cidr' in body || 'network_id' in body || 'ip_version' in body) {
        return neutronError(400, 'HTTPBadRequest', "Cannot update read-only attribute cidr, network_id or ip_version");
      }
      if (typeof body.name === 'string') s.name = body.name;
      if ('description' in body) s.description = str(body.description) ?? '';
      if (Array.isArray(body.dns_nameservers)) s.dnsNameservers = body.dns_nameservers.map(String);
      if (typeof body.enable_dhcp === 'boolean') s.enableDhcp = body.enable_dhcp;
      s.revision++;
      s.updatedAt = isoNow();
      return json(200, { subnet: subnetView(s) });
    }),
    r('DELETE', '/subnets/:id', 'neutron.subnets.delete', (_req, ctx, { id }) => {
      const s = state.subnets.get(id);
      if (!s || !subnetVisible(state, ctx, s)) return notFound('Subnet', id);
      if (!owns(ctx, s.projectId)) return policyDenied('delete_subnet');
      const holders = [...state.ports.values()].filter((p) => p.fixedIps.some((ip) => ip.subnet_id === id));
      if (holders.some((p) => p.deviceOwner !== 'network:dhcp')) {
        return neutronError(409, 'SubnetInUse', `Unable to complete operation on subnet ${id}: One or more ports have an IP allocation from this subnet.`);
      }
      for (const p of holders) {
        p.fixedIps = p.fixedIps.filter((ip) => ip.subnet_id !== id);
        if (!p.fixedIps.length) state.ports.delete(p.id);
      }
      state.subnets.delete(id);
      return noContent();
    }),

    // Ports
    r('GET', '/ports', 'neutron.ports.list', (req, ctx) =>
      listResponse(state, req, 'ports', [...state.ports.values()].filter((p) => owns(ctx, p.projectId)).map(portView)),
    ),
    r('GET', '/ports/:id', 'neutron.ports.show', (_req, ctx, { id }) => {
      const p = ownedPort(ctx, id);
      return p ? json(200, { port: portView(p) }) : notFound('Port', id);
    }),
    r('POST', '/ports', 'neutron.ports.create', (req, ctx) => {
      const body = wrapped(req, 'port');
      const networkId = str(body?.network_id);
      if (!body || !networkId) return neutronError(400, 'HTTPBadRequest', "Failed to parse request. Required attribute 'network_id' not specified");
      const n = visibleNetwork(ctx, networkId);
      if (!n) return notFound('Network', networkId);
      if (!owns(ctx, n.projectId) && !n.shared) return policyDenied('create_port');
      const projectId = targetProject(ctx, body);
      if (usage(projectId).port >= limits(projectId).port) return overQuota('port');
      const fixed = Array.isArray(body.fixed_ips) ? (body.fixed_ips[0] as Record<string, unknown> | undefined) : undefined;
      const groups = Array.isArray(body.security_groups) ? body.security_groups.map(String) : undefined;
      for (const g of groups ?? []) {
        const group = state.securityGroups.get(g);
        if (!group || !owns(ctx, group.projectId)) return notFound('SecurityGroup', g);
      }
      const port = createPort(state, {
        network: n,
        projectId,
        subnetId: str(fixed?.subnet_id),
        ipAddress: str(fixed?.ip_address),
        deviceId: str(body.device_id),
        deviceOwner: str(body.device_owner),
        securityGroups: groups,
        name: str(body.name),
      });
      if ('error' in port) return port.error;
      return json(201, { port: portView(port) });
    }),
    r('PUT', '/ports/:id', 'neutron.ports.update', (req, ctx, { id }) => {
      const p = ownedPort(ctx, id);
      if (!p) return notFound('Port', id);
      const body = wrapped(req, 'port');
      if (!body) return neutronError(400, 'HTTPBadRequest', 'Resource body required');
      if (typeof body.name === 'string') p.name = body.name;
      if ('description' in body) p.description = str(body.description) ?? '';
      if (typeof body.admin_state_up === 'boolean') p.adminStateUp = body.admin_state_up;
      if (typeof body.device_id === 'string') p.deviceId = body.device_id;
      if (typeof body.device_owner === 'string') p.deviceOwner = body.device_owner;
      if (Array.isArray(body.security_groups)) {
        for (const g of body.security_groups.map(String)) {
          const group = state.securityGroups.get(g);
          if (!group || !owns(ctx, group.projectId)) return notFound('SecurityGroup', g);
        }
        p.securityGroups = body.security_groups.map(String);
      }
      p.revision++;
      p.updatedAt = isoNow();
      return json(200, { port: portView(p) });
    }),
    r('DELETE', '/ports/:id', 'neutron.ports.delete', (_req, ctx, { id }) => {
      const p = ownedPort(ctx, id);
      if (!p) return notFound('Port', id);
      if (isRouterInterface(p.deviceOwner) || p.deviceOwner === 'network:router_gateway') {
        return neutronError(409, 'ServicePortInUse', `Port ${id} cannot be deleted directly via the port API: has device owner ${p.deviceOwner}.`);
      }
      deletePort(state, p);
      return noContent();
    }),

    // Routers
    r('GET', '/routers', 'neutron.routers.list', (req, ctx) =>
      listResponse(state, req, 'routers', [...state.routers.values()].filter((x) => owns(ctx, x.projectId)).map((x) => routerView(state, x))),
    ),
    r('GET', '/routers/:id', 'neutron.routers.show', (_req, ctx, { id }) => {
      const x = ownedRouter(ctx, id);
      return x ? json(200, { router: routerView(state, x) }) : notFound('Router', id);
    }),
    r('POST', '/routers', 'neutron.routers.create', (req, ctx) => {
      const body = wrapped(req, 'router');
      if (!body) return neutronError(400, 'HTTPBadRequest', 'Resource body required');
      const projectId = targetProject(ctx, body);
      if (usage(projectId).router >= limits(projectId).router) return overQuota('router');
      const now = isoNow();
      const router: Router = {
        id: uuid(),
        name: str(body.name) ?? '',
        projectId,
        description: str(body.description) ?? '',
        adminStateUp: body.admin_state_up !== false,
        status: 'ACTIVE',
        gateway: null,
        revision: 1,
        createdAt: now,
        updatedAt: now,
      };
      const gw = body.external_gateway_info;
      if (gw && typeof gw === 'object' && Object.keys(gw).length) {
        const error = setGateway(state, ctx, router, gw as Record<string, unknown>);
        if (error) return error;
      }
      state.routers.set(router.id, router);
      return json(201, { router: routerView(state, router) });
    }),
    r('PUT', '/routers/:id', 'neutron.routers.update', (req, ctx, { id }) => {
      const router = ownedRouter(ctx, id);
      if (!router) return notFound('Router', id);
      const body = wrapped(req, 'router');
      if (!body) return neutronError(400, 'HTTPBadRequest', 'Resource body required');
      if (typeof body.name === 'string') router.name = body.name;
      if ('description' in body) router.description = str(body.description) ?? '';
      if (typeof body.admin_state_up === 'boolean') router.adminStateUp = body.admin_state_up;
      if ('external_gateway_info' in body) {
        const gw = body.external_gateway_info as Record<string, unknown> | null;
        if (!gw || !Object.keys(gw).length) {
          if (router.gateway) {
            if ([...state.floatingIps.values()].some((f) => f.routerId === router.id)) {
              return neutronError(
                409,
                'RouterExternalGatewayInUseByFloatingIp',
                `Gateway cannot be updated for router ${router.id}, since a gateway to external network ${router.gateway.networkId} is required by one or more floating IPs.`,
              );
            }
            state.ports.delete(router.gateway.portId);
            router.gateway = null;
          }
        } else if (gw.network_id !== router.gateway?.networkId) {
          if (router.gateway) state.ports.delete(router.gateway.portId);
          router.gateway = null;
          const error = setGateway(state, ctx, router, gw);
          if (error) return error;
        }
      }
      router.revision++;
      router.updatedAt = isoNow();
      return json(200, { router: routerView(state, router) });
    }),
    r('DELETE', '/routers/:id', 'neutron.routers.delete', (_req, ctx, { id }) => {
      const router = ownedRouter(ctx, id);
      if (!router) return notFound('Router', id);
      if ([...state.ports.values()].some((p) => p.deviceId === id && isRouterInterface(p.deviceOwner))) {
        return neutronError(409, 'RouterInUse', `Router ${id} still has ports`);
      }
      if ([...state.floatingIps.values()].some((f) => f.routerId === id)) {
        return neutronError(409, 'RouterInUse', `Router ${id} still has ports`);
      }
      if (router.gateway) state.ports.delete(router.gateway.portId);
      state.routers.delete(id);
      return noContent();
    }),
    r('PUT', '/routers/:id/add_router_interface', 'neutron.routers.add_interface', (req, ctx, { id }) => {
      const router = ownedRouter(ctx, id);
      if (!router) return notFound('Router', id);
      const body = objectBody(req) ?? {};
      const subnetId = str(body.subnet_id);
      const portId = str(body.port_id);
      if (!!subnetId === !!portId) return neutronError(400, 'BadRequest', 'Bad router request: Either subnet_id or port_id must be specified.');
      let port: Port;
      let subnet: Subnet | undefined;
      if (subnetId) {
        subnet = state.subnets.get(subnetId);
        if (!subnet || !subnetVisible(state, ctx, subnet)) return notFound('Subnet', subnetId);
        if (!subnet.gatewayIp) return neutronError(400, 'BadRequest', `Bad router request: Subnet for router interface must have a gateway IP.`);
        const clash = interfaceClash(state, router, subnet);
        if (clash) return clash;
        const created = createPort(state, {
          network: state.networks.get(subnet.networkId)!,
          projectId: router.projectId,
          subnetId: subnet.id,
          ipAddress: subnet.gatewayIp,
          deviceId: router.id,
          deviceOwner: 'network:router_interface',
        });
        if ('error' in created) return created.error;
        port = created;
      } else {
        const existing = ownedPort(ctx, portId!);
        if (!existing) return notFound('Port', portId!);
        if (existing.deviceId) return neutronError(409, 'PortInUse', `Unable to complete operation on port ${existing.id} for network ${existing.networkId}. Port already has an attached device ${existing.deviceId}.`);
        subnet = existing.fixedIps[0] ? state.subnets.get(existing.fixedIps[0].subnet_id) : undefined;
        if (!subnet) return neutronError(400, 'BadRequest', `Bad router request: Router port must have at least one fixed IP.`);
        const clash = interfaceClash(state, router, subnet);
        if (clash) return clash;
        existing.deviceId = router.id;
        existing.deviceOwner = 'network:router_interface';
        existing.securityGroups = [];
        existing.status = 'ACTIVE';
        port = existing;
      }
      router.revision++;
      return json(200, interfaceInfo(router, port, subnet));
    }),
    r('PUT', '/routers/:id/remove_router_interface', 'neutron.routers.remove_interface', (req, ctx, { id }) => {
      const router = ownedRouter(ctx, id);
      if (!router) return notFound('Router', id);
      const body = objectBody(req) ?? {};
      const subnetId = str(body.subnet_id);
      const portId = str(body.port_id);
      if (!subnetId && !portId) return neutronError(400, 'BadRequest', 'Bad router request: Either subnet_id or port_id must be specified.');
      const interfaces = [...state.ports.values()].filter((p) => p.deviceId === router.id && isRouterInterface(p.deviceOwner));
      let port: Port | undefined;
      if (portId) {
        port = interfaces.find((p) => p.id === portId);
        if (!port) return neutronError(404, 'RouterInterfaceNotFound', `Router ${router.id} does not have an interface with id ${portId}`);
      } else {
        port = interfaces.find((p) => p.fixedIps.some((ip) => ip.subnet_id === subnetId));
        if (!port) return neutronError(404, 'RouterInterfaceNotFoundForSubnet', `Router ${router.id} has no interface on subnet ${subnetId}`);
      }
      const subnets = port.fixedIps.map((ip) => ip.subnet_id);
      const usedByFip = [...state.floatingIps.values()].some((f) => {
        if (f.routerId !== router.id || !f.portId) return false;
        const fixedPort = state.ports.get(f.portId);
        return !!fixedPort?.fixedIps.some((ip) => subnets.includes(ip.subnet_id));
      });
      if (usedByFip) {
        return neutronError(
          409,
          'RouterInterfaceInUseByFloatingIP',
          `Router interface for subnet ${subnets[0]} on router ${router.id} cannot be deleted, as it is required by one or more floating IPs.`,
        );
      }
      state.ports.delete(port.id);
      router.revision++;
      return json(200, interfaceInfo(router, port, state.subnets.get(subnets[0])));
    }),

    // Floating IPs
    r('GET', '/floatingips', 'neutron.floatingips.list', (req, ctx) =>
      listResponse(state, req, 'floatingips', [...state.floatingIps.values()].filter((f) => owns(ctx, f.projectId)).map((f) => floatingIpView(state, f))),
    ),
    r('GET', '/floatingips/:id', 'neutron.floatingips.show', (_req, ctx, { id }) => {
      const f = state.floatingIps.get(id);
      return f && owns(ctx, f.projectId) ? json(200, { floatingip: floatingIpView(state, f) }) : notFound('FloatingIP', id);
    }),
    r('POST', '/floatingips', 'neutron.floatingips.create', (req, ctx) => {
      const body = wrapped(req, 'floatingip');
      const networkId = str(body?.floating_network_id);
      if (!body || !networkId) return neutronError(400, 'HTTPBadRequest', "Failed to parse request. Required attribute 'floating_network_id' not specified");
      const n = visibleNetwork(ctx, networkId);
      if (!n) return notFound('Network', networkId);
      if (!n.external) return neutronError(400, 'BadRequest', `Bad floatingip request: Network ${networkId} is not a valid external network.`);
      const projectId = targetProject(ctx, body);
      if (usage(projectId).floatingip >= limits(projectId).floatingip) return overQuota('floatingip');
      const gwPort = createPort(state, { network: n, projectId: '', deviceOwner: 'network:floatingip', ipAddress: str(body.floating_ip_address) });
      if ('error' in gwPort) return gwPort.error;
      const now = isoNow();
      const fip: FloatingIp = {
        id: uuid(),
        projectId,
        address: gwPort.fixedIps[0]?.ip_address ?? '',
        floatingNetworkId: n.id,
        portId: null,
        fixedIp: null,
        routerId: null,
        status: 'DOWN',
        description: str(body.description) ?? '',
        revision: 0,
        createdAt: now,
        updatedAt: now,
      };
      gwPort.deviceId = fip.id;
      state.floatingIps.set(fip.id, fip);
      if (str(body.port_id)) {
        const error = associate(state, ctx, fip, str(body.port_id)!, str(body.fixed_ip_address));
        if (error) {
          state.floatingIps.delete(fip.id);
          state.ports.delete(gwPort.id);
          return error;
        }
      }
      return json(201, { floatingip: floatingIpView(state, fip) });
    }),
    r('PUT', '/floatingips/:id', 'neutron.floatingips.update', (req, ctx, { id }) => {
      const fip = state.floatingIps.get(id);
      if (!fip || !owns(ctx, fip.projectId)) return notFound('FloatingIP', id);
      const body = wrapped(req, 'floatingip');
      if (!body) return neutronError(400, 'HTTPBadRequest', 'Resource body required');
      if ('description' in body) fip.description = str(body.description) ?? '';
      if ('port_id' in body) {
        const portId = str(body.port_id);
        if (portId) {
          const error = associate(state, ctx, fip, portId, str(body.fixed_ip_address));
          if (error) return error;
        } else {
          fip.portId = null;
          fip.fixedIp = null;
          fip.routerId = null;
          fip.status = 'DOWN';
        }
      }
      fip.revision++;
      fip.updatedAt = isoNow();
      return json(200, { floatingip: floatingIpView(state, fip) });
    }),
    r('DELETE', '/floatingips/:id', 'neutron.floatingips.delete', (_req, ctx, { id }) => {
      const fip = state.floatingIps.get(id);
      if (!fip || !owns(ctx, fip.projectId)) return notFound('FloatingIP', id);
      for (const p of [...state.ports.values()]) if (p.deviceOwner === 'network:floatingip' && p.deviceId === id) state.ports.delete(p.id);
      state.floatingIps.delete(id);
      return noContent();
    }),

    // IP availability: admin only, as the stock policy has it.
    r('GET', '/network-ip-availabilities', 'neutron.network_ip_availabilities.list', (req, ctx) => {
      if (!ctx.isAdmin) return neutronError(404, 'HTTPNotFound', 'The resource could not be found.');
      const q = req.url.searchParams;
      const ids = q.getAll('network_id');
      const views = [...state.networks.values()].filter((n) => !ids.length || ids.includes(n.id)).map((n) => availability(state, n, q.get('ip_version')));
      return json(200, { network_ip_availabilities: views });
    }),
    r('GET', '/network-ip-availabilities/:id', 'neutron.network_ip_availabilities.show', (_req, ctx, { id }) => {
      if (!ctx.isAdmin) return neutronError(404, 'HTTPNotFound', 'The resource could not be found.');
      const n = state.networks.get(id);
      if (!n) return notFound('Network', id);
      return json(200, { network_ip_availability: availability(state, n, null) });
    }),

    // Quotas
    r('GET', '/quotas/:projectId', 'neutron.quotas.show', (_req, ctx, { projectId }) => {
      if (!ctx.isAdmin && ctx.projectId !== projectId) return policyDenied('get_quota');
      return json(200, { quota: limits(projectId) });
    }),
    r('GET', '/quotas/:projectId/details', 'neutron.quotas.details', (_req, ctx, { projectId }) => {
      if (!ctx.isAdmin && ctx.projectId !== projectId) return policyDenied('get_quota');
      const l = limits(projectId);
      const u = usage(projectId);
      const quota = Object.fromEntries(Object.entries(l).map(([k, limit]) => [k, { limit, used: u[k as keyof typeof u], reserved: 0 }]));
      return json(200, { quota });
    }),
  ];
}

/** neutron-lib's tag length limit (MAX_TAG_LEN). Commas are accepted, though the list filters split on them. */
const MAX_TAG_LEN = 255;

/** Python's `%s` of a JSON value, as Neutron's validators quote what they refuse. */
function pyText(value: unknown): string {
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  return JSON.stringify(value).replace(/"/g, "'");
}

function tagProblem(tag: unknown): string | null {
  if (typeof tag !== 'string') return `'${pyText(tag)}' is not a valid string`;
  if (tag.length > MAX_TAG_LEN) return `'${tag}' exceeds maximum length of ${MAX_TAG_LEN}`;
  return null;
}

/** validate_tags: a body with `tags`, a list, no duplicates, each a string of at most 255. */
function tagsProblem(body: Record<string, unknown> | undefined): string | null {
  if (!body || !('tags' in body)) return 'Invalid tags body';
  const tags = body.tags;
  if (!Array.isArray(tags)) return `'${pyText(tags)}' is not a list`;
  const seen = new Set<string>();
  const dups: unknown[] = [];
  for (const tag of tags) {
    const key = JSON.stringify(tag);
    if (seen.has(key) && !dups.some((d) => JSON.stringify(d) === key)) dups.push(tag);
    seen.add(key);
  }
  if (dups.length) return `Duplicate items in the list: '${dups.map(pyText).join(', ')}'`;
  for (const tag of tags) {
    const problem = tagProblem(tag);
    if (problem) return problem;
  }
  return null;
}

const invalidInput = (message: string) => neutronError(400, 'InvalidInput', `Invalid input for operation: ${message}.`);
const tagResourceNotFound = (id: string) => neutronError(404, 'TagResourceNotFound', `Resource networks ${id} could not be found.`);
const tagNotFound = (tag: string) => neutronError(404, 'TagNotFound', `Tag ${tag} could not be found.`);

/** A tag change is a change of the network: its revision moves on. */
function touch(n: Network): void {
  n.revision++;
  n.updatedAt = isoNow();
}

function createSubnet(
  state: OpenStackState,
  ctx: RequestContext,
  body: Record<string, unknown> | undefined,
  usage: (p: string) => { subnet: number },
  limits: (p: string) => { subnet: number },
): SimResponse {
  const networkId = str(body?.network_id);
  if (!body || !networkId) return neutronError(400, 'HTTPBadRequest', "Failed to parse request. Required attribute 'network_id' not specified");
  const n = state.networks.get(networkId);
  if (!n || !networkVisible(ctx, n)) return notFound('Network', networkId);
  if (!owns(ctx, n.projectId)) return policyDenied('create_subnet');
  const rawCidr = str(body.cidr);
  if (!rawCidr) return neutronError(400, 'BadRequest', 'Bad subnets request: a cidr must be specified in the absence of a subnet pool.');
  const cidr = parseCidr(rawCidr);
  if (!cidr) return neutronError(400, 'HTTPBadRequest', `Invalid input for cidr. Reason: '${rawCidr}' is not a valid IP subnet.`);
  if (cidr.text !== rawCidr) {
    return neutronError(400, 'HTTPBadRequest', `Invalid input for cidr. Reason: '${rawCidr}' isn't a recognized IP subnet cidr, '${cidr.text}' is recommended.`);
  }
  const ipVersion = body.ip_version === undefined ? 4 : Number(body.ip_version);
  if (ipVersion !== cidr.version) return neutronError(400, 'InvalidInput', `Invalid input for operation: Cidr ${rawCidr} does not match ip_version ${ipVersion}.`);
  const projectId = (ctx.isAdmin && str(body.project_id)) || n.projectId;
  if (usage(projectId).subnet >= limits(projectId).subnet) return overQuota('subnet');
  for (const other of state.subnets.values()) {
    if (other.networkId !== n.id) continue;
    const o = parseCidr(other.cidr);
    if (o && overlaps(o, cidr)) {
      return neutronError(400, 'InvalidInput', `Invalid input for operation: Requested subnet with cidr: ${rawCidr} for network: ${n.id} overlaps with another subnet.`);
    }
  }
  let gateway: string | null;
  if (body.gateway_ip === null) gateway = null;
  else if (typeof body.gateway_ip === 'string') {
    const ip = parseIp(body.gateway_ip);
    const host = ip ? ip.value - cidr.base : -1n;
    const broadcast = cidr.version === 4 ? cidr.size - 1n : -2n;
    if (!ip || !contains(cidr, body.gateway_ip) || host === 0n || host === broadcast) {
      return neutronError(400, 'InvalidInput', `Invalid input for operation: Gateway IP ${body.gateway_ip} is not in subnet ${rawCidr} or is its network or broadcast address.`);
    }
    gateway = body.gateway_ip;
  } else gateway = defaultPool(cidr, null)[0]?.start ?? null;

  let pools = defaultPool(cidr, gateway);
  if (Array.isArray(body.allocation_pools) && body.allocation_pools.length) {
    pools = [];
    for (const raw of body.allocation_pools as Record<string, unknown>[]) {
      const start = str(raw?.start);
      const end = str(raw?.end);
      if (!start || !end || !contains(cidr, start) || !contains(cidr, end)) {
        return neutronError(400, 'InvalidAllocationPool', `The allocation pool ${start}-${end} spans beyond the subnet cidr ${rawCidr}.`);
      }
      if (gateway) {
        const g = parseIp(gateway)!.value;
        if (g >= parseIp(start)!.value && g <= parseIp(end)!.value) {
          return neutronError(409, 'GatewayConflictWithAllocationPools', `Gateway ip ${gateway} conflicts with allocation pool ${start}-${end}.`);
        }
      }
      pools.push({ start, end });
    }
  }
  const now = isoNow();
  const subnet: Subnet = {
    id: uuid(),
    name: str(body.name) ?? '',
    projectId,
    networkId: n.id,
    ipVersion: cidr.version,
    cidr: cidr.text,
    gatewayIp: gateway,
    enableDhcp: body.enable_dhcp !== false,
    dnsNameservers: Array.isArray(body.dns_nameservers) ? body.dns_nameservers.map(String) : [],
    allocationPools: pools,
    hostRoutes: [],
    description: str(body.description) ?? '',
    revision: 0,
    createdAt: now,
    updatedAt: now,
  };
  state.subnets.set(subnet.id, subnet);
  if (subnet.enableDhcp && !n.external) {
    const dhcp = [...state.ports.values()].find((p) => p.networkId === n.id && p.deviceOwner === 'network:dhcp');
    const ip = allocateIp(state, subnet);
    if (dhcp && ip) dhcp.fixedIps.push({ subnet_id: subnet.id, ip_address: ip });
    else if (!dhcp) createPort(state, { network: n, projectId: n.projectId, subnetId: subnet.id, deviceOwner: 'network:dhcp', deviceId: `dhcp-${n.id}` });
  }
  return json(201, { subnet: subnetView(subnet) });
}

function setGateway(state: OpenStackState, ctx: RequestContext, router: Router, gw: Record<string, unknown>): SimResponse | null {
  const networkId = str(gw.network_id);
  const n = networkId ? state.networks.get(networkId) : undefined;
  if (!networkId || !n || !networkVisible(ctx, n)) return notFound('Network', networkId ?? '');
  if (!n.external) return neutronError(400, 'BadRequest', `Bad router request: Network ${networkId} is not a valid external network.`);
  const port = createPort(state, { network: n, projectId: '', deviceId: router.id, deviceOwner: 'network:router_gateway' });
  if ('error' in port) return port.error;
  router.gateway = { networkId: n.id, enableSnat: gw.enable_snat !== false, portId: port.id };
  return null;
}

function interfaceClash(state: OpenStackState, router: Router, subnet: Subnet): SimResponse | null {
  const cidr = parseCidr(subnet.cidr)!;
  for (const p of state.ports.values()) {
    if (p.deviceId !== router.id || !isRouterInterface(p.deviceOwner)) continue;
    for (const ip of p.fixedIps) {
      if (ip.subnet_id === subnet.id) return neutronError(400, 'BadRequest', `Bad router request: Router already has a port on subnet ${subnet.id}.`);
      const other = state.subnets.get(ip.subnet_id);
      const o = other ? parseCidr(other.cidr) : null;
      if (other && o && overlaps(o, cidr)) {
        return neutronError(400, 'BadRequest', `Bad router request: Cidr ${subnet.cidr} of subnet ${subnet.id} overlaps with cidr ${other.cidr} of subnet ${other.id}.`);
      }
    }
  }
  return null;
}

function interfaceInfo(router: Router, port: Port, subnet: Subnet | undefined) {
  return {
    id: router.id,
    subnet_id: subnet?.id ?? port.fixedIps[0]?.subnet_id,
    subnet_ids: port.fixedIps.map((ip) => ip.subnet_id),
    port_id: port.id,
    network_id: port.networkId,
    project_id: router.projectId,
    tenant_id: router.projectId,
    tags: [],
  };
}

/** A floating IP reaches a port only through a router that has both the port's subnet and a gateway on the FIP's network. */
function associate(state: OpenStackState, ctx: RequestContext, fip: FloatingIp, portId: string, fixedIp: string | undefined): SimResponse | null {
  const port = state.ports.get(portId);
  if (!port || !owns(ctx, port.projectId)) return notFound('Port', portId);
  const v4 = port.fixedIps.filter((ip) => parseIp(ip.ip_address)?.version === 4);
  const chosen = fixedIp ? v4.find((ip) => ip.ip_address === fixedIp) : v4[0];
  if (!chosen) return neutronError(400, 'BadRequest', `Bad floatingip request: Port ${portId} does not have any IPv4 address.`);
  const other = [...state.floatingIps.values()].find((f) => f.id !== fip.id && f.portId === portId && f.fixedIp === chosen.ip_address);
  if (other) {
    return neutronError(409, 'FloatingIPPortAlreadyAssociated', `Cannot associate floating IP ${fip.address} (${fip.id}) with port ${portId} using fixed IP ${chosen.ip_address}, as that fixed IP already has a floating IP on external network ${fip.floatingNetworkId}.`);
  }
  const router = [...state.routers.values()].find(
    (r) =>
      r.gateway?.networkId === fip.floatingNetworkId &&
      [...state.ports.values()].some((p) => p.deviceId === r.id && isRouterInterface(p.deviceOwner) && p.fixedIps.some((ip) => ip.subnet_id === chosen.subnet_id)),
  );
  if (!router) {
    return neutronError(
      404,
      'ExternalGatewayForFloatingIPNotFound',
      `External network ${fip.floatingNetworkId} is not reachable from subnet ${chosen.subnet_id}.  Therefore, cannot associate Port ${portId} with a Floating IP.`,
    );
  }
  fip.portId = port.id;
  fip.fixedIp = chosen.ip_address;
  fip.routerId = router.id;
  fip.status = 'DOWN';
  // The L3 agent wires the NAT a moment later; until then the IP reads DOWN.
  state.schedule(DURATIONS.fipAssociate, () => {
    if (fip.portId === port.id) fip.status = 'ACTIVE';
  });
  return null;
}

function availability(state: OpenStackState, n: Network, ipVersion: string | null) {
  const subnets = [...state.subnets.values()].filter((s) => s.networkId === n.id && (!ipVersion || String(s.ipVersion) === ipVersion));
  const per = subnets.map((s) => {
    const used = usedIps(state, s.id).size;
    const total = poolSize(s.allocationPools);
    return { subnet_id: s.id, subnet_name: s.name, cidr: s.cidr, ip_version: s.ipVersion, total_ips: jsonNumber(total), used_ips: used };
  });
  const total = subnets.reduce((acc, s) => acc + poolSize(s.allocationPools), 0n);
  return {
    network_id: n.id,
    network_name: n.name,
    project_id: n.projectId,
    tenant_id: n.projectId,
    total_ips: jsonNumber(total),
    used_ips: per.reduce((acc, s) => acc + s.used_ips, 0),
    subnet_ip_availability: per,
  };
}

/** IPv6 pools exceed 2^53; the real service writes the exact integer, JSON.stringify cannot, so big ones go out as strings. */
function jsonNumber(value: bigint): number | string {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}
