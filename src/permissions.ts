/**
 * The one permission table (SPEC §2). Pages, API and CLI ask `can()`; repositories take the
 * scope that `scopeFor()` derives from it. `*_all` widens an action beyond the actor's own rows.
 */
export const roles = ['user', 'manager', 'admin'] as const;
export type Role = (typeof roles)[number];

export const permissions = [
  'profile:read',
  'profile:update',
  'tokens:manage',
  'recipients:write',
  'recipients:read_all',
  'recipients:write_all',
  'messages:write',
  'messages:read_all',
  'messages:write_all',
  'mailings:write',
  'mailings:read_all',
  'mailings:write_all',
  'mailings:disable',
  'stats:read_all',
  'users:list',
  'users:block',
  'users:block_privileged',
  'users:change_role',
  'users:delete',
  'posts:write',
  'posts:write_all',
  'posts:publish',
  'audit:read_own',
  'audit:read_all',
  'settings:manage',
  'mailbox:read',
] as const;
export type Permission = (typeof permissions)[number];

const userPermissions: Permission[] = [
  'profile:read',
  'profile:update',
  'tokens:manage',
  'recipients:write',
  'messages:write',
  'mailings:write',
  'posts:write',
];

const managerPermissions: Permission[] = [
  ...userPermissions,
  'recipients:read_all',
  'messages:read_all',
  'mailings:read_all',
  'mailings:disable',
  'stats:read_all',
  'users:list',
  'users:block',
  'posts:publish',
  'audit:read_own',
];

export const permissionTable: Readonly<Record<Role, ReadonlySet<Permission>>> = Object.freeze({
  user: new Set(userPermissions),
  manager: new Set(managerPermissions),
  admin: new Set(permissions),
});

/** Who is acting: a signed-in user (through a session, an API token or the CLI), or nobody. */
export interface Actor {
  readonly userId: number;
  readonly role: Role;
  readonly email: string;
  readonly fullName: string;
  readonly via: 'session' | 'token' | 'cli';
  /** The profile's language and time zone, for what Herald shows this user. */
  readonly language?: 'en' | 'ru';
  readonly timeZone?: string;
}

export function can(actor: Actor | null | undefined, permission: Permission): boolean {
  if (!actor) return false;
  return permissionTable[actor.role].has(permission);
}

/** True when the actor may change a row owned by `ownerId`: their own, or anyone's with the `*_write_all` permission. */
export function mayChange(actor: Actor, ownerId: number, writeAll: Permission): boolean {
  return ownerId === actor.userId || can(actor, writeAll);
}

export const isRole = (value: string): value is Role => (roles as readonly string[]).includes(value);
