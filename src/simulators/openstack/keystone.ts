import { randomBytes } from 'node:crypto';
import type { SimRequest } from '../common';
import { isoMicros, json, keystoneError, noContent, objectBody, route, str, wrapped, type Route } from './http';
import { keystoneId, type OpenStackState, type Project, type User } from './state';

/*
 * Keystone v3: password auth scoped to a project, the catalog, and the admin calls the
 * gateway's provisioning uses (projects, users, roles, grants). Policy is the stock one,
 * reduced to "admin role or not".
 */

const V3 = '/identity/v3';
const UNAUTHORIZED = 'The request you have made requires authentication.';

export function keystoneRoutes(state: OpenStackState): Route[] {
  const r = (method: string, path: string, op: string, handle: Route['handle'], auth = true) =>
    route('keystone', method, `${V3}${path}`, op, handle, { auth });
  const forbidden = (action: string) => keystoneError(403, `You are not authorized to perform the requested action: identity:${action}.`);

  return [
    r('GET', '', 'keystone.version', () => json(200, { version: { id: 'v3.14', status: 'stable', links: [{ rel: 'self', href: `${state.baseUrl}${V3}/` }] } }), false),
    r('POST', '/auth/tokens', 'keystone.tokens.create', (req) => issueToken(state, req), false),
    r('GET', '/auth/tokens', 'keystone.tokens.validate', (req) => {
      const subject = state.authenticate(header(req, 'x-subject-token'));
      if (!subject?.token) return keystoneError(404, 'Failed to validate token');
      return json(200, tokenBody(state, subject.token.userId, subject.token.projectId, subject.token.issuedAt, subject.token.expiresAt), {
        'x-subject-token': subject.token.value,
      });
    }),
    r('DELETE', '/auth/tokens', 'keystone.tokens.revoke', (req) => {
      const subject = header(req, 'x-subject-token');
      if (!subject || !state.tokens.delete(subject)) return keystoneError(404, 'Failed to revoke token');
      return noContent();
    }),

    r('GET', '/domains', 'keystone.domains.list', (req, ctx) => {
      if (!ctx.isAdmin) return forbidden('list_domains');
      const name = req.url.searchParams.get('name');
      const domains = [...state.domains.values()]
        .filter((d) => name === null || d.name === name)
        .map((d) => ({ ...d, enabled: true, description: '', links: { self: `${state.baseUrl}${V3}/domains/${d.id}` } }));
      return json(200, { domains, links: { self: `${state.baseUrl}${req.url.pathname}`, next: null, previous: null } });
    }),

    r('POST', '/projects', 'keystone.projects.create', (req, ctx) => {
      if (!ctx.isAdmin) return forbidden('create_project');
      const body = wrapped(req, 'project');
      const name = str(body?.name);
      if (!body || !name) return keystoneError(400, "Invalid input for field 'name': 'name' is a required property");
      const domainId = str(body.domain_id) ?? 'default';
      if (!state.domains.has(domainId)) return keystoneError(400, `Could not find domain: ${domainId}.`);
      if ([...state.projects.values()].some((p) => p.domainId === domainId && p.name === name)) {
        return keystoneError(409, `Conflict occurred attempting to store project - Duplicate entry found with name ${name} at domain ID ${domainId}.`);
      }
      const project: Project = {
        id: keystoneId(),
        name,
        domainId,
        description: str(body.description) ?? '',
        enabled: body.enabled !== false,
        parentId: str(body.parent_id) ?? domainId,
        tags: [],
      };
      state.projects.set(project.id, project);
      return json(201, { project: projectView(state, project) });
    }),
    r('GET', '/projects', 'keystone.projects.list', (req, ctx) => {
      if (!ctx.isAdmin) return forbidden('list_projects');
      const q = req.url.searchParams;
      const projects = [...state.projects.values()].filter(
        (p) =>
          (q.get('name') === null || p.name === q.get('name')) &&
          (q.get('domain_id') === null || p.domainId === q.get('domain_id')) &&
          (q.get('parent_id') === null || p.parentId === q.get('parent_id')) &&
          (q.get('enabled') === null || String(p.enabled) === q.get('enabled')!.toLowerCase()),
      );
      return json(200, { projects: projects.map((p) => projectView(state, p)), links: listLinks(state, req) });
    }),
    r('GET', '/projects/:id', 'keystone.projects.show', (_req, ctx, { id }) => {
      const project = state.projects.get(id);
      if (!ctx.isAdmin && ctx.projectId !== id) return forbidden('get_project');
      if (!project) return keystoneError(404, `Could not find project: ${id}.`);
      return json(200, { project: projectView(state, project) });
    }),
    r('DELETE', '/projects/:id', 'keystone.projects.delete', (_req, ctx, { id }) => {
      if (!ctx.isAdmin) return forbidden('delete_project');
      if (!state.projects.delete(id)) return keystoneError(404, `Could not find project: ${id}.`);
      for (const a of [...state.assignments]) if (a.startsWith(`${id}/`)) state.assignments.delete(a);
      return noContent();
    }),

    r('POST', '/users', 'keystone.users.create', (req, ctx) => {
      if (!ctx.isAdmin) return forbidden('create_user');
      const body = wrapped(req, 'user');
      const name = str(body?.name);
      if (!body || !name) return keystoneError(400, "Invalid input for field 'name': 'name' is a required property");
      const domainId = str(body.domain_id) ?? 'default';
      if (!state.domains.has(domainId)) return keystoneError(400, `Could not find domain: ${domainId}.`);
      if (findUser(state, name, domainId)) {
        return keystoneError(409, `Conflict occurred attempting to store user - Duplicate entry found with name ${name} at domain ID ${domainId}.`);
      }
      const user: User = {
        id: keystoneId(),
        name,
        domainId,
        password: str(body.password) ?? randomBytes(16).toString('hex'),
        enabled: body.enabled !== false,
        defaultProjectId: str(body.default_project_id) ?? null,
        email: str(body.email) ?? null,
        description: str(body.description) ?? null,
      };
      state.users.set(user.id, user);
      return json(201, { user: userView(state, user) });
    }),
    r('GET', '/users', 'keystone.users.list', (req, ctx) => {
      if (!ctx.isAdmin) return forbidden('list_users');
      const q = req.url.searchParams;
      const users = [...state.users.values()].filter(
        (u) => (q.get('name') === null || u.name === q.get('name')) && (q.get('domain_id') === null || u.domainId === q.get('domain_id')),
      );
      return json(200, { users: users.map((u) => userView(state, u)), links: listLinks(state, req) });
    }),
    r('GET', '/users/:id', 'keystone.users.show', (_req, ctx, { id }) => {
      if (!ctx.isAdmin && ctx.userId !== id) return forbidden('get_user');
      const user = state.users.get(id);
      if (!user) return keystoneError(404, `Could not find user: ${id}.`);
      return json(200, { user: userView(state, user) });
    }),
    r('PATCH', '/users/:id', 'keystone.users.update', (req, ctx, { id }) => {
      if (!ctx.isAdmin) return forbidden('update_user');
      const user = state.users.get(id);
      if (!user) return keystoneError(404, `Could not find user: ${id}.`);
      const body = wrapped(req, 'user');
      if (!body) return keystoneError(400, "Invalid input for field 'user': 'user' is a required property");
      const name = str(body.name);
      if (name && name !== user.name && findUser(state, name, user.domainId)) {
        return keystoneError(409, `Conflict occurred attempting to store user - Duplicate entry found with name ${name} at domain ID ${user.domainId}.`);
      }
      if (name) user.name = name;
      if (str(body.password)) user.password = str(body.password)!;
      if (typeof body.enabled === 'boolean') user.enabled = body.enabled;
      if ('email' in body) user.email = str(body.email) ?? null;
      if ('description' in body) user.description = str(body.description) ?? null;
      if ('default_project_id' in body) user.defaultProjectId = str(body.default_project_id) ?? null;
      return json(200, { user: userView(state, user) });
    }),
    r('DELETE', '/users/:id', 'keystone.users.delete', (_req, ctx, { id }) => {
      if (!ctx.isAdmin) return forbidden('delete_user');
      if (!state.users.delete(id)) return keystoneError(404, `Could not find user: ${id}.`);
      for (const a of [...state.assignments]) if (a.split('/')[1] === id) state.assignments.delete(a);
      return noContent();
    }),

    r('GET', '/roles', 'keystone.roles.list', (req, ctx) => {
      if (!ctx.isAdmin) return forbidden('list_roles');
      const name = req.url.searchParams.get('name');
      const roles = [...state.roles.values()]
        .filter((role) => name === null || role.name === name)
        .map((role) => ({ id: role.id, name: role.name, domain_id: null, description: null, options: {}, links: { self: `${state.baseUrl}${V3}/roles/${role.id}` } }));
      return json(200, { roles, links: listLinks(state, req) });
    }),
    r('PUT', '/projects/:projectId/users/:userId/roles/:roleId', 'keystone.roles.grant', (_req, ctx, p) => {
      if (!ctx.isAdmin) return forbidden('create_grant');
      const missing = grantTargetMissing(state, p.projectId, p.userId, p.roleId);
      if (missing) return missing;
      state.assignments.add(`${p.projectId}/${p.userId}/${p.roleId}`);
      return noContent();
    }),
    r('HEAD', '/projects/:projectId/users/:userId/roles/:roleId', 'keystone.roles.check', (_req, ctx, p) => {
      if (!ctx.isAdmin) return forbidden('check_grant');
      const missing = grantTargetMissing(state, p.projectId, p.userId, p.roleId);
      if (missing) return missing;
      return state.assignments.has(`${p.projectId}/${p.userId}/${p.roleId}`) ? noContent() : json(404);
    }),
    r('DELETE', '/projects/:projectId/users/:userId/roles/:roleId', 'keystone.roles.revoke', (_req, ctx, p) => {
      if (!ctx.isAdmin) return forbidden('revoke_grant');
      const missing = grantTargetMissing(state, p.projectId, p.userId, p.roleId);
      if (missing) return missing;
      if (!state.assignments.delete(`${p.projectId}/${p.userId}/${p.roleId}`)) {
        return keystoneError(404, `Could not find role assignment with role: ${p.roleId}, user or group: ${p.userId}, project, domain, or system: ${p.projectId}.`);
      }
      return noContent();
    }),
    r('GET', '/role_assignments', 'keystone.role_assignments.list', (req, ctx) => {
      if (!ctx.isAdmin) return forbidden('list_role_assignments');
      const q = req.url.searchParams;
      const names = q.has('include_names');
      const out = [...state.assignments]
        .map((a) => a.split('/') as [string, string, string])
        .filter(
          ([projectId, userId, roleId]) =>
            (q.get('scope.project.id') === null || q.get('scope.project.id') === projectId) &&
            (q.get('user.id') === null || q.get('user.id') === userId) &&
            (q.get('role.id') === null || q.get('role.id') === roleId),
        )
        .map(([projectId, userId, roleId]) => ({
          role: names ? { id: roleId, name: state.roles.get(roleId)?.name } : { id: roleId },
          user: names ? { id: userId, name: state.users.get(userId)?.name } : { id: userId },
          scope: { project: names ? { id: projectId, name: state.projects.get(projectId)?.name } : { id: projectId } },
          links: { assignment: `${state.baseUrl}${V3}/projects/${projectId}/users/${userId}/roles/${roleId}` },
        }));
      return json(200, { role_assignments: out, links: listLinks(state, req) });
    }),
  ];
}

function header(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function findUser(state: OpenStackState, name: string, domainId: string): User | undefined {
  return [...state.users.values()].find((u) => u.name === name && u.domainId === domainId);
}

function domainOf(state: OpenStackState, ref: unknown): string | undefined {
  if (!ref || typeof ref !== 'object') return undefined;
  const d = ref as Record<string, unknown>;
  if (typeof d.id === 'string') return state.domains.has(d.id) ? d.id : undefined;
  if (typeof d.name === 'string') return [...state.domains.values()].find((x) => x.name === d.name)?.id;
  return undefined;
}

function issueToken(state: OpenStackState, req: SimRequest) {
  const auth = objectBody(req)?.auth as Record<string, unknown> | undefined;
  const identity = auth?.identity as Record<string, unknown> | undefined;
  const methods = identity?.methods;
  if (!Array.isArray(methods) || !methods.includes('password')) {
    return keystoneError(400, "Invalid input for field 'identity': 'methods' is a required property");
  }
  const userRef = (identity?.password as Record<string, unknown> | undefined)?.user as Record<string, unknown> | undefined;
  if (!userRef || typeof userRef.password !== 'string') return keystoneError(400, "Invalid input for field 'password': 'user' is a required property");

  let user: User | undefined;
  if (typeof userRef.id === 'string') user = state.users.get(userRef.id);
  else if (typeof userRef.name === 'string') {
    const domainId = domainOf(state, userRef.domain);
    user = domainId ? findUser(state, userRef.name, domainId) : undefined;
  }
  // Wrong password, unknown user and disabled user look the same on purpose.
  if (!user || !user.enabled || user.password !== userRef.password) return unauthorized(state);

  let projectId = user.defaultProjectId ?? '';
  const scope = (auth?.scope as Record<string, unknown> | undefined)?.project as Record<string, unknown> | undefined;
  if (scope) {
    let project: Project | undefined;
    if (typeof scope.id === 'string') project = state.projects.get(scope.id);
    else if (typeof scope.name === 'string') {
      const domainId = domainOf(state, scope.domain);
      if (!domainId) return unauthorized(state);
      project = [...state.projects.values()].find((p) => p.name === scope.name && p.domainId === domainId);
    }
    if (!project?.enabled) return unauthorized(state);
    projectId = project.id;
  }
  if (projectId && !state.roleNamesOf(user.id, projectId).length) return unauthorized(state);

  const issuedAt = Date.now();
  const value = `gAAAAA${randomBytes(90).toString('base64url')}`;
  const token = { value, userId: user.id, projectId, issuedAt, expiresAt: issuedAt + state.tokenTtlSeconds * 1000 };
  state.tokens.set(value, token);
  const body = tokenBody(state, user.id, projectId, issuedAt, token.expiresAt, req.url.searchParams.has('nocatalog'));
  return json(201, body, { 'x-subject-token': value });
}

function unauthorized(state: OpenStackState) {
  const res = keystoneError(401, UNAUTHORIZED);
  res.headers = { ...res.headers, 'www-authenticate': `Keystone uri="${state.baseUrl}/identity"` };
  return res;
}

function tokenBody(state: OpenStackState, userId: string, projectId: string, issuedAt: number, expiresAt: number, noCatalog = false) {
  const user = state.users.get(userId)!;
  const project = state.projects.get(projectId);
  const domain = (id: string) => ({ id, name: state.domains.get(id)?.name ?? id });
  const token: Record<string, unknown> = {
    methods: ['password'],
    user: { id: user.id, name: user.name, domain: domain(user.domainId), password_expires_at: null },
    audit_ids: [randomBytes(16).toString('base64url')],
    issued_at: isoMicros(issuedAt),
    expires_at: isoMicros(expiresAt),
  };
  if (project) {
    token.project = { id: project.id, name: project.name, domain: domain(project.domainId) };
    token.is_domain = false;
    token.roles = state.roleNamesOf(user.id, project.id).map((role) => ({ id: role.id, name: role.name }));
    if (!noCatalog) token.catalog = catalog(state, project.id);
  }
  return { token };
}

/**
 * Public endpoints are the simulator's own; internal and admin ones point at a host that does
 * not resolve, so a client that picks the wrong interface fails loudly.
 */
export function catalog(state: OpenStackState, projectId: string) {
  const services: [string, string, string][] = [
    ['identity', 'keystone', '/identity/v3'],
    ['compute', 'nova', '/compute/v2.1'],
    ['network', 'neutron', '/network'],
    ['image', 'glance', '/image'],
    ['block-storage', 'cinder', `/volume/v3/${projectId}`],
    ['volumev3', 'cinderv3', `/volume/v3/${projectId}`],
  ];
  return services.map(([type, name, path]) => ({
    id: stableId(type),
    type,
    name,
    endpoints: [
      { id: stableId(`${type}-public`), interface: 'public', region: 'RegionOne', region_id: 'RegionOne', url: `${state.baseUrl}${path}` },
      { id: stableId(`${type}-internal`), interface: 'internal', region: 'RegionOne', region_id: 'RegionOne', url: `http://controller.internal.invalid${path}` },
    ],
  }));
}

function stableId(seed: string): string {
  let h = 0;
  for (const c of seed) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h.toString(16).padStart(8, '0').repeat(4);
}

function projectView(state: OpenStackState, p: Project) {
  return {
    id: p.id,
    name: p.name,
    domain_id: p.domainId,
    description: p.description,
    enabled: p.enabled,
    is_domain: false,
    parent_id: p.parentId,
    tags: p.tags,
    options: {},
    links: { self: `${state.baseUrl}${V3}/projects/${p.id}` },
  };
}

function userView(state: OpenStackState, u: User) {
  const view: Record<string, unknown> = {
    id: u.id,
    name: u.name,
    domain_id: u.domainId,
    enabled: u.enabled,
    password_expires_at: null,
    options: {},
    links: { self: `${state.baseUrl}${V3}/users/${u.id}` },
  };
  if (u.defaultProjectId) view.default_project_id = u.defaultProjectId;
  if (u.email) view.email = u.email;
  if (u.description) view.description = u.description;
  return view;
}

function listLinks(state: OpenStackState, req: SimRequest) {
  return { self: `${state.baseUrl}${req.url.pathname}${req.url.search}`, next: null, previous: null };
}

function grantTargetMissing(state: OpenStackState, projectId: string, userId: string, roleId: string) {
  if (!state.projects.has(projectId)) return keystoneError(404, `Could not find project: ${projectId}.`);
  if (!state.users.has(userId)) return keystoneError(404, `Could not find user: ${userId}.`);
  if (!state.roles.has(roleId)) return keystoneError(404, `Could not find role: ${roleId}.`);
  return null;
}

/** The bootstrap every Keystone has: the Default domain, roles, the admin user in the admin project. */
export function bootstrapIdentity(state: OpenStackState, adminPassword: string): { adminProjectId: string; adminUserId: string } {
  for (const name of ['admin', 'member', 'reader']) {
    const id = keystoneId();
    state.roles.set(id, { id, name });
  }
  const adminProject: Project = { id: keystoneId(), name: 'admin', domainId: 'default', description: 'Bootstrap project', enabled: true, parentId: 'default', tags: [] };
  const service: Project = { ...adminProject, id: keystoneId(), name: 'service', description: 'Service project' };
  state.projects.set(adminProject.id, adminProject);
  state.projects.set(service.id, service);
  const admin: User = {
    id: keystoneId(),
    name: 'admin',
    domainId: 'default',
    password: adminPassword,
    enabled: true,
    defaultProjectId: adminProject.id,
    email: null,
    description: null,
  };
  state.users.set(admin.id, admin);
  for (const role of state.roles.values()) state.assignments.add(`${adminProject.id}/${admin.id}/${role.id}`);
  return { adminProjectId: adminProject.id, adminUserId: admin.id };
}

