// Effective permissions: what a principal may do at a scope, from its role assignments at
// that scope or any ancestor (resource → parent resources → resource group → subscription),
// with ARM's `*` wildcards in actions and notActions. Used by AKS to check a cluster
// identity's rights on a BYO subnet, and to make the grant the CLI makes automatically.
import type { ArmContext } from "../context.js";
import { stableGuid } from "../ids.js";
import { NETWORK_CONTRIBUTOR } from "./builtinRoles.js";
import { allAssignments, isAtOrBelow, writeAssignment } from "./roleAssignments.js";
import { findRoleDefinition } from "./roleDefinitions.js";

const patternCache = new Map<string, RegExp>();

/** ARM action pattern match: case-insensitive, `*` matches any run of characters. */
export function actionMatches(pattern: string, action: string): boolean {
  let re = patternCache.get(pattern);
  if (!re) {
    const body = pattern
      .split("*")
      .map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, "\\$&"))
      .join(".*");
    re = new RegExp(`^${body}$`, "i");
    patternCache.set(pattern, re);
  }
  return re.test(action);
}

/** True when some role assigned to `principalId` at `scopeId` or above allows `action`. */
export async function hasPermission(
  ctx: ArmContext,
  principalId: string,
  scopeId: string,
  action: string,
): Promise<boolean> {
  const who = principalId.toLowerCase();
  for (const a of await allAssignments(ctx)) {
    if (a.data.principalId !== who || !isAtOrBelow(scopeId, a.data.scope)) continue;
    const role = await findRoleDefinition(ctx, a.data.roleGuid);
    if (!role) continue;
    for (const p of role.permissions) {
      if (
        p.actions.some((x) => actionMatches(x, action)) &&
        !p.notActions.some((x) => actionMatches(x, action))
      )
        return true;
    }
  }
  return false;
}

/** The actions of `wanted` that the principal lacks at the scope. */
export async function missingPermissions(
  ctx: ArmContext,
  principalId: string,
  scopeId: string,
  wanted: readonly string[],
): Promise<string[]> {
  const out: string[] = [];
  for (const w of wanted) if (!(await hasPermission(ctx, principalId, scopeId, w))) out.push(w);
  return out;
}

/**
 * Assigns a role unless the principal already holds it at exactly that scope. The name is
 * derived from (scope, principal, role) so re-running a script never piles up duplicates.
 */
export async function grantRole(
  ctx: ArmContext,
  scope: string,
  principalId: string,
  roleGuid: string = NETWORK_CONTRIBUTOR,
): Promise<void> {
  const who = principalId.toLowerCase();
  const exists = (await allAssignments(ctx)).some(
    (a) =>
      a.data.principalId === who &&
      a.data.roleGuid.toLowerCase() === roleGuid.toLowerCase() &&
      a.data.scope.toLowerCase() === scope.toLowerCase(),
  );
  if (exists) return;
  await writeAssignment(ctx, {
    scope,
    name: stableGuid("role-assignment", scope, who, roleGuid),
    roleGuid,
    principalId,
    principalType: "ServicePrincipal",
  });
}
